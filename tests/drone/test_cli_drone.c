/*
 * test_cli_drone.c: runs the built program ($CF_EXE) for `builds` and
 * `show` on a fixture database and checks their output (text and JSON),
 * their exit codes and messages for bad input (exit 1, nothing on stdout),
 * and after every single command that the database file's bytes and mtime
 * are unchanged and no file appeared beside it.
 */
#include "fixture.h" /* first: it selects the X/Open API for nftw */

#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "check.h"

static char *dir, *db, *orig;     /* temp dir, fixture db, its bytes */
static size_t orig_len;
static struct timespec orig_mtime;
static int orig_entries;

static int count_entries(const char *path) {
  DIR *d = opendir(path);
  int n = 0;
  if (!d) return -1;
  struct dirent *e;
  while ((e = readdir(d))) n++;
  closedir(d);
  return n;
}

/* The database must be exactly as it was, and alone in its folder. */
static void check_untouched(const char *what) {
  char *now;
  size_t len;
  cf_err err = {{0}};
  struct stat sb;
  int same = cf_read_file(db, 64 << 20, &now, &len, &err) == 0 &&
             len == orig_len && !memcmp(now, orig, len);
  if (!err.msg[0]) free(now);
  CHECK(same);
  CHECK(stat(db, &sb) == 0 && sb.st_mtim.tv_sec == orig_mtime.tv_sec &&
        sb.st_mtim.tv_nsec == orig_mtime.tv_nsec);
  CHECK_INT(count_entries(dir), orig_entries);
  if (!same) fprintf(stderr, "  database changed by: %s\n", what);
}

/* Run $CF_EXE with args (NULL-terminated); stdout and stderr into *out and *err
 * (caller frees). Returns the exit status. */
static int run(const char *const *args, char **out, char **err) {
  const char *exe = getenv("CF_EXE");
  char *po = cf_path_join(dir, "..stdout"), *pe = cf_path_join(dir, "..stderr");
  const char *argv[32];
  int n = 0;
  argv[n++] = exe;
  for (int i = 0; args[i] && n < 31; i++) argv[n++] = args[i];
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid == 0) {
    int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fo < 0 || fe < 0 || chdir(dir)) _exit(120);
    dup2(fo, 1);
    dup2(fe, 2);
    execv(exe, (char *const *)argv);
    _exit(121);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  size_t len;
  cf_err e = {{0}};
  if (cf_read_file(po, 64 << 20, out, &len, &e)) *out = cf_xstrdup("");
  if (cf_read_file(pe, 64 << 20, err, &len, &e)) *err = cf_xstrdup("");
  remove(po);
  remove(pe);
  free(po);
  free(pe);
  const char *what = args[0] ? args[0] : "?";
  check_untouched(what);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Expect exit 1, empty stdout and exactly "ciforensics: <msg>\n". */
static void expect_fail(const char *const *args, const char *msg) {
  char *out, *err;
  CHECK_INT(run(args, &out, &err), 1);
  CHECK_STR(out, "");
  char want[2048];
  snprintf(want, sizeof want, "ciforensics: %s\n", msg);
  CHECK_STR(err, want);
  free(out);
  free(err);
}

