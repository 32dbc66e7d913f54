/* Unit tests for tier mapping (analyzer/analysis/tiermap.c) and genuine-pass
 * facts (analyzer/analysis/genuine.c): keyword mapping, aggregates, spans
 * and their log lines, the level ladder, and a genuine pass with each way
 * it can fail to be one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/genuine.h"
#include "ciforensics/tiermap.h"

/* 2026-06-13T06:13:02Z and 06:15:10Z: build #612's window. */
#define T0 1781331182
#define T_END 1781331310

static void text_mapping(void) {
  CHECK_INT(cf_tiermap_text("test_install"), CF_TIERID_INSTALL);
  CHECK_INT(cf_tiermap_text("TestUpgradeFromPrevious"), CF_TIERID_UPGRADE);
  CHECK_INT(cf_tiermap_text("tests/backup/test_x.py"), CF_TIERID_BACKUP);
  CHECK_INT(cf_tiermap_text("test_restore_after_backup"), CF_TIERID_RESTORE);
  CHECK_INT(cf_tiermap_text("test_backup_then_restore"), CF_TIERID_BACKUP);
  CHECK_INT(cf_tiermap_text("Custom"), CF_TIERID_CUSTOM);
  CHECK_INT(cf_tiermap_text("tests.functional.login"), CF_TIERID_CUSTOM);
  CHECK_INT(cf_tiermap_text("smoke_homepage"), CF_TIERID_CUSTOM);
  CHECK_INT(cf_tiermap_text("abra_recipe_lint"), CF_TIERID_LINT);
  CHECK_INT(cf_tiermap_text("reinstall_twice"), CF_TIERID_NONE);
  CHECK_INT(cf_tiermap_text("test_uninstall"), CF_TIERID_NONE);
  CHECK_INT(cf_tiermap_text("splinter"), CF_TIERID_NONE);
  CHECK_INT(cf_tiermap_text("REINSTALL"), CF_TIERID_NONE);
  CHECK_INT(cf_tiermap_text(""), CF_TIERID_NONE);
  CHECK_INT(cf_tiermap_text(NULL), CF_TIERID_NONE);
  CHECK_INT(cf_tier_parse("L3"), CF_TIERID_BACKUP);
  CHECK_INT(cf_tier_parse("smoke"), CF_TIERID_CUSTOM);
  CHECK_INT(cf_tier_parse("RESTORE"), CF_TIERID_RESTORE);
  CHECK_INT(cf_tier_parse("L6"), CF_TIERID_NONE);
  CHECK_INT(cf_tier_rung(CF_TIERID_RESTORE), 3);
  CHECK_STR(cf_tier_name(CF_TIERID_LINT), "lint");
  CHECK(cf_tier_name(CF_TIERID_NONE) == NULL);
}

static void case_mapping_order(void) {
  cf_junit j = {0};
  j.path = "runs/612/upgrade.xml";
  cf_junit_case c = {0};
  c.suite = "pytest";
  c.classname = "tests.ghost.test_backup";
  c.name = "test_install_page";
  CHECK_INT(cf_tiermap_case(&j, &c), CF_TIERID_INSTALL); /* name first */
  c.name = "test_page";
  CHECK_INT(cf_tiermap_case(&j, &c), CF_TIERID_BACKUP); /* then classname */
  c.classname = "tests.ghost";
  c.suite = "restore-suite";
  CHECK_INT(cf_tiermap_case(&j, &c), CF_TIERID_RESTORE); /* then suite */
  c.suite = "pytest";
  CHECK_INT(cf_tiermap_case(&j, &c), CF_TIERID_UPGRADE); /* then file */
  CHECK_INT(cf_tiermap_case(NULL, &c), CF_TIERID_NONE);
  j.path = "install/junit.xml"; /* only the base name counts */
  CHECK_INT(cf_tiermap_case(&j, &c), CF_TIERID_NONE);
}

