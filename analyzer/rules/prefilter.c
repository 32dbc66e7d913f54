/*
 * prefilter.c: required-literal extraction for the matcher's prefilter.
 *
 * A pattern's top level is split into alternatives; in each, the longest run
 * of bytes that every match of that alternative must contain is kept
 * (>= 3 bytes), or, when it has none, the literals of a group it cannot
 * match without (one per alternative of the group, recursively, 4 levels).
 * The deriver is deliberately conservative: groups, classes,
 * escapes other than escaped punctuation, and anything optional break a run;
 * verbs, \K and extended mode give up. Under (?i) only ASCII letters other
 * than k and s are kept (in UTF mode PCRE2 folds k to U+212A KELVIN SIGN and
 * s to U+017F LONG S, which an ASCII search would miss), and the literal is
 * searched ASCII-case-insensitively. If any alternative yields nothing, the
 * pattern gets no literals and always runs. So a line without a literal can
 * never hold a hit, and the prefilter never changes results, only speed.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

#define MIN_LITERAL 3

typedef struct {
  char buf[CF_RULES_MAX_PATTERN_LEN + 1];
  size_t len;
  size_t last_char; /* start of the last char in buf (for quantifiers) */
  int has_last;     /* the previous atom was a char still in buf */
  int caseless;
} run_t;

typedef struct {
  char best[CF_RULES_MAX_PATTERN_LEN + 1];
  size_t best_len;
  int best_caseless;
  cf_literal *glits; /* literals of a required group, when no run is long enough */
  size_t n_glits;
} alt_t;

#define MAX_GROUP_DEPTH 4

static void run_end(run_t *r, alt_t *a) {
  if (r->len > a->best_len) {
    memcpy(a->best, r->buf, r->len);
    a->best_len = r->len;
    a->best_caseless = r->caseless;
  }
  r->len = 0;
  r->has_last = 0;
}

static void run_add(run_t *r, alt_t *a, const char *c, size_t n) {
  if (r->caseless) {
    unsigned char b = (unsigned char)c[0];
    if (n != 1 || b >= 0x80 || b == 'k' || b == 'K' || b == 's' || b == 'S') {
      run_end(r, a); /* not searchable as ASCII-caseless */
      return;
    }
    r->last_char = r->len;
    r->buf[r->len++] = (char)tolower(b);
    r->has_last = 1;
    return;
  }
  r->last_char = r->len;
  memcpy(r->buf + r->len, c, n);
  r->len += n;
  r->has_last = 1;
}

static size_t utf8_len(unsigned char b) {
  if (b < 0xc0) return 1;
  if (b < 0xe0) return 2;
  if (b < 0xf0) return 3;
  return 4;
}

/* Skip a character class starting at p[i] == '['; returns the index after
 * its closing ']', or 0 when unterminated. */
static size_t skip_class(const char *p, size_t i, size_t n) {
  i++;
  if (i < n && p[i] == '^') i++;
  if (i < n && p[i] == ']') i++;
  while (i < n) {
    if (p[i] == '\\') {
      i += 2;
      continue;
    }
    if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
      const char *end = strstr(p + i + 2, ":]");
      if (end) {
        i = (size_t)(end - p) + 2;
        continue;
      }
    }
    if (p[i] == ']') return i + 1;
    i++;
  }
  return 0;
}

/* Skip a group starting at p[i] == '('; returns the index after its ')', or
 * 0 when unbalanced. */
static size_t skip_group(const char *p, size_t i, size_t n) {
  int depth = 0;
  while (i < n) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 < n && p[i + 1] == 'Q') {
        const char *e = strstr(p + i + 2, "\\E");
        i = e ? (size_t)(e - p) + 2 : n;
        continue;
      }
      i += 2;
      continue;
    }
    if (c == '[') {
      size_t j = skip_class(p, i, n);
      if (!j) return 0;
      i = j;
      continue;
    }
    if (c == '(') depth++;
    if (c == ')' && --depth == 0) return i + 1;
    i++;
  }
  return 0;
}

