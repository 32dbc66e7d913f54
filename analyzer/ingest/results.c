/*
 * results.c: the results.json reader (see results.h for the contract).
 *
 * The JSON is parsed with cJSON after a cheap pre-scan that bounds nesting
 * (cJSON's own limit is 1000 levels; results.json needs 4). Each field is
 * read by a typed getter that either stores the value, records the field as
 * missing (absent or null), or fails with "file: field 'x': expected ...".
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ciforensics/results.h"

/* Bounds on list lengths; far above anything a harness writes. */
#define MAX_STAGES 256
#define MAX_TESTS 100000
#define MAX_ENTRIES 256

typedef struct rctx {
  cf_results *r;
  cf_err *err;
} rctx;

const char *cf_tier_status_name(cf_tier_status s) {
  switch (s) {
  case CF_TIER_PASS: return "pass";
  case CF_TIER_FAIL: return "fail";
  case CF_TIER_SKIP: return "skip";
  case CF_TIER_UNVER: return "unver";
  case CF_TIER_UNKNOWN: break;
  }
  return "unknown";
}

cf_tier_status cf_tier_status_parse(const char *w) {
  static const struct {
    const char *word;
    cf_tier_status st;
  } words[] = {
      {"pass", CF_TIER_PASS},     {"passed", CF_TIER_PASS},
      {"ok", CF_TIER_PASS},       {"success", CF_TIER_PASS},
      {"true", CF_TIER_PASS},     {"fail", CF_TIER_FAIL},
      {"failed", CF_TIER_FAIL},   {"failure", CF_TIER_FAIL},
      {"error", CF_TIER_FAIL},    {"errored", CF_TIER_FAIL},
      {"false", CF_TIER_FAIL},    {"skip", CF_TIER_SKIP},
      {"skipped", CF_TIER_SKIP},  {"unver", CF_TIER_UNVER},
      {"unverified", CF_TIER_UNVER},
  };
  if (!w) return CF_TIER_UNKNOWN;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (cf_str_ieq(w, words[i].word)) return words[i].st;
  return CF_TIER_UNKNOWN;
}