/* One JUnit file for a tier: one testcase of secs seconds, plus child. */
static void tier_file(cf_junit *j, const char *tier, const char *ts,
                      double secs, const char *child) {
  cf_buf x = {0}, name = {0};
  cf_buf_printf(&x, "<testsuites><testsuite name=\"pytest\" timestamp=\"%s\">"
                "<testcase classname=\"tests.ghost.test_%s\" name=\"test_%s\" "
                "time=\"%g\">%s</testcase></testsuite></testsuites>",
                ts, tier, tier, secs, child ? child : "");
  cf_buf_printf(&name, "%s.xml", tier);
  cf_err err = {{0}};
  if (cf_junit_load_mem(x.data, x.len, name.data, j, &err))
    fprintf(stderr, "fixture: %s\n", err.msg);
  cf_buf_free(&x);
  cf_buf_free(&name);
}

typedef struct run {
  const char *ts[5];
  double secs[5];
  const char *child[5];
} run;

static run ghost(void) {
  run r = {{"2026-06-13T06:13:02", "2026-06-13T06:13:53",
            "2026-06-13T06:14:38", "2026-06-13T06:14:43",
            "2026-06-13T06:14:49"},
           {51, 45, 5, 6, 4},
           {NULL, NULL, NULL, NULL, NULL}};
  return r;
}

static void load_run(const run *r, cf_junit files[5]) {
  static const char *tiers[] = {"install", "upgrade", "backup", "restore",
                                "custom"};
  for (int i = 0; i < 5; i++)
    tier_file(&files[i], tiers[i], r->ts[i], r->secs[i], r->child[i]);
}

static void free_run(cf_junit files[5]) {
  for (int i = 0; i < 5; i++) cf_junit_free(&files[i]);
}

static const char *results_ok =
    "{\"recipe\": \"ghost\", \"stages\": [{\"name\": \"install\", \"status\": "
    "\"pass\"}, {\"name\": \"upgrade\", \"status\": \"pass\"}, {\"name\": "
    "\"backup\", \"status\": \"pass\"}, {\"name\": \"restore\", \"status\": "
    "\"pass\"}, {\"name\": \"custom\", \"status\": \"pass\"}], \"level\": 5, "
    "\"rungs\": {\"L1\": \"pass\", \"L2\": \"pass\", \"L3\": \"pass\", "
    "\"L4\": \"pass\", \"L5\": \"pass\"}, \"lint\": {\"status\": \"pass\"}}";

static void results_of(const char *json, cf_results *r) {
  cf_err err = {{0}};
  if (cf_results_load_mem(json, strlen(json), "results.json", r, &err))
    fprintf(stderr, "fixture: %s\n", err.msg);
}

static int has_problem(const cf_genuine *g, const char *text) {
  for (size_t i = 0; i < g->n_problems; i++)
    if (!strcmp(g->problems[i], text)) return 1;
  fprintf(stderr, "problem not found: \"%s\"; have:\n", text);
  for (size_t i = 0; i < g->n_problems; i++)
    fprintf(stderr, "  \"%s\"\n", g->problems[i]);
  return 0;
}