/* Is p[i..] a counted quantifier {n}, {n,}, {n,m}? Sets *min, *end. */
static int counted_quant(const char *p, size_t i, size_t n, long *min, size_t *end) {
  size_t j = i + 1;
  if (j >= n || !isdigit((unsigned char)p[j])) return 0;
  long v = 0;
  while (j < n && isdigit((unsigned char)p[j])) {
    if (v < 100000) v = v * 10 + (p[j] - '0');
    j++;
  }
  if (j < n && p[j] == ',') {
    j++;
    while (j < n && isdigit((unsigned char)p[j])) j++;
  }
  if (j >= n || p[j] != '}') return 0;
  *min = v;
  *end = j + 1;
  return 1;
}

/* Skip the argument of an escape like \x{..}, \p{..}, \k<..>, \g1. */
static size_t skip_escape_arg(const char *p, size_t i, size_t n, char e) {
  if (i < n && (p[i] == '{' || p[i] == '<' || p[i] == '\'')) {
    char close = p[i] == '{' ? '}' : p[i] == '<' ? '>' : '\'';
    const char *c = memchr(p + i, close, n - i);
    return c ? (size_t)(c - p) + 1 : n;
  }
  if (e == 'x') {
    size_t k = 0;
    while (i < n && k < 2 && isxdigit((unsigned char)p[i])) i++, k++;
  } else if (e == 'c') {
    if (i < n) i++;
  } else if (e == 'p' || e == 'P') {
    if (i < n) i++;
  } else if (isdigit((unsigned char)e) || e == 'g') {
    while (i < n && isdigit((unsigned char)p[i])) i++;
  }
  return i;
}

void cf_literals_free(cf_literal *lits, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(lits[i].text);
    free(lits[i].skip);
  }
  free(lits);
}

/* Where a group's content starts, for groups whose content must match
 * (capturing, (?:...), named, (?i:...)); 0 for lookaround, atomic, comment,
 * conditional or anything else. *caseless is updated for (?i:...). */
static size_t group_content(const char *p, size_t i, size_t n, int *caseless, int *ok) {
  if (i + 1 >= n) return 0;
  if (p[i + 1] != '?') return i + 1;
  if (i + 2 >= n) return 0;
  char c = p[i + 2];
  if (c == ':') return i + 3;
  if ((c == '<' && i + 3 < n && p[i + 3] != '=' && p[i + 3] != '!') ||
      (c == 'P' && i + 3 < n && p[i + 3] == '<') || c == '\'') {
    char close = c == '\'' ? '\'' : '>';
    const char *e = memchr(p + i + 3, close, n - i - 3);
    return e ? (size_t)(e - p) + 1 : 0;
  }
  size_t j = i + 2;
  int on = 1, cl = *caseless;
  while (j < n && (isalpha((unsigned char)p[j]) || p[j] == '-' || p[j] == '^')) {
    if (p[j] == '-') on = 0;
    else if (p[j] == '^') cl = 0;
    else if (p[j] == 'i') cl = on;
    else if (p[j] == 'x') *ok = 0;
    j++;
  }
  if (j < n && p[j] == ':' && *ok) {
    *caseless = cl;
    return j + 1;
  }
  return 0;
}

