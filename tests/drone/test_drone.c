/*
 * test_drone.c: the Drone sqlite reader (drone.h) on fixture databases built
 * from tests/drone/schema-{1x,2x}.sql + fixture.sql: open errors with their
 * exact messages, repository lookup, selection by number and time, orphan
 * rows, params in every storage form, what a build tested, failed_step with
 * errignore, host load, logs, SQL dumps, snapshots, WAL mode and lock
 * release.
 */
#include "fixture.h" /* first: it selects the X/Open API for nftw */

#include <limits.h>

#include "check.h"
#include "ciforensics/drone.h"
#include "ciforensics/logdecode.h"

static char *dir;    /* temp directory of this run */
static char *db2x;   /* fixture on the 2.x schema */
static char *db1x;   /* fixture on the 1.x schema */

static void ensure(void);

static const cf_build_sel all = {0, LONG_MAX, CF_TIME_NONE, CF_TIME_NONE};

static cf_drone *open_ok(const char *path) {
  cf_drone *d = NULL;
  cf_err err = {{0}};
  int rc = cf_drone_open(path, 0, &d, &err);
  CHECK_INT(rc, 0);
  if (rc) fprintf(stderr, "  open: %s\n", err.msg);
  return d;
}

/* Expect cf_drone_open to fail with "<path>: <tail>". */
static void expect_open_error(const char *path, const char *tail) {
  cf_drone *d = (cf_drone *)1;
  cf_err err = {{0}};
  CHECK_INT(cf_drone_open(path, 0, &d, &err), -1);
  CHECK(d == NULL);
  char want[2048];
  snprintf(want, sizeof want, "%s: %s", path, tail);
  CHECK_STR(err.msg, want);
}

static void test_open_errors(void) {
  ensure();
  char *missing = cf_path_join(dir, "missing.sqlite");
  expect_open_error(missing, "No such file or directory");
  free(missing);
  expect_open_error(dir, "is a directory");

  char *text = fx_write(dir, "notes.txt", "just some text, not sqlite\n", 27);
  expect_open_error(text, "not an SQLite database");
  free(text);

  char *other = fx_make_db(dir, "other.sqlite", NULL, 0,
                           "CREATE TABLE t(a); INSERT INTO t VALUES (1);");
  expect_open_error(other, "not a Drone database: table repos missing");
  free(other);

  char *nosteps = fx_make_db(dir, "nosteps.sqlite", "schema-2x.sql", 0,
                             "DROP TABLE steps;");
  expect_open_error(nosteps, "not a Drone database: table steps missing");
  free(nosteps);

  char *noparams = fx_make_db(dir, "noparams.sqlite", "schema-2x.sql", 0,
                              "ALTER TABLE builds DROP COLUMN build_params;");
  expect_open_error(noparams,
                    "not a Drone database: column builds.build_params missing");
  free(noparams);

  /* Drone 0.8: builds, procs, logs(log_job_id) */
  char *old = fx_make_db(
      dir, "drone08.sqlite", NULL, 0,
      "CREATE TABLE builds (build_id INTEGER PRIMARY KEY, build_repo_id "
      "INTEGER, build_number INTEGER);"
      "CREATE TABLE procs (proc_id INTEGER PRIMARY KEY, proc_build_id "
      "INTEGER, proc_pid INTEGER, proc_name TEXT);"
      "CREATE TABLE logs (log_id INTEGER PRIMARY KEY, log_job_id INTEGER, "
      "log_data BLOB);");
  expect_open_error(old, "a Drone 0.8 database (table procs); only Drone 1.x "
                         "and 2.x are supported");
  free(old);
}

static void test_find_repo(void) {
  ensure();
  cf_drone *d = open_ok(db2x);
  if (!d) return;
  int64_t id = 0;
  cf_err err = {{0}};
  CHECK_INT(cf_drone_find_repo(d, "acme/other", &id, &err), 0);
  CHECK_INT(id, 2);
  CHECK_INT(cf_drone_find_repo(d, "acme/nope", &id, &err), -1);
  char want[2048];
  snprintf(want, sizeof want,
           "%s: no repository 'acme/nope' (known: acme/ci, acme/other, "
           "zeta/app)",
           db2x);
  CHECK_STR(err.msg, want);
  CHECK_STR(cf_drone_path(d), db2x);
  cf_drone_close(d);
  cf_drone_close(NULL);
}

