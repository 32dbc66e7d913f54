/*
 * cache.c: the incremental cache (contract in cache.h, design in
 * docs/cache.md). One sqlite table, one row per build: the full key as
 * columns plus the build's pre-verdict facts as a versioned JSON document.
 *
 * Why it looks the way it does:
 *  - the file is untrusted: before anything is read from it we check the
 *    sqlite magic, our application id, the format version, the exact schema
 *    (compared with one built in memory) and PRAGMA quick_check, with
 *    triggers, views and untrusted schema code disabled; a damaged or old
 *    cache is deleted and rebuilt, never served, while another program's
 *    sqlite database is refused and left alone;
 *  - every key part is compared in C after the primary-key lookup, so a
 *    stale row is a miss however it got there;
 *  - WAL with synchronous=NORMAL and one statement (one transaction) per
 *    put: a crash may lose the last puts but can never leave a partial
 *    entry, and no fsync per build;
 *  - integers of 16 digits or more travel as decimal strings, CF_TIME_NONE and NULL
 *    strings as JSON null, so the round trip is exact; the decoder wants
 *    every member and no other, so a foreign or damaged document is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "ciforensics/cache.h"

#define APP_ID 0x43466331 /* "CFc1": this file is a ciforensics cache */
/* cJSON prints numbers with 15 significant digits and accepts a relative
 * error, so integers of 16 digits or more are written as decimal strings;
 * read back, any integral double up to 2^53 is exact. */
#define MAX_INT_PRINTED INT64_C(999999999999999)
#define MAX_INT_EXACT 9007199254740992.0

static const char SCHEMA[] =
    "CREATE TABLE facts (\n"
    "  identity TEXT NOT NULL,\n"
    "  rules_hash TEXT NOT NULL,\n"
    "  version TEXT NOT NULL,\n"
    "  repo TEXT NOT NULL,\n"
    "  build_id INTEGER NOT NULL,\n"
    "  variant TEXT NOT NULL,\n"
    "  updated INTEGER NOT NULL,\n"
    "  finished INTEGER NOT NULL,\n"
    "  artifacts_sig TEXT NOT NULL,\n"
    "  doc BLOB NOT NULL,\n"
    "  UNIQUE (identity, rules_hash, version, repo, build_id)\n"
    ")";

struct cf_cache {
  sqlite3 *db;
  char *path, *identity, *rules_hash, *version;
  sqlite3_stmt *get, *put, *del;
  size_t hits, misses, writes;
  size_t batch_puts;
  struct timespec batch_start;
};

/* Puts are committed in batches: one transaction per build cost more than
 * the analysis itself on a cold run (WAL appends and locking per commit).
 * A batch ends after CF_CACHE_BATCH puts or a second, whichever is first,
 * so another run sharing the file waits at most about that long. */
#define CF_CACHE_BATCH 64

/* ================= JSON encoding ================= */

/* cJSON returns NULL only when out of memory: abort like cf_xmalloc. */
static cJSON *need(cJSON *j) {
  if (!j) {
    fputs("ciforensics: out of memory\n", stderr);
    abort();
  }
  return j;
}

static void put(cJSON *o, const char *key, cJSON *item) {
  need(item);
  if (!cJSON_AddItemToObject(o, key, item)) need(NULL);
}

static void push(cJSON *a, cJSON *item) {
  need(item);
  if (!cJSON_AddItemToArray(a, item)) need(NULL);
}

static cJSON *j_int(int64_t v) {
  if (v >= -MAX_INT_PRINTED && v <= MAX_INT_PRINTED)
    return need(cJSON_CreateNumber((double)v));
  char b[32];
  snprintf(b, sizeof b, "%" PRId64, v);
  return need(cJSON_CreateString(b));
}

static cJSON *j_time(cf_time t) {
  return t == CF_TIME_NONE ? need(cJSON_CreateNull()) : j_int(t);
}

static cJSON *j_str(const char *s) {
  return s ? need(cJSON_CreateString(s)) : need(cJSON_CreateNull());
}

static cJSON *j_strv(char *const *v, size_t n) {
  cJSON *a = need(cJSON_CreateArray());
  for (size_t i = 0; i < n; i++) push(a, j_str(v[i]));
  return a;
}

static cJSON *j_hit(const cf_hitfact *h) {
  cJSON *o = need(cJSON_CreateObject());
  put(o, "rule", j_str(h->rule));
  put(o, "title", j_str(h->title));
  put(o, "cls", j_str(cf_class_name(h->cls)));
  put(o, "step", j_str(h->step));
  put(o, "tier", j_str(h->tier));
  put(o, "line", j_int(h->line));
  put(o, "time", j_time(h->time));
  put(o, "excerpt", j_str(h->excerpt));
  put(o, "captures", j_strv(h->captures, h->n_captures));
  put(o, "first_line", j_int(h->first_line));
  put(o, "first_time", j_time(h->first_time));
  put(o, "first_excerpt", j_str(h->first_excerpt));
  put(o, "n_support", j_int(h->n_support));
  put(o, "deciding", j_int(h->deciding));
  put(o, "rivals", j_strv(h->rivals, h->n_rivals));
  return o;
}

