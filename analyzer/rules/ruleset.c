/*
 * ruleset.c: loading rule directories into an immutable, compiled cf_ruleset
 * (rules.h). Each rule file is read with the strict YAML loader
 * (yamlload.h), every key is checked (unknown keys, bad classes, bad ids,
 * match XOR all, bad regexes with PCRE2's offset), then directories are
 * merged by id, rivals are resolved, and the prefilter literals are derived.
 * Every error names the file and the 1-based line.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/errorlines.h"
#include "ciforensics/tiers.h"
#include "ciforensics/yamlload.h"
#include "rules_int.h"

#define RULE_FILE_MAX CF_YAML_MAX_BYTES

const char *cf_rule_class_name(cf_rule_class c) {
  switch (c) {
  case CF_CLASS_RECIPE: return "recipe";
  case CF_CLASS_TIMING: return "timing";
  case CF_CLASS_INFRA: return "infra";
  }
  return "?";
}

const char *cf_pattern_kind_name(cf_pattern_kind k) {
  switch (k) {
  case CF_PAT_MATCH: return "match";
  case CF_PAT_ALL: return "all";
  case CF_PAT_UNLESS: return "unless";
  case CF_PAT_OBSERVABLE: return "observable";
  case CF_PAT_CLEARED: return "cleared_by";
  }
  return "?";
}

/* ---- compiling ---- */

pcre2_code *cf_rules_compile(const char *pattern, size_t len, char *msg, size_t msg_size) {
  int code = 0;
  PCRE2_SIZE off = 0;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len,
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_MULTILINE |
                                     PCRE2_NEVER_BACKSLASH_C,
                                 &code, &off, NULL);
  if (!re) {
    PCRE2_UCHAR m[256];
    if (pcre2_get_error_message(code, m, sizeof m) < 0) strcpy((char *)m, "unknown error");
    snprintf(msg, msg_size, "at offset %zu: %s", (size_t)off, (const char *)m);
    return NULL;
  }
  /* JIT failure (no JIT on this CPU, out of executable memory) is not an
   * error: pcre2_match then interprets the pattern, under the depth limit. */
  (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  return re;
}

pcre2_match_context *cf_rules_match_context(unsigned limit, pcre2_jit_stack *stack) {
  pcre2_match_context *mc = pcre2_match_context_create(NULL);
  if (!mc) {
    fputs("ciforensics: out of memory (pcre2)\n", stderr);
    abort();
  }
  pcre2_set_match_limit(mc, limit ? limit : CF_RULES_MATCH_LIMIT);
  pcre2_set_depth_limit(mc, 10000);        /* interpreter only */
  pcre2_set_heap_limit(mc, 20000);         /* KiB, interpreter only */
  if (stack) pcre2_jit_stack_assign(mc, NULL, stack);
  return mc;
}

/* ---- freeing ---- */

static void free_strv(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void free_rule(cf_rule *r) {
  free(r->id);
  free(r->title);
  free(r->explain);
  free(r->file);
  free_strv(r->tiers, r->n_tiers);
  free_strv(r->steps, r->n_steps);
  free_strv(r->rivals, r->n_rivals);
  free_strv(r->literals, r->n_literals);
  for (size_t i = 0; i < r->n_patterns; i++) {
    free(r->patterns[i].text);
    struct cf_pattern_code *pc = r->patterns[i].code;
    if (pc) {
      pcre2_code_free(pc->re);
      cf_literals_free(pc->lits, pc->n_lits);
      free(pc);
    }
  }
  free(r->patterns);
  for (size_t i = 0; i < r->n_examples; i++) free(r->examples[i].text);
  free(r->examples);
  memset(r, 0, sizeof *r);
}

void cf_ruleset_free(cf_ruleset *rs) {
  if (!rs) return;
  for (size_t i = 0; i < rs->n_rules; i++) {
    free_rule(&rs->rules[i]);
    if (rs->gates) cf_literals_free(rs->gates[i], rs->n_gates[i]);
  }
  free(rs->rules);
  free(rs->gates);
  free(rs->n_gates);
  cf_tierdef_free(rs->tiers);
  cf_errorlines_free(rs->errorlines);
  free(rs);
}

/* ---- reading one rule ---- */

typedef struct {
  const char *file;
  const char *id; /* for messages, "?" until known */
  cf_err *err;
} pctx;

static int bad(pctx *c, size_t line, const char *what, const char *detail) {
  return cf_err_set(c->err, "%s:%zu: rule %s: %s%s", c->file, line, c->id, what,
                    detail ? detail : "");
}

static int valid_id(const char *s, size_t len) {
  if (len == 0 || len > 100) return 0;
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (i > 0 && ch == '-');
    if (!ok) return 0;
  }
  return 1;
}

