/*
 * tiers.c: tier segmentation of a harness step from banner lines
 * (tiers.h). tiers.yaml holds `start` patterns (each with a named group
 * `tier`), optional `end` patterns (a `tier` group there must name the open
 * tier), and `aliases` mapping other harness wordings to the six canonical
 * tier names. Banners are matched one line at a time, after a literal
 * prefilter, with the engine's PCRE2 options and match limit.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/tiers.h"
#include "ciforensics/yamlload.h"
#include "rules_int.h"

static const char *const canonical[] = {"install", "upgrade", "backup",
                                        "restore", "custom",  "lint"};
#define N_CANON 6

typedef struct {
  pcre2_code *re;
  int tier_group; /* group number of (?<tier>...), or -1 */
  cf_literal *lits;
  size_t n_lits;
} banner_t;

typedef struct {
  char *alias;        /* lower-case */
  const char *canon;  /* static */
} alias_t;

struct cf_tierdef {
  banner_t *start, *end;
  size_t n_start, n_end;
  alias_t *aliases;
  size_t n_aliases;
};

int cf_tier_name_valid(const char *name) {
  for (int i = 0; i < N_CANON; i++)
    if (!strcmp(name, canonical[i])) return 1;
  return 0;
}

static void free_banners(banner_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    pcre2_code_free(b[i].re);
    cf_literals_free(b[i].lits, b[i].n_lits);
  }
  free(b);
}

void cf_tierdef_free(cf_tierdef *td) {
  if (!td) return;
  free_banners(td->start, td->n_start);
  free_banners(td->end, td->n_end);
  for (size_t i = 0; i < td->n_aliases; i++) free(td->aliases[i].alias);
  free(td->aliases);
  free(td);
}

static int load_banners(const char *name, const cf_yaml_node *v, const char *key,
                        int need_group, banner_t **out, size_t *n, cf_err *err) {
  if (v->kind != CF_YAML_SEQ)
    return cf_err_set(err, "%s:%zu: '%s' must be a list of patterns", name, v->line, key);
  if (v->n > CF_TIERS_MAX_PATTERNS)
    return cf_err_set(err, "%s:%zu: more than %d patterns in '%s'", name, v->line,
                      CF_TIERS_MAX_PATTERNS, key);
  *out = cf_xcalloc(v->n ? v->n : 1, sizeof **out);
  for (size_t i = 0; i < v->n; i++) {
    const cf_yaml_node *it = v->items[i];
    if (it->kind != CF_YAML_SCALAR || cf_yaml_is_null(it))
      return cf_err_set(err, "%s:%zu: a pattern must be text", name, it->line);
    char msg[300];
    pcre2_code *re = cf_rules_compile(it->value, it->len, msg, sizeof msg);
    if (!re) return cf_err_set(err, "%s:%zu: bad regex in '%s' %s", name, it->line, key, msg);
    banner_t *b = &(*out)[(*n)++];
    b->re = re;
    b->tier_group = pcre2_substring_number_from_name(re, (PCRE2_SPTR) "tier");
    if (b->tier_group < 0) b->tier_group = -1;
    if (need_group && b->tier_group < 0)
      return cf_err_set(err, "%s:%zu: a '%s' pattern needs a named group (?<tier>...)", name,
                        it->line, key);
    if (!strstr(it->value, "(?=") && !strstr(it->value, "(?!"))
      cf_prefilter_derive(it->value, &b->lits, &b->n_lits);
  }
  return 0;
}

static int load_aliases(const char *name, const cf_yaml_node *v, cf_tierdef *td, cf_err *err) {
  if (v->kind != CF_YAML_MAP)
    return cf_err_set(err, "%s:%zu: 'aliases' must map a tier to a list of names", name,
                      v->line);
  for (size_t i = 0; i < v->n; i++) {
    const char *canon = NULL;
    for (int c = 0; c < N_CANON; c++)
      if (!strcmp(v->keys[i]->value, canonical[c])) canon = canonical[c];
    if (!canon)
      return cf_err_set(err, "%s:%zu: unknown tier '%.60s' (install, upgrade, backup, "
                        "restore, custom, lint)", name, v->keys[i]->line, v->keys[i]->value);
    const cf_yaml_node *list = v->items[i];
    if (list->kind != CF_YAML_SEQ)
      return cf_err_set(err, "%s:%zu: aliases of '%s' must be a list", name, list->line,
                        canon);
    for (size_t k = 0; k < list->n; k++) {
      const cf_yaml_node *it = list->items[k];
      if (it->kind != CF_YAML_SCALAR || cf_yaml_is_null(it) || it->len > 64)
        return cf_err_set(err, "%s:%zu: an alias must be a short name", name, it->line);
      if (td->n_aliases >= 1000)
        return cf_err_set(err, "%s:%zu: too many aliases", name, it->line);
      alias_t a = {cf_xstrdup(it->value), canon};
      for (char *p = a.alias; *p; p++) *p = (char)tolower((unsigned char)*p);
      td->aliases = cf_xrealloc(td->aliases, (td->n_aliases + 1) * sizeof *td->aliases);
      td->aliases[td->n_aliases++] = a;
    }
  }
  return 0;
}