static void aggregate_and_spans(void) {
  run r = ghost();
  r.child[1] = "<failure message=\"paused\"/>";
  cf_junit f[5];
  load_run(&r, f);
  cf_tier_agg agg[CF_N_TIERS];
  size_t unmapped = 99;
  cf_tiermap_aggregate(f, 5, agg, &unmapped);
  CHECK_INT(unmapped, 0);
  CHECK_INT(agg[CF_TIERID_UPGRADE].tests, 1);
  CHECK_INT(agg[CF_TIERID_UPGRADE].failures, 1);
  CHECK_INT(cf_tier_agg_status(&agg[CF_TIERID_UPGRADE]), CF_TIER_FAIL);
  CHECK_INT(cf_tier_agg_status(&agg[CF_TIERID_INSTALL]), CF_TIER_PASS);
  CHECK_INT(cf_tier_agg_status(&agg[CF_TIERID_LINT]), CF_TIER_UNKNOWN);
  CHECK(agg[CF_TIERID_INSTALL].start == T0);
  CHECK(agg[CF_TIERID_INSTALL].end == T0 + 51);
  CHECK(isnan(agg[CF_TIERID_LINT].start));
  cf_tier_span *spans = NULL;
  size_t n = cf_junit_tier_spans(f, 5, &spans);
  CHECK_INT(n, 5);
  CHECK_STR(spans[0].name, "install");
  CHECK_STR(spans[0].source, "junit");
  CHECK_INT(spans[0].start, T0);
  CHECK_INT(spans[0].end, T0 + 51);
  CHECK_STR(spans[4].name, "custom");
  CHECK_INT(spans[4].start, T0 + 107);
  CHECK_INT(spans[4].end, T0 + 111);
  CHECK_INT(spans[0].first_line, 0);

  /* Map the spans onto a harness step that started 2 s before install. */
  cf_log_line lines[6] = {{0}};
  long at[6] = {0, 2, 30, 53, 54, 200}; /* seconds since step start */
  for (int i = 0; i < 6; i++) {
    lines[i].pos = i * 10; /* pos need not be dense */
    lines[i].time = at[i];
  }
  cf_steplog log = {0};
  log.lines = lines;
  log.n_lines = 6;
  cf_tier_spans_map_lines(spans, n, &log, T0 - 2);
  CHECK_INT(spans[0].first_line, 11); /* pos 10 + 1, at T0 */
  CHECK_INT(spans[0].last_line, 31);  /* pos 30, at T0 + 51 */
  CHECK_INT(spans[1].first_line, 31); /* the boundary line is in both */
  CHECK_INT(spans[1].last_line, 41);  /* pos 40, at T0 + 52 */
  CHECK_INT(spans[2].first_line, 0);  /* no line inside backup */
  cf_tier_spans_map_lines(spans, n, &log, CF_TIME_NONE); /* no-op */
  CHECK_INT(spans[0].first_line, 11);
  cf_tier_spans_free(spans, n);
  free_run(f);
}

static void level_ladder(void) {
  cf_tier_status st[CF_N_TIERS];
  int intent[CF_N_TIERS] = {0};
  cf_tier_id blk;
  for (int i = 0; i < CF_N_TIERS; i++) st[i] = CF_TIER_PASS;
  CHECK_INT(cf_tier_level(st, intent, &blk), 5);
  CHECK_INT(blk, CF_TIERID_NONE);
  st[CF_TIERID_LINT] = CF_TIER_FAIL;
  CHECK_INT(cf_tier_level(st, intent, &blk), 4);
  CHECK_INT(blk, CF_TIERID_LINT);
  st[CF_TIERID_LINT] = CF_TIER_PASS;
  st[CF_TIERID_UPGRADE] = CF_TIER_UNVER;
  CHECK_INT(cf_tier_level(st, intent, &blk), 1);
  CHECK_INT(blk, CF_TIERID_UPGRADE);
  st[CF_TIERID_UPGRADE] = CF_TIER_PASS;
  st[CF_TIERID_INSTALL] = CF_TIER_FAIL;
  CHECK_INT(cf_tier_level(st, intent, NULL), 0);
  st[CF_TIERID_INSTALL] = CF_TIER_PASS;
  /* L3 both skipped on purpose: the climb goes on */
  st[CF_TIERID_BACKUP] = st[CF_TIERID_RESTORE] = CF_TIER_SKIP;
  intent[CF_TIERID_BACKUP] = intent[CF_TIERID_RESTORE] = 1;
  CHECK_INT(cf_tier_level(st, intent, NULL), 5);
  /* one of them skipped by accident: blocked at L3 */
  intent[CF_TIERID_RESTORE] = 0;
  CHECK_INT(cf_tier_level(st, intent, &blk), 2);
  CHECK_INT(blk, CF_TIERID_RESTORE);
  /* L5 skipped on purpose: level is the highest passed rung */
  st[CF_TIERID_BACKUP] = st[CF_TIERID_RESTORE] = CF_TIER_PASS;
  st[CF_TIERID_LINT] = CF_TIER_SKIP;
  intent[CF_TIERID_LINT] = 1;
  CHECK_INT(cf_tier_level(st, intent, NULL), 4);
  st[CF_TIERID_CUSTOM] = CF_TIER_UNKNOWN;
  CHECK_INT(cf_tier_level(st, intent, NULL), 3);
}

