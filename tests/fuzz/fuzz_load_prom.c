/*
 * fuzz_load_prom.c: libFuzzer harness for the Prometheus JSON load reader. Every
 * input must load or fail with a message naming the input; a loaded file
 * must answer nearest-sample and median queries without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char map_text[] = "ci-1:9100 ci-1\n10.0.0.7 ci-2\n";
  cf_machine_map map;
  cf_err err = {{0}};
  if (cf_machine_map_load_mem(map_text, sizeof map_text - 1, "map.txt", &map,
                              &err))
    abort();
  cf_load l;
  if (cf_load_parse_prom((const char *)data, size, "fuzz.json", &map, &l, &err)) {
    if (strncmp(err.msg, "fuzz.", 5)) abort(); /* must name the input */
  } else {
    double v;
    for (size_t i = 0; i < l.n_series; i++) {
      const cf_load_series *s = &l.series[i];
      for (size_t j = 1; j < s->n; j++)
        if (s->samples[j].t < s->samples[j - 1].t) abort(); /* sorted */
      if (s->n) (void)cf_load_at(&l, s->machine, s->samples[0].t + 1, 30, &v);
    }
    (void)cf_load_at(&l, "ci-1", 1781329080, 300, &v);
    (void)cf_load_median(&l, "ci-2", CF_TIME_NONE, CF_TIME_NONE, &v);
    cf_load_free(&l);
  }
  cf_machine_map_free(&map);
  return 0;
}
