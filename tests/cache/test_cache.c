/*
 * Unit tests for the incremental cache (cache.c): exact round trip of every
 * cached field (NULL vs "", CF_TIME_NONE, integers beyond 2^53, raw bytes),
 * a miss for every changed key part, damaged and foreign files reported
 * with their exact warning and rebuilt, unreadable entries, bounds, the
 * artifacts signature, and a writer killed mid-run leaving no partial entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "ciforensics/analysis.h"
#include "ciforensics/cache.h"

static char tmpdir[64];

static char *tmp_path(const char *name) {
  if (!tmpdir[0]) {
    strcpy(tmpdir, "/tmp/cf-cache-test-XXXXXX");
    if (!mkdtemp(tmpdir)) abort();
  }
  return cf_path_join(tmpdir, name);
}

static void remove_cache(const char *path) {
  const char *sfx[] = {"", "-wal", "-shm", "-journal"};
  for (int i = 0; i < 4; i++) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s%s", path, sfx[i]);
    unlink(buf);
  }
}

static void write_bytes(const char *path, const void *data, size_t n) {
  FILE *fp = fopen(path, "wb");
  if (!fp || fwrite(data, 1, n, fp) != n) abort();
  fclose(fp);
}

static char **strv(size_t n, ...) {
  va_list ap;
  va_start(ap, n);
  char **v = cf_xcalloc(n, sizeof *v);
  for (size_t i = 0; i < n; i++) v[i] = cf_xstrdup(va_arg(ap, const char *));
  va_end(ap);
  return v;
}

/* Every cached field set, with the awkward values: NULL and "" strings,
 * CF_TIME_NONE, negative and > 2^53 integers, control and non-UTF-8 bytes. */
static void full_facts(cf_facts *f) {
  memset(f, 0, sizeof *f);
  f->number = 530;
  f->build_id = INT64_C(9007199254740993); /* 2^53 + 1: not a double */
  f->status = cf_xstrdup("failure");
  f->event = cf_xstrdup("");
  f->ref = NULL;
  f->sha = cf_xstrdup("d88f5801ab");
  f->created = 1781328000;
  f->started = CF_TIME_NONE;
  f->finished = INT64_MAX;
  f->machine = cf_xstrdup("ci-2");
  f->drone_error = cf_xstrdup("Error response from daemon: toomanyrequests");
  f->n_params = 2;
  f->param_keys = strv(2, "RECIPE", "");
  f->param_values = strv(2, "ghost", "x=\"y\"\\");
  f->tested.recipe = cf_xstrdup("ghost");
  f->tested.sha = NULL;
  f->tested.pr = -1;
  f->tested.source = "results";
  f->has_results = 1;
  f->level = 3;
  f->clean_teardown = -1;
  f->no_secret_leak = 0;
  f->n_tiers = 2;
  f->tiers = cf_xcalloc(2, sizeof *f->tiers);
  f->tiers[0] = (cf_tierfact){cf_xstrdup("install"), cf_xstrdup("pass"), 1781328010,
                              1781328061, 0};
  f->tiers[1] = (cf_tierfact){cf_xstrdup("upgrade"), cf_xstrdup("fail"), CF_TIME_NONE,
                              -5, 1};
  f->genuine = -1;
  f->genuine_summary = cf_xstrdup("install 51 s \xe2\x86\x92 upgrade 45 s");
  f->n_genuine_problems = 1;
  f->genuine_problems = strv(1, "");
  f->n_evidence_notes = 3;
  f->evidence_notes = strv(3, "tab\there", "bell\a nl\n cr\r", "bad utf8 \xff\xfe end");
  f->failed_tier = cf_xstrdup("upgrade");
  f->failed_step = NULL;
  f->failed_step_stopped = INT64_MIN + 1; /* not CF_TIME_NONE */
  f->tier_failed_at = CF_TIME_NONE;
  f->n_hits = 2;
  f->hits = cf_xcalloc(2, sizeof *f->hits);
  cf_hitfact *h = &f->hits[0];
  h->rule = cf_xstrdup("mysql-gone-away");
  h->title = cf_xstrdup("MySQL server has gone away");
  h->cls = CF_CLS_INFRA;
  h->step = cf_xstrdup("test");
  h->tier = NULL;
  h->line = 1234567;
  h->time = 1781328100;
  h->excerpt = cf_xstrdup("ERROR 2006 (HY000): \"gone\" \\ away \x01");
  h->n_captures = 3;
  h->captures = cf_xcalloc(3, sizeof *h->captures);
  h->captures[0] = cf_xstrdup("2006");
  h->captures[1] = NULL; /* an unset group */
  h->captures[2] = cf_xstrdup("");
  h->first_line = 1234500;
  h->first_time = CF_TIME_NONE;
  h->first_excerpt = cf_xstrdup("");
  h->n_support = 2;
  h->deciding = 1;
  h->n_rivals = 1;
  h->rivals = strv(1, "oom-killed");
  h = &f->hits[1];
  h->rule = cf_xstrdup("flaky");
  h->title = NULL;
  h->cls = CF_CLS_NONE;
  h->step = cf_xstrdup("");
  h->line = LONG_MAX;
  h->time = CF_TIME_NONE;
  h->first_line = LONG_MIN;
  h->first_time = 0;
  h->n_support = -3;
  f->n_observed = 2;
  f->observed = cf_xcalloc(2, sizeof *f->observed);
  f->observed[0] = (cf_observation){cf_xstrdup("oom-killed"), cf_xstrdup("test"), 77, 0};
  f->observed[1] = (cf_observation){NULL, NULL, 0, 1};
  f->n_errlines = 1;
  f->errlines = cf_xcalloc(1, sizeof *f->errlines);
  f->errlines[0] = (cf_errline){cf_xstrdup("test"), 99, cf_xstrdup("fatal: x"), NULL};
  f->fingerprint = cf_xstrdup("e3b0c442");
  f->n_problems = 1;
  f->problems = strv(1, "runs/530/results.json: line 3: expected a string");
  f->log_truncated = 1;
  f->cancelled_by_server = 0;
}

