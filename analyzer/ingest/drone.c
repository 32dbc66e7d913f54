/*
 * drone.c: the Drone 1.x/2.x sqlite reader (contract in drone.h; facts in
 * drone-schema.md).
 *
 * Why it looks the way it does:
 *  - read-only URI, busy timeout, explicit column lists (never repo_secret or
 *    repo_signer), a schema check by table and column on open;
 *  - one short BEGIN..COMMIT per build and one per log: in rollback-journal
 *    mode a reader's shared lock makes a live server's writes fail, so no
 *    lock is held longer than one build;
 *  - every query joins down from builds, because SQLite Drone never deletes
 *    the stages, steps and logs of purged builds;
 *  - text columns are capped (CF_DRONE_MAX_TEXT) and row counts per build
 *    bounded, so a hostile database cannot blow up memory.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "ciforensics/drone.h"
#include "ciforensics/logdecode.h"

#define CF_DRONE_MAX_TEXT ((size_t)1 << 20)   /* one text column */
#define CF_DRONE_MAX_PARAMS ((size_t)1 << 20) /* build_params bytes */
#define CF_DRONE_MAX_ROWS 10000               /* stages per build, steps per stage */
#define CF_DRONE_MAX_KNOWN 10                 /* slugs listed for an unknown repo */

typedef struct stage_iv {
  const char *machine; /* into mnames */
  int64_t started, stopped, build_id;
} stage_iv;

struct cf_drone {
  sqlite3 *db;
  char *path;
  /* Every stage's run time by machine, read once on the first load
   * question and sorted (machine, started): counting concurrent stages per
   * build with one SQL scan each made a range quadratic. 32 bytes a stage. */
  stage_iv *ivs;
  size_t n_ivs;
  int ivs_loaded;
  char **mnames;    /* the machine names the intervals point into */
  size_t n_mnames;
  int64_t max_dur;  /* longest finished stage: older starts cannot overlap */
  int has_open;     /* some stage is still running (stopped 0) */
  size_t blobs_read; /* log blobs read so far (the cache test counts them) */
};

/* The tables and the columns this module reads. Optional columns (2.x
 * additions such as step_image) are not read, so they are not required. */
static const struct {
  const char *table;
  const char *columns[16];
} required[] = {
    {"repos", {"repo_id", "repo_slug"}},
    {"builds",
     {"build_id", "build_repo_id", "build_number", "build_status",
      "build_event", "build_ref", "build_after", "build_trigger",
      "build_error", "build_params", "build_created", "build_started",
      "build_finished", "build_updated"}},
    {"stages",
     {"stage_id", "stage_build_id", "stage_number", "stage_name",
      "stage_status", "stage_machine", "stage_exit_code", "stage_started",
      "stage_stopped"}},
    {"steps",
     {"step_id", "step_stage_id", "step_number", "step_name", "step_status",
      "step_error", "step_exit_code", "step_errignore", "step_started",
      "step_stopped"}},
    {"logs", {"log_id", "log_data"}},
};

/* ---- small sqlite helpers ---- */

static int db_fail(cf_drone *d, cf_err *err, const char *what) {
  return cf_err_set(err, "%s: %s: %s", d->path, what, sqlite3_errmsg(d->db));
}

static int prepare(cf_drone *d, const char *sql, sqlite3_stmt **st,
                   cf_err *err) {
  if (sqlite3_prepare_v2(d->db, sql, -1, st, NULL) != SQLITE_OK) {
    *st = NULL;
    if (sqlite3_errcode(d->db) == SQLITE_NOTADB)
      return cf_err_set(err, "%s: not an SQLite database", d->path);
    return db_fail(d, err, "cannot query");
  }
  return 0;
}

static int exec_simple(cf_drone *d, const char *sql, cf_err *err) {
  if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db_fail(d, err, sql);
  return 0;
}

static void rollback(cf_drone *d) {
  if (!sqlite3_get_autocommit(d->db))
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

static char *col_text(sqlite3_stmt *st, int i) {
  const unsigned char *t = sqlite3_column_text(st, i);
  if (!t) return cf_xstrdup("");
  size_t n = (size_t)sqlite3_column_bytes(st, i);
  return cf_xstrndup((const char *)t, n < CF_DRONE_MAX_TEXT ? n : CF_DRONE_MAX_TEXT);
}

static cf_time col_time(sqlite3_stmt *st, int i) {
  int64_t v = sqlite3_column_int64(st, i);
  return v == 0 ? CF_TIME_NONE : v;
}

static int col_int(sqlite3_stmt *st, int i) {
  int64_t v = sqlite3_column_int64(st, i);
  return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

/* ---- opening ---- */

/* "file:" URI for path: every byte outside [A-Za-z0-9/._~-] percent-encoded,
 * so '?', '#' and '%' in a file name cannot become URI syntax. */
static char *file_uri(const char *path, int immutable) {
  cf_buf b = {0};
  cf_buf_puts(&b, "file:");
  while (path[0] == '/' && path[1] == '/') path++; /* "//" would be a host */
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("/._~-", *p))
      cf_buf_putc(&b, (char)*p);
    else
      cf_buf_printf(&b, "%%%02X", *p);
  }
  cf_buf_puts(&b, immutable ? "?mode=ro&immutable=1" : "?mode=ro");
  return cf_buf_steal(&b);
}