/* Append a formatted note to a capped list (missing or problems). */
static void note(char ***list, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(char ***list, size_t *n, const char *fmt, ...) {
  if (*n >= CF_RESULTS_MAX_NOTES) return;
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  size_t cap = *n; /* exact-size growth is fine for at most 64 notes */
  CF_PUSH(*list, *n, cap, cf_buf_steal(&b));
}

static int type_error(rctx *c, const char *field, const char *what) {
  return cf_err_set(c->err, "%s: field '%s': expected %s", c->r->path, field,
                    what);
}

/* The member key of obj, or NULL when absent or JSON null. */
static const cJSON *member(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return v && !cJSON_IsNull(v) ? v : NULL;
}

/* Optional string: *out stays NULL and the field is noted missing when
 * absent. Returns -1 on a wrong type. */
static int get_string(rctx *c, const cJSON *obj, const char *key,
                      const char *field, char **out) {
  const cJSON *v = member(obj, key);
  if (!v) {
    note(&c->r->missing, &c->r->n_missing, "%s", field);
    return 0;
  }
  if (!cJSON_IsString(v)) return type_error(c, field, "a string");
  *out = cf_xstrdup(v->valuestring);
  return 0;
}

/* A whole number within [lo, hi]; *out untouched when absent. Returns 1 when
 * read, 0 when absent (noted), -1 on error. */
static int get_int(rctx *c, const cJSON *obj, const char *key,
                   const char *field, double lo, double hi, long *out) {
  const cJSON *v = member(obj, key);
  if (!v) {
    note(&c->r->missing, &c->r->n_missing, "%s", field);
    return 0;
  }
  if (!cJSON_IsNumber(v)) return type_error(c, field, "a number");
  double d = v->valuedouble;
  if (d != floor(d) || d < lo || d > hi) {
    char what[96];
    snprintf(what, sizeof what, "a whole number from %.0f to %.0f", lo, hi);
    return type_error(c, field, what);
  }
  *out = (long)d;
  return 1;
}

static int get_bool(rctx *c, const cJSON *v, const char *field, int *out) {
  if (!cJSON_IsBool(v)) return type_error(c, field, "true or false");
  *out = cJSON_IsTrue(v) ? 1 : 0;
  return 0;
}

/* A status word (or a legacy boolean) into st; unknown words are noted. */
static int status_of(rctx *c, const cJSON *v, const char *field,
                     cf_tier_status *st) {
  if (cJSON_IsBool(v)) {
    *st = cJSON_IsTrue(v) ? CF_TIER_PASS : CF_TIER_FAIL;
    return 0;
  }
  if (!cJSON_IsString(v)) return type_error(c, field, "a status string");
  *st = cf_tier_status_parse(v->valuestring);
  if (*st == CF_TIER_UNKNOWN)
    note(&c->r->problems, &c->r->n_problems, "%s: unknown status '%.40s'",
         field, v->valuestring);
  return 0;
}

static int read_tests(rctx *c, const cJSON *arr, size_t si,
                      cf_result_stage *st) {
  char field[96];
  snprintf(field, sizeof field, "stages[%zu].tests", si);
  if (!cJSON_IsArray(arr)) return type_error(c, field, "a list");
  size_t n = (size_t)cJSON_GetArraySize(arr);
  if (n > MAX_TESTS)
    return cf_err_set(c->err, "%s: field '%s': more than %d entries",
                      c->r->path, field, MAX_TESTS);
  st->has_tests = 1;
  st->tests = cf_xcalloc(n ? n : 1, sizeof *st->tests);
  const cJSON *item;
  cJSON_ArrayForEach(item, arr) {
    size_t ti = st->n_tests++;
    cf_result_test *t = &st->tests[ti];
    t->status = CF_TIER_UNKNOWN;
    t->ms = -1;
    snprintf(field, sizeof field, "stages[%zu].tests[%zu]", si, ti);
    if (!cJSON_IsObject(item)) return type_error(c, field, "an object");
    char sub[128];
    snprintf(sub, sizeof sub, "%s.name", field);
    if (get_string(c, item, "name", sub, &t->name)) return -1;
    snprintf(sub, sizeof sub, "%s.status", field);
    const cJSON *sv = member(item, "status");
    if (!sv)
      note(&c->r->missing, &c->r->n_missing, "%s", sub);
    else if (status_of(c, sv, sub, &t->status))
      return -1;
    snprintf(sub, sizeof sub, "%s.ms", field);
    if (get_int(c, item, "ms", sub, 0, 9e15, &t->ms) < 0) return -1;
  }
  return 0;
}

/* One stage given as an object {name?, status, tests?}; name may come from
 * the enclosing object's key. Returns -1 on error, 0 otherwise. */
static int read_stage_obj(rctx *c, const cJSON *item, const char *key_name,
                          size_t si) {
  char field[96];
  snprintf(field, sizeof field, "stages[%zu]", si);
  cf_result_stage st = {0};
  st.status = CF_TIER_UNKNOWN;
  if (key_name) {
    st.name = cf_xstrdup(key_name);
  } else {
    const cJSON *nv = member(item, "name");
    if (!nv) {
      note(&c->r->missing, &c->r->n_missing, "%s.name", field);
      return 0; /* a nameless stage cannot be matched to a tier: dropped */
    }
    char sub[128];
    snprintf(sub, sizeof sub, "%s.name", field);
    if (!cJSON_IsString(nv)) return type_error(c, sub, "a string");
    st.name = cf_xstrdup(nv->valuestring);
  }
  size_t cap = c->r->n_stages;
  CF_PUSH(c->r->stages, c->r->n_stages, cap, st);
  cf_result_stage *sp = &c->r->stages[c->r->n_stages - 1];
  char sub[128];
  snprintf(sub, sizeof sub, "%s.status", field);
  const cJSON *sv = member(item, "status");
  if (!sv)
    note(&c->r->missing, &c->r->n_missing, "%s", sub);
  else if (status_of(c, sv, sub, &sp->status))
    return -1;
  const cJSON *tv = member(item, "tests");
  if (tv && read_tests(c, tv, si, sp)) return -1;
  return 0;
}

static int read_stages(rctx *c, const cJSON *root) {
  const cJSON *v = member(root, "stages");
  if (!v) {
    c->r->shape = "none";
    note(&c->r->missing, &c->r->n_missing, "stages");
    return 0;
  }
  if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
    return type_error(c, "stages", "a list or an object");
  if (cJSON_GetArraySize(v) > MAX_STAGES)
    return cf_err_set(c->err, "%s: field 'stages': more than %d entries",
                      c->r->path, MAX_STAGES);
  size_t si = 0;
  const cJSON *item;
  if (cJSON_IsArray(v)) {
    int any_tests = 0;
    cJSON_ArrayForEach(item, v) {
      char field[64];
      snprintf(field, sizeof field, "stages[%zu]", si);
      if (!cJSON_IsObject(item)) return type_error(c, field, "an object");
      if (member(item, "tests")) any_tests = 1;
      if (read_stage_obj(c, item, NULL, si++)) return -1;
    }
    c->r->shape = any_tests ? "schema2" : "legacy-list";
    return 0;
  }
  c->r->shape = "legacy-object";
  cJSON_ArrayForEach(item, v) {
    char field[64];
    snprintf(field, sizeof field, "stages[%zu]", si);
    if (cJSON_IsObject(item)) {
      if (read_stage_obj(c, item, item->string, si++)) return -1;
      continue;
    }
    cf_result_stage st = {0};
    st.name = cf_xstrdup(item->string);
    st.status = CF_TIER_UNKNOWN;
    size_t cap = c->r->n_stages;
    CF_PUSH(c->r->stages, c->r->n_stages, cap, st);
    char sub[128];
    snprintf(sub, sizeof sub, "stages.%.60s", item->string);
    if (cJSON_IsNull(item))
      note(&c->r->missing, &c->r->n_missing, "%s", sub);
    else if (status_of(c, item, sub,
                       &c->r->stages[c->r->n_stages - 1].status))
      return -1;
    si++;
  }
  return 0;
}

/* An object of name: value into a kv list. as_status: values are status
 * words (rungs); otherwise reason strings (null allowed, as ""). */
static int read_kv(rctx *c, const cJSON *obj, const char *field, int as_status,
                   cf_result_kv **out, size_t *n) {
  if (cJSON_GetArraySize(obj) > MAX_ENTRIES)
    return cf_err_set(c->err, "%s: field '%s': more than %d entries",
                      c->r->path, field, MAX_ENTRIES);
  size_t cap = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, obj) {
    cf_result_kv kv = {cf_xstrdup(item->string), NULL, CF_TIER_UNKNOWN};
    CF_PUSH(*out, *n, cap, kv);
    cf_result_kv *k = &(*out)[*n - 1];
    char sub[128];
    snprintf(sub, sizeof sub, "%s.%.60s", field, item->string);
    if (as_status) {
      if (cJSON_IsNull(item)) {
        note(&c->r->missing, &c->r->n_missing, "%s", sub);
        k->value = cf_xstrdup("");
        continue;
      }
      if (status_of(c, item, sub, &k->status)) return -1;
      k->value = cf_xstrdup(cJSON_IsString(item) ? item->valuestring
                                                 : cf_tier_status_name(k->status));
    } else {
      if (cJSON_IsNull(item)) {
        k->value = cf_xstrdup("");
      } else if (cJSON_IsString(item)) {
        k->value = cf_xstrdup(item->valuestring);
      } else {
        return type_error(c, sub, "a reason string");
      }
    }
  }
  return 0;
}

