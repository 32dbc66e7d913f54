/*
 * rawscan.c: the raw-blob literal prefilter (contract in rawscan.h).
 *
 * One pass walks the blob in the exact shape runner-go's encoder writes,
 * [{"pos":N,"out":"...","time":N},...], copying each "out" string, still
 * escaped, into a scratch buffer with ANSI escape sequences removed (the
 * sequence grammar is the decoder's, applied to the escaped characters).
 * A second pass looks for every rule literal, in Go-escaped form, in that
 * buffer: a 4096-bucket table keyed on a hash of each literal's first two
 * (ASCII-folded) bytes says at which positions a literal may start, and
 * only the literals of that bucket are compared there. The table is small
 * so that building a scanner costs microseconds. Concatenation commutes with escaping, so a literal in a
 * decoded line is always found in the escaped text; a misaligned match
 * (inside an escape) only costs a needless decode.
 *
 * Why each "unsure" case is needed:
 *  - first pos > 0 or the legacy "maximum output exceeded" line: the
 *    decoder notes truncation, which the report shows;
 *  - an element whose text lacks its "\n" (not the last): Drone split a
 *    line over elements, and the joined line may hold a literal neither
 *    part has;
 *  - escapes Go never writes (\/, upper-case hex, \u0041 ...): the escaped
 *    literal would not be found;
 *  - a raw control byte, a NUL, anything else off the shape: the decoder
 *    may report an error, which the report shows.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/rawscan.h"
#include "rules_int.h"

#define NONE UINT32_MAX
#define NKEYS 4096 /* buckets of the two-byte start table */
#define ESC 0x1b
#define BEL 0x07
#define LINE_END 0x100  /* next_char: an escaped "\n" (the line ends) */
#define STR_END 0x101   /* next_char: the closing quote */
#define NON_ASCII 0x80  /* next_char: a \u escape of a non-ASCII char */

typedef struct lit {
  char *text; /* Go-escaped; folded to lower case when caseless */
  size_t len;
  int caseless;
} lit;

struct cf_rawscan {
  const cf_ruleset *rs;
  lit *lits;
  size_t n_lits;
  unsigned char *always;   /* per rule: a pattern has no usable literal */
  uint32_t head[NKEYS];    /* first literal whose start hashes here */
  uint32_t *next;          /* per literal: next one in the same bucket */
  unsigned char pairbit[NKEYS / 8]; /* head[key] != NONE */
  unsigned char fold[256];  /* ASCII lower-casing, as a table */
  char *scratch;
  size_t scratch_cap;
  cf_rawscan_stats stats;
};

static const char legacy_warning[] = "warning: maximum output exceeded";

static unsigned char fold(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* The Go encoding/json form of text, or -1 when Go has two ways to write
 * something in it (or it can never be in a decoded plain line). */
static int go_escape(const char *text, size_t len, int caseless, cf_buf *out) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)text;
  cf_buf_reset(out);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = p[i];
    if (c == '\n' || c == '\r' || c == ESC || c == 0 || c == 0x08 || c == 0x0c)
      return -1; /* not in plain text, or \b/\f vs \u0008/\u000c by Go version */
    if (c == 0xEF && i + 2 < len && p[i + 1] == 0xBF && p[i + 2] == 0xBD)
      return -1; /* U+FFFD: raw, or \ufffd for invalid input */
    if (c == 0xE2 && i + 2 < len && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
      cf_buf_puts(out, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
      i += 2;
    } else if (c == '"') {
      cf_buf_puts(out, "\\\"");
    } else if (c == '\\') {
      cf_buf_puts(out, "\\\\");
    } else if (c == '\t') {
      cf_buf_puts(out, "\\t");
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
      cf_buf_puts(out, u);
    } else {
      char ch = (char)(caseless ? fold(c) : c);
      cf_buf_append(out, &ch, 1);
    }
  }
  return out->len >= 2 ? 0 : -1;
}