static int get_text(pctx *c, const cf_yaml_node *v, const char *key, char **out) {
  if (v->kind != CF_YAML_SCALAR || cf_yaml_is_null(v) || memchr(v->value, 0, v->len)) {
    char m[80];
    snprintf(m, sizeof m, "'%s' must be non-empty text", key);
    return bad(c, v->line, m, NULL);
  }
  *out = cf_xstrdup(v->value);
  return 0;
}

/* A list of non-empty scalars; a lone scalar is accepted where one (room
 * for one item) is given. *items points into the tree or at one. */
static int get_list(pctx *c, const cf_yaml_node *v, const char *key, const cf_yaml_node **one,
                    const cf_yaml_node ***items, size_t *n) {
  char m[100];
  if (v->kind == CF_YAML_SCALAR && one && !cf_yaml_is_null(v)) {
    one[0] = v;
    *items = one;
    *n = 1;
    return 0;
  }
  if (v->kind != CF_YAML_SEQ) {
    snprintf(m, sizeof m, "'%s' must be a list", key);
    return bad(c, v->line, m, NULL);
  }
  if (v->n > CF_RULES_MAX_LIST) {
    snprintf(m, sizeof m, "'%s' has more than %d items", key, CF_RULES_MAX_LIST);
    return bad(c, v->line, m, NULL);
  }
  for (size_t i = 0; i < v->n; i++) {
    const cf_yaml_node *it = v->items[i];
    if (it->kind != CF_YAML_SCALAR || cf_yaml_is_null(it) || memchr(it->value, 0, it->len)) {
      snprintf(m, sizeof m, "every item of '%s' must be non-empty text", key);
      return bad(c, it->line, m, NULL);
    }
  }
  *items = (const cf_yaml_node **)v->items;
  *n = v->n;
  return 0;
}

static int get_strv(pctx *c, const cf_yaml_node *v, const char *key, char ***out, size_t *n) {
  const cf_yaml_node **items;
  size_t k;
  if (get_list(c, v, key, NULL, &items, &k)) return -1;
  *out = cf_xcalloc(k ? k : 1, sizeof **out);
  for (size_t i = 0; i < k; i++) (*out)[i] = cf_xstrdup(items[i]->value);
  *n = k;
  return 0;
}