static int read_strings(rctx *c, const cJSON *arr, const char *field,
                        char ***out, size_t *n) {
  if (!cJSON_IsArray(arr)) return type_error(c, field, "a list of strings");
  if (cJSON_GetArraySize(arr) > MAX_ENTRIES)
    return cf_err_set(c->err, "%s: field '%s': more than %d entries",
                      c->r->path, field, MAX_ENTRIES);
  size_t cap = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, arr) {
    if (!cJSON_IsString(item)) return type_error(c, field, "a list of strings");
    CF_PUSH(*out, *n, cap, cf_xstrdup(item->valuestring));
  }
  return 0;
}

static int read_lint(rctx *c, const cJSON *root) {
  const cJSON *v = member(root, "lint");
  c->r->lint_status = CF_TIER_UNKNOWN;
  if (!v) {
    note(&c->r->missing, &c->r->n_missing, "lint");
    return 0;
  }
  c->r->has_lint = 1;
  if (cJSON_IsString(v) || cJSON_IsBool(v)) /* legacy: "lint": "pass" */
    return status_of(c, v, "lint", &c->r->lint_status);
  if (!cJSON_IsObject(v)) return type_error(c, "lint", "an object");
  const cJSON *sv = member(v, "status");
  if (!sv)
    note(&c->r->missing, &c->r->n_missing, "lint.status");
  else if (status_of(c, sv, "lint.status", &c->r->lint_status))
    return -1;
  const cJSON *dv = member(v, "detail");
  if (dv) {
    if (!cJSON_IsString(dv)) return type_error(c, "lint.detail", "a string");
    c->r->lint_detail = cf_xstrdup(dv->valuestring);
  }
  const cJSON *rv = member(v, "rules_failed");
  if (rv && read_strings(c, rv, "lint.rules_failed", &c->r->lint_rules_failed,
                         &c->r->n_lint_rules_failed))
    return -1;
  return 0;
}