/* A WAL-mode database nobody has open (no PATH-wal file): a read-only
 * connection would create PATH-wal and PATH-shm beside it and could not
 * remove them, so such a file is opened as immutable instead (no locks, no
 * side files). With a live server the -wal file exists and the normal
 * shared-memory protocol is used. Header bytes 18 and 19 are 2 in WAL mode. */
static int wal_without_server(const char *path) {
  unsigned char h[20];
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(h, 1, sizeof h, f);
  fclose(f);
  if (n != sizeof h || memcmp(h, "SQLite format 3", 16) || h[18] != 2 ||
      h[19] != 2)
    return 0;
  cf_buf wal = {0};
  cf_buf_printf(&wal, "%s-wal", path);
  int absent = !cf_file_exists(wal.data);
  cf_buf_free(&wal);
  return absent;
}

static void harden(sqlite3 *db) {
  sqlite3_busy_timeout(db, 5000);
  /* never run functions named in a hostile schema (views, triggers) */
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
}

static int table_exists(cf_drone *d, const char *name, int *exists,
                        cf_err *err) {
  sqlite3_stmt *st;
  if (prepare(d,
              "SELECT 1 FROM sqlite_master WHERE type = 'table' "
              "AND name = ?1", /* a view could compute forever */
              &st, err))
    return -1;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_NOTADB)
    return cf_err_set(err, "%s: not an SQLite database", d->path);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(d, err, "cannot read the schema");
  *exists = rc == SQLITE_ROW;
  return 0;
}

static int column_exists(cf_drone *d, const char *table, const char *col,
                         int *exists, cf_err *err) {
  sqlite3_stmt *st;
  if (prepare(d, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", &st,
              err))
    return -1;
  sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(d, err, "cannot read the schema");
  *exists = rc == SQLITE_ROW;
  return 0;
}

/* Is this a Drone 1.x/2.x database with every table and column we read? */
static int check_schema(cf_drone *d, cf_err *err) {
  int has;
  if (table_exists(d, "procs", &has, err)) return -1;
  if (has)
    return cf_err_set(err,
                      "%s: a Drone 0.8 database (table procs); only Drone "
                      "1.x and 2.x are supported",
                      d->path);
  for (size_t t = 0; t < sizeof required / sizeof required[0]; t++) {
    if (table_exists(d, required[t].table, &has, err)) return -1;
    if (!has)
      return cf_err_set(err, "%s: not a Drone database: table %s missing",
                        d->path, required[t].table);
    for (size_t c = 0; required[t].columns[c]; c++) {
      if (column_exists(d, required[t].table, required[t].columns[c], &has,
                        err))
        return -1;
      if (!has)
        return cf_err_set(err,
                          "%s: not a Drone database: column %s.%s missing",
                          d->path, required[t].table, required[t].columns[c]);
    }
  }
  return 0;
}

static cf_drone *drone_new(const char *path) {
  cf_drone *d = cf_xcalloc(1, sizeof *d);
  d->path = cf_xstrdup(path);
  return d;
}

/* Copy d's database into a fresh in-memory one and switch d over to it. */
static int snapshot_to_memory(cf_drone *d, cf_err *err) {
  sqlite3 *mem = NULL;
  if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) !=
      SQLITE_OK) {
    sqlite3_close(mem);
    return cf_err_set(err, "%s: cannot create the in-memory snapshot", d->path);
  }
  sqlite3_backup *bk = sqlite3_backup_init(mem, "main", d->db, "main");
  int rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
  if (bk) sqlite3_backup_finish(bk);
  if (rc != SQLITE_DONE) {
    const char *msg =
        rc == SQLITE_NOTADB ? "not an SQLite database" : sqlite3_errmsg(mem);
    cf_err_set(err, "%s: snapshot failed: %s", d->path, msg);
    sqlite3_close(mem);
    return -1;
  }
  sqlite3_close(d->db);
  d->db = mem;
  harden(d->db);
  return 0;
}