/* The bucket of a literal starting with the (folded) bytes a, b. */
static unsigned pair_key(unsigned a, unsigned b) { return (a * 67u + b) & (NKEYS - 1); }

static void add_lit(cf_rawscan *s, size_t *cap, const char *text, size_t len, int caseless) {
  lit l = {cf_xstrndup(text, len), len, caseless};
  CF_PUSH(s->lits, s->n_lits, *cap, l);
}

cf_rawscan *cf_rawscan_new(const cf_ruleset *rs) {
  cf_rawscan *s = cf_xcalloc(1, sizeof *s);
  s->rs = rs;
  s->always = cf_xcalloc(rs->n_rules ? rs->n_rules : 1, 1);
  for (unsigned i = 0; i < 256; i++) s->fold[i] = fold((unsigned char)i);
  size_t cap = 0;
  cf_buf esc = {0};
  add_lit(s, &cap, legacy_warning, sizeof legacy_warning - 1, 0);
  for (size_t ri = 0; ri < rs->n_rules; ri++) {
    const cf_rule *r = &rs->rules[ri];
    /* `unless` and `cleared_by` only act on a rule that fired through the
     * others */
    for (size_t k = 0; k < r->n_patterns && !s->always[ri]; k++) {
      if (r->patterns[k].kind == CF_PAT_UNLESS || r->patterns[k].kind == CF_PAT_CLEARED)
        continue;
      const struct cf_pattern_code *pc = r->patterns[k].code;
      if (!pc || pc->n_lits == 0) {
        s->always[ri] = 1;
        break;
      }
      for (size_t j = 0; j < pc->n_lits; j++) {
        const cf_literal *cl = &pc->lits[j];
        if (go_escape(cl->text, cl->len, cl->caseless, &esc)) {
          s->always[ri] = 1;
          break;
        }
        add_lit(s, &cap, esc.data, esc.len, cl->caseless);
      }
    }
  }
  cf_buf_free(&esc);
  for (size_t i = 0; i < NKEYS; i++) s->head[i] = NONE;
  s->next = cf_xcalloc(s->n_lits ? s->n_lits : 1, sizeof *s->next);
  for (size_t i = s->n_lits; i-- > 0;) {
    const unsigned char *t = (const unsigned char *)s->lits[i].text;
    unsigned key = pair_key(fold(t[0]), fold(t[1]));
    s->next[i] = s->head[key];
    s->head[key] = (uint32_t)i;
    s->pairbit[key >> 3] |= (unsigned char)(1u << (key & 7));
  }
  return s;
}

void cf_rawscan_free(cf_rawscan *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_lits; i++) free(s->lits[i].text);
  free(s->lits);
  free(s->always);
  free(s->next);
  free(s->scratch);
  free(s);
}

cf_rawscan_stats cf_rawscan_get_stats(const cf_rawscan *s) { return s->stats; }

/* ---- the walk ---- */

typedef struct walk {
  const char *p, *end;
  char *out; /* scratch write position */
} walk;

static int expect(walk *w, const char *tok, size_t n) {
  if ((size_t)(w->end - w->p) < n || memcmp(w->p, tok, n)) return -1;
  w->p += n;
  return 0;
}

/* A JSON integer Go writes for pos/time: digits, no sign, no leading zero,
 * at most 15 digits (the decoder refuses values over 2^53). A raw NUL or
 * control byte anywhere fails the walk, so the decoder reports it. */
static int number(walk *w, unsigned long long *v) {
  const char *q = w->p;
  *v = 0;
  while (q < w->end && *q >= '0' && *q <= '9' && q - w->p < 15) *v = *v * 10 + (unsigned)(*q++ - '0');
  if (q == w->p || (*w->p == '0' && q - w->p > 1) || (q < w->end && *q >= '0' && *q <= '9'))
    return -1;
  w->p = q;
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1; /* Go writes lower-case hex only */
}

