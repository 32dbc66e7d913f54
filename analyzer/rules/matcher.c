/*
 * matcher.c: running a compiled ruleset over one decoded step (rules.h).
 *
 * A pattern "hits line L" when it matches inside L (subject = step text up
 * to L's end, start at L's first byte). Two ways find the hit lines, and
 * both give exactly that set:
 *  - prefiltered: the pattern's literals are searched with memmem; only
 *    lines holding one are tried, one line at a time;
 *  - whole buffer: one pcre2_match over the step text from the current
 *    position finds the next match; its start is mapped to a line by binary
 *    search and the line is confirmed on its own (a match may run across a
 *    line break); the search resumes at the next line. Patterns whose
 *    meaning depends on what follows the line (lookahead, \z, \K, verbs)
 *    are always tried line by line.
 * Matching errors (match limit, JIT stack) stop that rule in that step and
 * are counted; CF_RULES_LIMIT_DISABLE of them disable the rule for the run.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

struct cf_matcher {
  const cf_ruleset *rs;
  cf_matcher_opts opts;
  pcre2_match_data *md;
  pcre2_jit_stack *stack;
  pcre2_match_context *mc;
  cf_rule_limit *limits; /* one per rule, in rule order; hits == 0 unused */
  cf_rule_limit *view;   /* the rules with hits > 0, for cf_matcher_limits */
  size_t n_view;
};

/* Lines a rule may use in this step: all, or the union of some spans. */
typedef struct {
  int all;              /* no tier restriction */
  size_t *lo, *hi;      /* 0-based inclusive intervals, sorted, disjoint */
  size_t n;
} scope_t;

typedef struct {
  cf_matcher *m;
  const cf_steplog *log;
  int limited;          /* a pcre2 call failed in this rule evaluation */
} run_t;

cf_matcher *cf_matcher_new(const cf_ruleset *rs, const cf_matcher_opts *opts) {
  cf_matcher *m = cf_xcalloc(1, sizeof *m);
  m->rs = rs;
  if (opts) m->opts = *opts;
  m->md = pcre2_match_data_create(rs->max_groups + 1, NULL);
  m->stack = pcre2_jit_stack_create(CF_RULES_JIT_STACK_MIN, CF_RULES_JIT_STACK_MAX, NULL);
  if (!m->md || !m->stack) {
    fputs("ciforensics: out of memory (pcre2)\n", stderr);
    abort();
  }
  m->mc = cf_rules_match_context(m->opts.match_limit, m->stack);
  m->limits = cf_xcalloc(rs->n_rules ? rs->n_rules : 1, sizeof *m->limits);
  m->view = cf_xcalloc(rs->n_rules ? rs->n_rules : 1, sizeof *m->view);
  for (size_t i = 0; i < rs->n_rules; i++) m->limits[i].rule = i;
  return m;
}

void cf_matcher_free(cf_matcher *m) {
  if (!m) return;
  pcre2_match_data_free(m->md);
  pcre2_match_context_free(m->mc);
  pcre2_jit_stack_free(m->stack);
  free(m->limits);
  free(m->view);
  free(m);
}

const cf_rule_limit *cf_matcher_limits(const cf_matcher *m, size_t *n) {
  cf_matcher *mm = (cf_matcher *)m;
  mm->n_view = 0;
  for (size_t i = 0; i < m->rs->n_rules; i++)
    if (m->limits[i].hits) mm->view[mm->n_view++] = m->limits[i];
  *n = mm->n_view;
  return mm->view;
}

/* ---- lines ---- */

static size_t line_of(const cf_steplog *log, size_t off) {
  size_t lo = 0, hi = log->n_lines;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (log->lines[mid].off <= off) lo = mid;
    else hi = mid;
  }
  return lo;
}

static size_t line_end(const cf_steplog *log, size_t L) {
  return log->lines[L].off + log->lines[L].len;
}

/* The first in-scope line >= L, or n_lines. */
static size_t scope_next(const scope_t *s, size_t L, size_t n_lines) {
  if (s->all) return L;
  for (size_t i = 0; i < s->n; i++) {
    if (s->hi[i] < L) continue;
    size_t v = s->lo[i] > L ? s->lo[i] : L;
    return v < n_lines ? v : n_lines;
  }
  return n_lines;
}