int cf_tierdef_parse(const char *name, const char *text, size_t len, cf_tierdef **out,
                     cf_err *err) {
  *out = NULL;
  cf_yaml_node *root = NULL;
  if (cf_yaml_parse(name, text, len, &root, err)) return -1;
  cf_tierdef *td = cf_xcalloc(1, sizeof *td);
  int rc = 0;
  if (!root || root->kind != CF_YAML_MAP) {
    rc = cf_err_set(err, "%s:%zu: tiers.yaml must be a mapping with 'start'", name,
                    root ? root->line : 1);
    goto done;
  }
  for (size_t i = 0; i < root->n && !rc; i++) {
    const char *k = root->keys[i]->value;
    if (strcmp(k, "start") && strcmp(k, "end") && strcmp(k, "aliases"))
      rc = cf_err_set(err, "%s:%zu: unknown key '%.60s' (start, end, aliases)", name,
                      root->keys[i]->line, k);
  }
  if (rc) goto done;
  const cf_yaml_node *v = cf_yaml_get(root, "start");
  if (!v) {
    rc = cf_err_set(err, "%s:%zu: missing 'start'", name, root->line);
    goto done;
  }
  if ((rc = load_banners(name, v, "start", 1, &td->start, &td->n_start, err))) goto done;
  if ((v = cf_yaml_get(root, "end")) &&
      (rc = load_banners(name, v, "end", 0, &td->end, &td->n_end, err)))
    goto done;
  if ((v = cf_yaml_get(root, "aliases"))) rc = load_aliases(name, v, td, err);
done:
  cf_yaml_free(root);
  if (rc) {
    cf_tierdef_free(td);
    return -1;
  }
  *out = td;
  return 0;
}

int cf_tierdef_load(const char *path, cf_tierdef **out, cf_err *err) {
  char *text = NULL;
  size_t len = 0;
  *out = NULL;
  if (cf_read_file(path, CF_YAML_MAX_BYTES, &text, &len, err)) return -1;
  int rc = cf_tierdef_parse(path, text, len, out, err);
  free(text);
  return rc;
}

const char *cf_tierdef_normalise(const cf_tierdef *td, const char *name, size_t len) {
  char low[65];
  if (len == 0 || len > 64) return NULL;
  for (size_t i = 0; i < len; i++) low[i] = (char)tolower((unsigned char)name[i]);
  low[len] = '\0';
  for (int c = 0; c < N_CANON; c++)
    if (!strcmp(low, canonical[c])) return canonical[c];
  for (size_t i = 0; td && i < td->n_aliases; i++)
    if (!strcmp(low, td->aliases[i].alias)) return td->aliases[i].canon;
  return NULL;
}

/* Match banner b against one line; returns 1 with the tier group's text in
 * *name and *nlen (NULL when the pattern has none), else 0. */
static int banner_hit(const banner_t *b, const char *line, size_t len, pcre2_match_data *md,
                      pcre2_match_context *mc, const char **name, size_t *nlen) {
  if (b->n_lits) {
    int any = 0;
    for (size_t k = 0; k < b->n_lits && !any; k++)
      any = cf_literal_find(&b->lits[k], line, len) != NULL;
    if (!any) return 0;
  }
  if (pcre2_match(b->re, (PCRE2_SPTR)line, len, 0, 0, md, mc) < 0) return 0;
  *name = NULL;
  *nlen = 0;
  if (b->tier_group >= 0) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    size_t g = (size_t)b->tier_group;
    if (ov[2 * g] != PCRE2_UNSET) {
      *name = line + ov[2 * g];
      *nlen = ov[2 * g + 1] - ov[2 * g];
    }
  }
  return 1;
}

static void close_span(cf_tier_span *sp, const cf_steplog *log, size_t last_idx,
                       cf_time step_start) {
  sp->last_line = last_idx + 1;
  if (step_start != CF_TIME_NONE) sp->end = step_start + log->lines[last_idx].time;
}

void cf_tiers_segment(const cf_tierdef *td, const cf_steplog *log, cf_time step_start,
                      cf_tier_span **spans, size_t *n) {
  *spans = NULL;
  *n = 0;
  if (!td || !log || log->n_lines == 0) return;
  pcre2_match_data *md = pcre2_match_data_create(16, NULL);
  pcre2_match_context *mc = cf_rules_match_context(0, NULL);
  cf_tier_span *out = NULL;
  size_t cnt = 0, cap = 0;
  int open = 0;
  for (size_t i = 0; i < log->n_lines; i++) {
    const char *line = log->plain + log->lines[i].off;
    size_t len = log->lines[i].len;
    const char *nm;
    size_t nl;
    const char *canon = NULL;
    for (size_t b = 0; b < td->n_start && !canon; b++)
      if (banner_hit(&td->start[b], line, len, md, mc, &nm, &nl) && nm)
        canon = cf_tierdef_normalise(td, nm, nl);
    if (canon) {
      if (open) close_span(&out[cnt - 1], log, i ? i - 1 : 0, step_start);
      if (cnt >= CF_TIERS_MAX_SPANS) {
        open = 0;
        break;
      }
      cf_tier_span sp = {0};
      sp.name = cf_xstrdup(canon);
      sp.first_line = i + 1;
      sp.start = step_start == CF_TIME_NONE ? CF_TIME_NONE : step_start + log->lines[i].time;
      sp.end = CF_TIME_NONE;
      sp.source = "log";
      CF_PUSH(out, cnt, cap, sp);
      open = 1;
      continue;
    }
    if (!open) continue;
    for (size_t b = 0; b < td->n_end; b++) {
      if (!banner_hit(&td->end[b], line, len, md, mc, &nm, &nl)) continue;
      if (nm && cf_tierdef_normalise(td, nm, nl) != cf_tierdef_normalise(td, out[cnt - 1].name,
                                                                          strlen(out[cnt - 1].name)))
        continue; /* the end of some other tier */
      close_span(&out[cnt - 1], log, i, step_start);
      open = 0;
      break;
    }
  }
  if (open) close_span(&out[cnt - 1], log, log->n_lines - 1, step_start);
  pcre2_match_data_free(md);
  pcre2_match_context_free(mc);
  *spans = out;
  *n = cnt;
}
