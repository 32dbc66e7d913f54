/*
 * prs.c: reads a Gitea/GitHub pull-request list (JSON through cJSON) and
 * answers questions about a PR as of the review moment (contracts in
 * prs.h). Unknown fields are ignored so either forge's export reads as is.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ciforensics/prs.h"

static int line_of(const char *data, const char *at) {
  int line = 1;
  for (const char *p = data; p < at; p++)
    if (*p == '\n') line++;
  return line;
}

static void warn(cf_prs *p, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(cf_prs *p, size_t *cap, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  CF_PUSH(p->warnings, p->n_warnings, *cap, cf_buf_steal(&b));
}

static int is_hex(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!isxdigit((unsigned char)*s)) return 0;
  return 1;
}

typedef struct reader {
  const char *name;
  cf_prs *prs;
  size_t warn_cap;
  cf_err *err;
} reader;

/* An optional string field; absent or null leaves *out NULL. */
static int opt_string(reader *r, const cJSON *obj, const char *key,
                      const char *path, char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v || cJSON_IsNull(v)) return 0;
  if (!cJSON_IsString(v))
    return cf_err_set(r->err, "%s: %s.%s: expected a string", r->name, path,
                      key);
  *out = cf_xstrdup(v->valuestring);
  return 0;
}

/* An optional time field; absent or null is CF_TIME_NONE. */
static int opt_time(reader *r, const cJSON *obj, const char *key,
                    const char *path, cf_time *out) {
  *out = CF_TIME_NONE;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v || cJSON_IsNull(v)) return 0;
  int no_zone = 0;
  if (!cJSON_IsString(v) || cf_time_parse(v->valuestring, out, &no_zone))
    return cf_err_set(r->err,
                      "%s: %s.%s: expected an ISO 8601 time or null, got %s",
                      r->name, path, key,
                      cJSON_IsString(v) ? v->valuestring : "another type");
  if (no_zone)
    warn(r->prs, &r->warn_cap, "%s: %s.%s: time '%s' names no zone; taken as UTC",
         r->name, path, key, v->valuestring);
  return 0;
}

static void pr_free(cf_pr *pr) {
  free(pr->state);
  free(pr->title);
  free(pr->head_sha);
  free(pr->head_ref);
  free(pr->repo);
}

/* NAME of ".../OWNER/NAME/pulls/N" (Gitea) or ".../OWNER/NAME/pull/N"
 * (GitHub), or NULL. */
static char *repo_from_url(const char *url) {
  const char *p = strstr(url, "/pulls/");
  if (!p) p = strstr(url, "/pull/");
  if (!p || p == url) return NULL;
  const char *e = p, *b = p;
  while (b > url && b[-1] != '/') b--;
  if (b == e || b == url) return NULL;
  return cf_xstrndup(b, (size_t)(e - b));
}

/* The repository's name, which PR numbers are only unique within. Wrong
 * types here are no reason to refuse the file: the name is then unknown. */
static char *repo_name(const cJSON *o) {
  const cJSON *base = cJSON_GetObjectItemCaseSensitive(o, "base");
  const cJSON *repo = cJSON_IsObject(base) ? cJSON_GetObjectItemCaseSensitive(base, "repo") : NULL;
  const cJSON *name = cJSON_IsObject(repo) ? cJSON_GetObjectItemCaseSensitive(repo, "name") : NULL;
  if (cJSON_IsString(name) && *name->valuestring) return cf_xstrdup(name->valuestring);
  static const char *const keys[] = {"html_url", "url"};
  for (size_t k = 0; k < 2; k++) {
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
    char *n = cJSON_IsString(u) ? repo_from_url(u->valuestring) : NULL;
    if (n) return n;
  }
  return NULL;
}