static void test_find_repo_lists_at_most_ten(void) {
  ensure();
  cf_buf sql = {0};
  for (int i = 0; i < 13; i++)
    cf_buf_printf(&sql,
                  "INSERT INTO repos (repo_uid, repo_slug) VALUES "
                  "('u%d', 'org/r%02d');",
                  i, i);
  char *p = fx_make_db(dir, "many.sqlite", "schema-2x.sql", 0, sql.data);
  cf_buf_free(&sql);
  cf_drone *d = open_ok(p);
  if (d) {
    int64_t id;
    cf_err err = {{0}};
    CHECK_INT(cf_drone_find_repo(d, "x/y", &id, &err), -1);
    CHECK_CONTAINS(err.msg, "(known: org/r00, org/r01, org/r02, org/r03, "
                            "org/r04, org/r05, org/r06, org/r07, org/r08, "
                            "org/r09, and 3 more)");
    cf_drone_close(d);
  }
  free(p);
}

static void test_list_by_number_and_time(void) {
  ensure();
  cf_drone *d = open_ok(db2x);
  if (!d) return;
  cf_err err = {{0}};
  long *nums;
  size_t n;
  CHECK_INT(cf_drone_list_builds(d, 1, &all, &nums, &n, &err), 0);
  CHECK_INT(n, 6);
  if (n == 6) {
    CHECK_INT(nums[0], 515);
    CHECK_INT(nums[5], 520);
  }
  free(nums);

  cf_build_sel s = {516, 518, CF_TIME_NONE, CF_TIME_NONE};
  CHECK_INT(cf_drone_list_builds(d, 1, &s, &nums, &n, &err), 0);
  CHECK_INT(n, 3);
  if (n == 3) CHECK_INT(nums[2], 518);
  free(nums);

  /* created in [T0+700, T0+2000], both ends inclusive */
  cf_build_sel t = {0, LONG_MAX, FX_T0 + 700, FX_T0 + 2000};
  CHECK_INT(cf_drone_list_builds(d, 1, &t, &nums, &n, &err), 0);
  CHECK_INT(n, 3);
  if (n == 3) {
    CHECK_INT(nums[0], 516);
    CHECK_INT(nums[2], 518);
  }
  free(nums);

  cf_build_sel none = {600, 700, CF_TIME_NONE, CF_TIME_NONE};
  CHECK_INT(cf_drone_list_builds(d, 1, &none, &nums, &n, &err), -1);
  CHECK(nums == NULL && n == 0);
  char want[2048];
  snprintf(want, sizeof want, "%s: repository acme/ci has no builds in #600..#700",
           db2x);
  CHECK_STR(err.msg, want);

  cf_err_clear(&err);
  cf_build_sel late = {0, LONG_MAX, FX_T0 + 86400, CF_TIME_NONE};
  CHECK_INT(cf_drone_list_builds(d, 1, &late, &nums, &n, &err), -1);
  snprintf(want, sizeof want,
           "%s: repository acme/ci has no builds in created "
           "2026-06-13T09:00:00Z..",
           db2x);
  CHECK_STR(err.msg, want);

  cf_err_clear(&err);
  CHECK_INT(cf_drone_list_builds(d, 3, &all, &nums, &n, &err), -1);
  snprintf(want, sizeof want, "%s: repository zeta/app has no builds", db2x);
  CHECK_STR(err.msg, want);
  cf_drone_close(d);
}