static int same_str(const char *a, const char *b) {
  return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_strv(char **a, char **b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!same_str(a[i], b[i])) return 0;
  return 1;
}

/* Field-by-field comparison of everything the cache keeps. */
static void check_same(const cf_facts *a, const cf_facts *b) {
  CHECK_INT(a->number, b->number);
  CHECK_INT(a->build_id, b->build_id);
  CHECK(same_str(a->status, b->status));
  CHECK(same_str(a->event, b->event));
  CHECK(same_str(a->ref, b->ref));
  CHECK(same_str(a->sha, b->sha));
  CHECK_INT(a->created, b->created);
  CHECK_INT(a->started, b->started);
  CHECK_INT(a->finished, b->finished);
  CHECK(same_str(a->machine, b->machine));
  CHECK(same_str(a->drone_error, b->drone_error));
  CHECK_INT(a->n_params, b->n_params);
  if (a->n_params == b->n_params) {
    CHECK(same_strv(a->param_keys, b->param_keys, a->n_params));
    CHECK(same_strv(a->param_values, b->param_values, a->n_params));
  }
  CHECK(same_str(a->tested.recipe, b->tested.recipe));
  CHECK(same_str(a->tested.sha, b->tested.sha));
  CHECK_INT(a->tested.pr, b->tested.pr);
  CHECK(same_str(a->tested.source, b->tested.source));
  CHECK_INT(a->has_results, b->has_results);
  CHECK_INT(a->level, b->level);
  CHECK_INT(a->clean_teardown, b->clean_teardown);
  CHECK_INT(a->no_secret_leak, b->no_secret_leak);
  CHECK_INT(a->n_tiers, b->n_tiers);
  for (size_t i = 0; i < a->n_tiers && i < b->n_tiers; i++) {
    CHECK(same_str(a->tiers[i].name, b->tiers[i].name));
    CHECK(same_str(a->tiers[i].status, b->tiers[i].status));
    CHECK_INT(a->tiers[i].start, b->tiers[i].start);
    CHECK_INT(a->tiers[i].end, b->tiers[i].end);
    CHECK_INT(a->tiers[i].intentional_skip, b->tiers[i].intentional_skip);
  }
  CHECK_INT(a->genuine, b->genuine);
  CHECK(same_str(a->genuine_summary, b->genuine_summary));
  CHECK_INT(a->n_genuine_problems, b->n_genuine_problems);
  if (a->n_genuine_problems == b->n_genuine_problems)
    CHECK(same_strv(a->genuine_problems, b->genuine_problems, a->n_genuine_problems));
  CHECK_INT(a->n_evidence_notes, b->n_evidence_notes);
  if (a->n_evidence_notes == b->n_evidence_notes)
    CHECK(same_strv(a->evidence_notes, b->evidence_notes, a->n_evidence_notes));
  CHECK(same_str(a->failed_tier, b->failed_tier));
  CHECK(same_str(a->failed_step, b->failed_step));
  CHECK_INT(a->failed_step_stopped, b->failed_step_stopped);
  CHECK_INT(a->tier_failed_at, b->tier_failed_at);
  CHECK_INT(a->n_hits, b->n_hits);
  for (size_t i = 0; i < a->n_hits && i < b->n_hits; i++) {
    const cf_hitfact *x = &a->hits[i], *y = &b->hits[i];
    CHECK(same_str(x->rule, y->rule));
    CHECK(same_str(x->title, y->title));
    CHECK_INT(x->cls, y->cls);
    CHECK(same_str(x->step, y->step));
    CHECK(same_str(x->tier, y->tier));
    CHECK_INT(x->line, y->line);
    CHECK_INT(x->time, y->time);
    CHECK(same_str(x->excerpt, y->excerpt));
    CHECK_INT(x->n_captures, y->n_captures);
    if (x->n_captures == y->n_captures) CHECK(same_strv(x->captures, y->captures, x->n_captures));
    CHECK_INT(x->first_line, y->first_line);
    CHECK_INT(x->first_time, y->first_time);
    CHECK(same_str(x->first_excerpt, y->first_excerpt));
    CHECK_INT(x->n_support, y->n_support);
    CHECK_INT(x->deciding, y->deciding);
    CHECK_INT(x->n_rivals, y->n_rivals);
    if (x->n_rivals == y->n_rivals) CHECK(same_strv(x->rivals, y->rivals, x->n_rivals));
  }
  CHECK_INT(a->n_observed, b->n_observed);
  for (size_t i = 0; i < a->n_observed && i < b->n_observed; i++) {
    CHECK(same_str(a->observed[i].rule, b->observed[i].rule));
    CHECK(same_str(a->observed[i].step, b->observed[i].step));
    CHECK_INT(a->observed[i].line, b->observed[i].line);
    CHECK_INT(a->observed[i].fired, b->observed[i].fired);
  }
  CHECK_INT(a->n_errlines, b->n_errlines);
  for (size_t i = 0; i < a->n_errlines && i < b->n_errlines; i++) {
    CHECK(same_str(a->errlines[i].step, b->errlines[i].step));
    CHECK_INT(a->errlines[i].line, b->errlines[i].line);
    CHECK(same_str(a->errlines[i].text, b->errlines[i].text));
    CHECK(same_str(a->errlines[i].fingerprint, b->errlines[i].fingerprint));
  }
  CHECK(same_str(a->fingerprint, b->fingerprint));
  CHECK_INT(a->n_problems, b->n_problems);
  if (a->n_problems == b->n_problems)
    CHECK(same_strv(a->problems, b->problems, a->n_problems));
  CHECK_INT(a->log_truncated, b->log_truncated);
  CHECK_INT(a->cancelled_by_server, b->cancelled_by_server);
}