static int read_pr(reader *r, const cJSON *o, size_t i, cf_pr *pr) {
  char path[48];
  snprintf(path, sizeof path, "[%zu]", i);
  pr->index = (int)i;
  pr->created = pr->updated = pr->closed = pr->merged = CF_TIME_NONE;
  if (!cJSON_IsObject(o))
    return cf_err_set(r->err, "%s: %s: expected a pull-request object",
                      r->name, path);
  const cJSON *num = cJSON_GetObjectItemCaseSensitive(o, "number");
  if (!cJSON_IsNumber(num) || num->valuedouble < 1 ||
      num->valuedouble > 1e9 || num->valuedouble != floor(num->valuedouble))
    return cf_err_set(r->err, "%s: %s.number: expected a positive integer",
                      r->name, path);
  pr->number = (long)num->valuedouble;
  if (opt_string(r, o, "state", path, &pr->state)) return -1;
  if (!pr->state || (strcmp(pr->state, "open") && strcmp(pr->state, "closed")))
    return cf_err_set(r->err, "%s: %s.state: expected \"open\" or \"closed\"",
                      r->name, path);
  if (opt_string(r, o, "title", path, &pr->title)) return -1;
  if (!pr->title) pr->title = cf_xstrdup("");
  pr->repo = repo_name(o);
  const cJSON *head = cJSON_GetObjectItemCaseSensitive(o, "head");
  if (head && !cJSON_IsNull(head)) {
    if (!cJSON_IsObject(head))
      return cf_err_set(r->err, "%s: %s.head: expected an object", r->name,
                        path);
    char hpath[64];
    snprintf(hpath, sizeof hpath, "%s.head", path);
    if (opt_string(r, head, "sha", hpath, &pr->head_sha) ||
        opt_string(r, head, "ref", hpath, &pr->head_ref))
      return -1;
    if (pr->head_sha && (!is_hex(pr->head_sha) || strlen(pr->head_sha) < 7))
      warn(r->prs, &r->warn_cap,
           "%s: %s.head.sha: '%s' is not a commit sha (7+ hex digits); it "
           "will match no build",
           r->name, path, pr->head_sha);
  }
  if (opt_time(r, o, "created_at", path, &pr->created) ||
      opt_time(r, o, "updated_at", path, &pr->updated) ||
      opt_time(r, o, "closed_at", path, &pr->closed) ||
      opt_time(r, o, "merged_at", path, &pr->merged))
    return -1;
  if (pr->created == CF_TIME_NONE)
    return cf_err_set(r->err, "%s: %s.created_at: missing", r->name, path);
  const cJSON *merged = cJSON_GetObjectItemCaseSensitive(o, "merged");
  if (merged && !cJSON_IsNull(merged) && !cJSON_IsBool(merged))
    return cf_err_set(r->err, "%s: %s.merged: expected true or false", r->name,
                      path);
  /* Gitea may say merged without merged_at: the close is the merge. */
  if (cJSON_IsTrue(merged) && pr->merged == CF_TIME_NONE)
    pr->merged = pr->closed;
  if (!strcmp(pr->state, "closed") && pr->closed == CF_TIME_NONE &&
      pr->merged == CF_TIME_NONE)
    warn(r->prs, &r->warn_cap,
         "%s: %s: PR #%ld is closed but has no closed_at; taken as closed "
         "since its creation",
         r->name, path, pr->number);
  if (pr->merged != CF_TIME_NONE && !strcmp(pr->state, "open"))
    return cf_err_set(r->err, "%s: %s: PR #%ld is open but has merged_at",
                      r->name, path, pr->number);
  return 0;
}

/* Repository names, an unknown one (NULL) first. */
static int repo_cmp(const char *a, const char *b) {
  if (!a || !b) return (a != NULL) - (b != NULL);
  return strcmp(a, b);
}

static int pr_num_cmp(const void *pa, const void *pb) {
  const cf_pr *a = *(const cf_pr *const *)pa, *b = *(const cf_pr *const *)pb;
  if (a->number != b->number) return a->number < b->number ? -1 : 1;
  int r = repo_cmp(a->repo, b->repo);
  return r ? r : a->index - b->index;
}

/* A number listed twice for one repository is an error (sorted, so hostile
 * files stay fast); PR numbers of different repositories may repeat. */
static int check_unique(const cf_prs *p, const char *name, cf_err *err) {
  if (p->n < 2) return 0;
  const cf_pr **s = cf_xmalloc(p->n * sizeof *s);
  for (size_t i = 0; i < p->n; i++) s[i] = &p->items[i];
  qsort(s, p->n, sizeof *s, pr_num_cmp);
  const cf_pr *dup = NULL, *first = NULL;
  for (size_t i = 1; i < p->n; i++)
    if (s[i]->number == s[i - 1]->number && !repo_cmp(s[i]->repo, s[i - 1]->repo) &&
        (!dup || s[i]->index < dup->index)) {
      dup = s[i];
      first = s[i - 1];
    }
  free(s);
  if (!dup) return 0;
  return cf_err_set(err, "%s: [%d].number: PR #%ld is listed twice (also at "
                         "[%d])",
                    name, dup->index, dup->number, first->index);
}