static int read_skips(rctx *c, const cJSON *root) {
  const cJSON *v = member(root, "skips");
  if (!v) {
    note(&c->r->missing, &c->r->n_missing, "skips");
    return 0;
  }
  if (!cJSON_IsObject(v)) return type_error(c, "skips", "an object");
  const cJSON *iv = member(v, "intentional");
  if (iv && cJSON_IsArray(iv)) { /* a plain list of rungs: no reasons */
    char **names = NULL;
    size_t n = 0;
    int rc = read_strings(c, iv, "skips.intentional", &names, &n);
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
      cf_result_kv kv = {names[i], cf_xstrdup(""), CF_TIER_SKIP};
      CF_PUSH(c->r->skips_intentional, c->r->n_skips_intentional, cap, kv);
    }
    free(names);
    if (rc) return -1;
  } else if (iv) {
    if (!cJSON_IsObject(iv))
      return type_error(c, "skips.intentional", "an object");
    if (read_kv(c, iv, "skips.intentional", 0, &c->r->skips_intentional,
                &c->r->n_skips_intentional))
      return -1;
  }
  const cJSON *uv = member(v, "unintentional");
  if (uv && read_strings(c, uv, "skips.unintentional",
                         &c->r->skips_unintentional,
                         &c->r->n_skips_unintentional))
    return -1;
  return 0;
}

static int read_flags(rctx *c, const cJSON *root) {
  static const char *names[] = {"clean_teardown", "no_secret_leak"};
  int *dst[] = {&c->r->clean_teardown, &c->r->no_secret_leak};
  const cJSON *fv = member(root, "flags");
  if (fv && !cJSON_IsObject(fv)) return type_error(c, "flags", "an object");
  for (int i = 0; i < 2; i++) {
    *dst[i] = -1;
    char field[64];
    const cJSON *v = fv ? member(fv, names[i]) : NULL;
    snprintf(field, sizeof field, "flags.%s", names[i]);
    if (!v && (v = member(root, names[i]))) { /* legacy: top level */
      snprintf(field, sizeof field, "%s", names[i]);
      c->r->flags_top_level = 1;
    }
    if (!v) {
      note(&c->r->missing, &c->r->n_missing, "flags.%s", names[i]);
      continue;
    }
    if (get_bool(c, v, field, dst[i])) return -1;
  }
  return 0;
}

static int read_finished(rctx *c, const cJSON *root) {
  const cJSON *v = member(root, "finished");
  if (!v) {
    note(&c->r->missing, &c->r->n_missing, "finished");
    return 0;
  }
  if (cJSON_IsNumber(v)) {
    if (v->valuedouble < 0 || v->valuedouble > 9e15)
      return type_error(c, "finished", "a time");
    c->r->finished = (cf_time)v->valuedouble;
    return 0;
  }
  if (!cJSON_IsString(v) ||
      cf_time_parse(v->valuestring, &c->r->finished, NULL) != 0) {
    c->r->finished = CF_TIME_NONE;
    return type_error(c, "finished",
                      "an ISO 8601 time or Unix seconds");
  }
  return 0;
}