/* What a hit leaves for the pipeline to compute. */
static void check_not_cached(const cf_facts *g) {
  CHECK_INT(g->failing_moment, CF_TIME_NONE);
  CHECK_INT(g->load_known, 0);
  CHECK(g->load_source == NULL);
  CHECK_INT(g->elevated, 0);
  CHECK_INT(g->in_target, 0);
  CHECK_INT(g->excluded, 0);
  CHECK_INT(g->n_reasons, 0);
  CHECK(g->deciding_rule == NULL);
  CHECK_INT(g->n_rivals, 0);
  CHECK_INT(g->n_events_applied, 0);
}

static cf_cache *open_ok(const char *path, const char *identity, const char *rules,
                         const char *version, char **warning) {
  cf_cache *c = NULL;
  cf_err err = {{0}};
  char *w = NULL;
  int rc = cf_cache_open(path, identity, rules, version, &c, &w, &err);
  CHECK_INT(rc, 0);
  if (rc) fprintf(stderr, "  open: %s\n", err.msg);
  if (warning) *warning = w;
  else {
    if (w) fprintf(stderr, "  unexpected warning: %s\n", w);
    CHECK(w == NULL);
    free(w);
  }
  return c;
}

static cf_cache_key key_of(void) {
  return (cf_cache_key){"acme/ghost", INT64_C(9007199254740993), 1781328700, INT64_MAX,
                        "as_of=;runs=/r", "7:results f 10 1.0 1.0 5\n"};
}

static void test_round_trip_encode(void) {
  cf_facts f, g;
  full_facts(&f);
  char *doc = cf_cache_encode(&f);
  cf_err err = {{0}};
  CHECK_INT(cf_cache_decode(doc, strlen(doc), &g, &err), 0);
  CHECK_STR(err.msg, "");
  check_same(&f, &g);
  check_not_cached(&g);
  /* deterministic: the decoded facts encode to the same bytes */
  char *again = cf_cache_encode(&g);
  CHECK_STR(again, doc);
  /* the values that cannot be plain JSON numbers or strings */
  CHECK_CONTAINS(doc, "\"build_id\":\"9007199254740993\"");
  CHECK_CONTAINS(doc, "\"started\":null");
  CHECK_CONTAINS(doc, "\"ref\":null,");
  CHECK_CONTAINS(doc, "\"event\":\"\",");
  free(again);
  free(doc);
  cf_facts_free(&g);
  /* an all-empty build too */
  cf_facts e;
  memset(&e, 0, sizeof e);
  e.created = e.started = e.finished = CF_TIME_NONE;
  doc = cf_cache_encode(&e);
  CHECK_INT(cf_cache_decode(doc, strlen(doc), &g, &err), 0);
  check_same(&e, &g);
  CHECK(g.hits == NULL && g.tiers == NULL && g.param_keys == NULL);
  free(doc);
  cf_facts_free(&g);
  cf_facts_free(&f);
}

static void test_round_trip_sqlite(void) {
  char *path = tmp_path("rt.sqlite");
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  cf_facts f, g;
  full_facts(&f);
  cf_cache_key k = key_of();
  cf_err err = {{0}};
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 0); /* empty: miss */
  CHECK_INT(cf_cache_put(c, &k, &f, &err), 1);
  CHECK_STR(err.msg, "");
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 1);
  check_same(&f, &g);
  check_not_cached(&g);
  cf_facts_free(&g);
  size_t hits, misses, writes;
  cf_cache_stats(c, &hits, &misses, &writes);
  CHECK_INT(hits, 1);
  CHECK_INT(misses, 1);
  CHECK_INT(writes, 1);
  cf_cache_close(c);
  /* survives closing and reopening with the same configuration */
  c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  CHECK_INT(cf_cache_entries(c), 1);
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 1);
  check_same(&f, &g);
  cf_facts_free(&g);
  cf_cache_close(c);
  cf_facts_free(&f);
  /* private: it holds unredacted log excerpts */
  struct stat st;
  CHECK_INT(stat(path, &st), 0);
  CHECK_INT(st.st_mode & 0777, 0600);
  /* closed cleanly, nothing but the cache file is left behind */
  char side[600];
  snprintf(side, sizeof side, "%s-wal", path);
  CHECK(!cf_file_exists(side));
  snprintf(side, sizeof side, "%s-shm", path);
  CHECK(!cf_file_exists(side));
  snprintf(side, sizeof side, "%s-journal", path);
  CHECK(!cf_file_exists(side));
  remove_cache(path);
  free(path);
}