static void test_builds_text(void) {
  char *out, *err;
  const char *args[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                        NULL};
  CHECK_INT(run(args, &out, &err), 0);
  CHECK_STR(err, "");
  CHECK_STR(out,
            "BUILD  STATUS   STARTED               MACHINE  TESTED           "
            "             FAILED STEP\n"
            "#515   failure  2026-06-12T09:00:10Z  ci-1     ghost PR#4 "
            "d88f5801 (params)  test\n"
            "#516   success  2026-06-12T09:11:50Z  ci-2     aaaa1111aaaa "
            "(none)           -\n"
            "#517   killed   2026-06-12T09:16:50Z  ci-1     PR#7 bbbb2222bbbb "
            "(ref)       test\n"
            "#518   success  2026-06-12T09:33:30Z  ci-1     other cccc2222 "
            "(params)       -\n"
            "#519   running  2026-06-12T09:50:10Z  ci-1     ghost PR#4 "
            "d88f5801 (params)  -\n"
            "#520   error    2026-06-12T10:06:40Z  -        aaaa1111aaaa "
            "(none)           -\n");
  CHECK(!strstr(out, "NEVER-READ"));
  free(out);
  free(err);

  const char *rec[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--recipe", "ghost", "--builds", "516..", NULL};
  CHECK_INT(run(rec, &out, &err), 0);
  CHECK_CONTAINS(out, "#519");
  CHECK(!strstr(out, "#515") && !strstr(out, "#518"));
  free(out);
  free(err);
}

static void test_builds_json(void) {
  char *out, *err, *again, *err2;
  const char *args[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                        "--since", "2026-06-12T09:00:00Z", "--until",
                        "2026-06-12T09:20Z", "--format", "json", NULL};
  CHECK_INT(run(args, &out, &err), 0);
  CHECK_STR(err, "");
  CHECK_INT(run(args, &again, &err2), 0);
  CHECK_STR(out, again); /* deterministic */
  cJSON *root = cJSON_Parse(out);
  CHECK(root != NULL);
  const cJSON *bs = cJSON_GetObjectItemCaseSensitive(root, "builds");
  CHECK_INT(cJSON_GetArraySize(bs), 3);
  const cJSON *b0 = cJSON_GetArrayItem(bs, 0), *b1 = cJSON_GetArrayItem(bs, 1),
              *b2 = cJSON_GetArrayItem(bs, 2);
  if (b0 && b1 && b2) {
    /* key order is the contract's */
    const char *keys[] = {"number",  "status",   "event",   "ref",
                          "sha",     "tested",   "params",  "started",
                          "finished", "machine", "failed_step"};
    const cJSON *k = b0->child;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++, k = k ? k->next : k)
      CHECK_STR(k ? k->string : NULL, keys[i]);
    CHECK(k == NULL);
    const cJSON *t0 = cJSON_GetObjectItemCaseSensitive(b0, "tested");
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(t0, "pr")->valueint, 4);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(t0, "source")->valuestring,
              "params");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(b0, "params"), "RECIPE")
                  ->valuestring,
              "ghost");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(b0, "finished")->valuestring,
              "2026-06-12T09:10:00Z");
    const cJSON *t1 = cJSON_GetObjectItemCaseSensitive(b1, "tested");
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(t1, "pr")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(t1, "recipe")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b1, "failed_step")));
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(b2, "number")->valueint, 517);
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(b2, "tested"), "pr")
                  ->valueint,
              7);
  }
  cJSON_Delete(root);
  free(out);
  free(err);
  free(again);
  free(err2);
}