int cf_prs_load_mem(const char *data, size_t len, const char *name,
                    cf_prs *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  out->path = cf_xstrdup(name);
  if (len > CF_PRS_MAX_BYTES) {
    cf_err_set(err, "%s: larger than the %u-byte limit", name,
               CF_PRS_MAX_BYTES);
    cf_prs_free(out);
    return -1;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
  int rc = 0;
  if (!root) {
    const char *at = end ? end : data;
    if (at < data || at > data + len) at = data;
    rc = cf_err_set(err, "%s:%d: not valid JSON", name, line_of(data, at));
  } else {
    while (end < data + len && isspace((unsigned char)*end)) end++;
    if (end < data + len)
      rc = cf_err_set(err, "%s:%d: unexpected text after the JSON value",
                      name, line_of(data, end));
  }
  if (!rc && !cJSON_IsArray(root))
    rc = cf_err_set(err, "%s: expected a JSON array of pull requests", name);
  if (!rc && cJSON_GetArraySize(root) > CF_PRS_MAX_PRS)
    rc = cf_err_set(err, "%s: more than %d pull requests", name,
                    CF_PRS_MAX_PRS);
  if (!rc) {
    reader r = {name, out, 0, err};
    size_t n = (size_t)cJSON_GetArraySize(root), i = 0;
    out->items = cf_xcalloc(n ? n : 1, sizeof *out->items);
    for (const cJSON *o = root->child; o && !rc; o = o->next, i++) {
      out->n++; /* counted first so a half-read PR is freed too */
      rc = read_pr(&r, o, i, &out->items[i]);
    }
    if (!rc) rc = check_unique(out, name, err);
  }
  cJSON_Delete(root);
  if (rc) cf_prs_free(out);
  return rc;
}

int cf_prs_load(const char *path, cf_prs *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  char *data;
  size_t len;
  if (cf_read_file(path, CF_PRS_MAX_BYTES, &data, &len, err)) return -1;
  int rc = cf_prs_load_mem(data, len, path, out, err);
  free(data);
  return rc;
}

void cf_prs_free(cf_prs *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n; i++) pr_free(&p->items[i]);
  free(p->items);
  for (size_t i = 0; i < p->n_warnings; i++) free(p->warnings[i]);
  free(p->warnings);
  free(p->path);
  memset(p, 0, sizeof *p);
}

const cf_pr *cf_prs_find(const cf_prs *p, long number) {
  for (size_t i = 0; i < p->n; i++)
    if (p->items[i].number == number) return &p->items[i];
  return NULL;
}

static int by(cf_time t, cf_time as_of) {
  return t != CF_TIME_NONE && (as_of == CF_TIME_NONE || t <= as_of);
}

cf_pr_state cf_pr_state_at(const cf_pr *pr, cf_time as_of) {
  if (as_of != CF_TIME_NONE && pr->created > as_of) return CF_PR_NOT_YET;
  if (by(pr->merged, as_of)) return CF_PR_MERGED;
  if (!strcmp(pr->state, "open")) return CF_PR_OPEN; /* reopened, or never closed */
  if (pr->closed == CF_TIME_NONE) return CF_PR_CLOSED; /* closed, time unknown */
  return by(pr->closed, as_of) ? CF_PR_CLOSED : CF_PR_OPEN;
}

const char *cf_pr_state_name(cf_pr_state s) {
  switch (s) {
  case CF_PR_NOT_YET: return "not yet created";
  case CF_PR_OPEN: return "open";
  case CF_PR_CLOSED: return "closed";
  case CF_PR_MERGED: return "merged";
  }
  return "?";
}

cf_time cf_pr_last_activity(const cf_pr *pr, cf_time as_of) {
  if (!by(pr->created, as_of)) return CF_TIME_NONE;
  cf_time best = pr->created;
  const cf_time others[] = {pr->updated, pr->closed, pr->merged};
  for (int i = 0; i < 3; i++)
    if (by(others[i], as_of) && others[i] > best) best = others[i];
  return best;
}

int cf_sha_prefix_match(const char *a, const char *b) {
  if (!a || !b) return 0;
  size_t la = strlen(a), lb = strlen(b);
  if (la < 7 || lb < 7 || !is_hex(a) || !is_hex(b)) return 0;
  size_t n = la < lb ? la : lb;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return 0;
  return 1;
}

int cf_pr_head_matches(const cf_pr *pr, const char *sha) {
  return cf_sha_prefix_match(pr->head_sha, sha);
}