/* Deepest nesting of [ and { outside strings; stops counting at limit+1. */
static int json_depth(const char *s, size_t len, int limit) {
  int depth = 0, max = 0, in_str = 0;
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    if (in_str) {
      if (ch == '\\') i++;
      else if (ch == '"') in_str = 0;
    } else if (ch == '"') {
      in_str = 1;
    } else if (ch == '[' || ch == '{') {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (ch == ']' || ch == '}') {
      depth--;
    }
  }
  return max;
}

static int parse_root(rctx *c, const cJSON *root) {
  cf_results *r = c->r;
  const cJSON *sv = member(root, "schema");
  if (sv) {
    if (!cJSON_IsNumber(sv)) return type_error(c, "schema", "a number");
    /* checked before the cast: a double outside int's range is undefined
     * behaviour (found by fuzz_results: "schema": 1e59) */
    double d = sv->valuedouble;
    if (d != floor(d) || d < 0 || d > 1000)
      return type_error(c, "schema", "a whole number from 0 to 1000");
    r->schema = (int)d;
  }
  if (get_string(c, root, "recipe", "recipe", &r->recipe)) return -1;
  if (get_string(c, root, "version", "version", &r->version)) return -1;
  if (get_string(c, root, "ref", "ref", &r->ref)) return -1;
  const cJSON *pv = cJSON_GetObjectItemCaseSensitive(root, "pr");
  if (pv && cJSON_IsNull(pv)) {
    r->pr_null = 1;
  } else if (pv && cJSON_IsString(pv) && pv->valuestring[0] &&
             strspn(pv->valuestring, "0123456789") == strlen(pv->valuestring) &&
             strlen(pv->valuestring) <= 10 && strtod(pv->valuestring, NULL) <= 2e9) {
    /* "8": harnesses copy the PR from Drone's parameters, which are text */
    r->pr = strtol(pv->valuestring, NULL, 10);
  } else if (get_int(c, root, "pr", "pr", 0, 2e9, &r->pr) < 0) {
    return -1;
  }
  if (get_int(c, root, "run_id", "run_id", 0, 9e15, &r->run_id) < 0) return -1;
  if (read_finished(c, root)) return -1;
  if (read_stages(c, root)) return -1;
  long level = -1;
  if (get_int(c, root, "level", "level", 0, 5, &level) < 0) return -1;
  r->level = (int)level;
  const cJSON *rv = member(root, "rungs");
  if (!rv)
    note(&r->missing, &r->n_missing, "rungs");
  else if (!cJSON_IsObject(rv))
    return type_error(c, "rungs", "an object");
  else if (read_kv(c, rv, "rungs", 1, &r->rungs, &r->n_rungs))
    return -1;
  if (read_lint(c, root)) return -1;
  if (read_skips(c, root)) return -1;
  return read_flags(c, root);
}