char *cf_cache_encode(const cf_facts *f) {
  cJSON *o = need(cJSON_CreateObject());
  put(o, "v", j_int(CF_CACHE_FORMAT));
  put(o, "number", j_int(f->number));
  put(o, "build_id", j_int(f->build_id));
  put(o, "status", j_str(f->status));
  put(o, "event", j_str(f->event));
  put(o, "ref", j_str(f->ref));
  put(o, "sha", j_str(f->sha));
  put(o, "created", j_time(f->created));
  put(o, "started", j_time(f->started));
  put(o, "finished", j_time(f->finished));
  put(o, "machine", j_str(f->machine));
  put(o, "drone_error", j_str(f->drone_error));
  put(o, "param_keys", j_strv(f->param_keys, f->n_params));
  put(o, "param_values", j_strv(f->param_values, f->n_params));
  cJSON *t = need(cJSON_CreateObject());
  put(t, "recipe", j_str(f->tested.recipe));
  put(t, "sha", j_str(f->tested.sha));
  put(t, "pr", j_int(f->tested.pr));
  put(t, "source", j_str(f->tested.source));
  put(o, "tested", t);
  put(o, "has_results", j_int(f->has_results));
  put(o, "level", j_int(f->level));
  put(o, "clean_teardown", j_int(f->clean_teardown));
  put(o, "no_secret_leak", j_int(f->no_secret_leak));
  cJSON *a = need(cJSON_CreateArray());
  for (size_t i = 0; i < f->n_tiers; i++) {
    const cf_tierfact *tf = &f->tiers[i];
    cJSON *e = need(cJSON_CreateObject());
    put(e, "name", j_str(tf->name));
    put(e, "status", j_str(tf->status));
    put(e, "start", j_time(tf->start));
    put(e, "end", j_time(tf->end));
    put(e, "intentional_skip", j_int(tf->intentional_skip));
    push(a, e);
  }
  put(o, "tiers", a);
  put(o, "genuine", j_int(f->genuine));
  put(o, "genuine_summary", j_str(f->genuine_summary));
  put(o, "genuine_problems", j_strv(f->genuine_problems, f->n_genuine_problems));
  put(o, "evidence_notes", j_strv(f->evidence_notes, f->n_evidence_notes));
  put(o, "failed_tier", j_str(f->failed_tier));
  put(o, "failed_step", j_str(f->failed_step));
  put(o, "failed_step_stopped", j_time(f->failed_step_stopped));
  put(o, "tier_failed_at", j_time(f->tier_failed_at));
  a = need(cJSON_CreateArray());
  for (size_t i = 0; i < f->n_hits; i++) push(a, j_hit(&f->hits[i]));
  put(o, "hits", a);
  a = need(cJSON_CreateArray());
  for (size_t i = 0; i < f->n_observed; i++) {
    const cf_observation *ob = &f->observed[i];
    cJSON *e = need(cJSON_CreateObject());
    put(e, "rule", j_str(ob->rule));
    put(e, "step", j_str(ob->step));
    put(e, "line", j_int(ob->line));
    put(e, "fired", j_int(ob->fired));
    push(a, e);
  }
  put(o, "observed", a);
  a = need(cJSON_CreateArray());
  for (size_t i = 0; i < f->n_errlines; i++) {
    const cf_errline *el = &f->errlines[i];
    cJSON *e = need(cJSON_CreateObject());
    put(e, "step", j_str(el->step));
    put(e, "line", j_int(el->line));
    put(e, "text", j_str(el->text));
    put(e, "fingerprint", j_str(el->fingerprint));
    push(a, e);
  }
  put(o, "errlines", a);
  put(o, "fingerprint", j_str(f->fingerprint));
  put(o, "problems", j_strv(f->problems, f->n_problems));
  put(o, "log_truncated", j_int(f->log_truncated));
  put(o, "cancelled_by_server", j_int(f->cancelled_by_server));
  char *printed = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!printed) need(NULL);
  char *out = cf_xstrdup(printed);
  cJSON_free(printed);
  return out;
}

/* ================= JSON decoding ================= */

/* The decoder stops at the first wrong member and says where it is. */
typedef struct dec {
  cf_err *err;
  int bad;
} dec;

/* One JSON object being read: its members are counted as they are taken,
 * so ob_end can refuse members we do not know. */
typedef struct ob {
  dec *d;
  const cJSON *o;
  const cJSON *next; /* members come in the order we write them: try it first */
  char pfx[64];
  int used;
} ob;

static void bad(dec *d, const char *pfx, const char *key, const char *what) {
  if (d->bad) return;
  d->bad = 1;
  const char *dot = *pfx && key ? "." : "", *k = key ? key : "";
  if (*pfx || *k) cf_err_set(d->err, "%s%s%s: %s", pfx, dot, k, what);
  else cf_err_set(d->err, "%s", what);
}

static int ob_begin(ob *b, dec *d, const cJSON *o, const char *fmt, size_t i) {
  b->d = d;
  b->o = o;
  b->used = 0;
  b->next = o ? o->child : NULL;
  snprintf(b->pfx, sizeof b->pfx, fmt, i);
  if (!cJSON_IsObject(o)) {
    bad(d, b->pfx, NULL, "not an object");
    return -1;
  }
  return 0;
}