int cf_drone_open(const char *path, int snapshot, cf_drone **out, cf_err *err) {
  *out = NULL;
  struct stat sb;
  if (stat(path, &sb) != 0)
    return cf_err_set(err, "%s: %s", path, strerror(errno));
  if (S_ISDIR(sb.st_mode)) return cf_err_set(err, "%s: is a directory", path);
  /* sqlite would block opening a FIFO and cannot read a pipe or device */
  if (!S_ISREG(sb.st_mode))
    return cf_err_set(err, "%s: not a regular file (a Drone database is an SQLite file)", path);
  cf_drone *d = drone_new(path);
  char *uri = file_uri(path, wal_without_server(path));
  int rc = sqlite3_open_v2(uri, &d->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                           NULL);
  free(uri);
  if (rc != SQLITE_OK) {
    cf_err_set(err, "%s: cannot open: %s", path,
               d->db ? sqlite3_errmsg(d->db) : "out of memory");
    cf_drone_close(d);
    return -1;
  }
  harden(d->db);
  int has;
  /* the first read tells whether this is sqlite at all */
  if (table_exists(d, "builds", &has, err) ||
      (snapshot && snapshot_to_memory(d, err)) || check_schema(d, err)) {
    cf_drone_close(d);
    return -1;
  }
  *out = d;
  return 0;
}

/* Authorizer for dumps: nothing may reach another file. VACUUM INTO goes
 * through SQLITE_ATTACH as well. */
static int dump_auth(void *user, int action, const char *a, const char *b,
                     const char *c, const char *e) {
  (void)user;
  (void)b;
  (void)c;
  (void)e;
  if (action == SQLITE_ATTACH || action == SQLITE_DETACH) return SQLITE_DENY;
  if (action == SQLITE_PRAGMA) {
    static const char *ok[] = {"foreign_keys", "writable_schema",
                               "user_version", "application_id",
                               "defer_foreign_keys", NULL};
    for (int i = 0; ok[i]; i++)
      if (a && !strcmp(a, ok[i])) return SQLITE_OK;
    return SQLITE_DENY;
  }
  return SQLITE_OK;
}

/* Advance the line count from *from to at (dump statements come in order). */
/* Work budget for a dump: sqlite's progress handler counts virtual-machine
 * steps, and a dump gets a number proportional to its size, so a recursive
 * query in a hostile dump ends instead of hanging the tool. */
#define DUMP_TICK 10000
typedef struct dump_budget {
  uint64_t ticks, max_ticks;
} dump_budget;

static int dump_progress(void *user) {
  dump_budget *b = user;
  return ++b->ticks > b->max_ticks; /* non-zero interrupts the statement */
}

static size_t line_of(const char *at, const char **from, size_t *line) {
  for (const char *p = *from; p < at; p++)
    if (*p == '\n') (*line)++;
  *from = at;
  return *line;
}

static int run_dump(cf_drone *d, const char *text, size_t len, cf_err *err) {
  const char *p = text, *end = text + len, *counted = text;
  size_t line = 1;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      p++;
    if (p == end) break;
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(d->db, p, (int)(end - p), &st, &tail) != SQLITE_OK)
      return cf_err_set(err, "%s: line %zu: %s", d->path,
                        line_of(p, &counted, &line),
                        sqlite3_errmsg(d->db));
    if (!st) break; /* only comments left */
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_INTERRUPT)
      return cf_err_set(err, "%s: line %zu: statement needs more work than a "
                             "dump of this size may ask for", d->path,
                        line_of(p, &counted, &line));
    if (rc != SQLITE_DONE)
      return cf_err_set(err, "%s: line %zu: %s", d->path,
                        line_of(p, &counted, &line),
                        sqlite3_errmsg(d->db));
    if (!tail || tail <= p) break;
    p = tail;
  }
  return 0;
}

int cf_drone_open_dump(const char *sql_path, cf_drone **out, cf_err *err) {
  *out = NULL;
  char *text;
  size_t len;
  if (cf_read_file(sql_path, CF_DRONE_MAX_DUMP, &text, &len, err)) return -1;
  const char *nul = memchr(text, '\0', len);
  if (nul) {
    cf_err_set(err, "%s: byte %zu: NUL byte in SQL text", sql_path,
               (size_t)(nul - text));
    free(text);
    return -1;
  }
  if (len > INT_MAX) { /* sqlite3_prepare_v2 takes an int length */
    free(text);
    return cf_err_set(err, "%s: too large", sql_path);
  }
  cf_drone *d = drone_new(sql_path);
  if (sqlite3_open_v2(":memory:", &d->db, SQLITE_OPEN_READWRITE, NULL) !=
      SQLITE_OK) {
    free(text);
    cf_drone_close(d);
    return cf_err_set(err, "%s: cannot create an in-memory database",
                      sql_path);
  }
  sqlite3_limit(d->db, SQLITE_LIMIT_ATTACHED, 0);
  /* no value longer than twice the largest log we would read */
  sqlite3_limit(d->db, SQLITE_LIMIT_LENGTH, (int)(2 * CF_STEPLOG_MAX_BLOB));
  sqlite3_set_authorizer(d->db, dump_auth, NULL);
  dump_budget budget = {0, 1000 + (uint64_t)len / 8};
  sqlite3_progress_handler(d->db, DUMP_TICK, dump_progress, &budget);
  int rc = run_dump(d, text, len, err);
  free(text);
  sqlite3_progress_handler(d->db, 0, NULL, NULL);
  sqlite3_set_authorizer(d->db, NULL, NULL);
  if (!rc) {
    rollback(d); /* a dump that left a transaction open */
    harden(d->db);
    rc = check_schema(d, err);
  }
  if (rc) {
    cf_drone_close(d);
    return -1;
  }
  *out = d;
  return 0;
}

