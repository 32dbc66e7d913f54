/*
 * test_rawscan.c: the raw-blob prefilter (rawscan.h) against the decoder
 * and matcher it stands in front of.
 *
 * Unit cases pin each rule of the contract (escaped literals found, a
 * literal split by a colour code found, every "unsure" shape decoded).
 * The differential part takes every log blob of the ghost corpus
 * (corpus/ghost-2026-06/drone.sql) and, when CF_PERF_DB names a database
 * written by bench/gen-drone.py, every blob of that too: wherever the scan
 * says "cannot hit", decoding must succeed without a truncation note and the
 * shipped rules must yield no hit, veto, observation or limit event. It also
 * mutates each corpus blob (colour codes spliced into literals, escapes
 * rewritten) and checks the same implication.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rawscan_oracle.h"

static int may(const char *blob) {
  return cf_rawscan_may_hit(oracle_scan, "test", blob, strlen(blob));
}

/* A one-element Go blob for text (already Go-escaped). */
static const char *blob1(const char *escaped) {
  static char b[4096];
  snprintf(b, sizeof b, "[{\"pos\":0,\"out\":\"%s\\n\",\"time\":0}]\n", escaped);
  return b;
}

static void test_clean_blobs_are_skipped(void) {
  oracle_setup();
  CHECK_INT(may(blob1("hello world")), 0);
  CHECK_INT(may("null\n"), 0);
  CHECK_INT(may("null"), 0);
  CHECK_INT(may("[]"), 0);
  CHECK_INT(may("[{\"pos\":0,\"out\":\"a\\n\",\"time\":0},{\"pos\":1,\"out\":\"b\",\"time\":3}]"), 0);
  CHECK_INT(may(blob1("\\u001b[32mok\\u001b[0m \\u003cdiv\\u003e \\\"q\\\" \\\\ \\t")), 0);
}

static void test_literals_are_found_escaped(void) {
  oracle_setup();
  CHECK_INT(may(blob1("Error: connect ECONNREFUSED 10.0.5.196:3306")), 1);
  /* "<h1>Error establishing a database connection</h1>" as Go writes it */
  CHECK_INT(may(blob1("\\u003ch1\\u003eError establishing a database connection\\u003c/h1\\u003e")), 1);
  /* a caseless rule: (?i)toomanyrequests */
  CHECK_INT(may(blob1("error: TooManyRequests: slow down")), 1);
  /* a literal split by a colour code is one literal in the plain text */
  CHECK_INT(may(blob1("connect ECONN\\u001b[1;31mREFUSED 10.0.5.196:3306")), 1);
  CHECK_INT(may(blob1("connect ECONN\\u001b]0;title\\u0007REFUSED 10.0.5.196:3306")), 1);
  CHECK_INT(oracle_yields_something("test", blob1("connect ECONN\\u001b[1;31mREFUSED 10.0.5.196:3306"),
                             strlen(blob1("connect ECONN\\u001b[1;31mREFUSED 10.0.5.196:3306"))), 1);
}

static void test_unsure_shapes_are_decoded(void) {
  oracle_setup();
  /* truncated: runner-go dropped the head, or the legacy warning line */
  CHECK_INT(may("[{\"pos\":7,\"out\":\"x\\n\",\"time\":0}]\n"), 1);
  CHECK_INT(may(blob1("warning: maximum output exceeded")), 1);
  /* a line continued in the next element */
  CHECK_INT(may("[{\"pos\":0,\"out\":\"a\",\"time\":0},{\"pos\":1,\"out\":\"b\\n\",\"time\":0}]"), 1);
  /* escapes Go never writes */
  CHECK_INT(may(blob1("\\/")), 1);
  CHECK_INT(may(blob1("\\u0041")), 1);
  CHECK_INT(may(blob1("\\u003C")), 1);
  CHECK_INT(may(blob1("\\ud800")), 1);
  /* off the shape: whitespace, key order, numbers, garbage, NUL, control */
  CHECK_INT(may("[ {\"pos\":0,\"out\":\"x\\n\",\"time\":0}]"), 1);
  CHECK_INT(may("[{\"out\":\"x\\n\",\"pos\":0,\"time\":0}]"), 1);
  CHECK_INT(may("[{\"pos\":0,\"out\":\"x\\n\",\"time\":1e3}]"), 1);
  CHECK_INT(may("[{\"pos\":0,\"out\":\"x\\n\",\"time\":01}]"), 1);
  CHECK_INT(may("[{\"pos\":0,\"out\":\"x\\n\",\"time\":1234567890123456}]"), 1);
  CHECK_INT(may("[{\"pos\":0,\"out\":\"x\\n\",\"time\":0}"), 1);
  CHECK_INT(may("[{\"pos\":0,\"out\":\"x\\n\",\"time\":0}]]"), 1);
  CHECK_INT(may("{}"), 1);
  CHECK_INT(may(""), 1);
  CHECK_INT(may(blob1("tab\\there")), 0); /* \t escaped is fine */
  CHECK_INT(cf_rawscan_may_hit(oracle_scan, "test", "[{\"pos\":0,\"out\":\"a\0\\n\",\"time\":0}]", 33), 1);
  CHECK_INT(may("[{\"pos\":0,\"out\":\"a\tb\\n\",\"time\":0}]"), 1); /* raw TAB */
  cf_rawscan_stats st = cf_rawscan_get_stats(oracle_scan);
  CHECK(st.calls > 0 && st.unsure > 0 && st.skipped > 0);
}

/* ---- differential ---- */

static size_t n_blobs, n_skipped;

/* Per step name: blobs and skipped ones, for the generated database's
 * summary (which steps the scan spares). */
