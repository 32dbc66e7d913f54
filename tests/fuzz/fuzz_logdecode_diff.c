/*
 * fuzz_logdecode_diff.c: the raw-blob prefilter (rawscan.h) against the
 * decoder and matcher it stands in front of. Arbitrary bytes are a step's
 * log blob; whenever cf_rawscan_may_hit says "cannot hit", decoding must
 * succeed with no truncation note and the shipped rules (CF_SOURCE_ROOT/
 * rules, else ./rules) must yield no hit, veto, observation or limit event.
 * Anything else aborts, which the fuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/logdecode.h"
#include "ciforensics/rawscan.h"
#include "ciforensics/rules.h"

static cf_ruleset *rules;
static cf_matcher *matcher;
static cf_rawscan *scan;

static void setup(void) {
  const char *root = getenv("CF_SOURCE_ROOT");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/rules", root ? root : ".");
  const char *dirs[] = {dir};
  cf_err err = {{0}};
  if (cf_ruleset_load(dirs, 1, &rules, &err)) {
    fprintf(stderr, "fuzz_logdecode_diff: %s\n", err.msg);
    abort();
  }
  matcher = cf_matcher_new(rules, NULL);
  scan = cf_rawscan_new(rules);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!rules) setup();
  if (size > (1u << 20)) return 0;
  const char *blob = (const char *)data;
  if (cf_rawscan_may_hit(scan, "test", blob, size)) return 0;
  cf_steplog log;
  cf_err err = {{0}};
  if (cf_steplog_decode(blob, size, CF_STEPLOG_MAX_BLOB, &log, &err)) {
    fprintf(stderr, "rawscan skipped a blob the decoder rejects: %s\n", err.msg);
    abort();
  }
  if (log.truncated) abort();
  cf_step_matches sm;
  cf_matcher_run(matcher, "test", &log, NULL, 0, &sm);
  int any = sm.n_hits || sm.n_vetoes || sm.n_limited;
  for (size_t i = 0; i < sm.n_observed; i++) any |= sm.observed[i].observed;
  cf_step_matches_free(&sm);
  cf_steplog_free(&log);
  if (any) {
    fprintf(stderr, "rawscan skipped a blob where a rule fires\n");
    abort();
  }
  return 0;
}