int cf_drone_open_any(const char *path, int snapshot, cf_drone **out,
                      cf_err *err) {
  size_t n = strlen(path);
  if (n > 4 && !strcmp(path + n - 4, ".sql"))
    return cf_drone_open_dump(path, out, err);
  return cf_drone_open(path, snapshot, out, err);
}

void cf_drone_close(cf_drone *d) {
  if (!d) return;
  if (d->db) sqlite3_close(d->db);
  for (size_t i = 0; i < d->n_mnames; i++) free(d->mnames[i]);
  free(d->mnames);
  free(d->ivs);
  free(d->path);
  free(d);
}

const char *cf_drone_path(const cf_drone *d) { return d->path; }

/* ---- repositories and build lists ---- */

int cf_drone_find_repo(cf_drone *d, const char *slug, int64_t *repo_id,
                       cf_err *err) {
  sqlite3_stmt *st;
  if (prepare(d, "SELECT repo_id FROM repos WHERE repo_slug = ?1", &st, err))
    return -1;
  sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *repo_id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW) return 0;
  if (rc != SQLITE_DONE) return db_fail(d, err, "cannot read repos");

  /* unknown: say which repositories exist */
  if (prepare(d,
              "SELECT repo_slug, (SELECT COUNT(*) FROM repos) FROM repos "
              "ORDER BY repo_slug LIMIT ?1",
              &st, err))
    return -1;
  sqlite3_bind_int(st, 1, CF_DRONE_MAX_KNOWN);
  cf_buf known = {0};
  long total = 0, listed = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char *s = sqlite3_column_text(st, 0);
    total = (long)sqlite3_column_int64(st, 1);
    if (listed++) cf_buf_puts(&known, ", ");
    cf_buf_puts(&known, s ? (const char *)s : "");
  }
  sqlite3_finalize(st);
  if (total > listed) cf_buf_printf(&known, ", and %ld more", total - listed);
  if (listed)
    cf_err_set(err, "%s: no repository '%s' (known: %s)", d->path, slug,
               known.data);
  else
    cf_err_set(err, "%s: no repository '%s' (the database has none)", d->path,
               slug);
  cf_buf_free(&known);
  return -1;
}

static char *repo_slug(cf_drone *d, int64_t repo_id) {
  sqlite3_stmt *st;
  char *slug = NULL;
  if (sqlite3_prepare_v2(d->db, "SELECT repo_slug FROM repos WHERE repo_id = ?1",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, repo_id);
    if (sqlite3_step(st) == SQLITE_ROW) slug = col_text(st, 0);
    sqlite3_finalize(st);
  }
  if (!slug) {
    cf_buf b = {0};
    cf_buf_printf(&b, "id %lld", (long long)repo_id);
    slug = cf_buf_steal(&b);
  }
  return slug;
}

/* "#A..#B, created T1..T2" for messages, open ends left empty. */
static void describe_sel(cf_buf *b, const cf_build_sel *sel) {
  char t[CF_TIME_BUFSZ];
  int nums = sel->from > 0 || sel->to != LONG_MAX;
  int times = sel->since != CF_TIME_NONE || sel->until != CF_TIME_NONE;
  if (nums) {
    if (sel->from > 0 || sel->from == sel->to) cf_buf_printf(b, "#%ld", sel->from);
    if (sel->from != sel->to) {
      cf_buf_puts(b, "..");
      if (sel->to != LONG_MAX) cf_buf_printf(b, "#%ld", sel->to);
    }
  }
  if (times) {
    cf_buf_puts(b, nums ? ", created " : "created ");
    if (sel->since != CF_TIME_NONE)
      cf_buf_puts(b, cf_time_format(sel->since, t, sizeof t));
    cf_buf_puts(b, "..");
    if (sel->until != CF_TIME_NONE)
      cf_buf_puts(b, cf_time_format(sel->until, t, sizeof t));
  }
}