static const cJSON *ob_get(ob *b, const char *key) {
  if (b->d->bad) return NULL;
  const cJSON *j = b->next;
  if (!j || !j->string || strcmp(j->string, key))
    j = cJSON_GetObjectItemCaseSensitive(b->o, key);
  if (!j) {
    bad(b->d, b->pfx, key, "missing");
    return NULL;
  }
  b->used++;
  b->next = j->next;
  return j;
}

static void ob_end(ob *b) {
  if (!b->d->bad && cJSON_GetArraySize(b->o) != b->used)
    bad(b->d, b->pfx, NULL, "unexpected or repeated member");
}

/* An integer in [lo, hi]: a JSON number with no fraction within 2^53, or a
 * decimal string (how larger ones are written). */
static int64_t num_of(dec *d, const ob *b, const char *key, const cJSON *j,
                      int64_t lo, int64_t hi) {
  int64_t v = 0;
  if (cJSON_IsNumber(j)) {
    double x = j->valuedouble;
    if (!isfinite(x) || x != floor(x) || fabs(x) > MAX_INT_EXACT) {
      bad(d, b->pfx, key, "not an exact integer");
      return 0;
    }
    v = (int64_t)x;
  } else if (cJSON_IsString(j)) {
    const char *s = j->valuestring;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (!*s || *end || errno) {
      bad(d, b->pfx, key, "not an integer");
      return 0;
    }
    v = (int64_t)x;
  } else {
    bad(d, b->pfx, key, "not an integer");
    return 0;
  }
  if (v < lo || v > hi) {
    bad(d, b->pfx, key, "out of range");
    return 0;
  }
  return v;
}

static int64_t d_i64(ob *b, const char *key, int64_t lo, int64_t hi) {
  const cJSON *j = ob_get(b, key);
  return j ? num_of(b->d, b, key, j, lo, hi) : 0;
}

static long d_long(ob *b, const char *key) {
  return (long)d_i64(b, key, LONG_MIN, LONG_MAX);
}

static int d_int(ob *b, const char *key) {
  return (int)d_i64(b, key, INT_MIN, INT_MAX);
}

static cf_time d_time(ob *b, const char *key) {
  const cJSON *j = ob_get(b, key);
  if (!j) return CF_TIME_NONE;
  if (cJSON_IsNull(j)) return CF_TIME_NONE;
  /* CF_TIME_NONE itself is only ever written as null */
  return num_of(b->d, b, key, j, INT64_MIN + 1, INT64_MAX);
}

static char *str_of(dec *d, const char *pfx, const char *key, const cJSON *j) {
  if (cJSON_IsNull(j)) return NULL;
  if (!cJSON_IsString(j)) {
    bad(d, pfx, key, "not a string");
    return NULL;
  }
  return cf_xstrdup(j->valuestring);
}

static char *d_str(ob *b, const char *key) {
  const cJSON *j = ob_get(b, key);
  return j ? str_of(b->d, b->pfx, key, j) : NULL;
}

/* An array member: its size (bounded), or 0 with the decoder stopped. */
static size_t d_array(ob *b, const char *key, const cJSON **out) {
  const cJSON *j = ob_get(b, key);
  *out = NULL;
  if (!j) return 0;
  if (!cJSON_IsArray(j)) {
    bad(b->d, b->pfx, key, "not an array");
    return 0;
  }
  int n = cJSON_GetArraySize(j);
  if (n < 0 || (size_t)n > CF_CACHE_ITEMS_MAX) {
    bad(b->d, b->pfx, key, "too many elements");
    return 0;
  }
  *out = j;
  return (size_t)n;
}

/* An array of strings (null elements allowed). *n is set as soon as the
 * vector exists so cf_facts_free can release a half-read one. */
static char **d_strv(ob *b, const char *key, size_t *n) {
  const cJSON *a;
  size_t len = d_array(b, key, &a);
  *n = 0;
  if (!a || !len) return NULL;
  char **v = cf_xcalloc(len, sizeof *v);
  *n = len;
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, a) {
    char where[96];
    snprintf(where, sizeof where, "%s[%zu]", key, i);
    v[i++] = str_of(b->d, b->pfx, where, e);
    if (b->d->bad) break;
  }
  return v;
}

static cf_class d_class(ob *b, const char *key) {
  const cJSON *j = ob_get(b, key);
  if (!j || cJSON_IsNull(j)) return CF_CLS_NONE;
  cf_class c = cJSON_IsString(j) ? cf_class_parse(j->valuestring) : CF_CLS_NONE;
  if (c == CF_CLS_NONE) bad(b->d, b->pfx, key, "not a rule class");
  return c;
}

/* tested.source points at a static string: map the text back onto it. */
static const char *d_source(ob *b, const char *key) {
  static const char *const known[] = {"results", "params", "ref", "none"};
  const cJSON *j = ob_get(b, key);
  if (!j || cJSON_IsNull(j)) return NULL;
  if (cJSON_IsString(j))
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
      if (!strcmp(j->valuestring, known[i])) return known[i];
  bad(b->d, b->pfx, key, "not a known source");
  return NULL;
}

