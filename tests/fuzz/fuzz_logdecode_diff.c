/*
 * fuzz_logdecode_diff.c: the raw-blob prefilter (rawscan.h) against the
 * decoder and matcher it stands in front of. Arbitrary bytes are a step's
 * log blob; whenever cf_rawscan_may_hit says "cannot hit", decoding must
 * succeed with no truncation note and the shipped rules (CF_SOURCE_ROOT/
 * rules, else ./rules) must yield no hit, veto, observation or limit event
 * (tests/rawscan_oracle.h). Anything else aborts, which the fuzzer reports
 * as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rawscan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  oracle_setup();
  if (size > (1u << 20)) return 0;
  const char *blob = (const char *)data;
  if (cf_rawscan_may_hit(oracle_scan, "test", blob, size)) return 0;
  if (oracle_yields_something("test", blob, size)) {
    fprintf(stderr, "rawscan skipped a blob that decodes with a note or where a rule fires\n");
    abort();
  }
  return 0;
}
