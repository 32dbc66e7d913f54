/*
 * errorlines.c: "does this line look like an error?" (errorlines.h), from
 * errorlines.yaml's `error` and `benign` pattern lists, each matched against
 * one line (without a swarm service-log prefix) with the engine's PCRE2
 * options and match limit; and picking a
 * few distinct error lines (by fingerprint) from a stretch of a step log,
 * for failures no rule explains.
 */
#include <stdlib.h>
#include <string.h>

#include "ciforensics/errorlines.h"
#include "ciforensics/fingerprint.h"
#include "ciforensics/yamlload.h"
#include "rules_int.h"

struct cf_errorlines {
  pcre2_code **error, **benign;
  size_t n_error, n_benign;
  uint32_t max_groups;
};

void cf_errorlines_free(cf_errorlines *el) {
  if (!el) return;
  for (size_t i = 0; i < el->n_error; i++) pcre2_code_free(el->error[i]);
  for (size_t i = 0; i < el->n_benign; i++) pcre2_code_free(el->benign[i]);
  free(el->error);
  free(el->benign);
  free(el);
}

static int load_list(const char *name, const cf_yaml_node *v, const char *key,
                     pcre2_code ***out, size_t *n, uint32_t *max_groups, cf_err *err) {
  if (v->kind != CF_YAML_SEQ)
    return cf_err_set(err, "%s:%zu: '%s' must be a list of patterns", name, v->line, key);
  if (v->n > CF_ERRORLINES_MAX_PATTERNS)
    return cf_err_set(err, "%s:%zu: more than %d patterns in '%s'", name, v->line,
                      CF_ERRORLINES_MAX_PATTERNS, key);
  *out = cf_xcalloc(v->n ? v->n : 1, sizeof **out);
  for (size_t i = 0; i < v->n; i++) {
    const cf_yaml_node *it = v->items[i];
    if (it->kind != CF_YAML_SCALAR || cf_yaml_is_null(it))
      return cf_err_set(err, "%s:%zu: a pattern must be text", name, it->line);
    char msg[300];
    pcre2_code *re = cf_rules_compile(it->value, it->len, msg, sizeof msg);
    if (!re) return cf_err_set(err, "%s:%zu: bad regex in '%s' %s", name, it->line, key, msg);
    (*out)[(*n)++] = re;
    uint32_t g = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &g);
    if (g > *max_groups) *max_groups = g;
  }
  return 0;
}

int cf_errorlines_parse(const char *name, const char *text, size_t len, cf_errorlines **out,
                        cf_err *err) {
  *out = NULL;
  cf_yaml_node *root = NULL;
  if (cf_yaml_parse(name, text, len, &root, err)) return -1;
  cf_errorlines *el = cf_xcalloc(1, sizeof *el);
  int rc = 0;
  if (!root || root->kind != CF_YAML_MAP) {
    rc = cf_err_set(err, "%s:%zu: errorlines.yaml must be a mapping with 'error'", name,
                    root ? root->line : 1);
    goto done;
  }
  for (size_t i = 0; i < root->n && !rc; i++) {
    const char *k = root->keys[i]->value;
    if (strcmp(k, "error") && strcmp(k, "benign"))
      rc = cf_err_set(err, "%s:%zu: unknown key '%.60s' (error, benign)", name,
                      root->keys[i]->line, k);
  }
  if (rc) goto done;
  const cf_yaml_node *v = cf_yaml_get(root, "error");
  if (!v) {
    rc = cf_err_set(err, "%s:%zu: missing 'error'", name, root->line);
    goto done;
  }
  if ((rc = load_list(name, v, "error", &el->error, &el->n_error, &el->max_groups, err)))
    goto done;
  if ((v = cf_yaml_get(root, "benign")))
    rc = load_list(name, v, "benign", &el->benign, &el->n_benign, &el->max_groups, err);
done:
  cf_yaml_free(root);
  if (rc) {
    cf_errorlines_free(el);
    return -1;
  }
  *out = el;
  return 0;
}