static int add_patterns(pctx *c, cf_rule *r, const cf_yaml_node *v, cf_pattern_kind kind,
                        uint32_t *max_groups) {
  const char *key = cf_pattern_kind_name(kind);
  const cf_yaml_node **items, *one[1];
  size_t k;
  if (get_list(c, v, key, kind == CF_PAT_MATCH ? one : NULL, &items, &k)) return -1;
  if (k == 0) {
    char m[80];
    snprintf(m, sizeof m, "'%s' is empty", key);
    return bad(c, v->line, m, NULL);
  }
  for (size_t i = 0; i < k; i++) {
    const cf_yaml_node *it = items[i];
    if (r->n_patterns >= CF_RULES_MAX_PATTERNS)
      return bad(c, it->line, "too many patterns", NULL);
    if (it->len > CF_RULES_MAX_PATTERN_LEN)
      return bad(c, it->line, "pattern longer than 4096 bytes", NULL);
    char msg[300];
    pcre2_code *re = cf_rules_compile(it->value, it->len, msg, sizeof msg);
    if (!re) {
      char m[100];
      snprintf(m, sizeof m, "bad regex in '%s' ", key);
      return bad(c, it->line, m, msg);
    }
    r->patterns = cf_xrealloc(r->patterns, (r->n_patterns + 1) * sizeof *r->patterns);
    cf_rule_pattern *p = &r->patterns[r->n_patterns++];
    p->kind = kind;
    p->text = cf_xstrdup(it->value);
    p->line = it->line;
    p->code = cf_xcalloc(1, sizeof *p->code);
    p->code->re = re;
    uint32_t groups = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
    p->code->n_groups = groups;
    if (groups > *max_groups) *max_groups = groups;
  }
  return 0;
}

static int add_examples(pctx *c, cf_rule *r, const cf_yaml_node *v) {
  if (v->kind != CF_YAML_MAP)
    return bad(c, v->line, "'examples' must be a mapping with 'match' and 'no_match'", NULL);
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i]->value;
    int should;
    if (!strcmp(k, "match")) should = 1;
    else if (!strcmp(k, "no_match")) should = 0;
    else {
      char m[120];
      snprintf(m, sizeof m, "unknown key '%.60s' in 'examples'", k);
      return bad(c, v->keys[i]->line, m, NULL);
    }
    const cf_yaml_node **items;
    size_t n;
    if (get_list(c, v->items[i], k, NULL, &items, &n)) return -1;
    for (size_t e = 0; e < n; e++) {
      if (r->n_examples >= 2 * CF_RULES_MAX_LIST)
        return bad(c, items[e]->line, "too many examples", NULL);
      r->examples = cf_xrealloc(r->examples, (r->n_examples + 1) * sizeof *r->examples);
      cf_rule_example *ex = &r->examples[r->n_examples++];
      ex->text = cf_xstrdup(items[e]->value);
      ex->line = items[e]->line;
      ex->should_match = should;
    }
  }
  return 0;
}

static const char *const known_keys[] = {
    "id", "title", "class", "tiers", "steps", "match", "all", "unless", "literals",
    "rivals", "explain", "examples", "observable", "cleared_by", NULL};