static void d_hit(dec *d, const cJSON *j, size_t i, cf_hitfact *h) {
  ob b;
  if (ob_begin(&b, d, j, "hits[%zu]", i)) return;
  h->rule = d_str(&b, "rule");
  h->title = d_str(&b, "title");
  h->cls = d_class(&b, "cls");
  h->step = d_str(&b, "step");
  h->tier = d_str(&b, "tier");
  h->line = d_long(&b, "line");
  h->time = d_time(&b, "time");
  h->excerpt = d_str(&b, "excerpt");
  h->captures = d_strv(&b, "captures", &h->n_captures);
  h->first_line = d_long(&b, "first_line");
  h->first_time = d_time(&b, "first_time");
  h->first_excerpt = d_str(&b, "first_excerpt");
  h->n_support = d_int(&b, "n_support");
  h->deciding = d_int(&b, "deciding");
  h->rivals = d_strv(&b, "rivals", &h->n_rivals);
  ob_end(&b);
}

int cf_cache_decode(const char *doc, size_t len, cf_facts *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  dec d = {err, 0};
  if (len > CF_CACHE_DOC_MAX) {
    bad(&d, "", NULL, "entry over the size bound");
    return -1;
  }
  cJSON *root = cJSON_ParseWithLength(doc, len);
  if (!root) {
    bad(&d, "", NULL, "not JSON");
    return -1;
  }
  ob b;
  cf_facts *f = out;
  if (ob_begin(&b, &d, root, "facts", 0)) goto done;
  if (d_i64(&b, "v", 0, INT_MAX) != CF_CACHE_FORMAT && !d.bad)
    bad(&d, "facts", "v", "another entry format");
  f->number = d_long(&b, "number");
  f->build_id = d_i64(&b, "build_id", INT64_MIN, INT64_MAX);
  f->status = d_str(&b, "status");
  f->event = d_str(&b, "event");
  f->ref = d_str(&b, "ref");
  f->sha = d_str(&b, "sha");
  f->created = d_time(&b, "created");
  f->started = d_time(&b, "started");
  f->finished = d_time(&b, "finished");
  f->machine = d_str(&b, "machine");
  f->drone_error = d_str(&b, "drone_error");
  size_t nk = 0, nv = 0;
  char **keys = d_strv(&b, "param_keys", &nk);
  char **vals = d_strv(&b, "param_values", &nv);
  /* cf_facts has one count for both: keep the arrays freeable */
  if (nk != nv) {
    for (size_t i = 0; i < nk; i++) free(keys[i]);
    for (size_t i = 0; i < nv; i++) free(vals[i]);
    free(keys);
    free(vals);
    bad(&d, "facts", "param_values", "not as many as param_keys");
  } else {
    f->param_keys = keys;
    f->param_values = vals;
    f->n_params = nk;
  }
  ob t;
  const cJSON *tj = ob_get(&b, "tested");
  if (tj && !ob_begin(&t, &d, tj, "tested", 0)) {
    f->tested.recipe = d_str(&t, "recipe");
    f->tested.sha = d_str(&t, "sha");
    f->tested.pr = d_long(&t, "pr");
    f->tested.source = d_source(&t, "source");
    ob_end(&t);
  }
  f->has_results = d_int(&b, "has_results");
  f->level = d_int(&b, "level");
  f->clean_teardown = d_int(&b, "clean_teardown");
  f->no_secret_leak = d_int(&b, "no_secret_leak");
  const cJSON *a, *e;
  size_t n = d_array(&b, "tiers", &a), i = 0;
  if (a && n) {
    f->tiers = cf_xcalloc(n, sizeof *f->tiers);
    f->n_tiers = n;
    cJSON_ArrayForEach(e, a) {
      ob te;
      cf_tierfact *tf = &f->tiers[i];
      if (ob_begin(&te, &d, e, "tiers[%zu]", i++)) break;
      tf->name = d_str(&te, "name");
      tf->status = d_str(&te, "status");
      tf->start = d_time(&te, "start");
      tf->end = d_time(&te, "end");
      tf->intentional_skip = d_int(&te, "intentional_skip");
      ob_end(&te);
      if (d.bad) break;
    }
  }
  f->genuine = d_int(&b, "genuine");
  f->genuine_summary = d_str(&b, "genuine_summary");
  f->genuine_problems = d_strv(&b, "genuine_problems", &f->n_genuine_problems);
  f->evidence_notes = d_strv(&b, "evidence_notes", &f->n_evidence_notes);
  f->failed_tier = d_str(&b, "failed_tier");
  f->failed_step = d_str(&b, "failed_step");
  f->failed_step_stopped = d_time(&b, "failed_step_stopped");
  f->tier_failed_at = d_time(&b, "tier_failed_at");
  n = d_array(&b, "hits", &a);
  if (a && n) {
    f->hits = cf_xcalloc(n, sizeof *f->hits);
    f->n_hits = n;
    i = 0;
    cJSON_ArrayForEach(e, a) {
      d_hit(&d, e, i, &f->hits[i]);
      i++;
      if (d.bad) break;
    }
  }
  n = d_array(&b, "observed", &a);
  if (a && n) {
    f->observed = cf_xcalloc(n, sizeof *f->observed);
    f->n_observed = n;
    i = 0;
    cJSON_ArrayForEach(e, a) {
      ob oe;
      cf_observation *o = &f->observed[i];
      if (ob_begin(&oe, &d, e, "observed[%zu]", i++)) break;
      o->rule = d_str(&oe, "rule");
      o->step = d_str(&oe, "step");
      o->line = d_long(&oe, "line");
      o->fired = d_int(&oe, "fired");
      ob_end(&oe);
      if (d.bad) break;
    }
  }
  n = d_array(&b, "errlines", &a);
  if (a && n) {
    f->errlines = cf_xcalloc(n, sizeof *f->errlines);
    f->n_errlines = n;
    i = 0;
    cJSON_ArrayForEach(e, a) {
      ob ee;
      cf_errline *el = &f->errlines[i];
      if (ob_begin(&ee, &d, e, "errlines[%zu]", i++)) break;
      el->step = d_str(&ee, "step");
      el->line = d_long(&ee, "line");
      el->text = d_str(&ee, "text");
      el->fingerprint = d_str(&ee, "fingerprint");
      ob_end(&ee);
      if (d.bad) break;
    }
  }
  f->fingerprint = d_str(&b, "fingerprint");
  f->problems = d_strv(&b, "problems", &f->n_problems);
  f->log_truncated = d_int(&b, "log_truncated");
  f->cancelled_by_server = d_int(&b, "cancelled_by_server");
  ob_end(&b);
  /* computed by the pipeline after a hit; a fresh build starts this way */
  f->failing_moment = CF_TIME_NONE;
done:
  cJSON_Delete(root);
  if (d.bad) {
    cf_facts_free(out);
    return -1;
  }
  return 0;
}

