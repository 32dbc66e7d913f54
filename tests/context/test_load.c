/*
 * Unit tests for analyzer/ingest/load.c: the CSV and Prometheus formats and
 * their bad forms with exact messages, the machine map, nearest-sample
 * lookup within a tolerance, and the median over a range.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/load.h"

static const char *data_path(const char *file) {
  static char path[4][4096];
  static int k;
  const char *root = getenv("CF_SOURCE_ROOT");
  k = (k + 1) % 4;
  snprintf(path[k], sizeof path[k], "%s/tests/context/data/%s",
           root ? root : ".", file);
  return path[k];
}

static cf_time T_(const char *s) {
  cf_time v = 0;
  return cf_time_parse(s, &v, NULL) ? -1 : v;
}

static void bad_csv(const char *csv, const char *msg) {
  cf_load l;
  cf_err err = {{0}};
  CHECK_INT(cf_load_read_mem(csv, strlen(csv), "load.csv", NULL, &l, &err),
            -1);
  CHECK_STR(err.msg, msg);
  CHECK_INT(l.n_series, 0);
}

static void bad_prom(const char *json, const char *msg) {
  cf_load l;
  cf_err err = {{0}};
  CHECK_INT(cf_load_read_mem(json, strlen(json), "load.json", NULL, &l, &err),
            -1);
  CHECK_STR(err.msg, msg);
  CHECK_INT(l.n_series, 0);
}

/* The same samples in both formats answer the same questions. */
static void check_ghost_samples(const cf_load *l, double median) {
  double v = -1;
  CHECK_INT(cf_load_at(l, "ci-1", T_("2026-06-13T03:00Z"), 60, &v), 0);
  CHECK(v == 6.0);
  /* 03:01:00 is 60 s from 03:00 and 60 s (csv) / 59.5 s (prom, floored to
   * 03:02:00) from 03:02: equal distance, the earlier sample wins */
  CHECK_INT(cf_load_at(l, "ci-1", T_("2026-06-13T03:01Z"), 60, &v), 0);
  CHECK(v == 6.0);
  CHECK_INT(cf_load_at(l, "ci-1", T_("2026-06-13T03:01:31Z"), 60, &v), 0);
  CHECK(v == 5.5);
  /* 04:00 is 58 minutes from the nearest ci-1 sample */
  CHECK_INT(cf_load_at(l, "ci-1", T_("2026-06-13T04:00Z"), 300, &v), 1);
  CHECK_INT(cf_load_at(l, "ci-1", T_("2026-06-13T04:00Z"), 3600, &v), 0);
  CHECK(v == 1.0);
  CHECK_INT(cf_load_at(l, "ci-2", T_("2026-06-13T03:00:30Z"), 60, &v), 0);
  CHECK(v == 2.0);
  CHECK_INT(cf_load_at(l, "ci-1", CF_TIME_NONE, 60, &v), 1);
  CHECK_INT(cf_load_at(l, "ci-1", INT64_MAX, INT64_MAX, &v), 1);
  CHECK_INT(cf_load_at(l, "ci-1", T_("2026-06-13T03:00Z"), -1, &v), 1);
  double med = 0;
  CHECK_INT(cf_load_median(l, "ci-1", T_("2026-06-13T02:00Z"),
                           T_("2026-06-13T03:30Z"), &med), 0);
  CHECK(med == median);
  CHECK_INT(cf_load_median(l, "ci-9", T_("2026-06-13T02:00Z"),
                           T_("2026-06-13T02:30Z"), &med), 1);
}