static int parse_rule(const char *file, const cf_yaml_node *node, cf_rule *r,
                      uint32_t *max_groups, cf_err *err) {
  memset(r, 0, sizeof *r);
  pctx c = {file, "?", err};
  r->file = cf_xstrdup(file);
  r->line = node->line;
  if (node->kind != CF_YAML_MAP)
    return cf_err_set(err, "%s:%zu: a rule must be a mapping of keys", file, node->line);
  const cf_yaml_node *idn = cf_yaml_get(node, "id");
  if (!idn) return cf_err_set(err, "%s:%zu: rule without 'id'", file, node->line);
  if (idn->kind != CF_YAML_SCALAR || !valid_id(idn->value, idn->len))
    return cf_err_set(err, "%s:%zu: bad rule id '%.60s' (want [a-z0-9][a-z0-9-]*)", file,
                      idn->line, idn->kind == CF_YAML_SCALAR ? idn->value : "");
  r->id = cf_xstrdup(idn->value);
  c.id = r->id;
  for (size_t i = 0; i < node->n; i++) {
    const char *k = node->keys[i]->value;
    int known = 0;
    for (const char *const *kk = known_keys; *kk; kk++)
      if (!strcmp(*kk, k)) known = 1;
    if (!known) {
      char m[120];
      snprintf(m, sizeof m, "unknown key '%.60s'", k);
      return bad(&c, node->keys[i]->line, m, NULL);
    }
  }
  const cf_yaml_node *v;
  if (!(v = cf_yaml_get(node, "title"))) return bad(&c, node->line, "missing 'title'", NULL);
  if (get_text(&c, v, "title", &r->title)) return -1;
  if (!(v = cf_yaml_get(node, "class"))) return bad(&c, node->line, "missing 'class'", NULL);
  if (v->kind != CF_YAML_SCALAR) return bad(&c, v->line, "'class' must be text", NULL);
  if (!strcmp(v->value, "recipe")) r->cls = CF_CLASS_RECIPE;
  else if (!strcmp(v->value, "timing")) r->cls = CF_CLASS_TIMING;
  else if (!strcmp(v->value, "infra")) r->cls = CF_CLASS_INFRA;
  else {
    char m[160];
    snprintf(m, sizeof m, "'class' must be recipe, timing or infra (got '%.60s')", v->value);
    return bad(&c, v->line, m, NULL);
  }
  if ((v = cf_yaml_get(node, "explain")) && get_text(&c, v, "explain", &r->explain)) return -1;
  if ((v = cf_yaml_get(node, "tiers"))) {
    if (get_strv(&c, v, "tiers", &r->tiers, &r->n_tiers)) return -1;
    for (size_t i = 0; i < r->n_tiers; i++)
      if (!cf_tier_name_valid(r->tiers[i])) {
        char m[200];
        snprintf(m, sizeof m,
                 "unknown tier '%.60s' (install, upgrade, backup, restore, custom, lint)",
                 r->tiers[i]);
        return bad(&c, v->items[i]->line, m, NULL);
      }
  }
  if ((v = cf_yaml_get(node, "steps")) && get_strv(&c, v, "steps", &r->steps, &r->n_steps))
    return -1;
  if ((v = cf_yaml_get(node, "rivals")) &&
      get_strv(&c, v, "rivals", &r->rivals, &r->n_rivals))
    return -1;
  if ((v = cf_yaml_get(node, "literals"))) {
    if (get_strv(&c, v, "literals", &r->literals, &r->n_literals)) return -1;
    for (size_t i = 0; i < r->n_literals; i++)
      if (strlen(r->literals[i]) < 3)
        return bad(&c, v->items[i]->line, "a literal needs at least 3 bytes", NULL);
  }
  const cf_yaml_node *mv = cf_yaml_get(node, "match"), *av = cf_yaml_get(node, "all");
  if (mv && av) return bad(&c, av->line, "use either 'match' or 'all', not both", NULL);
  if (!mv && !av) return bad(&c, node->line, "needs 'match' or 'all'", NULL);
  if (mv && add_patterns(&c, r, mv, CF_PAT_MATCH, max_groups)) return -1;
  if (av && add_patterns(&c, r, av, CF_PAT_ALL, max_groups)) return -1;
  r->uses_all = av != NULL;
  if ((v = cf_yaml_get(node, "unless")) && add_patterns(&c, r, v, CF_PAT_UNLESS, max_groups))
    return -1;
  if ((v = cf_yaml_get(node, "observable")) &&
      add_patterns(&c, r, v, CF_PAT_OBSERVABLE, max_groups))
    return -1;
  if ((v = cf_yaml_get(node, "cleared_by"))) {
    /* "after the last hit" needs one kind of hit: an `all` rule's parts
     * may come in any order */
    if (av) return bad(&c, v->line, "'cleared_by' needs 'match', not 'all'", NULL);
    if (add_patterns(&c, r, v, CF_PAT_CLEARED, max_groups)) return -1;
  }
  if ((v = cf_yaml_get(node, "examples")) && add_examples(&c, r, v)) return -1;
  return 0;
}

/* ---- files and directories ---- */

typedef struct {
  cf_rule *rules;
  size_t n, cap;
  uint32_t max_groups;
  uint64_t hash;
  cf_tierdef *tiers;
  cf_errorlines *errorlines;
} loader;