/* ================= the run directory's signature ================= */

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char *cf_cache_artifacts_sig(const char *dir) {
  if (!dir) return cf_xstrdup("");
  struct stat st;
  if (stat(dir, &st)) return errno == ENOENT ? cf_xstrdup("") : NULL;
  if (!S_ISDIR(st.st_mode)) return NULL;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int over = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (n == CF_CACHE_ARTIFACTS_MAX) {
      over = 1;
      break;
    }
    CF_PUSH(names, n, cap, cf_xstrdup(e->d_name));
  }
  closedir(d);
  cf_buf b = {0};
  if (!over) {
    if (n) qsort(names, n, sizeof *names, cmp_name);
    cf_buf_puts(&b, ""); /* "" for an empty directory, not NULL */
    for (size_t i = 0; i < n; i++) {
      char *p = cf_path_join(dir, names[i]);
      /* followed like the readers follow it; ctime and inode too, since
       * mtime alone can be set back (cp -p, touch -d) */
      struct stat fs;
      /* the name's length first, so no name can forge a line */
      cf_buf_printf(&b, "%zu:%s ", strlen(names[i]), names[i]);
      if (stat(p, &fs))
        cf_buf_puts(&b, "-\n");
      else
        cf_buf_printf(&b, "%c %jd %jd.%09ld %jd.%09ld %ju\n",
                      S_ISREG(fs.st_mode) ? 'f' : S_ISDIR(fs.st_mode) ? 'd' : 'o',
                      (intmax_t)fs.st_size, (intmax_t)fs.st_mtim.tv_sec,
                      (long)fs.st_mtim.tv_nsec, (intmax_t)fs.st_ctim.tv_sec,
                      (long)fs.st_ctim.tv_nsec, (uintmax_t)fs.st_ino);
      free(p);
    }
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  if (over) return NULL;
  return cf_buf_steal(&b);
}

/* ================= the sqlite file ================= */

/* Outcome of looking at an existing file. */
enum { OPEN_OK = 0, OPEN_REBUILD = 1, OPEN_FAIL = -1 };

static int is_corruption(int rc) {
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_FORMAT ||
         rc == SQLITE_SCHEMA || rc == SQLITE_ERROR || rc == SQLITE_MISMATCH ||
         rc == SQLITE_RANGE;
}

/* One integer from a PRAGMA or query; rc as sqlite returned it. */
static int query_int(sqlite3 *db, const char *sql, long long *out) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