static void test_load_failed_build(void) {
  ensure();
  cf_drone *d = open_ok(db2x);
  if (!d) return;
  cf_build b;
  cf_err err = {{0}};
  CHECK_INT(cf_drone_load_build(d, 1, 515, &b, &err), 0);
  CHECK_INT(b.number, 515);
  CHECK_STR(b.status, "failure");
  CHECK_STR(b.event, "custom");
  CHECK_STR(b.ref, "refs/heads/main");
  CHECK_STR(b.sha, "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111");
  CHECK_INT(b.created, FX_T0);
  CHECK_INT(b.started, FX_T0 + 10);
  CHECK_INT(b.finished, FX_T0 + 600);
  /* params from a BLOB, sorted by key */
  CHECK_INT(b.n_params, 3);
  if (b.n_params == 3) {
    CHECK_STR(b.params[0].key, "PR");
    CHECK_STR(b.params[1].key, "RECIPE");
    CHECK_STR(b.params[2].value, "d88f5801");
  }
  CHECK_STR(b.tested.source, "params");
  CHECK_STR(b.tested.recipe, "ghost");
  CHECK_STR(b.tested.sha, "d88f5801");
  CHECK_INT(b.tested.pr, 4);
  CHECK_STR(b.machine, "ci-1");
  /* lint failed first but is errignore */
  CHECK(b.failed != NULL);
  if (b.failed) CHECK_STR(b.failed->name, "test");
  CHECK_INT(b.n_stages, 1);
  if (b.n_stages == 1) {
    const cf_stage *s = &b.stages[0];
    CHECK_INT(s->n_steps, 5);
    if (s->n_steps == 5) {
      CHECK_STR(s->steps[1].name, "lint");
      CHECK_INT(s->steps[1].errignore, 1);
      CHECK_INT(s->steps[2].exit_code, 1);
      CHECK_INT(s->steps[2].has_log_row, 1);
      CHECK_INT(s->steps[3].has_log_row, 0); /* upload: log kept in S3 */
      CHECK_INT(s->steps[4].started, CF_TIME_NONE); /* stored 0 */
    }
  }
  cf_build_free(&b);
  cf_build_free(&b); /* zeroed: fine */
  cf_build_free(NULL);
  cf_drone_close(d);
}

static void test_params_forms_and_tested(void) {
  ensure();
  cf_drone *d = open_ok(db2x);
  if (!d) return;
  cf_build b;
  cf_err err = {{0}};
  /* BLOB 'null' (a push) */
  CHECK_INT(cf_drone_load_build(d, 1, 516, &b, &err), 0);
  CHECK_INT(b.n_params, 0);
  CHECK_STR(b.tested.source, "none");
  CHECK_STR(b.tested.sha, "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111");
  CHECK(b.tested.recipe == NULL);
  CHECK_INT(b.tested.pr, -1);
  CHECK(b.failed == NULL);
  CHECK_STR(b.machine, "ci-2");
  cf_build_free(&b);
  /* TEXT '{}' on a pull request: tested from refs/pull/7/head */
  CHECK_INT(cf_drone_load_build(d, 1, 517, &b, &err), 0);
  CHECK_INT(b.n_params, 0);
  CHECK_STR(b.tested.source, "ref");
  CHECK_INT(b.tested.pr, 7);
  CHECK_STR(b.tested.sha, "bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222");
  CHECK(b.failed != NULL);
  if (b.failed) CHECK_STR(b.failed->name, "test"); /* killed counts as failed */
  cf_build_free(&b);
  /* TEXT object without PR */
  CHECK_INT(cf_drone_load_build(d, 1, 518, &b, &err), 0);
  CHECK_STR(b.tested.recipe, "other");
  CHECK_STR(b.tested.sha, "cccc2222");
  CHECK_INT(b.tested.pr, -1);
  cf_build_free(&b);
  /* SQL NULL, config error build: no stages */
  CHECK_INT(cf_drone_load_build(d, 1, 520, &b, &err), 0);
  CHECK_INT(b.n_params, 0);
  CHECK_INT(b.n_stages, 0);
  CHECK_STR(b.machine, "");
  CHECK_STR(b.error, "yaml: line 3: did not find expected key");
  CHECK_STR(b.trigger, "");
  cf_build_free(&b);
  /* a running build: finished 0 -> none */
  CHECK_INT(cf_drone_load_build(d, 1, 519, &b, &err), 0);
  CHECK_INT(b.finished, CF_TIME_NONE);
  cf_build_free(&b);
  /* an unknown number */
  CHECK_INT(cf_drone_load_build(d, 1, 9999, &b, &err), -1);
  char want[2048];
  snprintf(want, sizeof want, "%s: repository acme/ci has no build #9999",
           db2x);
  CHECK_STR(err.msg, want);
  cf_build_free(&b);
  cf_drone_close(d);
}