/* Any changed part of the per-build key is a miss; a put replaces. */
static void test_key_parts(void) {
  char *path = tmp_path("key.sqlite");
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  cf_facts f, g;
  full_facts(&f);
  cf_cache_key k = key_of();
  cf_err err = {{0}};
  CHECK_INT(cf_cache_put(c, &k, &f, &err), 1);
  cf_cache_key m;
  m = k; m.repo = "acme/ghost2";             CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.build_id = k.build_id - 1;        CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.updated = k.updated + 1;          CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.updated = CF_TIME_NONE;           CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.finished = CF_TIME_NONE;          CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.variant = NULL;                   CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.variant = "as_of=2026;runs=/r";   CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.artifacts_sig = "";               CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.artifacts_sig = "7:results f 11 1.0 1.0 5\n";
  CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  m = k; m.artifacts_sig = NULL;             CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
  CHECK_INT(cf_cache_put(c, &m, &f, &err), 0); /* uncacheable artifacts: not stored */
  CHECK_STR(err.msg, "");
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 1);
  cf_facts_free(&g);
  /* the build changed: the new facts replace the old, the old key misses */
  m = k; m.updated = k.updated + 60;
  free(f.status);
  f.status = cf_xstrdup("success");
  CHECK_INT(cf_cache_put(c, &m, &f, &err), 1);
  CHECK_INT(cf_cache_entries(c), 1);
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 0);
  CHECK_INT(cf_cache_get(c, &m, &g, &err), 1);
  CHECK_STR(g.status, "success");
  cf_facts_free(&g);
  size_t hits, misses, writes;
  cf_cache_stats(c, &hits, &misses, &writes);
  CHECK_INT(hits, 2);
  CHECK_INT(misses, 11);
  CHECK_INT(writes, 2);
  cf_cache_close(c);

  /* another identity, rule set or version: nothing served, old entries pruned */
  const char *conf[][3] = {{"db-2", "rules-1", "0.1.0"},
                           {"db-1", "rules-2", "0.1.0"},
                           {"db-1", "rules-1", "0.1.1"}};
  for (int i = 0; i < 3; i++) {
    c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
    CHECK_INT(cf_cache_put(c, &m, &f, &err), 1);
    cf_cache_close(c);
    c = open_ok(path, conf[i][0], conf[i][1], conf[i][2], NULL);
    CHECK_INT(cf_cache_entries(c), 0);
    CHECK_INT(cf_cache_get(c, &m, &g, &err), 0);
    cf_cache_close(c);
    c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
    CHECK_INT(cf_cache_get(c, &m, &g, &err), 0); /* pruned, not hidden */
    cf_cache_close(c);
  }
  cf_facts_free(&f);
  remove_cache(path);
  free(path);
}

/* A damaged or foreign file: the exact warning, an empty cache that works,
 * and no warning the next time. */
static void check_rebuilt(const char *path, const char *want_warning) {
  char *w = NULL;
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", &w);
  CHECK_STR(w, want_warning);
  free(w);
  if (!c) return;
  CHECK_INT(cf_cache_entries(c), 0);
  cf_facts f, g;
  full_facts(&f);
  cf_cache_key k = key_of();
  cf_err err = {{0}};
  CHECK_INT(cf_cache_put(c, &k, &f, &err), 1);
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 1);
  check_same(&f, &g);
  cf_facts_free(&g);
  cf_cache_close(c);
  c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 1);
  cf_facts_free(&g);
  cf_facts_free(&f);
  cf_cache_close(c);
  remove_cache(path);
}

static void exec_sql(const char *path, const char *sql) {
  sqlite3 *db;
  if (sqlite3_open(path, &db) != SQLITE_OK) abort();
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "%s\n", msg);
    abort();
  }
  sqlite3_close(db);
}

/* A valid cache of n entries, closed. */
static void make_cache(const char *path, int n) {
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  cf_facts f;
  full_facts(&f);
  cf_cache_key k = key_of();
  cf_err err = {{0}};
  for (int i = 0; i < n; i++) {
    k.build_id = 1000 + i;
    f.build_id = k.build_id;
    cf_cache_put(c, &k, &f, &err);
  }
  cf_facts_free(&f);
  cf_cache_close(c);
}