/* The schema as sqlite stores it, one line per object, for comparison. */
static int schema_dump(sqlite3 *db, cf_buf *out) {
  sqlite3_stmt *st;
  int rc = sqlite3_prepare_v2(
      db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY name",
      -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    for (int i = 0; i < 4; i++) {
      const unsigned char *t = sqlite3_column_text(st, i);
      cf_buf_printf(out, "%s%c", t ? (const char *)t : "", i == 3 ? '\n' : '\t');
    }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Is the layout exactly ours? Compared with the same schema created in
 * memory, so sqlite's own normalisation does not matter. */
static int schema_is_ours(sqlite3 *db, int *ours) {
  sqlite3 *mem;
  cf_buf want = {0}, have = {0};
  *ours = 0;
  if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
    sqlite3_close(mem);
    return SQLITE_NOMEM;
  }
  int rc = sqlite3_exec(mem, SCHEMA, NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = schema_dump(mem, &want);
  sqlite3_close(mem);
  if (rc == SQLITE_OK) rc = schema_dump(db, &have);
  if (rc == SQLITE_OK) *ours = want.len == have.len && !memcmp(want.data, have.data, want.len);
  cf_buf_free(&want);
  cf_buf_free(&have);
  return rc;
}

/* The first line quick_check reports: "ok" when the file is sound. */
static int quick_check(sqlite3 *db, char **result) {
  sqlite3_stmt *st;
  *result = NULL;
  int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    *result = cf_xstrdup(t ? (const char *)t : "");
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, f);
  cf_buf_vprintf(&b, f, ap);
  va_end(ap);
  return cf_buf_steal(&b);
}

/* Does the file start like a sqlite database? 1 yes, 0 no, -1 empty. */
static int sqlite_magic(const char *path) {
  unsigned char h[16];
  FILE *fp = fopen(path, "rb");
  if (!fp) return 0;
  size_t n = fread(h, 1, sizeof h, fp);
  fclose(fp);
  if (n == 0) return -1;
  return n == sizeof h && !memcmp(h, "SQLite format 3", 16);
}

/* Open path and decide whether it can be used as it is. On OPEN_REBUILD
 * *why says what is wrong; on OPEN_FAIL err does. *created says the schema
 * must be made. */
static int open_checked(const char *path, sqlite3 **dbp, int *created, char **why,
                        cf_err *err) {
  *dbp = NULL;
  *created = 0;
  struct stat st;
  int exists = stat(path, &st) == 0;
  if (!exists && errno == ENOENT) {
    /* log excerpts are kept unredacted (redaction happens on output): only
     * the owner may read the file, and sqlite gives its -wal/-shm the same
     * mode */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
  } else if (exists) {
    if (!S_ISREG(st.st_mode))
      return cf_err_set(err, "%s: cache: not a regular file", path);
    /* Every cache this program wrote starts with sqlite's magic (an empty
     * file is one it just created). Anything else is some other file named
     * by mistake (--cache notes.md): refused, never deleted. */
    if (st.st_size > 0 && sqlite_magic(path) == 0)
      return cf_err_set(err,
                        "%s: cache: not a cache file (not a sqlite database); not "
                        "overwritten (remove it or choose another cache path)",
                        path);
  }
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK) {
    cf_err_set(err, "%s: cache: cannot open: %s", path,
               db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return OPEN_FAIL;
  }
  *dbp = db;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 30000); /* concurrent runs sharing one cache wait */
  /* the file is untrusted: no schema code runs, no triggers, no views */
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, (int)(CF_CACHE_DOC_MAX * 2));
  if (sqlite3_db_readonly(db, "main") == 1)
    return cf_err_set(err, "%s: cache: cannot write the file (read-only)", path);

  long long app = 0, ver = 0, objects = 0;
  /* One read transaction for the three facts: another run may be creating
   * the schema right now, and reading the id before its commit and the
   * tables after it would look like another application's database. */
  rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
  if (rc == SQLITE_OK) rc = query_int(db, "PRAGMA application_id", &app);
  if (rc == SQLITE_OK) rc = query_int(db, "PRAGMA user_version", &ver);
  if (rc == SQLITE_OK) rc = query_int(db, "SELECT count(*) FROM sqlite_master", &objects);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL); /* a failed read is
                                                                  rolled back on close */
  if (rc != SQLITE_OK) goto sqlite_problem;
  if (app == 0 && ver == 0 && objects == 0) {
    *created = 1; /* new or empty file */
    return OPEN_OK;
  }
  /* Another program's database (a Drone database given as --cache by
   * mistake, say) is refused, not deleted: rebuilding is for our own files. */
  if (app != APP_ID)
    return cf_err_set(err,
                      "%s: cache: a sqlite database of another application; not overwritten"
                      " (remove it or choose another cache path)",
                      path);
  if (ver != CF_CACHE_FORMAT) {
    *why = fmt("cache format %lld, this version uses %d", ver, CF_CACHE_FORMAT);
    return OPEN_REBUILD;
  }
  int ours = 0;
  rc = schema_is_ours(db, &ours);
  if (rc != SQLITE_OK) goto sqlite_problem;
  if (!ours) {
    *why = fmt("unexpected table layout");
    return OPEN_REBUILD;
  }
  char *qc = NULL;
  rc = quick_check(db, &qc);
  if (rc != SQLITE_OK) goto sqlite_problem;
  if (strcmp(qc, "ok")) {
    *why = fmt("integrity check failed: %.200s", qc);
    free(qc);
    return OPEN_REBUILD;
  }
  free(qc);
  return OPEN_OK;
sqlite_problem:
  if (is_corruption(rc)) {
    *why = fmt("unreadable: %s", sqlite3_errmsg(db));
    return OPEN_REBUILD;
  }
  return cf_err_set(err, "%s: cache: %s", path, sqlite3_errmsg(db));
}

/* Remove the file and the journals sqlite may have left beside it, so a
 * foreign hot journal is never replayed into the new cache. */
static int remove_files(const char *path, cf_err *err) {
  static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
    char *p = fmt("%s%s", path, sfx[i]);
    int bad_unlink = unlink(p) && errno != ENOENT;
    free(p);
    if (bad_unlink)
      return cf_err_set(err, "%s: cache: cannot remove the damaged file: %s", path,
                        strerror(errno));
  }
  return 0;
}