/* 1 hit, 0 none, -1 matching error. Leaves the match in m->md. */
static int line_hit(run_t *R, const struct cf_pattern_code *pc, size_t L) {
  const cf_log_line *ln = &R->log->lines[L];
  int rc = pcre2_match(pc->re, (PCRE2_SPTR)R->log->plain, ln->off + ln->len, ln->off, 0,
                       R->m->md, R->m->mc);
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  R->limited = 1;
  return -1;
}

/* Find up to `want` in-scope hit lines of pc, ascending, into out. Returns
 * the number found, or -1 on a matching error (out keeps those found). */
static long find_hits(run_t *R, const struct cf_pattern_code *pc, const scope_t *sc,
                      size_t want, size_t *out, size_t *found) {
  const cf_steplog *log = R->log;
  size_t n = 0, nl = log->n_lines;
  *found = 0;
  if (nl == 0 || want == 0) return 0;
  size_t L = scope_next(sc, 0, nl);
  if (pc->n_lits && !R->m->opts.no_prefilter) {
    /* next occurrence of each literal at or after the cursor */
    const char *occ[CF_PREFILTER_MAX_LITS];
    size_t nk = pc->n_lits;
    const char *buf = log->plain, *end = log->plain + log->plain_len;
    for (size_t k = 0; k < nk; k++) occ[k] = NULL;
    int init = 0;
    while (L < nl && n < want) {
      const char *cursor = buf + log->lines[L].off;
      const char *best = NULL;
      for (size_t k = 0; k < nk; k++) {
        if (!init || (occ[k] && occ[k] < cursor))
          occ[k] = cf_literal_find(&pc->lits[k], cursor, (size_t)(end - cursor));
        if (occ[k] && (!best || occ[k] < best)) best = occ[k];
      }
      init = 1;
      if (!best) break;
      size_t C = line_of(log, (size_t)(best - buf));
      size_t S = scope_next(sc, C, nl);
      if (S != C) { /* candidate out of scope: jump to the scope */
        L = S;
        continue;
      }
      int h = line_hit(R, pc, C);
      if (h < 0) {
        *found = n;
        return -1;
      }
      if (h) out[n++] = C;
      L = scope_next(sc, C + 1, nl);
    }
    *found = n;
    return (long)n;
  }
  if (pc->per_line) {
    for (; L < nl && n < want; L = scope_next(sc, L + 1, nl)) {
      int h = line_hit(R, pc, L);
      if (h < 0) {
        *found = n;
        return -1;
      }
      if (h) out[n++] = L;
    }
    *found = n;
    return (long)n;
  }
  while (L < nl && n < want) {
    int rc = pcre2_match(pc->re, (PCRE2_SPTR)log->plain, log->plain_len, log->lines[L].off, 0,
                         R->m->md, R->m->mc);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      R->limited = 1;
      *found = n;
      return -1;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(R->m->md);
    size_t C = line_of(log, ov[0]);
    if (C < L) C = L; /* an empty match at a line start */
    size_t S = scope_next(sc, C, nl);
    if (S != C) {
      L = S;
      continue;
    }
    int h = 1;
    if (ov[1] > line_end(log, C) || ov[0] < log->lines[C].off) h = line_hit(R, pc, C);
    if (h < 0) {
      *found = n;
      return -1;
    }
    if (h) out[n++] = C;
    L = scope_next(sc, C + 1, nl);
  }
  *found = n;
  return (long)n;
}

/* ---- one rule ---- */

typedef struct {
  cf_rule_hit *hits; size_t n_hits, cap_hits;
  cf_rule_veto *vetoes; size_t n_vetoes, cap_vetoes;
  cf_rule_observed *obs; size_t n_obs, cap_obs;
  size_t *limited; size_t n_limited, cap_limited;
} acc_t;

static int step_in_scope(const cf_rule *r, const char *step_name) {
  if (!r->n_steps || !step_name) return 1;
  for (size_t i = 0; i < r->n_steps; i++)
    if (fnmatch(r->steps[i], step_name, 0) == 0) return 1;
  return 0;
}

