/* Unit tests for the results.json reader (analyzer/ingest/results.c):
 * schema 2, legacy shapes, missing fields, wrong types with their exact
 * messages, malformed/truncated/empty/BOM'd/hostile input. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/results.h"

static int load(const char *json, cf_results *r, cf_err *err) {
  memset(err, 0, sizeof *err);
  return cf_results_load_mem(json, strlen(json), "runs/530/results.json", r,
                             err);
}

/* The error message for json (empty string when it loads). */
static const char *error_of(const char *json) {
  static cf_err err;
  cf_results r;
  if (load(json, &r, &err) == 0) {
    cf_results_free(&r);
    return "";
  }
  return err.msg;
}

static int has(char **list, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(list[i], s)) return 1;
  return 0;
}

static void schema2_file(void) {
  const char *root = getenv("CF_SOURCE_ROOT");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/artifacts/data/ghost-612/results.json",
           root ? root : ".");
  cf_results r;
  cf_err err = {{0}};
  CHECK_INT(cf_results_load(path, &r, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_STR(r.shape, "schema2");
  CHECK_STR(r.recipe, "ghost");
  CHECK_STR(r.version, "1.4.0+6.44.1-alpine");
  CHECK_STR(r.ref, "d88f5801");
  CHECK_INT(r.pr, 4);
  CHECK_INT(r.run_id, 612);
  CHECK_INT(r.finished, 1781331310); /* 2026-06-13T06:15:10Z */
  CHECK_INT(r.n_stages, 5);
  CHECK_STR(r.stages[1].name, "upgrade");
  CHECK_INT(r.stages[1].status, CF_TIER_PASS);
  CHECK_INT(r.stages[1].n_tests, 2);
  CHECK_STR(r.stages[1].tests[1].name, "test_upgrade_to_pr_head");
  CHECK_INT(r.stages[1].tests[1].ms, 25000);
  CHECK_INT(r.level, 5);
  CHECK_INT(r.n_rungs, 5);
  CHECK_STR(r.rungs[4].key, "L5");
  CHECK_INT(r.rungs[4].status, CF_TIER_PASS);
  CHECK_INT(r.has_lint, 1);
  CHECK_INT(r.lint_status, CF_TIER_PASS);
  CHECK_STR(r.lint_detail, "");
  CHECK_INT(r.clean_teardown, 1);
  CHECK_INT(r.no_secret_leak, 1);
  CHECK_INT(r.flags_top_level, 0);
  CHECK_INT(r.n_missing, 0);
  CHECK_INT(r.n_problems, 0);
  CHECK(cf_results_stage(&r, "Restore") == &r.stages[3]);
  CHECK(cf_results_stage(&r, "lint") == NULL);
  cf_results_free(&r);
  CHECK(r.stages == NULL);
  cf_results_free(&r); /* twice is harmless */
  cf_results_free(NULL);
}

static void legacy_object_statuses(void) {
  cf_results r;
  cf_err err;
  CHECK_INT(load("{\"recipe\":\"ghost\",\"stages\":{\"install\":\"passed\","
                 "\"upgrade\":\"FAILED\",\"backup\":\"unver\",\"restore\":"
                 "\"skipped\",\"custom\":\"error\"},\"level\":1,"
                 "\"clean_teardown\":false,\"no_secret_leak\":true}",
                 &r, &err), 0);
  CHECK_STR(r.shape, "legacy-object");
  CHECK_INT(r.n_stages, 5);
  CHECK_STR(r.stages[0].name, "install");
  CHECK_INT(r.stages[0].status, CF_TIER_PASS);
  CHECK_INT(r.stages[1].status, CF_TIER_FAIL);
  CHECK_INT(r.stages[2].status, CF_TIER_UNVER);
  CHECK_INT(r.stages[3].status, CF_TIER_SKIP);
  CHECK_INT(r.stages[4].status, CF_TIER_FAIL); /* error is a failure */
  CHECK_INT(r.stages[0].has_tests, 0);
  CHECK_INT(r.clean_teardown, 0);
  CHECK_INT(r.no_secret_leak, 1);
  CHECK_INT(r.flags_top_level, 1);
  CHECK(!has(r.missing, r.n_missing, "flags.clean_teardown"));
  CHECK(has(r.missing, r.n_missing, "rungs"));
  CHECK(has(r.missing, r.n_missing, "lint"));
  CHECK(has(r.missing, r.n_missing, "skips"));
  cf_results_free(&r);
}

static void legacy_object_booleans_and_list(void) {
  cf_results r;
  cf_err err;
  CHECK_INT(load("{\"stages\":{\"install\":true,\"upgrade\":false}}", &r, &err),
            0);
  CHECK_INT(r.stages[0].status, CF_TIER_PASS);
  CHECK_INT(r.stages[1].status, CF_TIER_FAIL);
  cf_results_free(&r);
  CHECK_INT(load("{\"stages\":[{\"name\":\"install\",\"status\":\"pass\"},"
                 "{\"name\":\"upgrade\"},{\"status\":\"pass\"}]}", &r, &err), 0);
  CHECK_STR(r.shape, "legacy-list");
  CHECK_INT(r.n_stages, 2); /* the nameless stage is dropped, and noted */
  CHECK_INT(r.stages[1].status, CF_TIER_UNKNOWN);
  CHECK(has(r.missing, r.n_missing, "stages[1].status"));
  CHECK(has(r.missing, r.n_missing, "stages[2].name"));
  cf_results_free(&r);
}

static void missing_fields_reported(void) {
  cf_results r;
  cf_err err;
  CHECK_INT(load("{\"pr\": null, \"unknown_field\": [1, {\"x\": 2}]}", &r, &err),
            0);
  static const char *want[] = {"recipe", "version", "ref", "run_id",
                               "finished", "stages", "level", "rungs",
                               "lint", "skips", "flags.clean_teardown",
                               "flags.no_secret_leak"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    if (!has(r.missing, r.n_missing, want[i]))
      fprintf(stderr, "not reported missing: %s\n", want[i]);
    CHECK(has(r.missing, r.n_missing, want[i]));
  }
  CHECK_INT(r.n_missing, sizeof want / sizeof want[0]);
  CHECK(!has(r.missing, r.n_missing, "pr")); /* null is a value: no PR */
  CHECK_INT(r.pr, -1);
  CHECK_INT(r.pr_null, 1);
  CHECK_INT(r.level, -1);
  CHECK(r.recipe == NULL);
  CHECK_INT(r.finished, CF_TIME_NONE);
  CHECK_INT(r.clean_teardown, -1);
  CHECK_STR(r.shape, "none");
  cf_results_free(&r);
  /* null counts as absent for every other field */
  CHECK_INT(load("{\"level\": null}", &r, &err), 0);
  CHECK(has(r.missing, r.n_missing, "level"));
  CHECK(has(r.missing, r.n_missing, "pr"));
  cf_results_free(&r);
}

static void wrong_types(void) {
  CHECK_STR(error_of("{\"level\": \"5\"}"),
            "runs/530/results.json: field 'level': expected a number");
  CHECK_STR(error_of("{\"level\": 7}"),
            "runs/530/results.json: field 'level': expected a whole number "
            "from 0 to 5");
  CHECK_STR(error_of("{\"level\": 2.5}"),
            "runs/530/results.json: field 'level': expected a whole number "
            "from 0 to 5");
  CHECK_STR(error_of("{\"pr\": \"4a\"}"),
            "runs/530/results.json: field 'pr': expected a number");
  CHECK_STR(error_of("{\"pr\": \"\"}"),
            "runs/530/results.json: field 'pr': expected a number");
  CHECK_STR(error_of("{\"pr\": \"99999999999\"}"),
            "runs/530/results.json: field 'pr': expected a number");
  /* digits as text, as Drone's parameters carry them, are the number */
  cf_results r;
  cf_err err;
  CHECK_INT(load("{\"pr\": \"4\"}", &r, &err), 0);
  CHECK_INT(r.pr, 4);
  cf_results_free(&r);
  /* fuzz_results found the cast of an out-of-range double (UBSan) */
  CHECK_STR(error_of("{\"schema\": 1e59}"),
            "runs/530/results.json: field 'schema': expected a whole number "
            "from 0 to 1000");
  CHECK_STR(error_of("{\"recipe\": 4}"),
            "runs/530/results.json: field 'recipe': expected a string");
  CHECK_STR(error_of("{\"stages\": 3}"),
            "runs/530/results.json: field 'stages': expected a list or an "
            "object");
  CHECK_STR(error_of("{\"stages\": [{\"name\": \"install\", \"status\": 1}]}"),
            "runs/530/results.json: field 'stages[0].status': expected a "
            "status string");
  CHECK_STR(error_of("{\"stages\": [{\"name\": \"install\", \"tests\": "
                     "[{\"name\": \"t\", \"ms\": \"51s\"}]}]}"),
            "runs/530/results.json: field 'stages[0].tests[0].ms': expected "
            "a number");
  CHECK_STR(error_of("{\"flags\": {\"clean_teardown\": \"yes\"}}"),
            "runs/530/results.json: field 'flags.clean_teardown': expected "
            "true or false");
  CHECK_STR(error_of("{\"finished\": \"yesterday\"}"),
            "runs/530/results.json: field 'finished': expected an ISO 8601 "
            "time or Unix seconds");
  CHECK_STR(error_of("{\"skips\": {\"intentional\": {\"L3\": 1}}}"),
            "runs/530/results.json: field 'skips.intentional.L3': expected "
            "a reason string");
  CHECK_STR(error_of("{\"lint\": {\"rules_failed\": [1]}}"),
            "runs/530/results.json: field 'lint.rules_failed': expected a "
            "list of strings");
  CHECK_STR(error_of("[1, 2]"),
            "runs/530/results.json: field '(top level)': expected an object");
}

static void finished_forms(void) {
  cf_results r;
  cf_err err;
  CHECK_INT(load("{\"finished\": 1781331310}", &r, &err), 0);
  CHECK_INT(r.finished, 1781331310);
  cf_results_free(&r);
  CHECK_INT(load("{\"finished\": \"2026-06-13T08:15:10+02:00\"}", &r, &err), 0);
  CHECK_INT(r.finished, 1781331310);
  cf_results_free(&r);
}

static void malformed(void) {
  CHECK_STR(error_of("{\"recipe\": \"ghost\",\n \"level\": 5,\n \"pr\": }"),
            "runs/530/results.json: line 3 (byte 40): malformed JSON");
  CHECK_CONTAINS(error_of("{\"recipe\": \"gho"), "malformed JSON");
  CHECK_CONTAINS(error_of("{\"a\": 1} {\"b\": 2}"),
                 "line 1 (byte 9): malformed JSON (text after the top-level "
                 "value)");
  CHECK_STR(error_of(""), "runs/530/results.json: empty file");
  CHECK_STR(error_of(" \n\t"), "runs/530/results.json: empty file");
  /* hostile nesting is refused before cJSON recurses into it */
  char *deep = malloc(200001);
  memset(deep, '[', 200000);
  deep[200000] = '\0';
  CHECK_STR(error_of(deep),
            "runs/530/results.json: JSON nested deeper than 32 levels");
  free(deep);
  /* a bracket inside a string does not count as nesting */
  CHECK_STR(error_of("{\"recipe\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}"),
            "");
}

static void bom_and_size(void) {
  cf_results r;
  cf_err err;
  CHECK_INT(load("\xEF\xBB\xBF{\"level\": 3}", &r, &err), 0);
  CHECK_INT(r.level, 3);
  cf_results_free(&r);
  size_t big = CF_RESULTS_MAX_BYTES + 1;
  char *buf = malloc(big);
  memset(buf, ' ', big);
  memset(&err, 0, sizeof err);
  CHECK_INT(cf_results_load_mem(buf, big, "big.json", &r, &err), -1);
  CHECK_STR(err.msg, "big.json: larger than the 16777216-byte limit");
  free(buf);
  memset(&err, 0, sizeof err);
  CHECK_INT(cf_results_load("/nonexistent/results.json", &r, &err), -1);
  CHECK_CONTAINS(err.msg, "/nonexistent/results.json: cannot open");
}

static void unknown_status_is_a_problem(void) {
  cf_results r;
  cf_err err;
  CHECK_INT(load("{\"stages\": [{\"name\": \"custom\", \"status\": \"na\"}],"
                 "\"rungs\": {\"L4\": \"weird\"}}", &r, &err), 0);
  CHECK_INT(r.stages[0].status, CF_TIER_UNKNOWN);
  CHECK_INT(r.n_problems, 2);
  CHECK_STR(r.problems[0], "stages[0].status: unknown status 'na'");
  CHECK_STR(r.problems[1], "rungs.L4: unknown status 'weird'");
  cf_results_free(&r);
}

static void intentional_skips(void) {
  cf_results r;
  cf_err err;
  CHECK_INT(load("{\"skips\": {\"intentional\": {\"L3\": \"one published "
                 "version\", \"custom\": null}, \"unintentional\": [\"L2\"]}}",
                 &r, &err), 0);
  CHECK_INT(r.n_skips_intentional, 2);
  CHECK_STR(r.skips_intentional[0].value, "one published version");
  CHECK_STR(r.skips_intentional[1].value, "");
  CHECK_INT(cf_results_skip_is_intentional(&r, "backup"), 1);
  CHECK_INT(cf_results_skip_is_intentional(&r, "restore"), 1);
  CHECK_INT(cf_results_skip_is_intentional(&r, "L3"), 1);
  CHECK_INT(cf_results_skip_is_intentional(&r, "custom"), 1);
  CHECK_INT(cf_results_skip_is_intentional(&r, "L4"), 1);
  CHECK_INT(cf_results_skip_is_intentional(&r, "upgrade"), 0); /* unintentional */
  CHECK_INT(cf_results_skip_is_intentional(&r, "L2"), 0);
  CHECK_INT(cf_results_skip_is_intentional(&r, "install"), 0);
  CHECK_INT(r.n_skips_unintentional, 1);
  cf_results_free(&r);
  /* the list form */
  CHECK_INT(load("{\"skips\": {\"intentional\": [\"upgrade\"]}}", &r, &err), 0);
  CHECK_INT(cf_results_skip_is_intentional(&r, "L2"), 1);
  CHECK_INT(cf_results_skip_is_intentional(NULL, "L2"), 0);
  cf_results_free(&r);
}

static void status_words(void) {
  CHECK_INT(cf_tier_status_parse("PASS"), CF_TIER_PASS);
  CHECK_INT(cf_tier_status_parse("success"), CF_TIER_PASS);
  CHECK_INT(cf_tier_status_parse("failure"), CF_TIER_FAIL);
  CHECK_INT(cf_tier_status_parse("skip"), CF_TIER_SKIP);
  CHECK_INT(cf_tier_status_parse("unverified"), CF_TIER_UNVER);
  CHECK_INT(cf_tier_status_parse("maybe"), CF_TIER_UNKNOWN);
  CHECK_INT(cf_tier_status_parse(NULL), CF_TIER_UNKNOWN);
  CHECK_STR(cf_tier_status_name(CF_TIER_UNVER), "unver");
  CHECK_STR(cf_tier_status_name(CF_TIER_UNKNOWN), "unknown");
}

CF_TEST_MAIN(T(schema2_file), T(legacy_object_statuses),
             T(legacy_object_booleans_and_list), T(missing_fields_reported),
             T(wrong_types), T(finished_forms), T(malformed), T(bom_and_size),
             T(unknown_status_is_a_problem), T(intentional_skips),
             T(status_words))