static void hash_bytes(uint64_t *h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    *h ^= p[i];
    *h *= 1099511628211ull;
  }
}

static void hash_file(loader *L, const char *name, const char *text, size_t len) {
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  hash_bytes(&L->hash, base, strlen(base) + 1);
  hash_bytes(&L->hash, text, len);
}

/* Parse one rule file into L->rules[first..]; ids must be unique among the
 * rules added since index `dir_first` (this directory). */
static int load_rule_text(loader *L, const char *name, const char *text, size_t len,
                          size_t dir_first, cf_err *err) {
  hash_file(L, name, text, len);
  cf_yaml_node *root = NULL;
  if (cf_yaml_parse(name, text, len, &root, err)) return -1;
  int rc = 0;
  if (root && !cf_yaml_is_null(root)) {
    if (root->kind != CF_YAML_SEQ) {
      rc = cf_err_set(err, "%s:%zu: a rule file must be a list of rules", name, root->line);
    } else {
      for (size_t i = 0; i < root->n && !rc; i++) {
        if (L->n >= CF_RULES_MAX_RULES) {
          rc = cf_err_set(err, "%s:%zu: more than %d rules", name, root->items[i]->line,
                          CF_RULES_MAX_RULES);
          break;
        }
        cf_rule r;
        if (parse_rule(name, root->items[i], &r, &L->max_groups, err)) {
          free_rule(&r);
          rc = -1;
          break;
        }
        for (size_t j = dir_first; j < L->n; j++)
          if (!strcmp(L->rules[j].id, r.id)) {
            rc = cf_err_set(err, "%s:%zu: duplicate id '%s' (first at %s:%zu)", name, r.line,
                            r.id, L->rules[j].file, L->rules[j].line);
            break;
          }
        if (rc) {
          free_rule(&r);
          break;
        }
        CF_PUSH(L->rules, L->n, L->cap, r);
      }
    }
  }
  cf_yaml_free(root);
  return rc;
}

static int is_yaml_name(const char *n) {
  size_t l = strlen(n);
  return n[0] != '.' && l > 5 && !strcmp(n + l - 5, ".yaml");
}

static int load_dir(loader *L, const char *dir, cf_err *err) {
  DIR *d = opendir(dir);
  if (!d) return cf_err_set(err, "%s: cannot open rules directory", dir);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d))) {
    if (!is_yaml_name(e->d_name)) continue;
    if (n >= CF_RULES_MAX_FILES) {
      rc = cf_err_set(err, "%s: more than %d rule files", dir, CF_RULES_MAX_FILES);
      break;
    }
    char *nm = cf_xstrdup(e->d_name);
    CF_PUSH(names, n, cap, nm);
  }
  closedir(d);
  if (names) qsort(names, n, sizeof *names, cf_strptr_cmp);
  /* Rules of this directory go to a scratch list first, then replace
   * earlier directories' rules by id. */
  loader D = {0};
  D.hash = L->hash;
  D.max_groups = L->max_groups;
  for (size_t i = 0; i < n && !rc; i++) {
    char *path = cf_path_join(dir, names[i]);
    char *text = NULL;
    size_t len = 0;
    if (cf_read_file(path, RULE_FILE_MAX, &text, &len, err)) {
      rc = -1;
    } else if (!strcmp(names[i], "tiers.yaml")) {
      hash_file(&D, path, text, len);
      cf_tierdef *td = NULL;
      if (cf_tierdef_parse(path, text, len, &td, err)) rc = -1;
      else {
        cf_tierdef_free(L->tiers);
        L->tiers = td;
      }
    } else if (!strcmp(names[i], "errorlines.yaml")) {
      hash_file(&D, path, text, len);
      cf_errorlines *el = NULL;
      if (cf_errorlines_parse(path, text, len, &el, err)) rc = -1;
      else {
        cf_errorlines_free(L->errorlines);
        L->errorlines = el;
      }
    } else {
      rc = load_rule_text(&D, path, text, len, 0, err);
    }
    free(text);
    free(path);
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  L->hash = D.hash;
  L->max_groups = D.max_groups;
  for (size_t i = 0; i < D.n; i++) {
    if (rc) {
      free_rule(&D.rules[i]);
      continue;
    }
    size_t j = 0;
    while (j < L->n && strcmp(L->rules[j].id, D.rules[i].id)) j++;
    if (j < L->n) {
      free_rule(&L->rules[j]);
      L->rules[j] = D.rules[i];
    } else {
      CF_PUSH(L->rules, L->n, L->cap, D.rules[i]);
    }
  }
  free(D.rules);
  return rc;
}