/* Judge a run built from r against results json and the #612 window. */
static void judge(const run *r, const char *json, cf_time start, cf_time end,
                  cf_genuine *g) {
  cf_junit f[5];
  load_run(r, f);
  cf_results res;
  results_of(json, &res);
  cf_genuine_check(&res, f, 5, start, end, g);
  cf_results_free(&res);
  free_run(f);
}

static void genuine_ghost_612_files(void) {
  const char *root = getenv("CF_SOURCE_ROOT");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tests/artifacts/data/ghost-612",
           root ? root : ".");
  static const char *names[] = {"install", "upgrade", "backup", "restore",
                                "custom"};
  cf_junit f[5];
  cf_err err = {{0}};
  for (int i = 0; i < 5; i++) {
    char p[4200];
    snprintf(p, sizeof p, "%s/%s.xml", dir, names[i]);
    CHECK_INT(cf_junit_load(p, &f[i], &err), 0);
  }
  char p[4200];
  snprintf(p, sizeof p, "%s/results.json", dir);
  cf_results r;
  CHECK_INT(cf_results_load(p, &r, &err), 0);
  CHECK_STR(err.msg, "");
  cf_genuine g;
  cf_genuine_check(&r, f, 5, T0, T_END, &g);
  for (size_t i = 0; i < g.n_problems; i++)
    fprintf(stderr, "unexpected problem: %s\n", g.problems[i]);
  CHECK_INT(g.genuine, 1);
  CHECK_INT(g.level_implied, 5);
  CHECK_INT(g.tiers[CF_TIERID_UPGRADE].start, T0 + 51);
  CHECK_INT(g.tiers[CF_TIERID_UPGRADE].end, T0 + 96);
  CHECK_INT(g.tiers[CF_TIERID_INSTALL].tests, 2);
  char *d = cf_genuine_describe(&g);
  CHECK_STR(d, "install 51 s → upgrade 45 s → backup 5 s → restore 6 s → "
               "custom 4 s, in order, inside the build window "
               "06:13:02–06:15:10Z; results.json level 5 agrees with JUnit");
  free(d);
  CHECK(cf_genuine_level_note(&g) == NULL);
  cf_genuine_free(&g);
  cf_results_free(&r);
  for (int i = 0; i < 5; i++) cf_junit_free(&f[i]);
}

static void genuine_in_memory(void) {
  run r = ghost();
  cf_genuine g;
  judge(&r, results_ok, T0, T_END, &g);
  CHECK_INT(g.genuine, 1);
  CHECK_INT(g.n_problems, 0);
  cf_genuine_free(&g);
  cf_genuine_free(NULL);
}

static void not_genuine_out_of_order(void) {
  run r = ghost();
  r.ts[1] = "2026-06-13T06:13:40"; /* upgrade before install ended */
  cf_genuine g;
  judge(&r, results_ok, T0, T_END, &g);
  CHECK_INT(g.genuine, 0);
  CHECK(has_problem(&g, "upgrade starts at 06:13:40Z, before install ended "
                        "at 06:13:53Z"));
  char *d = cf_genuine_describe(&g);
  CHECK_CONTAINS(d, "; not genuine: upgrade starts at 06:13:40Z");
  free(d);
  cf_genuine_free(&g);
}

static void not_genuine_outside_window(void) {
  run r = ghost();
  cf_genuine g;
  judge(&r, results_ok, T0 + 10, T0 + 108, &g);
  CHECK_INT(g.genuine, 0);
  CHECK(has_problem(&g, "install starts at 06:13:02Z, before the build "
                        "started at 06:13:12Z"));
  CHECK(has_problem(&g, "custom ends at 06:14:53Z, after the build finished "
                        "at 06:14:50Z"));
  cf_genuine_free(&g);
  judge(&r, results_ok, CF_TIME_NONE, CF_TIME_NONE, &g);
  CHECK(has_problem(&g, "the build's started-finished window is unknown"));
  cf_genuine_free(&g);
}

