/*
 * fuzz_prs.c: libFuzzer harness for the pull-request list reader. Every
 * input must load or fail with a message naming the input; every loaded PR
 * must answer the as-of questions without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/prs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cf_prs p;
  cf_err err = {{0}};
  if (cf_prs_load_mem((const char *)data, size, "fuzz.json", &p, &err)) {
    if (strncmp(err.msg, "fuzz.json", 9)) abort(); /* must name the input */
    return 0;
  }
  for (size_t i = 0; i < p.n; i++) {
    const cf_pr *pr = &p.items[i];
    if (cf_prs_find(&p, pr->number) != pr) abort(); /* numbers are unique */
    (void)cf_pr_state_name(cf_pr_state_at(pr, 1781331600));
    (void)cf_pr_state_at(pr, CF_TIME_NONE);
    (void)cf_pr_last_activity(pr, 1781331600);
    (void)cf_pr_head_matches(pr, "d88f5801");
  }
  cf_prs_free(&p);
  return 0;
}