int cf_drone_list_builds(cf_drone *d, int64_t repo_id, const cf_build_sel *sel,
                         long **numbers, size_t *n, cf_err *err) {
  *numbers = NULL;
  *n = 0;
  sqlite3_stmt *st;
  if (prepare(d,
              "SELECT build_number FROM builds WHERE build_repo_id = ?1 "
              "AND build_number BETWEEN ?2 AND ?3 "
              "AND (?4 IS NULL OR build_created >= ?4) "
              "AND (?5 IS NULL OR build_created <= ?5) "
              "ORDER BY build_number",
              &st, err))
    return -1;
  sqlite3_bind_int64(st, 1, repo_id);
  sqlite3_bind_int64(st, 2, sel->from);
  sqlite3_bind_int64(st, 3, sel->to);
  if (sel->since != CF_TIME_NONE) sqlite3_bind_int64(st, 4, sel->since);
  if (sel->until != CF_TIME_NONE) sqlite3_bind_int64(st, 5, sel->until);
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    long v = (long)sqlite3_column_int64(st, 0);
    CF_PUSH(*numbers, *n, cap, v);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    free(*numbers);
    *numbers = NULL;
    *n = 0;
    return db_fail(d, err, "cannot read builds");
  }
  if (*n == 0) {
    char *slug = repo_slug(d, repo_id);
    cf_buf what = {0};
    describe_sel(&what, sel);
    cf_err_set(err, "%s: repository %s has no builds%s%s", d->path, slug,
               what.len ? " in " : "", what.len ? what.data : "");
    cf_buf_free(&what);
    free(slug);
    return -1;
  }
  return 0;
}

/* ---- one build ---- */

static int param_cmp(const void *a, const void *b) {
  const cf_param *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : strcmp(x->value, y->value);
}

/* Parse build_params (TEXT or BLOB; JSON null, {} or an object of strings)
 * into b->params, sorted by key. */
static int load_params(cf_drone *d, sqlite3_stmt *st, int col, cf_build *b,
                       cf_err *err) {
  const char *bytes = sqlite3_column_blob(st, col);
  size_t n = (size_t)sqlite3_column_bytes(st, col);
  if (!bytes || n == 0) return 0;
  if (n > CF_DRONE_MAX_PARAMS)
    return cf_err_set(err, "%s: build #%ld: build_params of %zu bytes is over "
                           "the limit", d->path, b->number, n);
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(bytes, n, &end, 0);
  if (!root) {
    size_t at = end && end >= bytes && end <= bytes + n ? (size_t)(end - bytes) : 0;
    return cf_err_set(err, "%s: build #%ld: build_params is not valid JSON "
                           "(byte %zu)", d->path, b->number, at);
  }
  if (cJSON_IsNull(root)) {
    cJSON_Delete(root);
    return 0;
  }
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return cf_err_set(err, "%s: build #%ld: build_params is not a JSON object",
                      d->path, b->number);
  }
  size_t cap = 0;
  for (const cJSON *c = root->child; c; c = c->next) {
    cf_param p;
    p.key = cf_xstrdup(c->string ? c->string : "");
    if (cJSON_IsString(c))
      p.value = cf_xstrdup(c->valuestring);
    else if (cJSON_IsNull(c))
      p.value = cf_xstrdup("");
    else {
      char *s = cJSON_PrintUnformatted(c);
      p.value = cf_xstrdup(s ? s : "");
      cJSON_free(s);
    }
    CF_PUSH(b->params, b->n_params, cap, p);
  }
  cJSON_Delete(root);
  if (b->n_params > 1)
    qsort(b->params, b->n_params, sizeof *b->params, param_cmp);
  return 0;
}

static const char *param(const cf_build *b, const char *key) {
  for (size_t i = 0; i < b->n_params; i++)
    if (!strcmp(b->params[i].key, key)) return b->params[i].value;
  return NULL;
}

/* The first run of digits in s as a PR number, or -1. */
static long first_number(const char *s) {
  while (*s && (*s < '0' || *s > '9')) s++;
  if (!*s) return -1;
  long v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    if (v > (LONG_MAX - 9) / 10) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

/* A pull-request ref of one of the forges Drone supports (schema §5). */
static int is_pr_ref(const char *ref) {
  static const struct {
    const char *prefix, *suffix;
  } forms[] = {{"refs/pull/", "/head"},
               {"refs/pull/", "/merge"},
               {"refs/merge-requests/", "/head"},
               {"refs/pull-requests/", "/from"}};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    size_t p = strlen(forms[i].prefix), s = strlen(forms[i].suffix),
           n = strlen(ref);
    if (n <= p + s || strncmp(ref, forms[i].prefix, p) ||
        strcmp(ref + n - s, forms[i].suffix))
      continue;
    int digits = 1;
    for (size_t k = p; k < n - s; k++)
      if (ref[k] < '0' || ref[k] > '9') digits = 0;
    if (digits) return 1;
  }
  return 0;
}

static char *nonempty_dup(const char *s) {
  return s && *s ? cf_xstrdup(s) : NULL;
}