static void test_show_text(void) {
  char *out, *err;
  const char *args[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                        "515", "--runs", "runs", NULL};
  CHECK_INT(run(args, &out, &err), 0);
  CHECK_STR(err, "");
  CHECK_CONTAINS(out, "build #515  failure\n");
  CHECK_CONTAINS(out, "  tested:      recipe ghost, PR #4, sha d88f5801 "
                      "(from params)\n");
  CHECK_CONTAINS(out, "  failed step: test\n");
  CHECK_CONTAINS(out, "stage 1 default: failure, exit 0, machine ci-1, "
                      "2026-06-12T09:00:10Z .. 2026-06-12T09:10:00Z (9m50s)\n");
  CHECK_CONTAINS(out, "  step 2 lint: failure (ignored), exit 1, ");
  CHECK_CONTAINS(out, "  step 3 test: failure, exit 1, 2026-06-12T09:00:30Z .. "
                      "2026-06-12T09:10:00Z (9m30s), 25 lines\n"
                      "    last 20 lines:\n"
                      "         6 | step output line 6\n");
  /* ANSI stripped, Go escapes decoded, split line joined, pos + 1 */
  CHECK_CONTAINS(out, "        23 | Error: connect ECONNREFUSED "
                      "10.0.5.196:3306 <mysql> & retry\n"
                      "        24 | !! upgrade op failed: ghost_app "
                      "UpdateStatus='paused'\n"
                      "        26 | FAILED exit status 1\n");
  CHECK(!strstr(out, "\x1b"));
  CHECK_CONTAINS(out, "  step 4 upload: success, exit 0, 2026-06-12T09:10:00Z "
                      ".. 2026-06-12T09:10:00Z (0s), log not in database\n");
  CHECK_CONTAINS(out, "  step 5 cleanup: skipped, exit 0, not started, log not "
                      "in database\n");
  CHECK_CONTAINS(out, "\nartifacts in runs/515:\n  junit.xml (5 bytes)\n"
                      "  results.json (2 bytes)\n");
  free(out);
  free(err);

  const char *nul[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "#516", "--runs", "runs", NULL};
  CHECK_INT(run(nul, &out, &err), 0);
  CHECK_CONTAINS(out, "  step 1 clone: success, exit 0, 2026-06-12T09:11:50Z .. "
                      "2026-06-12T09:15:00Z (3m10s), no output\n");
  CHECK_CONTAINS(out, "artifacts in runs/516: none (no such directory)\n");
  free(out);
  free(err);

  const char *trunc[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                         "517", "--snapshot", NULL};
  CHECK_INT(run(trunc, &out, &err), 0);
  CHECK_CONTAINS(out, "3 lines, truncated by Drone\n    last 3 lines:\n"
                      "       101 | line 100\n");
  free(out);
  free(err);

  const char *running[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                           "519", NULL};
  CHECK_INT(run(running, &out, &err), 0);
  CHECK_CONTAINS(out, "  run:         2026-06-12T09:50:10Z .. running (-)\n");
  free(out);
  free(err);
}

static void test_show_json(void) {
  char *out, *err;
  const char *args[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                        "515", "--format", "json", "--runs", "runs", NULL};
  CHECK_INT(run(args, &out, &err), 0);
  CHECK_STR(err, "");
  cJSON *root = cJSON_Parse(out);
  CHECK(root != NULL);
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "build");
  const cJSON *steps = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "stages"), 0),
      "steps");
  CHECK_INT(cJSON_GetArraySize(steps), 5);
  const cJSON *test = cJSON_GetArrayItem(steps, 2);
  const cJSON *tail = cJSON_GetObjectItemCaseSensitive(test, "tail");
  CHECK_INT(cJSON_GetArraySize(tail), 20);
  const cJSON *last = cJSON_GetArrayItem(tail, 19);
  if (last) {
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(last, "line")->valueint, 26);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(last, "text")->valuestring,
              "FAILED exit status 1");
  }
  const cJSON *log = cJSON_GetObjectItemCaseSensitive(test, "log");
  CHECK_INT(cJSON_GetObjectItemCaseSensitive(log, "lines")->valueint, 25);
  CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(log, "truncated")));
  const cJSON *up = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetArrayItem(steps, 3), "log");
  CHECK_STR(cJSON_GetObjectItemCaseSensitive(up, "state")->valuestring,
            "missing");
  CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(up, "lines")));
  CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(steps, 0),
                                         "tail") == NULL); /* passed step */
  const cJSON *runs = cJSON_GetObjectItemCaseSensitive(root, "runs");
  CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(runs, "present")));
  CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(runs, "files")),
            2);
  cJSON_Delete(root);
  free(out);
  free(err);
}

/* A corrupt log is reported on its step (exit 0); log text cannot drive the
 * terminal, and secrets in it are redacted. */