static int derive_rec(const char *p, size_t n, int caseless0, int depth, cf_literal **out,
                      size_t *n_out) {
  run_t *r = cf_xcalloc(1, sizeof *r);
  alt_t *a = cf_xcalloc(1, sizeof *a);
  r->caseless = caseless0;
  cf_literal *lits = NULL;
  size_t nl = 0, cap = 0;
  int ok = 1;
  size_t i = 0;
  while (ok) {
    if (i >= n || p[i] == '|') {
      run_end(r, a);
      if (a->best_len >= MIN_LITERAL) {
        cf_literal l = cf_literal_make(a->best, a->best_len, a->best_caseless);
        CF_PUSH(lits, nl, cap, l);
        cf_literals_free(a->glits, a->n_glits);
      } else if (a->n_glits) {
        /* the alternative needs its group, so one of the group's literals */
        for (size_t g = 0; g < a->n_glits; g++) CF_PUSH(lits, nl, cap, a->glits[g]);
        free(a->glits);
      } else {
        ok = 0;
        break;
      }
      a->glits = NULL;
      a->n_glits = 0;
      a->best_len = 0;
      if (i >= n) break;
      i++;
      continue;
    }
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= n) {
        ok = 0;
        break;
      }
      char e = p[i + 1];
      if (e == 'Q') {
        i += 2;
        while (i < n && !(p[i] == '\\' && i + 1 < n && p[i + 1] == 'E')) {
          size_t cl = utf8_len((unsigned char)p[i]);
          if (i + cl > n) cl = n - i;
          run_add(r, a, p + i, cl);
          i += cl;
        }
        if (i < n) i += 2;
        continue;
      }
      if (e == 'K') {
        ok = 0;
        break;
      }
      if (isalnum((unsigned char)e)) {
        run_end(r, a);
        i = skip_escape_arg(p, i + 2, n, e);
        continue;
      }
      if ((unsigned char)e >= 0x80) {
        ok = 0; /* an escaped non-ASCII char: leave it to PCRE2 */
        break;
      }
      run_add(r, a, p + i + 1, 1);
      i += 2;
      continue;
    }
    if (c == '[') {
      run_end(r, a);
      i = skip_class(p, i, n);
      if (!i) ok = 0;
      continue;
    }
    if (c == '(') {
      run_end(r, a);
      if (i + 1 < n && p[i + 1] == '*') {
        ok = 0; /* verbs such as (*UTF) or (*pla:...) */
        break;
      }
      if (i + 1 < n && p[i + 1] == '?') {
        /* an option setting (?i) (?-i) (?^) changes the rest of the pattern */
        size_t j = i + 2;
        int on = 1, caseless = r->caseless, is_setting = 0;
        while (j < n && (isalpha((unsigned char)p[j]) || p[j] == '-' || p[j] == '^')) {
          if (p[j] == '-') on = 0;
          else if (p[j] == '^') caseless = 0;
          else if (p[j] == 'i') caseless = on;
          else if (p[j] == 'x') ok = 0;
          j++;
        }
        if (!ok) break;
        if (j < n && p[j] == ')' && j > i + 2) is_setting = 1;
        if (is_setting) {
          r->caseless = caseless;
          i = j + 1;
          continue;
        }
      }
      size_t j = skip_group(p, i, n);
      if (!j) {
        ok = 0;
        break;
      }
      int gcase = r->caseless;
      size_t cstart = group_content(p, i, n, &gcase, &ok);
      if (!ok) break;
      long gmin = 1;
      size_t qe;
      if (j < n && (p[j] == '?' || p[j] == '*')) gmin = 0;
      if (j < n && p[j] == '{' && counted_quant(p, j, n, &gmin, &qe) && gmin > 0) gmin = 1;
      if (cstart && gmin > 0 && !a->n_glits && depth < MAX_GROUP_DEPTH) {
        cf_literal *gl = NULL;
        size_t gn = 0;
        if (derive_rec(p + cstart, j - 1 - cstart, gcase, depth + 1, &gl, &gn) && gn) {
          a->glits = gl;
          a->n_glits = gn;
        }
      }
      i = j;
      continue;
    }
    if (c == ')') {
      ok = 0;
      break;
    }
    long min = 0;
    size_t qend = 0;
    int is_q = c == '?' || c == '*' || c == '+';
    if (c == '{' && counted_quant(p, i, n, &min, &qend)) is_q = 1;
    if (is_q) {
      if (c == '?' || c == '*') min = 0;
      if (c == '+') min = 1;
      if (r->has_last && min == 0) r->len = r->last_char; /* char is optional */
      run_end(r, a);
      i = c == '{' ? qend : i + 1;
      if (i < n && (p[i] == '?' || p[i] == '+')) i++; /* lazy / possessive */
      continue;
    }
    if (c == '.' || c == '^' || c == '$') {
      run_end(r, a);
      i++;
      continue;
    }
    size_t cl = utf8_len((unsigned char)c);
    if (i + cl > n) cl = n - i;
    run_add(r, a, p + i, cl);
    i += cl;
  }
  cf_literals_free(a->glits, a->n_glits);
  free(r);
  free(a);
  if (!ok) {
    cf_literals_free(lits, nl);
    return 0;
  }
  *out = lits;
  *n_out = nl;
  return 1;
}

