/*
 * fuzz_results.c: feeds arbitrary bytes to the results.json reader. It must
 * either load them or reject them with a message, never crash, hang or
 * leak. Seeds: tests/fuzz/corpus/results/.
 */
#include <stdint.h>
#include <string.h>

#include "ciforensics/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cf_results r;
  cf_err err = {{0}};
  if (cf_results_load_mem((const char *)data, size, "fuzz.json", &r, &err) == 0) {
    /* exercise the lookups on whatever was read */
    (void)cf_results_skip_is_intentional(&r, "backup");
    (void)cf_results_stage(&r, "install");
    cf_results_free(&r);
  } else if (!err.msg[0]) {
    __builtin_trap(); /* a rejection must say why */
  }
  return 0;
}