static void test_show_bad_logs(void) {
  char *out, *err;
  const char *args[] = {"show", "--db", "corrupt.sqlite", "--repo", "acme/ci",
                        "515", NULL};
  CHECK_INT(run(args, &out, &err), 0);
  CHECK_STR(err, "");
  CHECK_CONTAINS(out, "  step 3 test: failure, exit 1, 2026-06-12T09:00:30Z .. "
                      "2026-06-12T09:10:00Z (9m30s), log unreadable: byte 1: "
                      "log element 0 has no string \"out\"\n");
  CHECK_CONTAINS(out, "         1 | bell\\x07 here\n");
  CHECK(!strstr(out, "\a"));
  CHECK(!strstr(out, "hunter2"));
  CHECK_CONTAINS(out, "         2 | export DB_PASSWORD=");
  free(out);
  free(err);
  const char *json[] = {"show", "--db", "corrupt.sqlite", "--repo", "acme/ci",
                        "515", "--format", "json", NULL};
  CHECK_INT(run(json, &out, &err), 0);
  cJSON *root = cJSON_Parse(out);
  CHECK(root != NULL);
  CHECK(!strstr(out, "hunter2"));
  CHECK_CONTAINS(out, "\"state\":\t\"unreadable\"");
  cJSON_Delete(root);
  free(out);
  free(err);
}

static void test_help(void) {
  const char *cmds[] = {"builds", "show"};
  for (int i = 0; i < 2; i++) {
    char *out, *err;
    const char *args[] = {cmds[i], "--help", NULL};
    CHECK_INT(run(args, &out, &err), 0);
    CHECK(cf_str_starts(out, "usage: ciforensics "));
    CHECK_STR(err, "");
    free(out);
    free(err);
  }
}