void cf_prefilter_derive(const char *p, cf_literal **out, size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  size_t n = strlen(p);
  if (n > CF_RULES_MAX_PATTERN_LEN) return;
  if (!derive_rec(p, n, 0, 0, out, n_out)) {
    *out = NULL;
    *n_out = 0;
  }
}

/* Horspool over ASCII-folded bytes: a memchr on the first letter stops at
 * every 'e' of the text, which made caseless literals slower than no
 * prefilter at all. */
static unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static unsigned char *make_skip(const char *lit, size_t n) {
  unsigned char *skip = cf_xmalloc(256);
  size_t def = n < 255 ? n : 255;
  memset(skip, (int)def, 256);
  for (size_t i = 0; i + 1 < n; i++) {
    size_t sh = n - 1 - i;
    unsigned char c = (unsigned char)lit[i]; /* already lower-case */
    skip[c] = (unsigned char)(sh < 255 ? sh : 255);
    if (c >= 'a' && c <= 'z') skip[c - 32] = skip[c];
  }
  return skip;
}

static const char *ci_find(const cf_literal *lit, const char *hay, size_t len) {
  size_t n = lit->len;
  if (n == 0) return hay;
  if (len < n) return NULL;
  const unsigned char *h = (const unsigned char *)hay, *l = (const unsigned char *)lit->text;
  const unsigned char *skip = lit->skip;
  unsigned char last = l[n - 1];
  for (size_t i = 0; i + n <= len;) {
    unsigned char c = h[i + n - 1];
    if (fold(c) == last) {
      size_t k = 0;
      while (k + 1 < n && fold(h[i + k]) == l[k]) k++;
      if (k + 1 >= n) return hay + i;
    }
    i += skip[c];
  }
  return NULL;
}

cf_literal cf_literal_make(const char *text, size_t len, int caseless) {
  cf_literal l = {cf_xstrndup(text, len), len, caseless, NULL};
  if (caseless) {
    for (size_t i = 0; i < len; i++) l.text[i] = (char)fold((unsigned char)l.text[i]);
    l.skip = make_skip(l.text, len);
  }
  return l;
}

const char *cf_literal_find(const cf_literal *lit, const char *hay, size_t len) {
  if (lit->caseless) return ci_find(lit, hay, len);
  if (lit->len == 0) return hay;
  return memmem(hay, len, lit->text, lit->len);
}

static int needs_per_line(const char *p) {
  return strstr(p, "(?=") || strstr(p, "(?!") || strstr(p, "\\z") || strstr(p, "\\Z") ||
         strstr(p, "\\G") || strstr(p, "\\K") || strstr(p, "(*");
}

void cf_prefilter_prepare(cf_ruleset *rs) {
  rs->gates = cf_xcalloc(rs->n_rules ? rs->n_rules : 1, sizeof *rs->gates);
  rs->n_gates = cf_xcalloc(rs->n_rules ? rs->n_rules : 1, sizeof *rs->n_gates);
  for (size_t i = 0; i < rs->n_rules; i++) {
    cf_rule *r = &rs->rules[i];
    if (r->n_literals) {
      rs->gates[i] = cf_xcalloc(r->n_literals, sizeof *rs->gates[i]);
      for (size_t k = 0; k < r->n_literals; k++)
        rs->gates[i][k] = cf_literal_make(r->literals[k], strlen(r->literals[k]), 1);
      rs->n_gates[i] = r->n_literals;
    }
    for (size_t k = 0; k < r->n_patterns; k++) {
      struct cf_pattern_code *pc = r->patterns[k].code;
      pc->per_line = needs_per_line(r->patterns[k].text);
      cf_prefilter_derive(r->patterns[k].text, &pc->lits, &pc->n_lits);
      if (pc->n_lits > CF_PREFILTER_MAX_LITS) { /* too many to track: always run */
        cf_literals_free(pc->lits, pc->n_lits);
        pc->lits = NULL;
        pc->n_lits = 0;
      }
    }
  }
}
