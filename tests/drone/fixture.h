/*
 * fixture.h: builds Drone fixture databases for the tests in tests/drone/
 * from the checked-in SQL (schema-2x.sql or schema-1x.sql, then
 * fixture.sql) into files under a fresh temp directory, and removes the
 * directory afterwards. Header-only (static functions) so each test program
 * stays one file.
 */
#ifndef CF_TESTS_DRONE_FIXTURE_H
#define CF_TESTS_DRONE_FIXTURE_H

#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ciforensics/util.h"

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
static char *fx_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  cf_buf b = {0};
  cf_buf_printf(&b, "%s/cf-drone-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(b.data)) {
    perror("mkdtemp");
    exit(2);
  }
  return cf_buf_steal(&b);
}

static int fx_rm_one(const char *path, const struct stat *sb, int flag,
                     struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void fx_rmtree(char *dir) {
  if (dir) nftw(dir, fx_rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

/* $CF_SOURCE_ROOT/tests/drone/<name> read whole; aborts the test if absent. */
static char *fx_source(const char *name) {
  const char *root = getenv("CF_SOURCE_ROOT");
  cf_buf p = {0};
  cf_buf_printf(&p, "%s/tests/drone/%s", root ? root : ".", name);
  char *text;
  size_t len;
  cf_err err = {{0}};
  if (cf_read_file(p.data, 64 << 20, &text, &len, &err)) {
    fprintf(stderr, "fixture: %s (is CF_SOURCE_ROOT set?)\n", err.msg);
    exit(2);
  }
  cf_buf_free(&p);
  return text;
}

/* Execute sql on an open connection, aborting the test on error. */
static void fx_exec(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "fixture SQL failed: %s\n", msg ? msg : "?");
    exit(2);
  }
}

/* Create dir/name as an sqlite file holding schema (a file name in
 * tests/drone, or NULL for none), fixture.sql when with_rows, and extra SQL
 * (may be NULL). Returns the path (caller frees). */
static char *fx_make_db(const char *dir, const char *name, const char *schema,
                        int with_rows, const char *extra) {
  cf_buf p = {0};
  cf_buf_printf(&p, "%s/%s", dir, name);
  sqlite3 *db;
  if (sqlite3_open(p.data, &db) != SQLITE_OK) {
    fprintf(stderr, "fixture: cannot create %s\n", p.data);
    exit(2);
  }
  /* one transaction, no fsync: a fixture need not survive a power cut */
  fx_exec(db, "PRAGMA synchronous=OFF; BEGIN;");
  if (schema) {
    char *s = fx_source(schema);
    fx_exec(db, s);
    free(s);
  }
  if (with_rows) {
    char *s = fx_source("fixture.sql");
    fx_exec(db, s);
    free(s);
  }
  fx_exec(db, "COMMIT;");
  if (extra) fx_exec(db, extra);
  sqlite3_close(db);
  return cf_buf_steal(&p);
}

/* Write text to dir/name; returns the path (caller frees). */
static char *fx_write(const char *dir, const char *name, const char *text,
                      size_t len) {
  cf_buf p = {0};
  cf_buf_printf(&p, "%s/%s", dir, name);
  FILE *f = fopen(p.data, "wb");
  if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
    fprintf(stderr, "fixture: cannot write %s\n", p.data);
    exit(2);
  }
  return cf_buf_steal(&p);
}

/* Fixture times: 2026-06-12T09:00:00Z and offsets from it. */
#define FX_T0 ((cf_time)1781254800)

#endif