static void not_genuine_zero_or_too_long(void) {
  run r = ghost();
  r.secs[2] = 0; /* backup took no time at all */
  cf_genuine g;
  judge(&r, results_ok, T0, T_END, &g);
  CHECK_INT(g.genuine, 0);
  CHECK(has_problem(&g, "backup took zero time"));
  CHECK_INT(g.n_problems, 1);
  cf_genuine_free(&g);
  r = ghost();
  r.secs[4] = 400;
  judge(&r, results_ok, T0, T_END, &g);
  CHECK(has_problem(&g, "custom took 400 s, longer than the whole build "
                        "(128 s)"));
  CHECK(has_problem(&g, "custom ends at 06:21:29Z, after the build finished "
                        "at 06:15:10Z"));
  cf_genuine_free(&g);
}

static void not_genuine_level_disagrees(void) {
  run r = ghost();
  cf_genuine g;
  /* lint failed, but results.json still claims level 5 */
  char *json = cf_xstrdup(results_ok);
  memcpy(strstr(json, "{\"status\": \"pass\"}}") + 12, "fail", 4);
  judge(&r, json, T0, T_END, &g);
  free(json);
  CHECK_INT(g.genuine, 0);
  CHECK_INT(g.level_implied, 4);
  CHECK_INT(g.level_results, 5);
  CHECK(has_problem(&g, "lint: fail"));
  CHECK(has_problem(&g, "rung L5: results.json says pass, but the tiers say "
                        "blocked (lint: fail)"));
  CHECK(has_problem(&g, "results.json says level 5 but the tiers imply "
                        "level 4 (lint: fail)"));
  char *note = cf_genuine_level_note(&g);
  CHECK_STR(note, "results.json says level 5 but the tiers imply level 4 "
                  "(lint: fail)");
  free(note);
  cf_genuine_free(&g);
}

static void not_genuine_results_disagree_with_junit(void) {
  run r = ghost();
  r.child[1] = "<error message=\"upgrade op failed\"/>";
  cf_genuine g;
  judge(&r, results_ok, T0, T_END, &g);
  CHECK_INT(g.genuine, 0);
  CHECK(has_problem(&g, "upgrade: fail"));
  CHECK(has_problem(&g, "upgrade: results.json says pass, JUnit says fail"));
  CHECK(has_problem(&g, "results.json says level 5 but the tiers imply "
                        "level 1 (upgrade: fail)"));
  char *d = cf_genuine_describe(&g);
  CHECK_CONTAINS(d, "install 51 s → upgrade 45 s (fail) → backup 5 s");
  free(d);
  cf_genuine_free(&g);
}

static void skips_intentional_or_not(void) {
  run r = ghost();
  r.child[2] = r.child[3] = "<skipped message=\"one published version\"/>";
  const char *json =
      "{\"stages\": [{\"name\": \"install\", \"status\": \"pass\"}, "
      "{\"name\": \"upgrade\", \"status\": \"pass\"}, {\"name\": \"backup\", "
      "\"status\": \"skip\"}, {\"name\": \"restore\", \"status\": \"skip\"}, "
      "{\"name\": \"custom\", \"status\": \"pass\"}], \"level\": 5, "
      "\"lint\": {\"status\": \"pass\"}, \"skips\": {\"intentional\": "
      "{\"L3\": \"one published version\"}}}";
  cf_genuine g;
  judge(&r, json, T0, T_END, &g);
  for (size_t i = 0; i < g.n_problems; i++)
    fprintf(stderr, "unexpected problem: %s\n", g.problems[i]);
  CHECK_INT(g.genuine, 1);
  char *d = cf_genuine_describe(&g);
  CHECK_CONTAINS(d, "upgrade 45 s → backup skipped (intentional) → restore "
                    "skipped (intentional) → custom 4 s, in order");
  free(d);
  cf_genuine_free(&g);
  /* the same skips without the intentional entry block at L3 */
  const char *json2 =
      "{\"stages\": [{\"name\": \"install\", \"status\": \"pass\"}, "
      "{\"name\": \"upgrade\", \"status\": \"pass\"}, {\"name\": \"backup\", "
      "\"status\": \"skip\"}, {\"name\": \"restore\", \"status\": \"skip\"}, "
      "{\"name\": \"custom\", \"status\": \"pass\"}], \"level\": 2, "
      "\"lint\": {\"status\": \"pass\"}, \"skips\": {\"unintentional\": "
      "[\"L3\"]}}";
  judge(&r, json2, T0, T_END, &g);
  CHECK_INT(g.genuine, 0);
  CHECK_INT(g.level_implied, 2);
  CHECK(has_problem(&g, "backup: skipped, but not listed as an intentional "
                        "skip"));
  CHECK(cf_genuine_level_note(&g) == NULL); /* level 2 is what the tiers say */
  cf_genuine_free(&g);
}