static void test_corrupt_files(void) {
  char *path = tmp_path("bad.sqlite");
  char want[600];

  /* random bytes, a short text file: not a cache at all (a file named by
   * mistake): refused, and left exactly as it was */
  unsigned char junk[5000];
  unsigned s = 12345;
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)((s = s * 1103515245u + 12345u) >> 16);
  for (int i = 0; i < 2; i++) {
    size_t n = i == 0 ? sizeof junk : 6;
    if (i == 0) write_bytes(path, junk, n);
    else write_bytes(path, "hello\n", n);
    cf_err err = {{0}};
    cf_cache *none = (cf_cache *)1;
    char *nw = (char *)1;
    CHECK_INT(cf_cache_open(path, "db-1", "rules-1", "0.1.0", &none, &nw, &err), -1);
    CHECK(none == NULL && nw == NULL);
    snprintf(want, sizeof want,
             "%s: cache: not a cache file (not a sqlite database); not overwritten"
             " (remove it or choose another cache path)", path);
    CHECK_STR(err.msg, want);
    struct stat kept;
    CHECK(stat(path, &kept) == 0 && (size_t)kept.st_size == n);
  }
  remove_cache(path);

  /* sqlite's magic followed by junk */
  memcpy(junk, "SQLite format 3", 16);
  write_bytes(path, junk, sizeof junk);
  snprintf(want, sizeof want,
           "%s: cache ignored and rebuilt: unreadable: file is not a database", path);
  check_rebuilt(path, want);

  /* a real cache cut short */
  make_cache(path, 200);
  struct stat st;
  CHECK_INT(stat(path, &st), 0);
  CHECK(st.st_size > 8192);
  CHECK_INT(truncate(path, st.st_size / 2), 0);
  char *w = NULL;
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", &w);
  snprintf(want, sizeof want, "%s: cache ignored and rebuilt: ", path);
  CHECK_CONTAINS(w, want);
  CHECK(w && (strstr(w, "integrity check failed") || strstr(w, "unreadable")));
  free(w);
  CHECK_INT(cf_cache_entries(c), 0);
  cf_cache_close(c);
  remove_cache(path);

  /* another program's database (a Drone one given by mistake) is refused
   * and left as it was */
  exec_sql(path, "CREATE TABLE builds (build_id INTEGER PRIMARY KEY, build_status TEXT);"
                 "INSERT INTO builds VALUES (1, 'success');");
  for (int i = 0; i < 2; i++) {
    cf_err err = {{0}};
    c = (cf_cache *)1;
    w = (char *)1;
    CHECK_INT(cf_cache_open(path, "db-1", "rules-1", "0.1.0", &c, &w, &err), -1);
    CHECK(c == NULL && w == NULL);
    snprintf(want, sizeof want,
             "%s: cache: a sqlite database of another application; not overwritten"
             " (remove it or choose another cache path)",
             path);
    CHECK_STR(err.msg, want);
    if (i == 0) exec_sql(path, "PRAGMA application_id=42;");
  }
  {
    sqlite3 *db;
    CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "SELECT build_status FROM builds", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
  }
  remove_cache(path);

  /* our application id, another table layout */
  exec_sql(path, "PRAGMA application_id=1128686385; PRAGMA user_version=2;"
                 "CREATE TABLE facts (build_id INTEGER, doc BLOB);");
  snprintf(want, sizeof want, "%s: cache ignored and rebuilt: unexpected table layout", path);
  check_rebuilt(path, want);

  /* our layout plus something extra (a trigger would run on our writes) */
  make_cache(path, 1);
  exec_sql(path, "CREATE TABLE extra (x); CREATE INDEX facts_doc ON facts(doc);");
  check_rebuilt(path, want);

  /* another format version */
  make_cache(path, 3);
  exec_sql(path, "PRAGMA user_version=99;");
  snprintf(want, sizeof want, "%s: cache ignored and rebuilt: cache format 99, this version uses 2",
           path);
  check_rebuilt(path, want);

  /* an empty file is just a new cache: no warning */
  write_bytes(path, "", 0);
  c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  CHECK_INT(cf_cache_entries(c), 0);
  cf_cache_close(c);
  remove_cache(path);
  free(path);
}

/* A damaged entry in a sound file: reported, dropped, recomputed. */
static void test_corrupt_entry(void) {
  char *path = tmp_path("entry.sqlite");
  make_cache(path, 4);
  exec_sql(path, "UPDATE facts SET doc = CAST('{\"v\":1,' AS BLOB) WHERE build_id = 1001;"
                 "UPDATE facts SET doc = CAST(replace(CAST(doc AS TEXT), '\"level\":3',"
                 " '\"level\":\"three\"') AS BLOB) WHERE build_id = 1002;"
                 "UPDATE facts SET doc = CAST(replace(CAST(doc AS TEXT), '\"number\":530',"
                 " '\"number\":530,\"extra\":1') AS BLOB) WHERE build_id = 1003;");
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  CHECK_INT(cf_cache_entries(c), 4);
  cf_cache_key k = key_of();
  cf_facts g;
  cf_err err = {{0}};
  char want[600];
  k.build_id = 1000;
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 1);
  CHECK_INT(g.build_id, 1000);
  cf_facts_free(&g);

  k.build_id = 1001;
  CHECK_INT(cf_cache_get(c, &k, &g, &err), -1);
  snprintf(want, sizeof want,
           "%s: build id 1001: cache entry unreadable, recomputed: not JSON", path);
  CHECK_STR(err.msg, want);
  CHECK(g.status == NULL && g.n_hits == 0);
  cf_err_clear(&err);
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 0); /* dropped */

  k.build_id = 1002;
  CHECK_INT(cf_cache_get(c, &k, &g, &err), -1);
  snprintf(want, sizeof want,
           "%s: build id 1002: cache entry unreadable, recomputed: facts.level: not an integer",
           path);
  CHECK_STR(err.msg, want);
  cf_err_clear(&err);

  k.build_id = 1003;
  CHECK_INT(cf_cache_get(c, &k, &g, &err), -1);
  snprintf(want, sizeof want,
           "%s: build id 1003: cache entry unreadable, recomputed: facts: unexpected or repeated member",
           path);
  CHECK_STR(err.msg, want);
  cf_err_clear(&err);
  CHECK_INT(cf_cache_entries(c), 1);

  /* a row filed under another build's key */
  cf_facts f;
  full_facts(&f);
  f.build_id = 1;
  k.build_id = 2000;
  CHECK_INT(cf_cache_put(c, &k, &f, &err), 1);
  CHECK_INT(cf_cache_get(c, &k, &g, &err), -1);
  snprintf(want, sizeof want,
           "%s: build id 2000: cache entry unreadable, recomputed: facts.build_id: 1 under the key of another build",
           path);
  CHECK_STR(err.msg, want);
  cf_facts_free(&f);
  size_t hits, misses, writes;
  cf_cache_stats(c, &hits, &misses, &writes);
  CHECK_INT(hits, 1);
  CHECK_INT(misses, 5);
  cf_cache_close(c);
  remove_cache(path);
  free(path);
}

static void bad_doc(const char *doc, const char *want) {
  cf_facts g;
  cf_err err = {{0}};
  CHECK_INT(cf_cache_decode(doc, strlen(doc), &g, &err), -1);
  CHECK_STR(err.msg, want);
  CHECK(g.status == NULL && g.hits == NULL && g.n_hits == 0);
}