static void csv_file(void) {
  cf_load l;
  cf_err err = {{0}};
  CHECK_INT(cf_load_read(data_path("load.csv"), NULL, &l, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_STR(l.format, "csv");
  CHECK_INT(l.n_series, 3);
  CHECK(l.series[0].machine == NULL); /* the every-machine row first */
  CHECK_INT(l.series[0].n, 1);
  CHECK_STR(l.series[1].machine, "ci-1");
  CHECK_INT(l.series[1].n, 4);
  CHECK_STR(l.series[2].machine, "ci-2");
  CHECK_INT(l.series[1].samples[0].t, T_("2026-06-13T02:58Z"));
  CHECK_INT(l.n_warnings, 0);
  check_ghost_samples(&l, 5.75); /* 1.5 6.0 5.5, everyone's 9.0 */
  /* the every-machine row: ci-2 at 03:00 sees both 2.0 (its own, same
   * time) and 9.0 (everyone's); its own wins the tie */
  double v;
  CHECK_INT(cf_load_at(&l, "ci-2", T_("2026-06-13T03:00Z"), 0, &v), 0);
  CHECK(v == 2.0);
  CHECK_INT(cf_load_at(&l, "ci-3", T_("2026-06-13T03:00:10Z"), 60, &v), 0);
  CHECK(v == 9.0);
  CHECK_INT(cf_load_at(&l, NULL, T_("2026-06-13T03:00Z"), 60, &v), 0);
  CHECK(v == 9.0);
  /* ci-1 at 03:00: own 6.0 at distance 0 beats everyone's 9.0 at 0 */
  CHECK_INT(cf_load_at(&l, "ci-1", T_("2026-06-13T03:00Z"), 0, &v), 0);
  CHECK(v == 6.0);
  double med;
  CHECK_INT(cf_load_median(&l, "ci-2", CF_TIME_NONE, CF_TIME_NONE, &med), 0);
  CHECK(med == 5.5); /* 2.0 and 9.0 */
  cf_load_free(&l);
  cf_load_free(&l);
  cf_load_free(NULL);
}

static void csv_forms(void) {
  cf_load l;
  cf_err err = {{0}};
  /* no header, CRLF, quotes, Unix seconds with a fraction, no zone */
  const char *csv = "\"1781319600.9\",\"3.25\"\r\n"
                    "2026-06-13T03:01:00,4,ci-1\r\n"
                    "2026-06-13T03:02:00,4,ci-1\r\n";
  CHECK_INT(cf_load_read_mem(csv, strlen(csv), "x.csv", NULL, &l, &err), 0);
  CHECK_INT(l.n_series, 2);
  CHECK_INT(l.series[0].samples[0].t, 1781319600);
  CHECK(l.series[0].samples[0].value == 3.25);
  CHECK_INT(l.n_warnings, 1);
  CHECK_STR(l.warnings[0], "x.csv:2: time '2026-06-13T03:01:00' names no "
                           "zone; it and any like it are taken as UTC");
  cf_load_free(&l);
  CHECK_INT(cf_load_read_mem("", 0, "x.csv", NULL, &l, &err), 0);
  CHECK_INT(l.n_series, 0);
  double v;
  CHECK_INT(cf_load_at(&l, "ci-1", 0, 1000, &v), 1);
  cf_load_free(&l);
}

static void csv_bad(void) {
  bad_csv("time,value\nyesterday,1\n",
          "load.csv:2: bad time 'yesterday' (expected ISO 8601 with Z or an "
          "offset, or Unix seconds)");
  bad_csv("1781319600,high\n",
          "load.csv:1: bad value 'high' (expected a finite number)");
  bad_csv("1781319600,nan\n",
          "load.csv:1: bad value 'nan' (expected a finite number)");
  bad_csv("# c\n\n1781319600\n",
          "load.csv:3: expected time,value[,machine] (too few fields)");
  bad_csv("1781319600,1,ci-1,extra\n",
          "load.csv:1: expected time,value[,machine] (too many fields)");
  /* a header is only the first row */
  bad_csv("1781319600,1\ntime,value\n",
          "load.csv:2: bad time 'time' (expected ISO 8601 with Z or an "
          "offset, or Unix seconds)");
  const char nul[] = "1781319600,1\n17813\0,2\n";
  cf_load l;
  cf_err err = {{0}};
  CHECK_INT(cf_load_parse_csv(nul, sizeof nul - 1, "load.csv", NULL, &l, &err),
            -1);
  CHECK_STR(err.msg, "load.csv:2: contains a NUL byte (not a text file)");
}

static void prom_file(void) {
  cf_load l;
  cf_err err = {{0}};
  /* without a map, 10.0.0.7:9100 is machine 10.0.0.7 */
  CHECK_INT(cf_load_read(data_path("load-prom.json"), NULL, &l, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_STR(l.format, "prometheus");
  CHECK_INT(l.n_series, 2);
  CHECK_STR(l.series[0].machine, "10.0.0.7");
  CHECK_STR(l.series[1].machine, "ci-1");
  CHECK_INT(l.n_warnings, 1);
  CHECK_CONTAINS(l.warnings[0], "data.result[1]: 1 NaN/Inf samples skipped");
  cf_load_free(&l);
  /* with the map, it is ci-2 */
  CHECK_INT(cf_load_read(data_path("load-prom.json"),
                         data_path("machine-map.txt"), &l, &err), 0);
  CHECK_INT(l.n_series, 2);
  CHECK_STR(l.series[0].machine, "ci-1");
  CHECK_STR(l.series[1].machine, "ci-2");
  check_ghost_samples(&l, 5.5); /* 1.5 6.0 5.5 */
  cf_load_free(&l);
}

static void prom_unmapped_and_global(void) {
  cf_machine_map map;
  cf_err err = {{0}};
  const char *m = "node-a ci-1\n";
  CHECK_INT(cf_machine_map_load_mem(m, strlen(m), "map.txt", &map, &err), 0);
  const char *json =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
      "{\"metric\":{\"instance\":\"node-a:9100\"},\"values\":[[100,\"1\"]]},"
      "{\"metric\":{\"instance\":\"node-b:9100\"},\"values\":[[100,\"2\"]]},"
      "{\"metric\":{},\"values\":[[100,\"3\"]]}]}}";
  cf_load l;
  CHECK_INT(cf_load_read_mem(json, strlen(json), "p.json", &map, &l, &err), 0);
  CHECK_INT(l.n_series, 3);
  CHECK(l.series[0].machine == NULL);
  CHECK_STR(l.series[1].machine, "ci-1");
  CHECK_STR(l.series[2].machine, "node-b");
  CHECK_INT(l.n_warnings, 1);
  CHECK_STR(l.warnings[0], "p.json: data.result[1]: instance 'node-b:9100' is "
                           "not in the machine map map.txt; taken as machine "
                           "'node-b'");
  cf_load_free(&l);
  cf_machine_map_free(&map);
}

static void prom_bad(void) {
  bad_prom("{\"status\":\"success\",\n\"data\": [1,}",
           "load.json:2: not valid JSON");
  bad_prom("{\"status\":\"error\",\"errorType\":\"bad_data\"}",
           "load.json: status: expected \"success\", got error");
  bad_prom("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
           "\"result\":[]}}",
           "load.json: data.resultType: expected \"matrix\" (a range "
           "query), got vector");
  bad_prom("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\"}}",
           "load.json: data.result: expected an array");
  bad_prom("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
           "\"result\":[{\"metric\":{\"instance\":5},\"values\":[]}]}}",
           "load.json: data.result[0].metric.instance: expected a string");
  bad_prom("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
           "\"result\":[{\"metric\":{},\"values\":[[1,\"2\"],[3]]}]}}",
           "load.json: data.result[0].values[1]: expected [time, \"value\"]");
  bad_prom("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
           "\"result\":[{\"metric\":{},\"values\":[[\"1\",\"2\"]]}]}}",
           "load.json: data.result[0].values[0][0]: expected Unix seconds");
  bad_prom("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
           "\"result\":[{\"values\":[[1,\"x\"]]}]}}",
           "load.json: data.result[0].values[0][1]: bad value 'x' (expected "
           "a number)");
  bad_prom("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
           "\"result\":[7]}}",
           "load.json: data.result[0]: expected an object");
  bad_prom("{\"status\":\"success\"} {}",
           "load.json:1: unexpected text after the JSON value");
}

static void machine_map(void) {
  cf_machine_map map;
  cf_err err = {{0}};
  CHECK_INT(cf_machine_map_load(data_path("machine-map.txt"), &map, &err), 0);
  CHECK_INT(map.n, 2);
  CHECK_STR(cf_machine_map_lookup(&map, "10.0.0.7:9100"), "ci-2");
  CHECK_STR(cf_machine_map_lookup(&map, "10.0.0.7"), "ci-2");
  CHECK_STR(cf_machine_map_lookup(&map, "ci-1:9100"), "ci-1");
  CHECK(cf_machine_map_lookup(&map, "ci-1:9200") == NULL);
  CHECK(cf_machine_map_lookup(NULL, "ci-1") == NULL);
  cf_machine_map_free(&map);
  const char *dup = "a x\n# c\nb y\na z\n";
  CHECK_INT(cf_machine_map_load_mem(dup, strlen(dup), "map.txt", &map, &err),
            -1);
  CHECK_STR(err.msg, "map.txt:4: instance 'a' is already mapped on line 1");
  cf_err_clear(&err);
  const char *one = "\n  lonely\n";
  CHECK_INT(cf_machine_map_load_mem(one, strlen(one), "map.txt", &map, &err),
            -1);
  CHECK_STR(err.msg, "map.txt:2: expected 'instance machine'");
  cf_err_clear(&err);
  cf_load l;
  CHECK_INT(cf_load_read(data_path("load.csv"), "/nonexistent/map", &l, &err),
            -1);
  CHECK_STR(err.msg, "/nonexistent/map: cannot open: No such file or "
                     "directory");
}

static void instance_host(void) {
  const char *cases[][2] = {
      {"ci-1:9100", "ci-1"}, {"ci-1", "ci-1"},     {"10.0.0.7:9100", "10.0.0.7"},
      {"[::1]:9100", "::1"}, {"fe80::1", "fe80::1"}, {"host:", "host:"},
      {"host:http", "host:http"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *h = cf_instance_host(cases[i][0]);
    CHECK_STR(h, cases[i][1]);
    free(h);
  }
}

static void bounds(void) {
  cf_load l;
  cf_err err = {{0}};
  size_t n = CF_LOAD_MAX_BYTES + 1;
  char *huge = cf_xmalloc(n);
  memset(huge, '\n', n);
  CHECK_INT(cf_load_read_mem(huge, n, "big.csv", NULL, &l, &err), -1);
  CHECK_STR(err.msg, "big.csv: larger than the 33554432-byte limit");
  free(huge);
}

CF_TEST_MAIN(T(csv_file), T(csv_forms), T(csv_bad), T(prom_file),
             T(prom_unmapped_and_global), T(prom_bad), T(machine_map),
             T(instance_host), T(bounds))