static void build_scope(const cf_rule *r, const cf_tier_span *spans, size_t n_spans,
                        size_t n_lines, scope_t *sc) {
  memset(sc, 0, sizeof *sc);
  if (!r->n_tiers || !n_spans) {
    sc->all = 1;
    return;
  }
  sc->lo = cf_xcalloc(n_spans, sizeof *sc->lo);
  sc->hi = cf_xcalloc(n_spans, sizeof *sc->hi);
  for (size_t i = 0; i < n_spans; i++) {
    const cf_tier_span *sp = &spans[i];
    int want = 0;
    for (size_t t = 0; t < r->n_tiers && sp->name; t++)
      if (!strcmp(r->tiers[t], sp->name)) want = 1;
    if (!want || sp->first_line == 0 || sp->last_line < sp->first_line) continue;
    size_t lo = sp->first_line - 1, hi = sp->last_line - 1;
    if (lo >= n_lines) continue;
    /* insert sorted, then merge overlaps */
    size_t k = sc->n;
    while (k > 0 && sc->lo[k - 1] > lo) {
      sc->lo[k] = sc->lo[k - 1];
      sc->hi[k] = sc->hi[k - 1];
      k--;
    }
    sc->lo[k] = lo;
    sc->hi[k] = hi;
    sc->n++;
  }
  size_t w = 0;
  for (size_t i = 0; i < sc->n; i++) {
    if (w && sc->lo[i] <= sc->hi[w - 1] + 1) {
      if (sc->hi[i] > sc->hi[w - 1]) sc->hi[w - 1] = sc->hi[i];
    } else {
      sc->lo[w] = sc->lo[i];
      sc->hi[w] = sc->hi[i];
      w++;
    }
  }
  sc->n = w;
}

/* A rule with explicit `literals` can only fire in a step holding one. */
static int gate_open(const cf_ruleset *rs, size_t ri, const cf_steplog *log) {
  if (!rs->n_gates[ri]) return 1;
  for (size_t i = 0; i < rs->n_gates[ri]; i++)
    if (cf_literal_find(&rs->gates[ri][i], log->plain, log->plain_len)) return 1;
  return 0;
}

static void take_captures(run_t *R, const struct cf_pattern_code *pc, size_t L,
                          cf_rule_hit *h) {
  if (pc->n_groups == 0 || line_hit(R, pc, L) != 1) return;
  size_t ng = pc->n_groups < CF_RULES_MAX_CAPTURES ? pc->n_groups : CF_RULES_MAX_CAPTURES;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(R->m->md);
  h->captures = cf_xcalloc(ng, sizeof *h->captures);
  h->n_captures = ng;
  for (size_t g = 1; g <= ng; g++) {
    PCRE2_SIZE s = ov[2 * g], e = ov[2 * g + 1];
    if (s == PCRE2_UNSET || e < s) {
      h->captures[g - 1] = cf_xstrdup("");
      continue;
    }
    size_t len = e - s;
    if (len > CF_RULES_MAX_CAPTURE_LEN) len = CF_RULES_MAX_CAPTURE_LEN;
    h->captures[g - 1] = cf_xstrndup(R->log->plain + s, len);
  }
}

static void note_limit(cf_matcher *m, acc_t *A, size_t ri) {
  m->limits[ri].hits++;
  if (m->limits[ri].hits >= CF_RULES_LIMIT_DISABLE) m->limits[ri].disabled = 1;
  CF_PUSH(A->limited, A->n_limited, A->cap_limited, ri);
}

/* The first line after L (whole step) where a pattern of r of this kind
 * hits, in *at: 1, or 0 for none, or -1 at the match limit. */
static int first_hit_after(run_t *R, const cf_rule *r, cf_pattern_kind kind, size_t L,
                           size_t *at) {
  size_t lo = L + 1, hi = R->log->n_lines ? R->log->n_lines - 1 : 0, buf[1], found = 0;
  if (lo > hi || lo >= R->log->n_lines) return 0;
  scope_t rest = {0, &lo, &hi, 1};
  int any = 0;
  for (size_t k = 0; k < r->n_patterns; k++) {
    if (r->patterns[k].kind != kind) continue;
    if (find_hits(R, r->patterns[k].code, &rest, 1, buf, &found) < 0) return -1;
    if (found && (!any || buf[0] < *at)) *at = buf[0];
    any |= found != 0;
  }
  return any;
}

/* cleared_by (match rules only: ruleset.c): the line where the condition
 * cleared for good — a clearing line with no hit of the rule after it —
 * in *at; 0 when it did not clear (or at the match limit). Walks hit,
 * clearing line, hit again... from the first hit, so it does not depend on
 * how many hit lines `more` kept. */