/* Replace the first occurrence of from by to in the full document. */
static void bad_edit(const char *from, const char *to, const char *want) {
  cf_facts f;
  full_facts(&f);
  char *doc = cf_cache_encode(&f);
  cf_facts_free(&f);
  char *at = strstr(doc, from);
  CHECK(at != NULL);
  if (!at) {
    free(doc);
    return;
  }
  cf_buf b = {0};
  cf_buf_append(&b, doc, (size_t)(at - doc));
  cf_buf_puts(&b, to);
  cf_buf_puts(&b, at + strlen(from));
  bad_doc(b.data, want);
  cf_buf_free(&b);
  free(doc);
}

static void test_decode_errors(void) {
  bad_doc("", "not JSON");
  bad_doc("[1,2]", "facts: not an object");
  bad_doc("{\"v\":2}", "facts.number: missing");
  bad_edit("\"v\":2", "\"v\":3", "facts.v: another entry format");
  bad_edit("\"level\":3", "\"level\":3.5", "facts.level: not an exact integer");
  bad_edit("\"level\":3", "\"level\":1e300", "facts.level: not an exact integer");
  bad_edit("\"level\":3", "\"level\":\"99999999999999999999\"", "facts.level: not an integer");
  bad_edit("\"level\":3", "\"level\":4294967296", "facts.level: out of range");
  bad_edit("\"created\":1781328000", "\"created\":\"-9223372036854775808\"",
           "facts.created: out of range");
  bad_edit("\"status\":\"failure\"", "\"status\":7", "facts.status: not a string");
  bad_edit("\"source\":\"results\"", "\"source\":\"guess\"", "tested.source: not a known source");
  bad_edit("\"cls\":\"infra\"", "\"cls\":\"weather\"", "hits[0].cls: not a rule class");
  bad_edit("\"line\":1234567", "\"line\":null", "hits[0].line: not an integer");
  bad_edit("\"captures\":[\"2006\"", "\"captures\":[2006", "hits[0].captures[0]: not a string");
  bad_edit("\"param_values\":[\"ghost\",", "\"param_values\":[",
           "facts.param_values: not as many as param_keys");
  bad_edit("\"tiers\":[{\"name\":\"install\"", "\"tiers\":[{\"nom\":\"install\"",
           "tiers[0].name: missing");
  bad_edit("\"errlines\":[{", "\"errlines\":[7,{", "errlines[0]: not an object");
  bad_edit("\"observed\":[", "\"observed\":{", "not JSON");
  bad_edit("\"problems\":[", "\"problems\":{\"a\":", "not JSON");
  bad_edit("\"hits\":[", "\"hits\":7,\"x\":[", "facts.hits: not an array");
  /* arrays are bounded */
  cf_buf big = {0};
  cf_buf_puts(&big, "{\"v\":2,\"number\":1,\"build_id\":1,\"status\":null,\"event\":null,"
                    "\"ref\":null,\"sha\":null,\"created\":null,\"started\":null,"
                    "\"finished\":null,\"machine\":null,\"drone_error\":null,\"param_keys\":[");
  for (unsigned i = 0; i <= CF_CACHE_ITEMS_MAX; i++) cf_buf_puts(&big, i ? ",0" : "0");
  cf_buf_puts(&big, "]}");
  bad_doc(big.data, "facts.param_keys: too many elements");
  cf_buf_free(&big);
  cf_facts g;
  cf_err err = {{0}};
  CHECK_INT(cf_cache_decode("{}", CF_CACHE_DOC_MAX + 1, &g, &err), -1);
  CHECK_STR(err.msg, "entry over the size bound");
}

/* Damaged documents never crash the decoder or leak; what it accepts
 * encodes back to a document it accepts the same way. */
static void test_decode_mutations(void) {
  cf_facts f;
  full_facts(&f);
  char *doc = cf_cache_encode(&f);
  cf_facts_free(&f);
  size_t len = strlen(doc);
  char *m = cf_xmalloc(len + 1);
  unsigned s = 777;
  int accepted = 0, refused = 0;
  for (int round = 0; round < 3000; round++) {
    memcpy(m, doc, len + 1);
    size_t n = len;
    int edits = 1 + round % 4;
    for (int e = 0; e < edits; e++) {
      s = s * 1103515245u + 12345u;
      size_t at = (s >> 8) % n;
      switch ((s >> 4) % 4) {
      case 0: m[at] = (char)(s >> 16); break;            /* any byte */
      case 1: m[at] = "{}[],:\"0-9en\\"[(s >> 16) % 14]; break;
      case 2: n = at; break;                                /* truncate */
      default: memmove(m + at, m + at + 1, n - at); n--; /* delete */
      }
      if (!n) break;
    }
    cf_facts g;
    cf_err err = {{0}};
    if (cf_cache_decode(m, n, &g, &err) == 0) {
      accepted++;
      char *again = cf_cache_encode(&g);
      cf_facts h;
      CHECK_INT(cf_cache_decode(again, strlen(again), &h, &err), 0);
      check_same(&g, &h);
      free(again);
      cf_facts_free(&h);
      cf_facts_free(&g);
    } else {
      refused++;
      CHECK(err.msg[0] != 0);
    }
  }
  CHECK(refused > 2000);
  CHECK(accepted > 0); /* e.g. a changed letter inside a string */
  free(m);
  free(doc);
}