/* One character of string content at w->p as the decoder sees it (a byte,
 * LINE_END, STR_END or NON_ASCII); *n is its escaped length. -1: an escape
 * Go does not write, or a raw control byte. */
static int next_char(const walk *w, unsigned *c, size_t *n) {
  const char *q = w->p;
  if (q >= w->end) return -1;
  unsigned char b = (unsigned char)*q;
  if (b == '"') {
    *c = STR_END;
    *n = 0;
    return 0;
  }
  if (b < 0x20) return -1;
  if (b != '\\') {
    *c = b;
    *n = 1;
    return 0;
  }
  if (q + 1 >= w->end) return -1;
  *n = 2;
  switch (q[1]) {
  case '"': *c = '"'; return 0;
  case '\\': *c = '\\'; return 0;
  case 'n': *c = LINE_END; return 0;
  case 'r': *c = '\r'; return 0;
  case 't': *c = '\t'; return 0;
  case 'b': *c = 0x08; return 0;
  case 'f': *c = 0x0c; return 0;
  case 'u': break;
  default: return -1;
  }
  if (w->end - q < 6) return -1;
  unsigned v = 0;
  for (int k = 2; k < 6; k++) {
    int h = hexval(q[k]);
    if (h < 0) return -1;
    v = v << 4 | (unsigned)h;
  }
  *n = 6;
  /* Go writes these three short: "\u000a" is not Go's, and as a line end
   * the walk would not see would let an OSC string swallow the next line
   * (found by fuzz_logdecode_diff) */
  if (v == '\n' || v == '\r' || v == '\t') return -1;
  if (v < 0x20 || v == '<' || v == '>' || v == '&') {
    *c = v == 0 ? NON_ASCII : v; /* \u0000 decodes to U+FFFD */
    return 0;
  }
  if (v == 0x2028 || v == 0x2029 || v == 0xfffd) {
    *c = NON_ASCII;
    return 0;
  }
  return -1;
}

/* Skip the escape sequence after an ESC (already consumed), as the
 * decoder's escape_len does within one line. */
static int skip_sequence(walk *w) {
  unsigned c;
  size_t n;
  if (next_char(w, &c, &n)) return -1;
  if (c == '[') {
    w->p += n;
    for (int stage = 0; stage < 3; stage++) {
      unsigned lo = stage == 0 ? 0x30 : stage == 1 ? 0x20 : 0x40;
      unsigned hi = stage == 0 ? 0x3F : stage == 1 ? 0x2F : 0x7E;
      for (;;) {
        if (next_char(w, &c, &n)) return -1;
        if (c < lo || c > hi) break;
        w->p += n;
        if (stage == 2) break; /* one final byte */
      }
    }
    return 0;
  }
  if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') {
    w->p += n;
    for (;;) { /* to BEL, ESC '\' or the line's end */
      if (next_char(w, &c, &n)) return -1;
      if (c == LINE_END || c == STR_END) return 0;
      w->p += n;
      if (c == BEL) return 0;
      if (c == ESC) {
        unsigned c2;
        size_t n2;
        if (next_char(w, &c2, &n2)) return -1;
        if (c2 == '\\') {
          w->p += n2;
          return 0;
        }
      }
    }
  }
  if (c >= 0x20 && c <= 0x2F) {
    while (!next_char(w, &c, &n) && c >= 0x20 && c <= 0x2F) w->p += n;
    if (next_char(w, &c, &n)) return -1;
    if (c >= 0x30 && c <= 0x7E) w->p += n;
    return 0;
  }
  if (c >= 0x30 && c <= 0x7E) w->p += n;
  return 0; /* else a lone ESC: the next character stays */
}

/* Copy one string's content (w->p just after the opening quote) into the
 * scratch, escaped, without escape sequences. *ends_nl: it ends with "\n". */
