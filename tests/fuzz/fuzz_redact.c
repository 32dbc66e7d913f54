/*
 * fuzz_redact.c: feeds any bytes to cf_redact_mem and checks its promises:
 * no crash or leak (the sanitizers watch), output NUL-terminated and never
 * longer than 10 * len, redacting the output again changes nothing, and
 * a secret planted after the input (on its own line) never survives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/redact.h"
#include "ciforensics/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char canary[] = "Zq9CanaryX7";

static int contains(const char *h, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (!memcmp(h + i, needle, k)) return 1;
  return 0;
}

static void fail(const char *what) {
  fprintf(stderr, "fuzz_redact: %s\n", what);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 20)) return 0; /* keep each run quick */
  size_t olen = 0, n = 0, olen2 = 0, n2 = 0;
  char *out = cf_redact_mem((const char *)data, size, &olen, &n);
  if (!out || out[olen] != '\0') fail("output not NUL-terminated");
  if (olen > 10 * size) fail("output grew past its bound");
  if (n == 0 && (olen != size || memcmp(out, data, size))) fail("changed text but counted nothing");
  char *again = cf_redact_mem(out, olen, &olen2, &n2);
  if (n2 != 0 || olen2 != olen || memcmp(again, out, olen)) fail("not idempotent");
  free(again);
  free(out);

  /* the same input with a secret on a line of its own after it */
  static const char line[] = "\nDB_PASSWORD=Zq9CanaryX7 \n";
  char *in = cf_xmalloc(size + sizeof line);
  if (size) memcpy(in, data, size);
  memcpy(in + size, line, sizeof line);
  out = cf_redact_mem(in, size + sizeof line - 1, &olen, &n);
  if (contains(out, olen, canary) && !contains((const char *)data, size, canary))
    fail("planted secret survived");
  free(out);
  free(in);
  return 0;
}