void cf_drone_derive_tested(cf_build *b) {
  free(b->tested.recipe);
  free(b->tested.sha);
  b->tested.recipe = NULL;
  b->tested.sha = NULL;
  b->tested.pr = -1;
  const char *recipe = param(b, "RECIPE"), *ref = param(b, "REF"),
             *pr = param(b, "PR");
  if (recipe || ref || pr) {
    b->tested.recipe = nonempty_dup(recipe);
    b->tested.sha = nonempty_dup(ref);
    b->tested.pr = pr ? first_number(pr) : -1;
    b->tested.source = "params";
    return;
  }
  if (b->ref && is_pr_ref(b->ref)) {
    b->tested.pr = first_number(b->ref);
    b->tested.sha = nonempty_dup(b->sha);
    b->tested.source = "ref";
    return;
  }
  b->tested.sha = nonempty_dup(b->sha);
  b->tested.source = "none";
}

static int load_steps(cf_drone *d, sqlite3_stmt *st, cf_build *b,
                      cf_stage *sg, cf_err *err) {
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, sg->id);
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (sg->n_steps >= CF_DRONE_MAX_ROWS)
      return cf_err_set(err, "%s: build #%ld: stage %d has more than %d steps",
                        d->path, b->number, sg->number, CF_DRONE_MAX_ROWS);
    cf_step s = {0};
    s.id = sqlite3_column_int64(st, 0);
    s.number = col_int(st, 1);
    s.name = col_text(st, 2);
    s.status = col_text(st, 3);
    s.error = col_text(st, 4);
    s.exit_code = col_int(st, 5);
    s.errignore = sqlite3_column_int(st, 6) != 0;
    s.started = col_time(st, 7);
    s.stopped = col_time(st, 8);
    s.has_log_row = sqlite3_column_int(st, 9) != 0;
    CF_PUSH(sg->steps, sg->n_steps, cap, s);
  }
  return rc == SQLITE_DONE ? 0 : db_fail(d, err, "cannot read steps");
}

static int load_stages(cf_drone *d, cf_build *b, cf_err *err) {
  sqlite3_stmt *st = NULL, *steps = NULL;
  if (prepare(d,
              "SELECT stage_id, stage_number, stage_name, stage_status, "
              "stage_machine, stage_exit_code, stage_started, stage_stopped "
              "FROM stages WHERE stage_build_id = ?1 "
              "ORDER BY stage_number, stage_id",
              &st, err) ||
      prepare(d,
              "SELECT s.step_id, s.step_number, s.step_name, s.step_status, "
              "s.step_error, s.step_exit_code, s.step_errignore, "
              "s.step_started, s.step_stopped, l.log_id IS NOT NULL "
              "FROM steps s LEFT JOIN logs l ON l.log_id = s.step_id "
              "WHERE s.step_stage_id = ?1 ORDER BY s.step_number, s.step_id",
              &steps, err)) {
    sqlite3_finalize(st);
    return -1;
  }
  sqlite3_bind_int64(st, 1, b->id);
  size_t cap = 0;
  int rc, fail = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (b->n_stages >= CF_DRONE_MAX_ROWS) {
      fail = cf_err_set(err, "%s: build #%ld: more than %d stages", d->path,
                        b->number, CF_DRONE_MAX_ROWS);
      break;
    }
    cf_stage sg = {0};
    sg.id = sqlite3_column_int64(st, 0);
    sg.number = col_int(st, 1);
    sg.name = col_text(st, 2);
    sg.status = col_text(st, 3);
    sg.machine = col_text(st, 4);
    sg.exit_code = col_int(st, 5);
    sg.started = col_time(st, 6);
    sg.stopped = col_time(st, 7);
    CF_PUSH(b->stages, b->n_stages, cap, sg);
  }
  if (!fail && rc != SQLITE_DONE) fail = db_fail(d, err, "cannot read stages");
  for (size_t i = 0; !fail && i < b->n_stages; i++)
    fail = load_steps(d, steps, b, &b->stages[i], err);
  sqlite3_finalize(st);
  sqlite3_finalize(steps);
  return fail ? -1 : 0;
}

static void derive_summary(cf_build *b) {
  b->machine = b->n_stages ? b->stages[0].machine : "";
  b->failed = NULL;
  for (size_t i = 0; i < b->n_stages && !b->failed; i++)
    for (size_t k = 0; k < b->stages[i].n_steps; k++) {
      const cf_step *s = &b->stages[i].steps[k];
      if (cf_status_failed(s->status) && !s->errignore) {
        b->failed = s;
        break;
      }
    }
  cf_drone_derive_tested(b);
}