static void test_bad_params(void) {
  ensure();
  char *p = fx_make_db(dir, "badparams.sqlite", "schema-2x.sql", 1,
                       "UPDATE builds SET build_params = '{\"A\":' "
                       "WHERE build_number = 516;"
                       "UPDATE builds SET build_params = '[1]' "
                       "WHERE build_number = 517;"
                       "UPDATE builds SET build_params = "
                       "CAST('{\"Z\":\"1\",\"N\":2,\"E\":null}' AS BLOB) "
                       "WHERE build_number = 518;");
  cf_drone *d = open_ok(p);
  if (d) {
    cf_build b;
    cf_err err = {{0}};
    char want[2048];
    CHECK_INT(cf_drone_load_build(d, 1, 516, &b, &err), -1);
    snprintf(want, sizeof want,
             "%s: build #516: build_params is not valid JSON (byte 4)", p);
    CHECK_STR(err.msg, want);
    cf_build_free(&b);
    cf_err_clear(&err);
    CHECK_INT(cf_drone_load_build(d, 1, 517, &b, &err), -1);
    snprintf(want, sizeof want,
             "%s: build #517: build_params is not a JSON object", p);
    CHECK_STR(err.msg, want);
    cf_build_free(&b);
    /* non-string values keep their JSON text; null becomes "" */
    CHECK_INT(cf_drone_load_build(d, 1, 518, &b, &err), 0);
    CHECK_INT(b.n_params, 3);
    if (b.n_params == 3) {
      CHECK_STR(b.params[0].key, "E");
      CHECK_STR(b.params[0].value, "");
      CHECK_STR(b.params[1].value, "2");
      CHECK_STR(b.tested.source, "none");
    }
    cf_build_free(&b);
    /* the reader is still usable after a failed build (no open txn) */
    CHECK_INT(cf_drone_load_build(d, 1, 515, &b, &err), 0);
    cf_build_free(&b);
    cf_drone_close(d);
  }
  free(p);
}