int cf_errorlines_load(const char *path, cf_errorlines **out, cf_err *err) {
  char *text = NULL;
  size_t len = 0;
  *out = NULL;
  if (cf_read_file(path, CF_YAML_MAX_BYTES, &text, &len, err)) return -1;
  int rc = cf_errorlines_parse(path, text, len, out, err);
  free(text);
  return rc;
}

static int any_hit(pcre2_code **res, size_t n, const char *line, size_t len,
                   pcre2_match_data *md, pcre2_match_context *mc) {
  for (size_t i = 0; i < n; i++)
    if (pcre2_match(res[i], (PCRE2_SPTR)line, len, 0, 0, md, mc) >= 0) return 1;
  return 0;
}

static int name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

/* Length of a swarm service-log prefix at the start of line, else 0:
 * "NAME.SLOT[.TASKID]@NODE<spaces>| " (docker service logs). Patterns see
 * the text after it, so '^'-anchored ones (Traceback, "OSError: ") still
 * apply to a service's own output. */
static size_t svc_prefix_len(const char *line, size_t len) {
  size_t at = 0;
  while (at < len && at < 256 && name_char((unsigned char)line[at])) at++;
  if (at == 0 || at >= len || line[at] != '@') return 0;
  /* the part before '@' ends in ".SLOT" or ".SLOT.TASKID" */
  size_t j = at;
  while (j > 0 && line[j - 1] != '.') j--;
  if (j == 0) return 0;
  int slot = j < at;
  for (size_t q = j; q < at && slot; q++) slot = line[q] >= '0' && line[q] <= '9';
  if (!slot) {
    size_t e = j - 1; /* the '.' before TASKID; a SLOT must end there */
    j = e;
    while (j > 0 && line[j - 1] >= '0' && line[j - 1] <= '9') j--;
    if (j == e || j < 2 || line[j - 1] != '.') return 0;
  } else if (j < 2) {
    return 0;
  }
  size_t k = at + 1, node = k;
  while (k < len && name_char((unsigned char)line[k])) k++;
  if (k == node) return 0;
  while (k < len && (line[k] == ' ' || line[k] == '\t')) k++;
  if (k >= len || line[k] != '|') return 0;
  k++;
  if (k < len && line[k] == ' ') k++;
  return k;
}

static int is_error_with(const cf_errorlines *el, const char *line, size_t len,
                         pcre2_match_data *md, pcre2_match_context *mc) {
  size_t p = svc_prefix_len(line, len);
  line += p;
  len -= p;
  return any_hit(el->error, el->n_error, line, len, md, mc) &&
         !any_hit(el->benign, el->n_benign, line, len, md, mc);
}

int cf_errorlines_is_error(const cf_errorlines *el, const char *line, size_t len) {
  if (!el) return 0;
  pcre2_match_data *md = pcre2_match_data_create(el->max_groups + 1, NULL);
  pcre2_match_context *mc = cf_rules_match_context(0, NULL);
  int r = is_error_with(el, line, len, md, mc);
  pcre2_match_data_free(md);
  pcre2_match_context_free(mc);
  return r;
}

size_t cf_errorlines_pick(const cf_errorlines *el, const cf_steplog *log, size_t first,
                          size_t last, size_t max, size_t *out) {
  if (!el || !log || log->n_lines == 0 || max == 0) return 0;
  if (last >= log->n_lines) last = log->n_lines - 1;
  pcre2_match_data *md = pcre2_match_data_create(el->max_groups + 1, NULL);
  pcre2_match_context *mc = cf_rules_match_context(0, NULL);
  char **fps = cf_xcalloc(max, sizeof *fps);
  size_t n = 0;
  for (size_t i = first; i <= last && n < max; i++) {
    const char *line = log->plain + log->lines[i].off;
    size_t len = log->lines[i].len;
    if (!is_error_with(el, line, len, md, mc)) continue;
    char *fp = cf_fingerprint(line, len);
    int dup = 0;
    for (size_t k = 0; k < n && !dup; k++) dup = !strcmp(fps[k], fp);
    if (dup) {
      free(fp);
      continue;
    }
    fps[n] = fp;
    out[n++] = i;
  }
  for (size_t k = 0; k < n; k++) free(fps[k]);
  free(fps);
  pcre2_match_data_free(md);
  pcre2_match_context_free(mc);
  return n;
}