int cf_results_load_mem(const char *data, size_t len, const char *name,
                        cf_results *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  out->path = cf_xstrdup(name ? name : "results.json");
  out->schema = -1;
  out->shape = "none";
  out->pr = -1;
  out->run_id = -1;
  out->finished = CF_TIME_NONE;
  out->level = -1;
  out->lint_status = CF_TIER_UNKNOWN;
  out->clean_teardown = out->no_secret_leak = -1;
  rctx c = {out, err};
  if (len > CF_RESULTS_MAX_BYTES) {
    cf_err_set(err, "%s: larger than the %zu-byte limit", out->path,
               CF_RESULTS_MAX_BYTES);
    goto fail;
  }
  if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) { /* UTF-8 BOM */
    data += 3;
    len -= 3;
  }
  size_t lead = 0;
  while (lead < len && strchr(" \t\r\n", data[lead]) && data[lead]) lead++;
  if (lead == len) {
    cf_err_set(err, "%s: empty file", out->path);
    goto fail;
  }
  if (json_depth(data, len, CF_RESULTS_MAX_DEPTH) > CF_RESULTS_MAX_DEPTH) {
    cf_err_set(err, "%s: JSON nested deeper than %d levels", out->path,
               CF_RESULTS_MAX_DEPTH);
    goto fail;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
  if (!root) {
    size_t off = end && end >= data && end <= data + len ? (size_t)(end - data)
                                                         : 0;
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
      if (data[i] == '\n') line++;
    cf_err_set(err, "%s: line %zu (byte %zu): malformed JSON", out->path,
               line, off);
    goto fail;
  }
  /* Trailing bytes after the value (other than space) are malformed too. */
  if (end) {
    const char *p = end;
    while (p < data + len && strchr(" \t\r\n", *p) && *p) p++;
    if (p < data + len) {
      size_t off = (size_t)(p - data), line = 1;
      for (size_t i = 0; i < off; i++)
        if (data[i] == '\n') line++;
      cJSON_Delete(root);
      cf_err_set(err, "%s: line %zu (byte %zu): malformed JSON (text after "
                 "the top-level value)", out->path, line, off);
      goto fail;
    }
  }
  int rc = cJSON_IsObject(root) ? parse_root(&c, root)
                                : type_error(&c, "(top level)", "an object");
  cJSON_Delete(root);
  if (rc == 0) return 0;
fail:;
  char *keep = out->path;
  out->path = NULL;
  cf_results_free(out);
  free(keep);
  return -1;
}

int cf_results_load(const char *path, cf_results *out, cf_err *err) {
  char *data = NULL;
  size_t len = 0;
  memset(out, 0, sizeof *out);
  if (cf_read_file(path, CF_RESULTS_MAX_BYTES, &data, &len, err)) return -1;
  int rc = cf_results_load_mem(data, len, path, out, err);
  free(data);
  return rc;
}

static void free_strings(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void free_kv(cf_result_kv *kv, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(kv[i].key);
    free(kv[i].value);
  }
  free(kv);
}

void cf_results_free(cf_results *r) {
  if (!r) return;
  free(r->path);
  free(r->recipe);
  free(r->version);
  free(r->ref);
  for (size_t i = 0; i < r->n_stages; i++) {
    for (size_t k = 0; k < r->stages[i].n_tests; k++)
      free(r->stages[i].tests[k].name);
    free(r->stages[i].tests);
    free(r->stages[i].name);
  }
  free(r->stages);
  free_kv(r->rungs, r->n_rungs);
  free(r->lint_detail);
  free_strings(r->lint_rules_failed, r->n_lint_rules_failed);
  free_kv(r->skips_intentional, r->n_skips_intentional);
  free_strings(r->skips_unintentional, r->n_skips_unintentional);
  free_strings(r->missing, r->n_missing);
  free_strings(r->problems, r->n_problems);
  memset(r, 0, sizeof *r);
}

/* The ladder rung of a tier ("L1".."L5"), or NULL. */
static const char *rung_of(const char *tier) {
  static const char *map[][2] = {{"install", "L1"}, {"upgrade", "L2"},
                                 {"backup", "L3"},  {"restore", "L3"},
                                 {"custom", "L4"},  {"lint", "L5"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (cf_str_ieq(tier, map[i][0])) return map[i][1];
  return NULL;
}

int cf_results_skip_is_intentional(const cf_results *r, const char *name) {
  if (!r || !name) return 0;
  const char *rung = rung_of(name);
  for (size_t i = 0; i < r->n_skips_intentional; i++) {
    const char *k = r->skips_intentional[i].key;
    if (cf_str_ieq(k, name)) return 1;
    if (rung && cf_str_ieq(k, rung)) return 1; /* tier given, rung listed */
    const char *krung = rung_of(k);            /* rung given, tier listed */
    if (krung && cf_str_ieq(krung, name)) return 1;
  }
  return 0;
}

const cf_result_stage *cf_results_stage(const cf_results *r, const char *name) {
  if (!r || !name) return NULL;
  for (size_t i = 0; i < r->n_stages; i++)
    if (cf_str_ieq(r->stages[i].name, name)) return &r->stages[i];
  return NULL;
}
