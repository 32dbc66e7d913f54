/*
 * facts.c: the analysis' own data: targets (--target), and the one cleanup
 * path for cf_analysis and everything it owns.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ciforensics/analysis.h"

static int all_hex(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!isxdigit((unsigned char)*s)) return 0;
  return 1;
}

int cf_target_parse(const char *s, cf_target *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  if (cf_str_starts(s, "pr=")) {
    const char *v = s + 3;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n <= 0)
      return cf_err_set(err, "--target %s: a PR number must be a positive integer", s);
    out->kind = 'p';
    out->pr = n;
    return 0;
  }
  if (cf_str_starts(s, "sha=")) {
    const char *v = s + 4;
    if (strlen(v) < 7 || strlen(v) > 64 || !all_hex(v))
      return cf_err_set(err, "--target %s: a sha needs 7 to 64 hex digits", s);
    out->kind = 's';
    out->value = cf_xstrdup(v);
    return 0;
  }
  if (cf_str_starts(s, "ref=") && s[4]) {
    out->kind = 'r';
    out->value = cf_xstrdup(s + 4);
    return 0;
  }
  return cf_err_set(err, "--target %s: expected pr=N, sha=HEX or ref=REF", s);
}

int cf_target_matches(const cf_target *t, const cf_tested *tested,
                      const char *ref) {
  switch (t->kind) {
  case 'p': return tested->pr == t->pr;
  case 's': return cf_sha_prefix_match(tested->sha, t->value);
  case 'r': return ref && !strcmp(ref, t->value);
  default: return 0;
  }
}

char *cf_target_describe(const cf_target *t) {
  cf_buf b = {0};
  switch (t->kind) {
  case 'p': cf_buf_printf(&b, "pr=%ld", t->pr); break;
  case 's': cf_buf_printf(&b, "sha=%s", t->value); break;
  case 'r': cf_buf_printf(&b, "ref=%s", t->value); break;
  default: break;
  }
  return cf_buf_steal(&b);
}

/* ---- builds by tested sha ---- */

static int key_cmp(const char *a, const char *b) {
  return strncasecmp(a, b, 7);
}

static const cf_analysis *g_sort_analysis; /* qsort has no context argument */

static int idx_cmp(const void *pa, const void *pb) {
  const cf_facts *a = &g_sort_analysis->builds[*(const size_t *)pa];
  const cf_facts *b = &g_sort_analysis->builds[*(const size_t *)pb];
  int c = key_cmp(a->tested.sha, b->tested.sha);
  if (c) return c;
  return a->number < b->number ? -1 : a->number > b->number; /* stable */
}

void cf_sha_index_build(cf_sha_index *ix, const cf_analysis *a) {
  ix->a = a;
  ix->n = 0;
  ix->idx = cf_xmalloc((a->n_builds + 1) * sizeof *ix->idx);
  for (size_t i = 0; i < a->n_builds; i++)
    if (a->builds[i].tested.sha) ix->idx[ix->n++] = i;
  g_sort_analysis = a;
  if (ix->n) qsort(ix->idx, ix->n, sizeof *ix->idx, idx_cmp);
  g_sort_analysis = NULL;
}

void cf_sha_index_range(const cf_sha_index *ix, const char *sha, size_t *lo, size_t *hi) {
  *lo = *hi = 0;
  if (!sha) return;
  size_t l = 0, h = ix->n;
  while (l < h) { /* first with key >= sha's */
    size_t m = l + (h - l) / 2;
    if (key_cmp(ix->a->builds[ix->idx[m]].tested.sha, sha) < 0) l = m + 1;
    else h = m;
  }
  *lo = l;
  h = ix->n;
  while (l < h) { /* first with key > sha's */
    size_t m = l + (h - l) / 2;
    if (key_cmp(ix->a->builds[ix->idx[m]].tested.sha, sha) <= 0) l = m + 1;
    else h = m;
  }
  *hi = l;
}

void cf_sha_index_free(cf_sha_index *ix) {
  free(ix->idx);
  ix->idx = NULL;
  ix->n = 0;
}

static void free_strv(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void cf_facts_free(cf_facts *f) {
  if (!f) return;
  free(f->status);
  free(f->event);
  free(f->ref);
  free(f->sha);
  free(f->machine);
  free(f->drone_error);
  free_strv(f->param_keys, f->n_params);
  free_strv(f->param_values, f->n_params);
  free(f->tested.recipe);
  free(f->tested.sha);
  for (size_t i = 0; i < f->n_tiers; i++) {
    free(f->tiers[i].name);
    free(f->tiers[i].status);
  }
  free(f->tiers);
  free(f->genuine_summary);
  free_strv(f->genuine_problems, f->n_genuine_problems);
  free_strv(f->evidence_notes, f->n_evidence_notes);
  free(f->failed_tier);
  free(f->failed_step);
  for (size_t i = 0; i < f->n_hits; i++) {
    cf_hitfact *h = &f->hits[i];
    free(h->rule);
    free(h->title);
    free(h->step);
    free(h->tier);
    free(h->excerpt);
    free(h->first_excerpt);
    free_strv(h->captures, h->n_captures);
    free_strv(h->rivals, h->n_rivals);
  }
  free(f->hits);
  for (size_t i = 0; i < f->n_observed; i++) {
    free(f->observed[i].rule);
    free(f->observed[i].step);
  }
  free(f->observed);
  for (size_t i = 0; i < f->n_errlines; i++) {
    free(f->errlines[i].step);
    free(f->errlines[i].text);
    free(f->errlines[i].fingerprint);
  }
  free(f->errlines);
  free(f->fingerprint);
  free_strv(f->problems, f->n_problems);
  free_strv(f->reasons, f->n_reasons);
  for (size_t i = 0; i < f->n_rivals; i++) {
    free(f->rivals[i].rule);
    free(f->rivals[i].why);
  }
  free(f->rivals);
  free(f->events_applied);
  memset(f, 0, sizeof *f);
}

void cf_analysis_free(cf_analysis *a) {
  if (!a) return;
  free(a->repo);
  free(a->recipe);
  free(a->target.value);
  free(a->rules_hash);
  for (size_t i = 0; i < a->n_builds; i++) cf_facts_free(&a->builds[i]);
  free(a->builds);
  for (size_t i = 0; i < a->n_events; i++) cf_event_clear(&a->events[i]);
  free(a->events);
  for (size_t i = 0; i < a->n_prs; i++) {
    free(a->prs[i].state);
    free(a->prs[i].head_sha);
    free(a->prs[i].title);
  }
  free(a->prs);
  for (size_t i = 0; i < a->n_findings; i++) {
    cf_finding *fd = &a->findings[i];
    free(fd->title);
    free(fd->text);
    free(fd->builds);
    free(fd->prs);
    free(fd->events);
    free(fd->stats);
    for (size_t k = 0; k < fd->n_evidence; k++) {
      free(fd->evidence[k].step);
      free(fd->evidence[k].excerpt);
    }
    free(fd->evidence);
  }
  free(a->findings);
  free(a->verdict.target);
  free(a->verdict.reason);
  for (size_t i = 0; i < a->n_problems; i++) {
    free(a->problems[i].file);
    free(a->problems[i].problem);
  }
  free(a->problems);
  free_strv(a->warnings, a->n_warnings);
  free_strv(a->inputs, a->n_inputs);
  memset(a, 0, sizeof *a);
}