static int cleared_at(run_t *R, const cf_rule *r, size_t first_hit, size_t *at) {
  size_t from = first_hit, clear = 0, again = 0;
  for (;;) {
    if (first_hit_after(R, r, CF_PAT_CLEARED, from, &clear) != 1) return 0;
    int rc = first_hit_after(R, r, CF_PAT_MATCH, clear, &again);
    if (rc < 0) return 0;
    if (rc == 0) {
      *at = clear;
      return 1;
    }
    from = again; /* failed again since: look for a clearing line after that */
  }
}

static void eval_rule(run_t *R, size_t ri, const cf_tier_span *spans, size_t n_spans,
                      acc_t *A) {
  const cf_rule *r = &R->m->rs->rules[ri];
  const cf_steplog *log = R->log;
  scope_t sc, whole = {1, NULL, NULL, 0};
  build_scope(r, spans, n_spans, log->n_lines, &sc);
  R->limited = 0;
  size_t buf[CF_RULES_MAX_MORE + 1], found;

  /* observable: first in-scope hit of any observable pattern */
  int has_obs = 0;
  cf_rule_observed ob = {ri, 0, 0};
  for (size_t k = 0; k < r->n_patterns; k++) {
    if (r->patterns[k].kind != CF_PAT_OBSERVABLE) continue;
    has_obs = 1;
    if (find_hits(R, r->patterns[k].code, &sc, 1, buf, &found) < 0) break;
    if (found && (!ob.observed || buf[0] < ob.line)) {
      ob.observed = 1;
      ob.line = buf[0];
    }
  }
  if (has_obs) CF_PUSH(A->obs, A->n_obs, A->cap_obs, ob);

  cf_rule_hit hit = {0};
  hit.rule = ri;
  int fired = 0;
  size_t decide_pat = 0;
  if (!R->limited && gate_open(R->m->rs, ri, log)) {
    if (!r->uses_all) {
      /* merge the hit lines of every match pattern; keep the first 1 + MORE */
      size_t lines[CF_RULES_MAX_MORE + 1], nlines = 0;
      size_t first_line = (size_t)-1;
      for (size_t k = 0; k < r->n_patterns && !R->limited; k++) {
        if (r->patterns[k].kind != CF_PAT_MATCH) continue;
        find_hits(R, r->patterns[k].code, &sc, CF_RULES_MAX_MORE + 1, buf, &found);
        if (found && buf[0] < first_line) {
          first_line = buf[0];
          decide_pat = k; /* the earliest line; ties go to the first pattern */
        }
        for (size_t i = 0; i < found; i++) {
          size_t v = buf[i], pos = 0;
          while (pos < nlines && lines[pos] < v) pos++;
          if (pos < nlines && lines[pos] == v) continue;
          if (nlines == CF_RULES_MAX_MORE + 1) {
            if (pos == nlines) continue;
            nlines--;
          }
          memmove(lines + pos + 1, lines + pos, (nlines - pos) * sizeof *lines);
          lines[pos] = v;
          nlines++;
        }
      }
      if (nlines) {
        fired = 1;
        hit.line = lines[0];
        hit.n_more = nlines - 1;
        if (hit.n_more) {
          hit.more = cf_xcalloc(hit.n_more, sizeof *hit.more);
          memcpy(hit.more, lines + 1, hit.n_more * sizeof *hit.more);
        }
      }
    } else {
      size_t n_all = 0;
      for (size_t k = 0; k < r->n_patterns; k++) n_all += r->patterns[k].kind == CF_PAT_ALL;
      hit.support = cf_xcalloc(n_all ? n_all : 1, sizeof *hit.support);
      fired = 1;
      for (size_t k = 0, j = 0; k < r->n_patterns; k++) {
        if (r->patterns[k].kind != CF_PAT_ALL) continue;
        find_hits(R, r->patterns[k].code, &sc, 1, buf, &found);
        if (!found) {
          fired = 0;
          break;
        }
        hit.support[j++] = buf[0];
        if (j == 1 || buf[0] > hit.line) {
          hit.line = buf[0];
          decide_pat = k;
        }
      }
      hit.n_support = n_all;
    }
  }
  if (fired) {
    /* unless: a counter-indication anywhere in the step vetoes */
    for (size_t k = 0; k < r->n_patterns; k++) {
      if (r->patterns[k].kind != CF_PAT_UNLESS) continue;
      if (find_hits(R, r->patterns[k].code, &whole, 1, buf, &found) < 0) break;
      if (found) {
        cf_rule_veto v = {ri, hit.line, buf[0], 0};
        CF_PUSH(A->vetoes, A->n_vetoes, A->cap_vetoes, v);
        fired = 0;
        break;
      }
    }
  }
  if (fired) {
    /* cleared_by: the condition cleared after its last hit in the step (a
     * refused connection the retry then made): context, not a cause */
    size_t clear = 0;
    if (cleared_at(R, r, hit.line, &clear)) {
      cf_rule_veto v = {ri, hit.line, clear, 1};
      CF_PUSH(A->vetoes, A->n_vetoes, A->cap_vetoes, v);
      fired = 0;
    }
  }
  if (fired) {
    take_captures(R, r->patterns[decide_pat].code, hit.line, &hit);
    CF_PUSH(A->hits, A->n_hits, A->cap_hits, hit);
  } else {
    free(hit.more);
    free(hit.support);
  }
  if (R->limited) note_limit(R->m, A, ri);
  free(sc.lo);
  free(sc.hi);
}