static void test_bad_input(void) {
  {
    const char *a[] = {"builds", "--repo", "acme/ci", NULL};
    expect_fail(a, "builds: --db FILE is required (try 'ciforensics builds "
                   "--help')");
  }
  {
    const char *a[] = {"builds", "--db", "missing.sqlite", "--repo", "a/b",
                       NULL};
    expect_fail(a, "missing.sqlite: No such file or directory");
  }
  {
    const char *a[] = {"builds", "--db", "runs/515/junit.xml", "--repo", "a/b",
                       NULL};
    expect_fail(a, "runs/515/junit.xml: not an SQLite database");
  }
  {
    const char *a[] = {"builds", "--db", "drone.sqlite", "--repo", "x/y",
                       NULL};
    expect_fail(a, "drone.sqlite: no repository 'x/y' (known: acme/ci, "
                   "acme/other, zeta/app)");
  }
  {
    const char *a[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--builds", "600..700", NULL};
    expect_fail(a, "drone.sqlite: repository acme/ci has no builds in "
                   "#600..#700");
  }
  {
    const char *a[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--builds", "7..3", NULL};
    expect_fail(a, "builds: --builds '7..3': expected A..B, A.., ..B or N");
  }
  {
    const char *a[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--until", "noon", NULL};
    expect_fail(a, "builds: --until 'noon': expected an ISO 8601 time or Unix "
                   "seconds");
  }
  {
    const char *a[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--format", "md", NULL};
    expect_fail(a, "builds: --format 'md': expected text or json");
  }
  {
    const char *a[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--recipe", "nope", NULL};
    expect_fail(a, "drone.sqlite: repository acme/ci has no builds of recipe "
                   "'nope' in the selected range");
  }
  {
    const char *a[] = {"builds", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--bogus", NULL};
    expect_fail(a, "builds: unknown option '--bogus' (try 'ciforensics builds "
                   "--help')");
  }
  /* analyze shares the option messages (cli/common.c) */
  {
    const char *a[] = {"analyze", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--since", "noon", NULL};
    expect_fail(a, "analyze: --since 'noon': expected an ISO 8601 time or Unix "
                   "seconds");
  }
  {
    const char *a[] = {"analyze", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "--builds", "1..2", "--format", "text", NULL};
    expect_fail(a, "analyze: --format 'text': expected md or json");
  }
  {
    const char *a[] = {"analyze", "--db", "drone.sqlite", "--repo", NULL};
    expect_fail(a, "analyze: option '--repo' needs a value");
  }
  {
    const char *a[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                       NULL};
    expect_fail(a, "show: a BUILD number is required (try 'ciforensics show "
                   "--help')");
  }
  {
    const char *a[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "9999", NULL};
    expect_fail(a, "drone.sqlite: repository acme/ci has no build #9999");
  }
  {
    const char *a[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "x1", NULL};
    expect_fail(a, "show: BUILD 'x1': expected a build number");
  }
  {
    const char *a[] = {"show", "--db", "drone.sqlite", "--repo", "acme/ci",
                       "515", "--runs", "nowhere", NULL};
    expect_fail(a, "nowhere: no such directory (--runs)");
  }
  {
    const char *a[] = {"show", "--db", NULL};
    expect_fail(a, "show: option '--db' needs a value");
  }
}

static void test_dump_input(void) {
  /* the corpus form: a .sql text dump given as --db */
  char *schema = fx_source("schema-2x.sql"), *rows = fx_source("fixture.sql");
  cf_buf sql = {0};
  cf_buf_printf(&sql, "%s%s", schema, rows);
  char *sub = cf_path_join(dir, "dump");
  mkdir(sub, 0700);
  char *p = fx_write(sub, "drone.sql", sql.data, sql.len);
  char *out, *err;
  const char *args[] = {"builds", "--db", "dump/drone.sql", "--repo",
                        "acme/ci", "--builds", "517", NULL};
  CHECK_INT(run(args, &out, &err), 0);
  CHECK_CONTAINS(out, "#517   killed");
  CHECK_STR(err, "");
  free(out);
  free(err);
  free(p);
  free(sub);
  free(schema);
  free(rows);
  cf_buf_free(&sql);
}

static void setup(void) {
  dir = fx_tmpdir();
  db = fx_make_db(dir, "drone.sqlite", "schema-2x.sql", 1, NULL);
  char *runs = cf_path_join(dir, "runs"), *r515 = cf_path_join(runs, "515");
  mkdir(runs, 0700);
  mkdir(r515, 0700);
  free(fx_write(r515, "results.json", "{}", 2));
  free(fx_write(r515, "junit.xml", "<x/>\n", 5));
  free(runs);
  free(r515);
  free(fx_make_db(dir, "corrupt.sqlite", "schema-2x.sql", 1,
                  "UPDATE logs SET log_data = CAST('[{\"pos\":0}]' AS BLOB) "
                  "WHERE log_id = 3;"
                  "UPDATE logs SET log_data = CAST('[{\"pos\":0,\"out\":"
                  "\"bell\\u0007 here\\n\",\"time\":0},{\"pos\":1,\"out\":"
                  "\"export DB_PASSWORD=hunter2\\n\",\"time\":1}]' AS BLOB) "
                  "WHERE log_id = 2;"));
  cf_err err = {{0}};
  struct stat sb;
  if (cf_read_file(db, 64 << 20, &orig, &orig_len, &err) || stat(db, &sb)) {
    fprintf(stderr, "setup: %s\n", err.msg);
    exit(2);
  }
  orig_mtime = sb.st_mtim;
  orig_entries = count_entries(dir);
}

static void teardown(void) {
  free(db);
  free(orig);
  fx_rmtree(dir);
}

static void need_exe(void) {
  if (!getenv("CF_EXE")) {
    printf("CF_EXE is not set: run this through meson test\n");
    exit(77);
  }
}

static void test_all(void) {
  need_exe();
  setup();
  test_builds_text();
  test_builds_json();
  test_show_text();
  test_show_json();
  test_show_bad_logs();
  test_help();
  test_bad_input();
  teardown();
}

/* test_dump_input adds a folder: it runs after the others in test_all. */
static void test_dump(void) {
  need_exe();
  setup();
  orig_entries++; /* the dump/ folder */
  test_dump_input();
  teardown();
}

CF_TEST_MAIN(T(test_all), T(test_dump))