/* An entry over the size bound is not stored. */
static void test_bounds(void) {
  char *path = tmp_path("big.sqlite");
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  cf_facts f, g;
  full_facts(&f);
  free(f.genuine_summary);
  f.genuine_summary = cf_xmalloc(CF_CACHE_DOC_MAX + 2);
  memset(f.genuine_summary, 'x', CF_CACHE_DOC_MAX + 1);
  f.genuine_summary[CF_CACHE_DOC_MAX + 1] = 0;
  cf_cache_key k = key_of();
  cf_err err = {{0}};
  CHECK_INT(cf_cache_put(c, &k, &f, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_INT(cf_cache_entries(c), 0);
  CHECK_INT(cf_cache_get(c, &k, &g, &err), 0);
  size_t writes;
  cf_cache_stats(c, NULL, NULL, &writes);
  CHECK_INT(writes, 0);
  cf_facts_free(&f);
  cf_cache_close(c);
  remove_cache(path);
  free(path);
}

/* Errors that are not a damaged cache: the file cannot be made or written. */
static void test_open_errors(void) {
  cf_cache *c = (cf_cache *)1;
  char *w = (char *)1;
  cf_err err = {{0}};
  char *path = tmp_path("no/such/dir/c.sqlite");
  char want[600];
  CHECK_INT(cf_cache_open(path, "i", "r", "v", &c, &w, &err), -1);
  CHECK(c == NULL && w == NULL);
  snprintf(want, sizeof want, "%s: cache: cannot open: unable to open database file", path);
  CHECK_STR(err.msg, want);
  free(path);

  path = tmp_path("adir");
  mkdir(path, 0700);
  cf_err_clear(&err);
  CHECK_INT(cf_cache_open(path, "i", "r", "v", &c, &w, &err), -1);
  snprintf(want, sizeof want, "%s: cache: not a regular file", path);
  CHECK_STR(err.msg, want);
  rmdir(path);
  free(path);

  if (geteuid() != 0) { /* root writes through file modes */
    path = tmp_path("ro.sqlite");
    make_cache(path, 1);
    chmod(path, 0444);
    cf_err_clear(&err);
    CHECK_INT(cf_cache_open(path, "i", "r", "v", &c, &w, &err), -1);
    snprintf(want, sizeof want, "%s: cache: cannot write the file (read-only)", path);
    CHECK_STR(err.msg, want);
    chmod(path, 0644);
    remove_cache(path);
    free(path);
  }
}

static void test_artifacts_sig(void) {
  char *dir = tmp_path("runs-530");
  char *s = cf_cache_artifacts_sig(dir);
  CHECK_STR(s, ""); /* absent */
  free(s);
  s = cf_cache_artifacts_sig(NULL);
  CHECK_STR(s, "");
  free(s);
  CHECK_INT(mkdir(dir, 0700), 0);
  s = cf_cache_artifacts_sig(dir);
  CHECK_STR(s, ""); /* empty */
  free(s);
  char *rj = cf_path_join(dir, "results.json");
  char *xml = cf_path_join(dir, "a.xml");
  write_bytes(rj, "{}", 2);
  write_bytes(xml, "<x/>", 4);
  char *s1 = cf_cache_artifacts_sig(dir);
  CHECK_CONTAINS(s1, "5:a.xml f 4 ");
  CHECK_CONTAINS(s1, "\n12:results.json f 2 ");
  CHECK(s1 && !strncmp(s1, "5:a.xml", 7)); /* sorted */
  char *s2 = cf_cache_artifacts_sig(dir);
  CHECK_STR(s2, s1); /* stable */
  free(s2);
  /* same size, other time */
  struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
  CHECK_INT(utimes(rj, tv), 0);
  s2 = cf_cache_artifacts_sig(dir);
  CHECK(s2 && strcmp(s1, s2));
  /* mtime set back to what it was still differs (ctime moved) */
  free(s1);
  s1 = s2;
  write_bytes(rj, "{ }", 3);
  s2 = cf_cache_artifacts_sig(dir);
  CHECK_CONTAINS(s2, "12:results.json f 3 ");
  CHECK(s2 && strcmp(s1, s2));
  free(s2);
  free(s1);
  /* a file where the directory should be, and too many entries */
  s = cf_cache_artifacts_sig(rj);
  CHECK(s == NULL);
  for (unsigned i = 0; i < CF_CACHE_ARTIFACTS_MAX; i++) {
    char name[64];
    snprintf(name, sizeof name, "j%u.xml", i);
    char *p = cf_path_join(dir, name);
    write_bytes(p, "", 0);
    free(p);
  }
  s = cf_cache_artifacts_sig(dir); /* 4098 entries */
  CHECK(s == NULL);
  for (unsigned i = 0; i < CF_CACHE_ARTIFACTS_MAX; i++) {
    char name[64];
    snprintf(name, sizeof name, "j%u.xml", i);
    char *p = cf_path_join(dir, name);
    unlink(p);
    free(p);
  }
  unlink(rj);
  unlink(xml);
  rmdir(dir);
  free(rj);
  free(xml);
  free(dir);
}

/* A writer killed in the middle of its puts leaves a sound file in which
 * every entry is whole. */
static void test_killed_writer(void) {
  char *path = tmp_path("killed.sqlite");
  remove_cache(path);
  int fds[2];
  CHECK_INT(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    cf_cache *c = NULL;
    char *w = NULL;
    cf_err err = {{0}};
    if (cf_cache_open(path, "db-1", "rules-1", "0.1.0", &c, &w, &err)) _exit(3);
    cf_facts f;
    full_facts(&f);
    free(f.genuine_summary);
    f.genuine_summary = cf_xmalloc(200001);
    memset(f.genuine_summary, 'g', 200000);
    f.genuine_summary[200000] = 0;
    cf_cache_key k = key_of();
    for (int64_t i = 0;; i++) {
      k.build_id = f.build_id = i % 500;
      if (cf_cache_put(c, &k, &f, &err) != 1) _exit(4);
      /* puts commit in batches of at most 64: of the first 151, at most 63
       * can be uncommitted when the parent kills this writer */
      if (i == 150 && write(fds[1], "x", 1) != 1) _exit(5);
    }
  }
  close(fds[1]);
  char x;
  CHECK_INT(read(fds[0], &x, 1), 1);
  usleep(20000);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  close(fds[0]);
  CHECK(WIFSIGNALED(status));
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  long n = cf_cache_entries(c);
  CHECK(n >= 151 - 64);
  cf_cache_key k = key_of();
  long whole = 0;
  for (int64_t i = 0; i < 500; i++) {
    cf_facts g;
    cf_err err = {{0}};
    k.build_id = i;
    int rc = cf_cache_get(c, &k, &g, &err);
    CHECK(rc >= 0);
    if (rc == 1) {
      whole++;
      CHECK_INT(strlen(g.genuine_summary), 200000);
      cf_facts_free(&g);
    }
  }
  CHECK_INT(whole, n);
  cf_cache_close(c);
  remove_cache(path);
  free(path);
}

/* Runs sharing one cache: several processes create, fill and read the same
 * new file at once; every open, put and get succeeds. */
static void test_shared_file(void) {
  char *path = tmp_path("shared.sqlite");
  remove_cache(path);
  pid_t kids[4];
  for (int p = 0; p < 4; p++) {
    kids[p] = fork();
    if (kids[p] == 0) {
      cf_facts f, g;
      full_facts(&f);
      cf_cache_key k = key_of();
      for (int round = 0; round < 15; round++) {
        cf_cache *c = NULL;
        char *w = NULL;
        cf_err err = {{0}};
        if (cf_cache_open(path, "db-1", "rules-1", "0.1.0", &c, &w, &err)) {
          fprintf(stderr, "child %d: %s\n", p, err.msg);
          _exit(2);
        }
        if (w) {
          fprintf(stderr, "child %d: %s\n", p, w);
          _exit(3);
        }
        k.build_id = f.build_id = p * 100 + round;
        if (cf_cache_put(c, &k, &f, &err) != 1) _exit(4);
        if (cf_cache_get(c, &k, &g, &err) != 1) _exit(5);
        cf_facts_free(&g);
        cf_cache_close(c);
      }
      cf_facts_free(&f);
      _exit(0);
    }
  }
  for (int p = 0; p < 4; p++) {
    int status = -1;
    waitpid(kids[p], &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  cf_cache *c = open_ok(path, "db-1", "rules-1", "0.1.0", NULL);
  CHECK_INT(cf_cache_entries(c), 60);
  cf_cache_close(c);
  remove_cache(path);
  free(path);
}

/* One run's open and close of path: 0, or 2 for an error, 3 for a warning. */
static int open_once(const char *path, int run) {
  cf_cache *c = NULL;
  char *w = NULL;
  cf_err err = {{0}};
  if (cf_cache_open(path, "db-1", "rules-1", "0.1.0", &c, &w, &err)) {
    fprintf(stderr, "run %d on %s: %s\n", run, path, err.msg);
    return 2;
  }
  int warned = w != NULL;
  free(w);
  cf_cache_close(c);
  return warned ? 3 : 0;
}

/* Runs started together on a cache file that does not exist yet: every
 * one must open it. Switching a new file to WAL takes an exclusive lock for
 * which sqlite calls no busy handler; before the switch was retried, about
 * 1 open in 120 failed with "database is locked" here (8 processes released
 * at once by a pipe, 60 new files: the old code failed this test in
 * 9 of 10 tries), and CI saw it once in test_shared_file. */
static void test_new_file_opened_at_once(void) {
  enum { RUNS = 8 };
  /* under memcheck (scripts/test sets CF_VALGRIND) a few files check the
   * memory of this path; the race needs the full count at native speed */
  int files = getenv("CF_VALGRIND") ? 6 : 60;
  int failed_opens = 0, not_wal = 0;
  for (int f = 0; f < files; f++) {
    char name[32];
    snprintf(name, sizeof name, "new-%d.sqlite", f);
    char *path = tmp_path(name);
    remove_cache(path);
    int gate[2];
    if (pipe(gate)) abort();
    for (int p = 0; p < RUNS; p++) {
      if (fork() == 0) {
        close(gate[1]);
        char byte;
        if (read(gate[0], &byte, 1) < 0) _exit(9); /* released by the close below */
        int code = open_once(path, p);
        free(path); /* the child's copy: valgrind follows it */
        _exit(code);
      }
    }
    close(gate[0]);
    close(gate[1]);
    for (int p = 0; p < RUNS; p++) {
      int status = -1;
      if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) failed_opens++;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
      sqlite3_stmt *st = NULL;
      if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK ||
          sqlite3_step(st) != SQLITE_ROW ||
          strcmp((const char *)sqlite3_column_text(st, 0), "wal"))
        not_wal++;
      sqlite3_finalize(st);
    } else {
      not_wal++;
    }
    sqlite3_close(db);
    remove_cache(path);
    free(path);
  }
  CHECK_INT(failed_opens, 0);
  CHECK_INT(not_wal, 0); /* /tmp can do WAL: the retried switch happened */
}

static void cleanup(void) {
  if (tmpdir[0]) rmdir(tmpdir);
}

static void test_zz_cleanup(void) { cleanup(); }

CF_TEST_MAIN(T(test_round_trip_encode), T(test_round_trip_sqlite), T(test_key_parts),
             T(test_corrupt_files), T(test_corrupt_entry), T(test_decode_errors), T(test_decode_mutations),
             T(test_bounds), T(test_open_errors), T(test_artifacts_sig),
             T(test_killed_writer), T(test_shared_file), T(test_new_file_opened_at_once),
             T(test_zz_cleanup))