static int load_build_row(cf_drone *d, int64_t repo_id, long number,
                          cf_build *b, cf_err *err) {
  sqlite3_stmt *st;
  if (prepare(d,
              "SELECT build_id, build_number, build_status, build_event, "
              "build_ref, build_after, build_trigger, build_error, "
              "build_params, build_created, build_started, build_finished, "
              "build_updated FROM builds "
              "WHERE build_repo_id = ?1 AND build_number = ?2",
              &st, err))
    return -1;
  sqlite3_bind_int64(st, 1, repo_id);
  sqlite3_bind_int64(st, 2, number);
  int rc = sqlite3_step(st), fail = 0;
  if (rc == SQLITE_ROW) {
    b->id = sqlite3_column_int64(st, 0);
    b->number = (long)sqlite3_column_int64(st, 1);
    b->status = col_text(st, 2);
    b->event = col_text(st, 3);
    b->ref = col_text(st, 4);
    b->sha = col_text(st, 5);
    b->trigger = col_text(st, 6);
    b->error = col_text(st, 7);
    b->created = col_time(st, 9);
    b->started = col_time(st, 10);
    b->finished = col_time(st, 11);
    b->updated = col_time(st, 12);
    fail = load_params(d, st, 8, b, err);
  } else if (rc == SQLITE_DONE) {
    char *slug = repo_slug(d, repo_id);
    fail = cf_err_set(err, "%s: repository %s has no build #%ld", d->path,
                      slug, number);
    free(slug);
  } else {
    fail = db_fail(d, err, "cannot read builds");
  }
  sqlite3_finalize(st);
  return fail ? -1 : 0;
}

int cf_drone_load_build(cf_drone *d, int64_t repo_id, long number,
                        cf_build *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  out->tested.pr = -1;
  out->tested.source = "none";
  out->machine = "";
  if (exec_simple(d, "BEGIN", err)) return -1;
  if (load_build_row(d, repo_id, number, out, err) ||
      load_stages(d, out, err)) {
    rollback(d);
    return -1;
  }
  if (exec_simple(d, "COMMIT", err)) {
    rollback(d);
    return -1;
  }
  derive_summary(out);
  return 0;
}

void cf_build_free(cf_build *b) {
  if (!b) return;
  free(b->status);
  free(b->event);
  free(b->ref);
  free(b->sha);
  free(b->trigger);
  free(b->error);
  for (size_t i = 0; i < b->n_params; i++) {
    free(b->params[i].key);
    free(b->params[i].value);
  }
  free(b->params);
  for (size_t i = 0; i < b->n_stages; i++) {
    cf_stage *sg = &b->stages[i];
    free(sg->name);
    free(sg->status);
    free(sg->machine);
    for (size_t k = 0; k < sg->n_steps; k++) {
      free(sg->steps[k].name);
      free(sg->steps[k].status);
      free(sg->steps[k].error);
    }
    free(sg->steps);
  }
  free(b->stages);
  free(b->tested.recipe);
  free(b->tested.sha);
  memset(b, 0, sizeof *b);
}

/* ---- JSON ---- */

static void add_time(cJSON *obj, const char *key, cf_time t) {
  char buf[CF_TIME_BUFSZ];
  if (t == CF_TIME_NONE)
    cJSON_AddNullToObject(obj, key);
  else
    cJSON_AddStringToObject(obj, key, cf_time_format(t, buf, sizeof buf));
}

static void add_str_or_null(cJSON *obj, const char *key, const char *s) {
  if (s && *s)
    cJSON_AddStringToObject(obj, key, s);
  else
    cJSON_AddNullToObject(obj, key);
}

void cf_drone_build_json(const cf_build *b, cJSON *obj) {
  cJSON_AddNumberToObject(obj, "number", (double)b->number);
  cJSON_AddStringToObject(obj, "status", b->status ? b->status : "");
  cJSON_AddStringToObject(obj, "event", b->event ? b->event : "");
  cJSON_AddStringToObject(obj, "ref", b->ref ? b->ref : "");
  cJSON_AddStringToObject(obj, "sha", b->sha ? b->sha : "");
  cJSON *t = cJSON_AddObjectToObject(obj, "tested");
  add_str_or_null(t, "recipe", b->tested.recipe);
  add_str_or_null(t, "sha", b->tested.sha);
  if (b->tested.pr < 0)
    cJSON_AddNullToObject(t, "pr");
  else
    cJSON_AddNumberToObject(t, "pr", (double)b->tested.pr);
  cJSON_AddStringToObject(t, "source",
                          b->tested.source ? b->tested.source : "none");
  cJSON *p = cJSON_AddObjectToObject(obj, "params");
  for (size_t i = 0; i < b->n_params; i++)
    cJSON_AddStringToObject(p, b->params[i].key, b->params[i].value);
  add_time(obj, "started", b->started);
  add_time(obj, "finished", b->finished);
  add_str_or_null(obj, "machine", b->machine);
  add_str_or_null(obj, "failed_step", b->failed ? b->failed->name : NULL);
}

/* ---- logs and load ---- */

size_t cf_drone_blobs_read(const cf_drone *d) { return d ? d->blobs_read : 0; }