static int copy_string(walk *w, int *ends_nl) {
  const char *nl_end = NULL;
  for (;;) {
    const char *q = w->p;
    while (q < w->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
    memcpy(w->out, w->p, (size_t)(q - w->p));
    w->out += q - w->p;
    w->p = q;
    if (q >= w->end) return -1;
    if (*q == '"') {
      w->p++;
      *ends_nl = nl_end == q;
      return 0;
    }
    unsigned c;
    size_t n;
    if (next_char(w, &c, &n)) return -1;
    w->p += n;
    if (c == ESC) {
      if (skip_sequence(w)) return -1;
      continue;
    }
    memcpy(w->out, q, n);
    w->out += n;
    if (c == LINE_END) nl_end = w->p;
  }
}

/* Flatten blob into s->scratch; returns the text length, or -1 (unsure). */
static long flatten(cf_rawscan *s, const char *blob, size_t len) {
  if (len + 1 > s->scratch_cap) {
    free(s->scratch);
    s->scratch_cap = len + 1;
    s->scratch = cf_xmalloc(s->scratch_cap);
  }
  walk w = {blob, blob + len, s->scratch};
  if (len && blob[len - 1] == '\n') w.end--; /* runner-go's trailing newline */
  if (!expect(&w, "null", 4)) return w.p == w.end ? 0 : -1;
  if (expect(&w, "[", 1)) return -1;
  if (!expect(&w, "]", 1)) return w.p == w.end ? 0 : -1;
  int ends_nl = 1;
  for (size_t idx = 0;; idx++) {
    unsigned long long pos, time;
    if (!ends_nl) return -1; /* a line continues in the next element */
    if (expect(&w, "{\"pos\":", 7) || number(&w, &pos) || (idx == 0 && pos != 0) ||
        expect(&w, ",\"out\":\"", 8) || copy_string(&w, &ends_nl) ||
        expect(&w, ",\"time\":", 8) || number(&w, &time) || expect(&w, "}", 1))
      return -1;
    if (!expect(&w, ",", 1)) continue;
    if (expect(&w, "]", 1) || w.p != w.end) return -1;
    return (long)(w.out - s->scratch);
  }
}

/* Does any literal occur in t[0..n)? */
static int any_literal(const cf_rawscan *s, const char *t, size_t n) {
  const unsigned char *f = s->fold;
  const unsigned char *u = (const unsigned char *)t;
  for (size_t i = 0; i + 1 < n; i++) {
    unsigned key = pair_key(f[u[i]], f[u[i + 1]]);
    if (!(s->pairbit[key >> 3] & (1u << (key & 7)))) continue;
    for (uint32_t k = s->head[key]; k != NONE; k = s->next[k]) {
      const lit *l = &s->lits[k];
      if (l->len > n - i) continue;
      if (!l->caseless) {
        if (!memcmp(u + i, l->text, l->len)) return 1;
        continue;
      }
      size_t j = 0;
      while (j < l->len && f[u[i + j]] == (unsigned char)l->text[j]) j++;
      if (j == l->len) return 1;
    }
  }
  return 0;
}

int cf_rawscan_may_hit(cf_rawscan *s, const char *step_name, const char *blob, size_t len) {
  s->stats.calls++;
  for (size_t ri = 0; ri < s->rs->n_rules; ri++) {
    if (!s->always[ri]) continue;
    const cf_rule *r = &s->rs->rules[ri];
    int in_scope = !r->n_steps || !step_name;
    for (size_t i = 0; i < r->n_steps && !in_scope; i++)
      in_scope = fnmatch(r->steps[i], step_name, 0) == 0;
    if (in_scope) {
      s->stats.unsure++;
      return 1;
    }
  }
  if (!blob || len > CF_STEPLOG_MAX_BLOB) {
    s->stats.unsure++;
    return 1;
  }
  s->stats.bytes += len;
  long n = flatten(s, blob, len);
  if (n < 0) {
    s->stats.unsure++;
    return 1;
  }
  if (any_literal(s, s->scratch, (size_t)n)) return 1;
  s->stats.skipped++;
  return 0;
}
