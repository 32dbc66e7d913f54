/*
 * fuzz_junit.c: feeds arbitrary bytes to the JUnit reader and, when they
 * load, to the tier mapping, spans and genuine-pass check built on it.
 * Nothing may crash, hang, leak or print. Seeds: tests/fuzz/corpus/junit/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/genuine.h"
#include "ciforensics/junit.h"
#include "ciforensics/tiermap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cf_junit j;
  cf_err err = {{0}};
  if (cf_junit_load_mem((const char *)data, size, "upgrade.xml", &j, &err)) {
    if (!err.msg[0]) __builtin_trap(); /* a rejection must say why */
    return 0;
  }
  if (j.tests != j.n_cases ||
      j.failures + j.errors + j.skipped > j.tests)
    __builtin_trap();
  cf_tier_span *spans = NULL;
  size_t n = cf_junit_tier_spans(&j, 1, &spans);
  cf_tier_spans_free(spans, n);
  cf_genuine g;
  cf_genuine_check(NULL, &j, 1, 1781331182, 1781331310, &g);
  char *d = cf_genuine_describe(&g);
  free(d);
  cf_genuine_free(&g);
  cf_junit_free(&j);
  return 0;
}