int cf_drone_read_log(cf_drone *d, int64_t step_id, char **blob, size_t *len,
                      int *found, cf_err *err) {
  *blob = NULL;
  *len = 0;
  *found = 0;
  sqlite3_stmt *st;
  if (exec_simple(d, "BEGIN", err)) return -1;
  if (prepare(d, "SELECT typeof(log_data) FROM logs WHERE log_id = ?1", &st,
              err)) {
    rollback(d);
    return -1;
  }
  sqlite3_bind_int64(st, 1, step_id);
  int rc = sqlite3_step(st), fail = 0, is_null = 0;
  if (rc == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    *found = 1;
    is_null = t && !strcmp((const char *)t, "null");
  } else if (rc != SQLITE_DONE) {
    fail = db_fail(d, err, "cannot read logs");
  }
  sqlite3_finalize(st);
  if (!fail && *found && !is_null) {
    /* incremental blob I/O learns the size before reading anything */
    sqlite3_blob *bl = NULL;
    if (sqlite3_blob_open(d->db, "main", "logs", "log_data", step_id, 0,
                          &bl) != SQLITE_OK) {
      fail = db_fail(d, err, "cannot read a log");
    } else {
      size_t n = (size_t)sqlite3_blob_bytes(bl);
      if (n > CF_STEPLOG_MAX_BLOB) {
        fail = cf_err_set(err, "%s: step %lld: log of %zu bytes exceeds the "
                               "limit of %zu bytes", d->path,
                          (long long)step_id, n, (size_t)CF_STEPLOG_MAX_BLOB);
      } else {
        *blob = cf_xmalloc(n + 1);
        if (n && sqlite3_blob_read(bl, *blob, (int)n, 0) != SQLITE_OK) {
          fail = db_fail(d, err, "cannot read a log");
        } else {
          (*blob)[n] = '\0';
          *len = n;
          d->blobs_read++;
        }
      }
      sqlite3_blob_close(bl);
    }
  }
  if (fail) {
    free(*blob);
    *blob = NULL;
    *len = 0;
    *found = 0;
    rollback(d);
    return -1;
  }
  if (*found && !*blob) *blob = cf_xstrdup(""); /* NULL log_data */
  if (exec_simple(d, "COMMIT", err)) {
    free(*blob);
    *blob = NULL;
    *found = 0;
    rollback(d);
    return -1;
  }
  return 0;
}

static int iv_cmp(const void *a, const void *b) {
  const stage_iv *x = a, *y = b;
  int c = strcmp(x->machine, y->machine);
  if (c) return c;
  return x->started < y->started ? -1 : x->started > y->started;
}

/* Read every stage interval once (one statement: a short read). Orphan
 * stages are left out by the join, as everywhere in this module. */
static int load_ivs(cf_drone *d, cf_err *err) {
  sqlite3_stmt *st;
  if (prepare(d, "SELECT s.stage_machine, s.stage_started, s.stage_stopped, s.stage_build_id "
                 "FROM stages s JOIN builds b ON b.build_id = s.stage_build_id "
                 "WHERE s.stage_started > 0 AND s.stage_machine <> '' ORDER BY s.stage_machine", &st, err))
    return -1;
  size_t cap = 0, mcap = 0;
  d->max_dur = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *m = (const char *)sqlite3_column_text(st, 0);
    if (!m) continue;
    if (!d->n_mnames || strcmp(d->mnames[d->n_mnames - 1], m)) {
      char *dup = cf_xstrdup(m);
      CF_PUSH(d->mnames, d->n_mnames, mcap, dup);
    }
    stage_iv iv = {d->mnames[d->n_mnames - 1], sqlite3_column_int64(st, 1),
                   sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
    if (iv.stopped == 0) iv.stopped = INT64_MAX, d->has_open = 1;
    else if (iv.stopped - iv.started > d->max_dur) d->max_dur = iv.stopped - iv.started;
    CF_PUSH(d->ivs, d->n_ivs, cap, iv);
  }
  sqlite3_finalize(st);
  if (d->n_ivs > 1) qsort(d->ivs, d->n_ivs, sizeof *d->ivs, iv_cmp);
  d->ivs_loaded = 1;
  return 0;
}

int cf_drone_concurrent_stages(cf_drone *d, const char *machine, cf_time t,
                               int64_t exclude_build_id, int *count,
                               cf_err *err) {
  *count = 0;
  if (!d->ivs_loaded && load_ivs(d, err)) return -1;
  /* first interval of machine with started > t */
  size_t lo = 0, hi = d->n_ivs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(d->ivs[mid].machine, machine);
    if (c < 0 || (c == 0 && d->ivs[mid].started <= t)) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = lo; i-- > 0;) {
    const stage_iv *v = &d->ivs[i];
    if (strcmp(v->machine, machine)) break;
    if (v->started < t - d->max_dur && v->stopped != INT64_MAX) {
      if (!d->has_open) break; /* older ones all stopped before t */
      continue;
    }
    if (v->build_id != exclude_build_id && v->stopped > t) (*count)++;
  }
  return 0;
}