static int exec(cf_cache *c, const char *sql, cf_err *err) {
  char *msg = NULL;
  if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    cf_err_set(err, "%s: cache: %s", c->path, msg ? msg : sqlite3_errmsg(c->db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static int prepare(cf_cache *c, const char *sql, sqlite3_stmt **st, cf_err *err) {
  if (sqlite3_prepare_v2(c->db, sql, -1, st, NULL) != SQLITE_OK)
    return cf_err_set(err, "%s: cache: %s", c->path, sqlite3_errmsg(c->db));
  return 0;
}

/* The journal mode as sqlite reports it after running sql ("wal",
 * "delete", ...); rc as sqlite returned it. */
static int journal_mode(sqlite3 *db, const char *sql, char *mode, size_t size) {
  sqlite3_stmt *st;
  mode[0] = '\0';
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *m = sqlite3_column_text(st, 0);
    snprintf(mode, size, "%s", m ? (const char *)m : "");
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

/* Put the file in WAL mode, so one run reads while another writes. The
 * mode is persistent: it is read first, and only a file not yet in WAL is
 * switched. Switching takes an exclusive lock and sqlite does not call the
 * busy handler for it, so runs opening a new file at the same moment got
 * "database is locked"; a busy switch is retried (about 5 s in all) and
 * one that still cannot happen is left: the rollback journal sqlite keeps
 * then, as where the file system cannot do WAL, is just as safe. Must run
 * outside a transaction. */
static void prefer_wal(sqlite3 *db) {
  char mode[16];
  for (int attempt = 0; attempt < 60; attempt++) {
    if (journal_mode(db, "PRAGMA journal_mode", mode, sizeof mode) == SQLITE_OK &&
        !strcmp(mode, "wal"))
      return;
    int rc = journal_mode(db, "PRAGMA journal_mode=WAL", mode, sizeof mode);
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
      return; /* switched, or this file system keeps the rollback journal */
    sqlite3_sleep(attempt < 10 ? 10 * (attempt + 1) : 100);
  }
}

/* Make the schema if new, drop other configurations' entries, prepare the
 * statements. */
static int setup(cf_cache *c, int created, cf_err *err) {
  prefer_wal(c->db);
  if (exec(c, "PRAGMA synchronous=NORMAL", err)) return -1;
  if (exec(c, "PRAGMA mmap_size=268435456", err)) return -1;
  if (exec(c, "BEGIN IMMEDIATE", err)) return -1;
  /* another run may have made the schema since we looked: the check is
   * repeated under the write lock */
  long long app = 0;
  if (created && query_int(c->db, "PRAGMA application_id", &app) == SQLITE_OK &&
      app == APP_ID)
    created = 0;
  if (created) {
    char *sql = fmt("%s;\nPRAGMA application_id=%d;\nPRAGMA user_version=%d;", SCHEMA,
                    APP_ID, CF_CACHE_FORMAT);
    int rc = exec(c, sql, err);
    free(sql);
    if (rc) goto rollback;
  }
  sqlite3_stmt *st;
  if (prepare(c, "DELETE FROM facts WHERE identity <> ?1 OR rules_hash <> ?2 OR version <> ?3",
              &st, err))
    goto rollback;
  sqlite3_bind_text(st, 1, c->identity, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->rules_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->version, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    cf_err_set(err, "%s: cache: %s", c->path, sqlite3_errmsg(c->db));
    goto rollback;
  }
  if (exec(c, "COMMIT", err)) goto rollback;
  if (prepare(c,
              "SELECT variant, updated, finished, artifacts_sig, doc FROM facts"
              " WHERE identity = ?1 AND rules_hash = ?2 AND version = ?3"
              " AND repo = ?4 AND build_id = ?5",
              &c->get, err) ||
      prepare(c,
              "INSERT OR REPLACE INTO facts (identity, rules_hash, version, repo,"
              " build_id, variant, updated, finished, artifacts_sig, doc)"
              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
              &c->put, err) ||
      prepare(c,
              "DELETE FROM facts WHERE identity = ?1 AND rules_hash = ?2"
              " AND version = ?3 AND repo = ?4 AND build_id = ?5",
              &c->del, err))
    return -1;
  return 0;
rollback:
  sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
  return -1;
}

int cf_cache_open(const char *path, const char *identity, const char *rules_hash,
                  const char *version, cf_cache **out, char **warning, cf_err *err) {
  *out = NULL;
  *warning = NULL;
  cf_cache *c = cf_xcalloc(1, sizeof *c);
  c->path = cf_xstrdup(path);
  c->identity = cf_xstrdup(identity);
  c->rules_hash = cf_xstrdup(rules_hash);
  c->version = cf_xstrdup(version);
  char *why = NULL;
  int created = 0;
  int r = open_checked(path, &c->db, &created, &why, err);
  if (r == OPEN_REBUILD) {
    *warning = fmt("%s: cache ignored and rebuilt: %s", path, why);
    free(why);
    why = NULL;
    sqlite3_close(c->db);
    c->db = NULL;
    if (remove_files(path, err)) goto fail;
    r = open_checked(path, &c->db, &created, &why, err);
    if (r == OPEN_REBUILD) { /* cannot happen to a fresh file; never loop */
      cf_err_set(err, "%s: cache: rebuilt file still unusable: %s", path, why);
      goto fail;
    }
  }
  if (r == OPEN_FAIL) goto fail;
  if (setup(c, created, err)) goto fail;
  *out = c;
  return 0;
fail:
  free(why);
  free(*warning);
  *warning = NULL;
  cf_cache_close(c);
  return -1;
}

/* Commit the open batch, if any. A failed commit loses only that batch's
 * entries: they are recomputed on the next run. */
static void end_batch(cf_cache *c) {
  /* sqlite knows whether a transaction is open (an error may have ended
   * it); no flag of ours to drift */
  if (!c->db || sqlite3_get_autocommit(c->db)) return;
  if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

void cf_cache_close(cf_cache *c) {
  if (!c) return;
  end_batch(c);
  sqlite3_finalize(c->get);
  sqlite3_finalize(c->put);
  sqlite3_finalize(c->del);
  sqlite3_close(c->db);
  free(c->path);
  free(c->identity);
  free(c->rules_hash);
  free(c->version);
  free(c);
}

static void bind_key(cf_cache *c, sqlite3_stmt *st, const cf_cache_key *k) {
  sqlite3_bind_text(st, 1, c->identity, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, c->rules_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->version, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, k->repo, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, k->build_id);
}

static int col_text_eq(sqlite3_stmt *st, int i, const char *want) {
  if (sqlite3_column_type(st, i) != SQLITE_TEXT) return 0;
  const unsigned char *t = sqlite3_column_text(st, i);
  return t && (size_t)sqlite3_column_bytes(st, i) == strlen(want) &&
         !strcmp((const char *)t, want);
}

static int col_int_eq(sqlite3_stmt *st, int i, int64_t want) {
  return sqlite3_column_type(st, i) == SQLITE_INTEGER && sqlite3_column_int64(st, i) == want;
}

/* Drop an unreadable entry so the build is recomputed and rewritten. */
static void drop(cf_cache *c, const cf_cache_key *k) {
  bind_key(c, c->del, k);
  sqlite3_step(c->del);
  sqlite3_reset(c->del);
  sqlite3_clear_bindings(c->del);
}

int cf_cache_get(cf_cache *c, const cf_cache_key *k, cf_facts *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  if (!k->artifacts_sig || !k->repo) {
    c->misses++;
    return 0;
  }
  const char *variant = k->variant ? k->variant : "";
  bind_key(c, c->get, k);
  int rc = sqlite3_step(c->get), result = 0;
  if (rc == SQLITE_ROW) {
    /* every key part must match; any difference is a stale entry */
    if (col_text_eq(c->get, 0, variant) && col_int_eq(c->get, 1, k->updated) &&
        col_int_eq(c->get, 2, k->finished) && col_text_eq(c->get, 3, k->artifacts_sig)) {
      const void *doc = sqlite3_column_blob(c->get, 4);
      size_t len = (size_t)sqlite3_column_bytes(c->get, 4);
      cf_err why = {{0}};
      if (!doc && len == 0) doc = "";
      result = 1;
      if (cf_cache_decode(doc, len, out, &why)) {
        result = -1;
      } else if (out->build_id != k->build_id) {
        cf_err_set(&why, "facts.build_id: %" PRId64 " under the key of another build",
                   out->build_id);
        cf_facts_free(out);
        result = -1;
      }
      if (result < 0)
        cf_err_set(err, "%s: build id %" PRId64 ": cache entry unreadable, recomputed: %s",
                   c->path, k->build_id, why.msg);
    }
  } else if (rc != SQLITE_DONE) {
    cf_err_set(err, "%s: build id %" PRId64 ": cache lookup failed: %s", c->path,
               k->build_id, sqlite3_errmsg(c->db));
    result = -1;
  }
  sqlite3_reset(c->get);
  sqlite3_clear_bindings(c->get);
  if (result < 0) drop(c, k);
  if (result == 1) c->hits++;
  else c->misses++;
  return result;
}

int cf_cache_put(cf_cache *c, const cf_cache_key *k, const cf_facts *f, cf_err *err) {
  if (!k->artifacts_sig || !k->repo) return 0;
  char *doc = cf_cache_encode(f);
  size_t len = strlen(doc);
  if (len > CF_CACHE_DOC_MAX) {
    free(doc);
    return 0;
  }
  if (sqlite3_get_autocommit(c->db)) {
    if (exec(c, "BEGIN IMMEDIATE", err)) {
      free(doc);
      return -1;
    }
    c->batch_puts = 0;
    clock_gettime(CLOCK_MONOTONIC, &c->batch_start);
  }
  sqlite3_stmt *st = c->put;
  bind_key(c, st, k);
  sqlite3_bind_text(st, 6, k->variant ? k->variant : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 7, k->updated);
  sqlite3_bind_int64(st, 8, k->finished);
  sqlite3_bind_text(st, 9, k->artifacts_sig, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 10, doc, (int)len, SQLITE_STATIC);
  /* one statement: a failing one is undone alone, the batch goes on */
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  free(doc);
  if (rc != SQLITE_DONE)
    return cf_err_set(err, "%s: build id %" PRId64 ": cannot write the cache: %s", c->path,
                      k->build_id, sqlite3_errmsg(c->db));
  c->writes++;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double open_s = (double)(now.tv_sec - c->batch_start.tv_sec) +
                  (double)(now.tv_nsec - c->batch_start.tv_nsec) / 1e9;
  if (++c->batch_puts >= CF_CACHE_BATCH || open_s >= 1.0) end_batch(c);
  return 1;
}

void cf_cache_stats(const cf_cache *c, size_t *hits, size_t *misses, size_t *writes) {
  if (hits) *hits = c ? c->hits : 0;
  if (misses) *misses = c ? c->misses : 0;
  if (writes) *writes = c ? c->writes : 0;
}

long cf_cache_entries(cf_cache *c) {
  long long n = 0;
  return query_int(c->db, "SELECT count(*) FROM facts", &n) == SQLITE_OK ? (long)n : -1;
}
