/*
 * fuzz_events.c: libFuzzer harness for the events YAML reader. Every input
 * must either load or fail with a message naming the input, and a loaded
 * file must answer every question without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int known(void *user, const char *id) {
  (void)user;
  return id[0] == 's';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  cf_events ev;
  cf_err err = {{0}};
  if (cf_events_load_mem((const char *)data, size, "fuzz.yaml", &ev, &err)) {
    if (strncmp(err.msg, "fuzz.yaml", 9)) abort(); /* must name the input */
    return 0;
  }
  cf_events_check_rule_ids(&ev, known, NULL);
  cf_event_relation *rel;
  size_t n = cf_events_for_build(&ev, "ci-1", "ghost", "upgrade", 1781329080,
                                 CF_TIME_NONE, &rel);
  for (size_t i = 0; i < n; i++)
    (void)cf_event_resolves(rel[i].event, "swarm-vip-exhaustion", "infra");
  free(rel);
  cf_events_free(&ev);
  return 0;
}