static int hit_cmp(const void *a, const void *b) {
  const cf_rule_hit *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int cf_matcher_run(cf_matcher *m, const char *step_name, const cf_steplog *log,
                   const cf_tier_span *spans, size_t n_spans, cf_step_matches *out) {
  memset(out, 0, sizeof *out);
  acc_t A = {0};
  run_t R = {m, log, 0};
  for (size_t ri = 0; ri < m->rs->n_rules; ri++) {
    const cf_rule *r = &m->rs->rules[ri];
    if (m->limits[ri].disabled || !step_in_scope(r, step_name)) continue;
    eval_rule(&R, ri, spans, n_spans, &A);
  }
  if (A.n_hits > 1) qsort(A.hits, A.n_hits, sizeof *A.hits, hit_cmp);
  out->hits = A.hits;
  out->n_hits = A.n_hits;
  out->vetoes = A.vetoes;
  out->n_vetoes = A.n_vetoes;
  out->observed = A.obs;
  out->n_observed = A.n_obs;
  out->limited = A.limited;
  out->n_limited = A.n_limited;
  return 0;
}

void cf_step_matches_free(cf_step_matches *sm) {
  if (!sm) return;
  for (size_t i = 0; i < sm->n_hits; i++) {
    cf_rule_hit *h = &sm->hits[i];
    free(h->more);
    free(h->support);
    for (size_t c = 0; c < h->n_captures; c++) free(h->captures[c]);
    free(h->captures);
  }
  free(sm->hits);
  free(sm->vetoes);
  free(sm->observed);
  free(sm->limited);
  memset(sm, 0, sizeof *sm);
}

int cf_matcher_pattern_hits(cf_matcher *m, const cf_rule *r, size_t k, const char *text,
                            size_t len) {
  if (k >= r->n_patterns) return 0;
  int rc = pcre2_match(r->patterns[k].code->re, (PCRE2_SPTR)text, len, 0, 0, m->md, m->mc);
  if (rc >= 0) return 1;
  return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/* ---- plain text as a step ---- */

void cf_rules_textlog(const char *text, size_t len, cf_steplog *out) {
  memset(out, 0, sizeof *out);
  out->plain = cf_xmalloc(len + 1);
  size_t w = 0, cap = 0, start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && text[i] != '\n') continue;
    if (i == len && i == start && len > 0) break; /* text ended with "\n" */
    if (i == len && len == 0) break;
    size_t e = i;
    if (e > start && text[e - 1] == '\r') e--;
    cf_log_line ln = {0};
    ln.off = w;
    ln.len = e - start;
    memcpy(out->plain + w, text + start, ln.len);
    w += ln.len;
    ln.raw_off = ln.off;
    ln.raw_len = ln.len;
    ln.pos = (long)out->n_lines;
    ln.time = 0;
    CF_PUSH(out->lines, out->n_lines, cap, ln);
    if (i < len) out->plain[w++] = '\n';
    start = i + 1;
  }
  if (w > 0 && out->plain[w - 1] == '\n' && len > 0 && text[len - 1] == '\n') w--;
  out->plain[w] = '\0';
  out->plain_len = w;
  out->raw = cf_xmalloc(w + 1);
  memcpy(out->raw, out->plain, w + 1);
  out->raw_len = w;
}

void cf_rules_textlog_free(cf_steplog *log) {
  if (!log) return;
  free(log->plain);
  free(log->raw);
  free(log->lines);
  memset(log, 0, sizeof *log);
}