static void stage_synonyms(void) {
  run r = ghost();
  char *json = cf_xstrdup(results_ok);
  memcpy(strstr(json, "\"custom\""), "\"smoke\" ", 8); /* same length */
  cf_genuine g;
  judge(&r, json, T0, T_END, &g);
  free(json);
  CHECK_INT(g.tiers[CF_TIERID_CUSTOM].results_status, CF_TIER_PASS);
  CHECK_INT(g.genuine, 1);
  cf_genuine_free(&g);
}

static void missing_inputs(void) {
  cf_genuine g;
  cf_genuine_check(NULL, NULL, 0, T0, T_END, &g);
  CHECK_INT(g.genuine, 0);
  CHECK(has_problem(&g, "no results.json"));
  CHECK(has_problem(&g, "no JUnit report"));
  CHECK(has_problem(&g, "install: no outcome in JUnit or results.json"));
  char *d = cf_genuine_describe(&g);
  CHECK(!strncmp(d, "not genuine: no results.json; no JUnit report", 45));
  free(d);
  cf_genuine_free(&g);
  /* results.json alone: statuses but no JUnit to check them against */
  cf_results res;
  results_of(results_ok, &res);
  cf_genuine_check(&res, NULL, 0, T0, T_END, &g);
  CHECK(has_problem(&g, "install: results.json says pass, but no JUnit "
                        "testcase belongs to it"));
  cf_genuine_free(&g);
  cf_results_free(&res);
}

static void test_counts_must_agree(void) {
  run r = ghost();
  const char *json =
      "{\"stages\": [{\"name\": \"install\", \"status\": \"pass\", \"tests\": "
      "[{\"name\": \"a\", \"status\": \"pass\", \"ms\": 1}, {\"name\": \"b\", "
      "\"status\": \"pass\", \"ms\": 1}]}, {\"name\": \"upgrade\", \"status\": "
      "\"pass\"}, {\"name\": \"backup\", \"status\": \"pass\"}, {\"name\": "
      "\"restore\", \"status\": \"pass\"}, {\"name\": \"custom\", \"status\": "
      "\"pass\"}], \"level\": 5, \"lint\": {\"status\": \"pass\"}}";
  cf_genuine g;
  judge(&r, json, T0, T_END, &g);
  CHECK(has_problem(&g, "install: results.json lists 2 tests, JUnit has 1"));
  CHECK_INT(g.n_problems, 1);
  cf_genuine_free(&g);
}

CF_TEST_MAIN(T(text_mapping), T(case_mapping_order), T(aggregate_and_spans),
             T(level_ladder), T(genuine_ghost_612_files), T(genuine_in_memory),
             T(not_genuine_out_of_order), T(not_genuine_outside_window),
             T(not_genuine_zero_or_too_long), T(not_genuine_level_disagrees),
             T(not_genuine_results_disagree_with_junit),
             T(skips_intentional_or_not), T(stage_synonyms), T(missing_inputs),
             T(test_counts_must_agree))