static int finish(loader *L, cf_ruleset **out, cf_err *err) {
  cf_ruleset *rs = cf_xcalloc(1, sizeof *rs);
  rs->rules = L->rules;
  rs->n_rules = L->n;
  rs->max_groups = L->max_groups;
  rs->tiers = L->tiers;
  rs->errorlines = L->errorlines;
  snprintf(rs->hash, sizeof rs->hash, "%016llx", (unsigned long long)L->hash);
  for (size_t i = 0; i < rs->n_rules; i++) {
    const cf_rule *r = &rs->rules[i];
    for (size_t k = 0; k < r->n_rivals; k++)
      if (cf_ruleset_find(rs, r->rivals[k]) < 0) {
        cf_err_set(err, "%s:%zu: rule %s: rival '%s' does not exist", r->file, r->line, r->id,
                   r->rivals[k]);
        cf_ruleset_free(rs);
        return -1;
      }
  }
  cf_prefilter_prepare(rs);
  *out = rs;
  return 0;
}

static void loader_free(loader *L) {
  for (size_t i = 0; i < L->n; i++) free_rule(&L->rules[i]);
  free(L->rules);
  cf_tierdef_free(L->tiers);
  cf_errorlines_free(L->errorlines);
}

#define FNV_OFFSET 14695981039346656037ull

int cf_ruleset_load(const char *const *dirs, size_t n_dirs, cf_ruleset **out, cf_err *err) {
  *out = NULL;
  if (n_dirs == 0) return cf_err_set(err, "no rules directory given");
  if (n_dirs > CF_RULES_MAX_DIRS)
    return cf_err_set(err, "more than %d rules directories", CF_RULES_MAX_DIRS);
  loader L = {0};
  L.hash = FNV_OFFSET;
  for (size_t i = 0; i < n_dirs; i++)
    if (load_dir(&L, dirs[i], err)) {
      loader_free(&L);
      return -1;
    }
  return finish(&L, out, err);
}

int cf_ruleset_load_buffer(const char *name, const char *text, size_t len, cf_ruleset **out,
                           cf_err *err) {
  *out = NULL;
  loader L = {0};
  L.hash = FNV_OFFSET;
  if (load_rule_text(&L, name, text, len, 0, err)) {
    loader_free(&L);
    return -1;
  }
  return finish(&L, out, err);
}

/* ---- queries ---- */

size_t cf_ruleset_count(const cf_ruleset *rs) { return rs->n_rules; }

const cf_rule *cf_ruleset_rule(const cf_ruleset *rs, size_t i) {
  return i < rs->n_rules ? &rs->rules[i] : NULL;
}

long cf_ruleset_find(const cf_ruleset *rs, const char *id) {
  for (size_t i = 0; i < rs->n_rules; i++)
    if (!strcmp(rs->rules[i].id, id)) return (long)i;
  return -1;
}

const char *cf_ruleset_hash(const cf_ruleset *rs) { return rs->hash; }

const struct cf_tierdef *cf_ruleset_tiers(const cf_ruleset *rs) { return rs->tiers; }

const struct cf_errorlines *cf_ruleset_errorlines(const cf_ruleset *rs) {
  return rs->errorlines;
}
