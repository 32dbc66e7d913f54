/*
 * ruletest.c: the checks behind `rules test` and `rules lint`
 * (ruletest.h). Examples run through the real matcher, once with and once
 * without the literal prefilter, so a wrong explicit `literals:` entry or a
 * deriver bug shows up as a disagreement on the rule's own examples.
 */
#include <stdlib.h>
#include <string.h>

#include "ciforensics/ruletest.h"
#include "rules_int.h"

const char *const cf_rules_benign_lines[] = {
    "INFO starting",
    "ok",
    "PASSED",
    "done",
    "+ docker stack deploy --compose-file compose.yml ghost",
    "Creating network ghost_default",
    "Creating service ghost_app",
    "Step 3/12 : RUN apk add --no-cache curl",
    "latest: Pulling from library/mysql",
    "Status: Downloaded newer image for mysql:8.0",
    "Cloning into 'ghost'...",
    "tests/ghost/test_install.py::test_install PASSED                         [100%]",
    "============================== 3 passed in 51.02s ==============================",
    "2026-06-13T06:13:02Z INFO server listening on :2368",
    "[harness] ==> tier install: start (pytest tests/ghost/test_install.py)",
    "[harness] <== tier install: pass (51.0 s)",
    NULL,
};

static void add(cf_rule_report *rep, size_t *cap, const char *file, size_t line,
                const char *rule, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(cf_rule_report *rep, size_t *cap, const char *file, size_t line,
                const char *rule, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  for (size_t i = 0; i < rep->n_problems; i++) {
    const cf_rule_problem *p = &rep->problems[i];
    if (p->line == line && !strcmp(p->file, file) && !strcmp(p->rule, rule) &&
        !strcmp(p->what, b.data)) {
      cf_buf_free(&b);
      return; /* the same problem found from both sides of a rivalry */
    }
  }
  cf_rule_problem p = {cf_xstrdup(file), line, cf_xstrdup(rule), cf_buf_steal(&b)};
  CF_PUSH(rep->problems, rep->n_problems, *cap, p);
}

void cf_rule_report_free(cf_rule_report *rep) {
  if (!rep) return;
  for (size_t i = 0; i < rep->n_problems; i++) {
    free(rep->problems[i].file);
    free(rep->problems[i].rule);
    free(rep->problems[i].what);
  }
  free(rep->problems);
  memset(rep, 0, sizeof *rep);
}

/* Did rule ri fire on the text? Sets *veto_line (1-based, 0 if none) and
 * *limited. */
static int fires(cf_matcher *m, size_t ri, const cf_steplog *log, size_t *veto_line,
                 int *limited) {
  cf_step_matches sm;
  cf_matcher_run(m, NULL, log, NULL, 0, &sm);
  int f = 0;
  for (size_t i = 0; i < sm.n_hits; i++) f |= sm.hits[i].rule == ri;
  if (veto_line) *veto_line = 0;
  for (size_t i = 0; i < sm.n_vetoes; i++)
    if (sm.vetoes[i].rule == ri && veto_line) *veto_line = sm.vetoes[i].veto_line + 1;
  if (limited) {
    *limited = 0;
    for (size_t i = 0; i < sm.n_limited; i++) *limited |= sm.limited[i] == ri;
  }
  cf_step_matches_free(&sm);
  return f;
}

static int pattern_hits_log(cf_matcher *m, const cf_rule *r, size_t k, const cf_steplog *log) {
  for (size_t i = 0; i < log->n_lines; i++)
    if (cf_matcher_pattern_hits(m, r, k, log->plain + log->lines[i].off, log->lines[i].len) ==
        1)
      return 1;
  return 0;
}

size_t cf_rules_test(const cf_ruleset *rs, cf_rule_report *out) {
  memset(out, 0, sizeof *out);
  size_t cap = 0;
  cf_matcher_opts nopf = {0, 1};
  cf_matcher *m = cf_matcher_new(rs, NULL), *plain = cf_matcher_new(rs, &nopf);
  out->n_rules = rs->n_rules;
  for (size_t ri = 0; ri < rs->n_rules; ri++) {
    const cf_rule *r = &rs->rules[ri];
    int n_match = 0, n_no = 0;
    int *used = cf_xcalloc(r->n_patterns ? r->n_patterns : 1, sizeof *used);
    for (size_t e = 0; e < r->n_examples; e++) {
      const cf_rule_example *ex = &r->examples[e];
      out->n_examples++;
      if (ex->should_match) n_match++;
      else n_no++;
      cf_steplog log;
      cf_rules_textlog(ex->text, strlen(ex->text), &log);
      size_t veto = 0;
      int limited = 0;
      int f = fires(m, ri, &log, &veto, &limited);
      int f2 = fires(plain, ri, &log, NULL, NULL);
      if (limited)
        add(out, &cap, r->file, ex->line, r->id, "example hits the match limit");
      else if (ex->should_match && !f && veto)
        add(out, &cap, r->file, ex->line, r->id,
            "'match' example is vetoed by an 'unless' pattern (example line %zu)", veto);
      else if (ex->should_match && !f)
        add(out, &cap, r->file, ex->line, r->id, "'match' example does not fire");
      else if (!ex->should_match && f)
        add(out, &cap, r->file, ex->line, r->id, "'no_match' example fires");
      if (f != f2)
        add(out, &cap, r->file, ex->line, r->id,
            "the literal prefilter changes the result (check 'literals')");
      for (size_t k = 0; k < r->n_patterns; k++)
        if (!used[k]) used[k] = pattern_hits_log(m, r, k, &log);
      cf_rules_textlog_free(&log);
    }
    if (!n_match) add(out, &cap, r->file, r->line, r->id, "no 'match' example");
    if (!n_no) add(out, &cap, r->file, r->line, r->id, "no 'no_match' example");
    for (size_t k = 0; k < r->n_patterns; k++)
      if (!used[k])
        add(out, &cap, r->file, r->patterns[k].line, r->id,
            "'%s' pattern is exercised by no example: %.80s",
            cf_pattern_kind_name(r->patterns[k].kind), r->patterns[k].text);
    free(used);
  }
  cf_matcher_free(m);
  cf_matcher_free(plain);
  return out->n_problems;
}

/* Strip anchors, groups and an inline (?i) and see whether what is left is a
 * bare "match anything". */
static int is_catch_all(const char *p) {
  char buf[64];
  size_t n = 0;
  if (strlen(p) >= sizeof buf) return 0;
  if (!strncmp(p, "(?i)", 4)) p += 4;
  for (; *p; p++)
    if (!strchr("^$()", *p)) buf[n++] = *p;
  buf[n] = '\0';
  return !strcmp(buf, ".*") || !strcmp(buf, ".+") || !strcmp(buf, ".*?") ||
         !strcmp(buf, ".") || !strcmp(buf, "");
}

size_t cf_rules_lint(const cf_ruleset *rs, cf_rule_report *out) {
  memset(out, 0, sizeof *out);
  size_t cap = 0;
  cf_matcher *m = cf_matcher_new(rs, NULL);
  out->n_rules = rs->n_rules;
  for (size_t ri = 0; ri < rs->n_rules; ri++) {
    const cf_rule *r = &rs->rules[ri];
    out->n_examples += r->n_examples;
    for (size_t k = 0; k < r->n_patterns; k++) {
      const cf_rule_pattern *p = &r->patterns[k];
      if (p->kind != CF_PAT_MATCH && p->kind != CF_PAT_ALL) continue;
      const char *kind = cf_pattern_kind_name(p->kind);
      if (is_catch_all(p->text)) {
        add(out, &cap, r->file, p->line, r->id, "'%s' pattern is a catch-all: %s", kind,
            p->text);
        continue;
      }
      if (cf_matcher_pattern_hits(m, r, k, "", 0) == 1) {
        add(out, &cap, r->file, p->line, r->id, "'%s' pattern matches the empty string: %.80s",
            kind, p->text);
        continue;
      }
      for (const char *const *b = cf_rules_benign_lines; *b; b++)
        if (cf_matcher_pattern_hits(m, r, k, *b, strlen(*b)) == 1) {
          add(out, &cap, r->file, p->line, r->id,
              "'%s' pattern hits the ordinary line \"%s\": %.80s", kind, *b, p->text);
          break;
        }
    }
  }
  /* rivals: a rule's match examples must not fire its rivals, either way */
  for (size_t ri = 0; ri < rs->n_rules; ri++) {
    const cf_rule *r = &rs->rules[ri];
    for (size_t v = 0; v < r->n_rivals; v++) {
      long qi = cf_ruleset_find(rs, r->rivals[v]);
      if (qi < 0) continue;
      const cf_rule *q = &rs->rules[qi];
      for (int dir = 0; dir < 2; dir++) {
        const cf_rule *own = dir ? q : r, *other = dir ? r : q;
        size_t other_i = dir ? ri : (size_t)qi;
        for (size_t e = 0; e < own->n_examples; e++) {
          const cf_rule_example *ex = &own->examples[e];
          if (!ex->should_match) continue;
          cf_steplog log;
          cf_rules_textlog(ex->text, strlen(ex->text), &log);
          if (fires(m, other_i, &log, NULL, NULL))
            add(out, &cap, own->file, ex->line, own->id,
                "'match' example also fires its rival %s", other->id);
          cf_rules_textlog_free(&log);
        }
      }
    }
  }
  cf_matcher_free(m);
  return out->n_problems;
}