static void test_tested_from_ref_forms(void) {
  ensure();
  cf_build b;
  memset(&b, 0, sizeof b);
  b.sha = "feedbeef";
  static const struct {
    const char *ref;
    long pr;
    const char *source;
  } cases[] = {
      {"refs/pull/12/head", 12, "ref"},
      {"refs/merge-requests/34/head", 34, "ref"},
      {"refs/pull-requests/56/from", 56, "ref"},
      {"refs/heads/release-2", -1, "none"},
      {"refs/tags/v1.2", -1, "none"},
      {"refs/pull/x/head", -1, "none"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    b.ref = (char *)cases[i].ref;
    cf_drone_derive_tested(&b);
    CHECK_INT(b.tested.pr, cases[i].pr);
    CHECK_STR(b.tested.source, cases[i].source);
    CHECK_STR(b.tested.sha, "feedbeef");
  }
  /* params win over the ref; PR is the first digit run */
  cf_param ps[] = {{"PR", "#9"}, {"RECIPE", "ghost"}};
  b.params = ps;
  b.n_params = 2;
  b.ref = "refs/pull/12/head";
  cf_drone_derive_tested(&b);
  CHECK_STR(b.tested.source, "params");
  CHECK_INT(b.tested.pr, 9);
  CHECK(b.tested.sha == NULL); /* no REF param: build_after is not it */
  free(b.tested.recipe);
  free(b.tested.sha);
}

static void test_orphans_ignored(void) {
  ensure();
  cf_drone *d = open_ok(db2x);
  if (!d) return;
  cf_err err = {{0}};
  int count = -1;
  /* at T0+200 on ci-1: build 515 itself (excluded), acme/other #1 (counts),
     and an orphan stage of a purged build (never counted) */
  CHECK_INT(cf_drone_concurrent_stages(d, "ci-1", FX_T0 + 200, 1, &count, &err),
            0);
  CHECK_INT(count, 1);
  CHECK_INT(cf_drone_concurrent_stages(d, "ci-1", FX_T0 + 200, 7, &count, &err),
            0);
  CHECK_INT(count, 1); /* now 515 counts and acme/other #1 does not */
  /* boundaries: started <= t < stopped */
  CHECK_INT(cf_drone_concurrent_stages(d, "ci-1", FX_T0 + 100, 1, &count, &err),
            0);
  CHECK_INT(count, 1);
  CHECK_INT(cf_drone_concurrent_stages(d, "ci-1", FX_T0 + 400, 1, &count, &err),
            0);
  CHECK_INT(count, 0);
  /* a running stage (stopped 0) counts from its start on */
  CHECK_INT(cf_drone_concurrent_stages(d, "ci-1", FX_T0 + 5000, 1, &count, &err),
            0);
  CHECK_INT(count, 1);
  CHECK_INT(cf_drone_concurrent_stages(d, "ci-1", FX_T0 + 5000, 5, &count, &err),
            0);
  CHECK_INT(count, 0);
  CHECK_INT(cf_drone_concurrent_stages(d, "ci-9", FX_T0 + 200, 1, &count, &err),
            0);
  CHECK_INT(count, 0);
  /* orphan steps never show up under a build */
  cf_build b;
  size_t steps = 0;
  long *nums;
  size_t n;
  CHECK_INT(cf_drone_list_builds(d, 1, &all, &nums, &n, &err), 0);
  for (size_t i = 0; i < n; i++) {
    CHECK_INT(cf_drone_load_build(d, 1, nums[i], &b, &err), 0);
    for (size_t k = 0; k < b.n_stages; k++) steps += b.stages[k].n_steps;
    cf_build_free(&b);
  }
  free(nums);
  CHECK_INT(steps, 10);
  cf_drone_close(d);
}

/* Decode the log of step_id; returns lines (or -1) and the flags. */
static long decode_step(cf_drone *d, int64_t step, int *found, int *is_null,
                        int *truncated) {
  char *blob;
  size_t len;
  cf_err err = {{0}};
  if (cf_drone_read_log(d, step, &blob, &len, found, &err)) {
    fprintf(stderr, "  read_log: %s\n", err.msg);
    return -1;
  }
  if (!*found) return 0;
  cf_steplog log;
  long n = -1;
  if (cf_steplog_decode(blob, len, CF_STEPLOG_MAX_BLOB, &log, &err) == 0) {
    n = (long)log.n_lines;
    *is_null = log.is_null;
    *truncated = log.truncated;
    cf_steplog_free(&log);
  }
  free(blob);
  return n;
}

static void test_logs(void) {
  ensure();
  cf_drone *d = open_ok(db2x);
  if (!d) return;
  int found, is_null = 0, trunc = 0;
  CHECK_INT(decode_step(d, 3, &found, &is_null, &trunc), 25);
  CHECK_INT(found, 1);
  CHECK_INT(trunc, 0);
  CHECK_INT(decode_step(d, 4, &found, &is_null, &trunc), 0);
  CHECK_INT(found, 0); /* no logs row */
  CHECK_INT(decode_step(d, 6, &found, &is_null, &trunc), 0);
  CHECK_INT(found, 1);
  CHECK_INT(is_null, 1);
  CHECK_INT(decode_step(d, 7, &found, &is_null, &trunc), 1); /* legacy, no \n */
  CHECK_INT(decode_step(d, 8, &found, &is_null, &trunc), 3);
  CHECK_INT(trunc, 1); /* first pos 100 */
  trunc = 0;
  CHECK_INT(decode_step(d, 9, &found, &is_null, &trunc), 2);
  CHECK_INT(trunc, 1); /* legacy warning */

  /* a log over the limit is refused before it is read */
  cf_drone_close(d);
  char *p = fx_make_db(dir, "biglog.sqlite", "schema-2x.sql", 1,
                       "UPDATE logs SET log_data = zeroblob(41943041) "
                       "WHERE log_id = 2;"
                       "UPDATE logs SET log_data = NULL WHERE log_id = 1;");
  d = open_ok(p);
  if (d) {
    char *blob;
    size_t len;
    cf_err err = {{0}};
    CHECK_INT(cf_drone_read_log(d, 2, &blob, &len, &found, &err), -1);
    char want[2048];
    snprintf(want, sizeof want,
             "%s: step 2: log of 41943041 bytes exceeds the limit of 41943040 "
             "bytes",
             p);
    CHECK_STR(err.msg, want);
    CHECK(blob == NULL);
    CHECK_INT(cf_drone_read_log(d, 1, &blob, &len, &found, &err), 0);
    CHECK_INT(found, 1);
    CHECK_INT(len, 0);
    free(blob);
    cf_drone_close(d);
  }
  free(p);
}

static void test_schema_1x(void) {
  ensure();
  cf_drone *d = open_ok(db1x);
  if (!d) return;
  cf_build b;
  cf_err err = {{0}};
  int64_t id;
  CHECK_INT(cf_drone_find_repo(d, "acme/ci", &id, &err), 0);
  CHECK_INT(cf_drone_load_build(d, id, 515, &b, &err), 0);
  CHECK(b.failed != NULL);
  if (b.failed) CHECK_STR(b.failed->name, "test");
  CHECK_STR(b.tested.recipe, "ghost");
  cf_build_free(&b);
  cf_drone_close(d);
}

static void test_later_columns_tolerated(void) {
  ensure();
  char *p = fx_make_db(dir, "future.sqlite", "schema-2x.sql", 1,
                       "ALTER TABLE builds ADD COLUMN build_future TEXT;"
                       "ALTER TABLE steps ADD COLUMN step_future INTEGER;");
  cf_drone *d = open_ok(p);
  if (d) {
    cf_build b;
    cf_err err = {{0}};
    CHECK_INT(cf_drone_load_build(d, 1, 515, &b, &err), 0);
    cf_build_free(&b);
    cf_drone_close(d);
  }
  free(p);
}

static void test_snapshot(void) {
  ensure();
  cf_drone *d = NULL;
  cf_err err = {{0}};
  CHECK_INT(cf_drone_open(db2x, 1, &d, &err), 0);
  if (!d) return;
  cf_build b;
  CHECK_INT(cf_drone_load_build(d, 1, 515, &b, &err), 0);
  CHECK(b.failed != NULL);
  if (b.failed) CHECK_STR(b.failed->name, "test");
  cf_build_free(&b);
  int found, is_null, trunc;
  CHECK_INT(decode_step(d, 3, &found, &is_null, &trunc), 25);
  cf_drone_close(d);
}

static void test_dump(void) {
  ensure();
  /* schema + fixture as one SQL text file, as the corpus stores Drone data */
  char *schema = fx_source("schema-2x.sql");
  char *rows = fx_source("fixture.sql");
  cf_buf all_sql = {0};
  cf_buf_printf(&all_sql, "BEGIN TRANSACTION;\n%s%sCOMMIT;\n", schema, rows);
  char *p = fx_write(dir, "drone.sql", all_sql.data, all_sql.len);
  cf_drone *d = NULL;
  cf_err err = {{0}};
  CHECK_INT(cf_drone_open_any(p, 0, &d, &err), 0);
  if (d) {
    cf_build b;
    CHECK_INT(cf_drone_load_build(d, 1, 517, &b, &err), 0);
    CHECK_INT(b.tested.pr, 7);
    cf_build_free(&b);
    CHECK_STR(cf_drone_path(d), p);
    cf_drone_close(d);
  }
  free(p);

  /* a syntax error names the line of the failing statement */
  const char *bad = "CREATE TABLE a (x);\n\n-- comment\nINSERT INTO a VALUES (1);\n"
                    "INSERT INTO a VALUES (1,\n 2;\n";
  p = fx_write(dir, "bad.sql", bad, strlen(bad));
  cf_err_clear(&err);
  CHECK_INT(cf_drone_open_dump(p, &d, &err), -1);
  char want[2048];
  snprintf(want, sizeof want, "%s: line 5: near \";\": syntax error", p);
  CHECK_STR(err.msg, want);
  free(p);

  /* a dump may not reach other files */
  cf_buf esc = {0};
  cf_buf_printf(&esc, "ATTACH '%s/escape.db' AS x;\n", dir);
  p = fx_write(dir, "attach.sql", esc.data, esc.len);
  cf_err_clear(&err);
  CHECK_INT(cf_drone_open_dump(p, &d, &err), -1);
  snprintf(want, sizeof want, "%s: line 1: not authorized", p);
  CHECK_STR(err.msg, want);
  free(p);
  cf_buf_reset(&esc);
  cf_buf_printf(&esc, "%s%sVACUUM INTO '%s/escape.db';\n", schema, rows, dir);
  p = fx_write(dir, "vacuum.sql", esc.data, esc.len);
  cf_err_clear(&err);
  CHECK_INT(cf_drone_open_dump(p, &d, &err), -1);
  CHECK_CONTAINS(err.msg, ": authorization denied");
  free(p);
  char *escape = cf_path_join(dir, "escape.db");
  CHECK(!cf_file_exists(escape));
  free(escape);
  cf_buf_free(&esc);

  /* a dump cannot keep the tool busy forever */
  const char *loop = "CREATE TABLE t (x);\n"
                     "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
                     "FROM c) INSERT INTO t SELECT x FROM c;\n";
  p = fx_write(dir, "loop.sql", loop, strlen(loop));
  cf_err_clear(&err);
  CHECK_INT(cf_drone_open_dump(p, &d, &err), -1);
  snprintf(want, sizeof want, "%s: line 2: statement needs more work than a "
                              "dump of this size may ask for", p);
  CHECK_STR(err.msg, want);
  free(p);

  /* a table named like Drone's but made a view is not accepted */
  cf_buf v = {0};
  cf_buf_printf(&v, "%s", schema);
  cf_buf_puts(&v, "DROP TABLE repos; CREATE VIEW repos AS SELECT 1 AS repo_id, "
                  "'a/b' AS repo_slug;\n");
  p = fx_write(dir, "view.sql", v.data, v.len);
  cf_err_clear(&err);
  CHECK_INT(cf_drone_open_dump(p, &d, &err), -1);
  snprintf(want, sizeof want, "%s: not a Drone database: table repos missing",
           p);
  CHECK_STR(err.msg, want);
  free(p);
  cf_buf_free(&v);

  /* a dump that is SQL but not Drone */
  p = fx_write(dir, "plain.sql", "CREATE TABLE t (a);\n", 20);
  cf_err_clear(&err);
  CHECK_INT(cf_drone_open_any(p, 0, &d, &err), -1);
  snprintf(want, sizeof want, "%s: not a Drone database: table repos missing",
           p);
  CHECK_STR(err.msg, want);
  free(p);
  free(schema);
  free(rows);
  cf_buf_free(&all_sql);
}

/* A live server's connection keeps the database open in WAL mode; the
 * reader must still read it, and must not keep anything locked. */
static void test_wal_and_locks(void) {
  ensure();
  char *p = fx_make_db(dir, "wal.sqlite", "schema-2x.sql", 1,
                       "PRAGMA journal_mode=WAL;");
  /* nobody has it open: read without creating wal.sqlite-wal / -shm */
  cf_buf side = {0};
  cf_buf_printf(&side, "%s-shm", p);
  cf_drone *d = open_ok(p);
  if (d) {
    cf_build b;
    cf_err err = {{0}};
    CHECK_INT(cf_drone_load_build(d, 1, 515, &b, &err), 0);
    cf_build_free(&b);
    cf_drone_close(d);
  }
  CHECK(!cf_file_exists(side.data));
  side.data[side.len - 3] = 'w'; /* "-wal" */
  side.data[side.len - 2] = 'a';
  side.data[side.len - 1] = 'l';
  CHECK(!cf_file_exists(side.data));
  cf_buf_free(&side);

  sqlite3 *server;
  CHECK_INT(sqlite3_open(p, &server), SQLITE_OK);
  fx_exec(server, "UPDATE builds SET build_status = 'failure' "
                  "WHERE build_number = 519;"); /* leaves a -wal file */
  d = open_ok(p);
  if (d) {
    cf_build b;
    cf_err err = {{0}};
    CHECK_INT(cf_drone_load_build(d, 1, 519, &b, &err), 0);
    CHECK_STR(b.status, "failure"); /* sees the committed WAL content */
    cf_build_free(&b);
    int found, is_null, trunc;
    CHECK_INT(decode_step(d, 3, &found, &is_null, &trunc), 25);
    /* with the reader still open, the server writes without waiting */
    sqlite3_busy_timeout(server, 0);
    CHECK_INT(sqlite3_exec(server,
                           "BEGIN IMMEDIATE; UPDATE builds SET build_status = "
                           "'success' WHERE build_number = 519; COMMIT;",
                           NULL, NULL, NULL),
              SQLITE_OK);
    CHECK_INT(cf_drone_load_build(d, 1, 519, &b, &err), 0);
    CHECK_STR(b.status, "success");
    cf_build_free(&b);
    cf_drone_close(d);
  }
  sqlite3_close(server);
  free(p);

  /* rollback-journal mode (Drone's default): after each load, an exclusive
   * write must succeed at once, so the reader holds no shared lock */
  p = fx_make_db(dir, "journal.sqlite", "schema-2x.sql", 1, NULL);
  d = open_ok(p);
  CHECK_INT(sqlite3_open(p, &server), SQLITE_OK);
  sqlite3_busy_timeout(server, 0);
  if (d) {
    cf_build b;
    cf_err err = {{0}};
    CHECK_INT(cf_drone_load_build(d, 1, 515, &b, &err), 0);
    cf_build_free(&b);
    char *blob;
    size_t len;
    int found;
    CHECK_INT(cf_drone_read_log(d, 3, &blob, &len, &found, &err), 0);
    free(blob);
    CHECK_INT(sqlite3_exec(server,
                           "BEGIN EXCLUSIVE; UPDATE builds SET build_updated = "
                           "build_updated + 1; COMMIT;",
                           NULL, NULL, NULL),
              SQLITE_OK);
    cf_drone_close(d);
  }
  sqlite3_close(server);
  free(p);
}

static void test_never_reads_secrets(void) {
  ensure();
  /* Without the secret columns the reader still works: it never names them. */
  char *p = fx_make_db(dir, "nosecret.sqlite", "schema-2x.sql", 1,
                       "ALTER TABLE repos DROP COLUMN repo_secret;"
                       "ALTER TABLE repos DROP COLUMN repo_signer;");
  cf_drone *d = open_ok(p);
  if (d) {
    int64_t id;
    cf_err err = {{0}};
    CHECK_INT(cf_drone_find_repo(d, "acme/ci", &id, &err), 0);
    cf_build b;
    CHECK_INT(cf_drone_load_build(d, id, 515, &b, &err), 0);
    cf_build_free(&b);
    CHECK_INT(cf_drone_find_repo(d, "no/such", &id, &err), -1);
    cf_drone_close(d);
  }
  free(p);
}

static void teardown(void) {
  free(db2x);
  free(db1x);
  fx_rmtree(dir);
}

/* Build the shared fixtures once, whichever test runs first. */
static void ensure(void) {
  if (dir) return;
  atexit(teardown);
  dir = fx_tmpdir();
  db2x = fx_make_db(dir, "drone-2x.sqlite", "schema-2x.sql", 1, NULL);
  db1x = fx_make_db(dir, "drone-1x.sqlite", "schema-1x.sql", 1, NULL);
}

CF_TEST_MAIN(T(test_open_errors), T(test_find_repo),
             T(test_find_repo_lists_at_most_ten),
             T(test_list_by_number_and_time), T(test_load_failed_build),
             T(test_params_forms_and_tested), T(test_bad_params),
             T(test_tested_from_ref_forms), T(test_orphans_ignored),
             T(test_logs), T(test_schema_1x), T(test_later_columns_tolerated),
             T(test_snapshot), T(test_dump), T(test_wal_and_locks),
             T(test_never_reads_secrets))