#define MAX_NAMES 16
static struct { char name[32]; size_t n, skipped, bytes, skipped_bytes; } per_step[MAX_NAMES];
static size_t n_names;

static void count_step(const char *step, size_t len, int skipped) {
  size_t i = 0;
  while (i < n_names && strcmp(per_step[i].name, step)) i++;
  if (i == n_names) {
    if (n_names == MAX_NAMES) return;
    snprintf(per_step[n_names++].name, sizeof per_step[0].name, "%s", step);
  }
  per_step[i].n++;
  per_step[i].bytes += len;
  per_step[i].skipped += (size_t)skipped;
  per_step[i].skipped_bytes += skipped ? len : 0;
}

static void check_blob(const char *step, const char *blob, size_t len, const char *where) {
  n_blobs++;
  int may_hit = cf_rawscan_may_hit(oracle_scan, step, blob, len);
  count_step(step ? step : "?", len, !may_hit);
  if (may_hit) return;
  n_skipped++;
  if (oracle_yields_something(step, blob, len)) {
    cf_check_failures++;
    fprintf(stderr, "%s: skipped by rawscan but decoding/matching yields something\n", where);
  }
}

/* Splice a colour code into the middle of every 12th byte run, and turn
 * every \u003c into \u003C, so unusual shapes get exercised too. */
static void check_mutants(const char *step, const char *blob, size_t len, const char *where) {
  static const char code[] = "\\u001b[0m";
  char *m = malloc(len + len / 12 * (sizeof code - 1) + 1);
  size_t w = 0;
  int in_str = 0;
  for (size_t i = 0; i < len; i++) {
    if (blob[i] == '"' && (i == 0 || blob[i - 1] != '\\')) in_str = !in_str;
    m[w++] = blob[i];
    if (in_str && i % 12 == 11 && blob[i] != '\\' && blob[i - 1] != '\\' &&
        (unsigned char)blob[i] < 0x80 && (unsigned char)blob[i + 1] < 0x80 && blob[i + 1] != '"') {
      memcpy(m + w, code, sizeof code - 1);
      w += sizeof code - 1;
    }
  }
  check_blob(step, m, w, where);
  memcpy(m, blob, len);
  for (size_t i = 0; i + 6 <= len; i++)
    if (!memcmp(m + i, "\\u003c", 6)) m[i + 5] = 'C';
  check_blob(step, m, len, where);
  free(m);
}

static int each_log(sqlite3 *db, const char *name, int mutate) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db,
                         "SELECT s.step_name, l.log_id, l.log_data FROM logs l "
                         "JOIN steps s ON s.step_id = l.log_id ORDER BY l.log_id",
                         -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "%s: %s\n", name, sqlite3_errmsg(db));
    return -1;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *step = (const char *)sqlite3_column_text(st, 0);
    const char *blob = sqlite3_column_blob(st, 2);
    size_t len = (size_t)sqlite3_column_bytes(st, 2);
    char where[512];
    snprintf(where, sizeof where, "%s: log %lld", name, (long long)sqlite3_column_int64(st, 1));
    check_blob(step, blob ? blob : "", len, where);
    if (mutate) check_mutants(step, blob ? blob : "", len, where);
  }
  sqlite3_finalize(st);
  return 0;
}

static void test_corpus_differential(void) {
  oracle_setup();
  const char *root = getenv("CF_SOURCE_ROOT");
  char path[4096];
  snprintf(path, sizeof path, "%s/corpus/ghost-2026-06/drone.sql", root ? root : ".");
  char *sql = NULL;
  size_t len = 0;
  cf_err err = {{0}};
  CHECK(cf_read_file(path, 64u << 20, &sql, &len, &err) == 0);
  if (!sql) return;
  sqlite3 *db = NULL;
  CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
  free(sql);
  size_t before = n_blobs;
  CHECK(each_log(db, path, 1) == 0);
  CHECK(n_blobs - before >= 300); /* the corpus has 312 logs, checked twice more */
  sqlite3_close(db);
}

static void test_generated_differential(void) {
  oracle_setup();
  const char *path = getenv("CF_PERF_DB");
  if (!path || !*path) {
    printf("CF_PERF_DB not set: generated-database differential not run\n");
    return;
  }
  sqlite3 *db = NULL;
  char uri[4200];
  snprintf(uri, sizeof uri, "file:%s?mode=ro", path);
  CHECK(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK);
  size_t b0 = n_blobs, s0 = n_skipped;
  n_names = 0;
  memset(per_step, 0, sizeof per_step);
  CHECK(each_log(db, path, 0) == 0);
  printf("%s: %zu blobs, %zu skipped by rawscan\n", path, n_blobs - b0, n_skipped - s0);
  for (size_t i = 0; i < n_names; i++)
    printf("  step %-10s %7zu blobs, %7zu skipped; %12zu bytes, %12zu skipped\n",
           per_step[i].name, per_step[i].n, per_step[i].skipped, per_step[i].bytes,
           per_step[i].skipped_bytes);
  sqlite3_close(db);
}

static void teardown(void) {
  printf("rawscan: %zu blobs checked, %zu skipped\n", n_blobs, n_skipped);
  cf_rawscan_free(oracle_scan);
  cf_matcher_free(oracle_matcher);
  cf_ruleset_free(oracle_rules);
}

static void test_zz_teardown(void) { teardown(); }

CF_TEST_MAIN(T(test_clean_blobs_are_skipped), T(test_literals_are_found_escaped),
             T(test_unsure_shapes_are_decoded), T(test_corpus_differential),
             T(test_generated_differential), T(test_zz_teardown))
