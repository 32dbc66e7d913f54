/*
 * cmd_rules.c: `ciforensics rules test|lint|list|scan [--rules DIR]...`,
 * the rule library's own tooling (docs/rules.md): check every rule against
 * its examples, lint for catch-alls and rival overlaps, list the rules (or
 * their patterns, for a ripgrep comparison), and scan plain text logs the
 * way `analyze` scans a step. Without --rules the data directory's rules/
 * is used; with it, only the directories given (later ones override
 * earlier ones by id). Output is deterministic and goes through the
 * redactor, except `list --patterns`, which prints the library's own regex
 * text unchanged so that `rg -P -f` can read it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/errorlines.h"
#include "ciforensics/rules.h"
#include "ciforensics/ruletest.h"
#include "ciforensics/tiers.h"
#include "ciforensics/logdecode.h"
#include "cli.h"

#define SCAN_MAX_FILE ((size_t)64 << 20) /* a Drone step holds at most 5 MiB */
#define SCAN_MAX_ERRORS 20

static const char help_main[] =
    "usage: ciforensics rules test|lint|list|scan [--rules DIR]... [options]\n"
    "\n"
    "Work on the rule library (docs/rules.md).\n"
    "  test   every example must agree with its rule; every rule needs a\n"
    "         match and a no_match example; every pattern must be exercised\n"
    "  lint   catch-all patterns and rules whose examples fire their rivals\n"
    "  list   id, class and title of every rule (--patterns: the patterns)\n"
    "  scan   run the rules over plain text files, one step per file\n"
    "\n"
    "`ciforensics rules <action> --help` describes each action.\n"
    "options:\n"
    "  --rules DIR   a rules directory (repeatable; default: the data\n"
    "                directory's rules/); later directories override\n"
    "                earlier ones by rule id\n";

static const char help_test[] =
    "usage: ciforensics rules test [--rules DIR]...\n"
    "\n"
    "Run every rule over each of its examples (one example = one step, no\n"
    "tiers): a `match` example must fire the rule, a `no_match` example must\n"
    "not, with and without the literal prefilter. A rule without both kinds of\n"
    "example, and a pattern (match, all, unless, observable) that hits no\n"
    "example line, is a problem. Prints `file:line: rule ID: what` per problem\n"
    "and `N rules, N examples, N problems`; exit status 1 on any problem.\n";

static const char help_lint[] =
    "usage: ciforensics rules lint [--rules DIR]...\n"
    "\n"
    "Report `match`/`all` patterns that are catch-alls (.*), match the empty\n"
    "string or hit an ordinary log line (\"INFO starting\", \"ok\", \"PASSED\",\n"
    "...), and rules whose `match` examples also fire a rule named in their\n"
    "`rivals` (or the other way round). Exit status 1 on any problem.\n";

static const char help_list[] =
    "usage: ciforensics rules list [--rules DIR]... [--patterns]\n"
    "\n"
    "Print `id  class  title` per rule, sorted by id, then the rule count and\n"
    "rules hash. --patterns prints every match/all pattern instead, one per\n"
    "line, unchanged: PCRE2 syntax, which `rg -P -f FILE` reads as is (plain\n"
    "`rg -f` may reject lookaround).\n";

static const char help_scan[] =
    "usage: ciforensics rules scan [--rules DIR]... [--step NAME] [--errors] FILE...\n"
    "\n"
    "Run the rule set over plain text files, each file one step (lines are\n"
    "1-based, a trailing \\r is dropped), tier banners applied. Prints the\n"
    "tier spans found (`FILE: tier NAME lines A-B`), then per hit\n"
    "`FILE:LINE: RULE (CLASS)`, per veto `FILE:LINE: RULE (CLASS) vetoed at\n"
    "line N`, rules that hit the match limit, and a summary line.\n"
    "options:\n"
    "  --step NAME   the step's name, for rules with a `steps` scope (without\n"
    "                it `steps` is not applied)\n"
    "  --errors      also print up to 20 distinct error lines per file\n"
    "                (`FILE:LINE: error: TEXT`, errorlines.yaml)\n";

typedef struct {
  const char *dirs[CF_RULES_MAX_DIRS];
  size_t n_dirs;
  int patterns, errors;
  const char *step;
} opts_t;

static int parse(int argc, char **argv, const char *help, opts_t *o) {
  enum { O_RULES = 1, O_PATTERNS, O_STEP, O_ERRORS };
  static const struct option longs[] = {
      {"rules", required_argument, NULL, O_RULES},
      {"patterns", no_argument, NULL, O_PATTERNS},
      {"step", required_argument, NULL, O_STEP},
      {"errors", no_argument, NULL, O_ERRORS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
    switch (c) {
    case O_RULES:
      if (o->n_dirs >= CF_RULES_MAX_DIRS)
        return cf_cli_error("rules: more than %d --rules directories", CF_RULES_MAX_DIRS);
      o->dirs[o->n_dirs++] = optarg;
      break;
    case O_PATTERNS: o->patterns = 1; break;
    case O_STEP: o->step = optarg; break;
    case O_ERRORS: o->errors = 1; break;
    case 'h': fputs(help, stdout); return -1;
    default: return cf_cli_bad_option("rules", c, argv);
    }
  }
  return 0;
}

static int load(opts_t *o, cf_ruleset **rs) {
  char *def = NULL;
  if (o->n_dirs == 0) {
    def = cf_path_join(cf_data_dir(), "rules");
    o->dirs[o->n_dirs++] = def;
  }
  cf_err err = {0};
  int rc = cf_ruleset_load(o->dirs, o->n_dirs, rs, &err);
  if (rc) cf_cli_error("%s", err.msg);
  if (def) {
    o->n_dirs = 0;
    free(def);
  }
  return rc;
}

static int print_report(const cf_rule_report *rep) {
  cf_buf b = {0};
  for (size_t i = 0; i < rep->n_problems; i++) {
    const cf_rule_problem *p = &rep->problems[i];
    cf_buf_printf(&b, "%s:%zu: rule %s: %s\n", p->file, p->line, p->rule, p->what);
  }
  cf_buf_printf(&b, "%zu rules, %zu examples, %zu problems\n", rep->n_rules, rep->n_examples,
                rep->n_problems);
  cf_cli_write(stdout, b.data);
  cf_buf_free(&b);
  return rep->n_problems ? CF_EXIT_INPUT : CF_EXIT_OK;
}

static int idx_cmp(const void *a, const void *b, void *rs) {
  const cf_rule *x = cf_ruleset_rule(rs, *(const size_t *)a);
  const cf_rule *y = cf_ruleset_rule(rs, *(const size_t *)b);
  return strcmp(x->id, y->id);
}

/* insertion sort by id (qsort_r is not C11); rule sets are small */
static void sort_by_id(const cf_ruleset *rs, size_t *idx, size_t n) {
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && idx_cmp(&idx[j - 1], &idx[j], (void *)rs) > 0; j--) {
      size_t t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
}

static int do_list(const cf_ruleset *rs, const opts_t *o) {
  size_t n = cf_ruleset_count(rs);
  size_t *idx = cf_xcalloc(n ? n : 1, sizeof *idx);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  sort_by_id(rs, idx, n);
  if (o->patterns) {
    for (size_t i = 0; i < n; i++) {
      const cf_rule *r = cf_ruleset_rule(rs, idx[i]);
      for (size_t k = 0; k < r->n_patterns; k++)
        if (r->patterns[k].kind == CF_PAT_MATCH || r->patterns[k].kind == CF_PAT_ALL)
          printf("%s\n", r->patterns[k].text);
    }
    free(idx);
    return CF_EXIT_OK;
  }
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(cf_ruleset_rule(rs, i)->id);
    if (l > w) w = l;
  }
  cf_buf b = {0};
  for (size_t i = 0; i < n; i++) {
    const cf_rule *r = cf_ruleset_rule(rs, idx[i]);
    cf_buf_printf(&b, "%-*s  %-6s  %s\n", (int)w, r->id, cf_rule_class_name(r->cls), r->title);
  }
  cf_buf_printf(&b, "%zu rules, hash %s\n", n, cf_ruleset_hash(rs));
  cf_cli_write(stdout, b.data);
  cf_buf_free(&b);
  free(idx);
  return CF_EXIT_OK;
}

static int scan_file(const cf_ruleset *rs, cf_matcher *m, const opts_t *o, const char *path,
                     cf_buf *b, size_t *n_lines, size_t *n_hits, size_t *n_vetoes) {
  char *text = NULL;
  size_t len = 0;
  cf_err err = {0};
  if (cf_read_file(path, SCAN_MAX_FILE, &text, &len, &err)) return cf_cli_error("%s", err.msg);
  cf_steplog log;
  cf_rules_textlog(text, len, &log);
  free(text);
  cf_tier_span *spans = NULL;
  size_t n_spans = 0;
  cf_tiers_segment(cf_ruleset_tiers(rs), &log, CF_TIME_NONE, &spans, &n_spans);
  for (size_t i = 0; i < n_spans; i++)
    cf_buf_printf(b, "%s: tier %s lines %zu-%zu\n", path, spans[i].name, spans[i].first_line,
                  spans[i].last_line);
  cf_step_matches sm;
  cf_matcher_run(m, o->step, &log, spans, n_spans, &sm);
  for (size_t i = 0; i < sm.n_hits; i++) {
    const cf_rule *r = cf_ruleset_rule(rs, sm.hits[i].rule);
    cf_buf_printf(b, "%s:%zu: %s (%s)\n", path, sm.hits[i].line + 1, r->id,
                  cf_rule_class_name(r->cls));
  }
  for (size_t i = 0; i < sm.n_vetoes; i++) {
    const cf_rule *r = cf_ruleset_rule(rs, sm.vetoes[i].rule);
    cf_buf_printf(b, "%s:%zu: %s (%s) %s at line %zu\n", path, sm.vetoes[i].line + 1, r->id,
                  cf_rule_class_name(r->cls), sm.vetoes[i].cleared ? "cleared" : "vetoed",
                  sm.vetoes[i].veto_line + 1);
  }
  for (size_t i = 0; i < sm.n_limited; i++)
    cf_buf_printf(b, "%s: %s hit the match limit\n", path,
                  cf_ruleset_rule(rs, sm.limited[i])->id);
  if (o->errors && cf_ruleset_errorlines(rs) && log.n_lines) {
    size_t picked[SCAN_MAX_ERRORS];
    size_t k = cf_errorlines_pick(cf_ruleset_errorlines(rs), &log, 0, log.n_lines - 1,
                                  SCAN_MAX_ERRORS, picked);
    for (size_t i = 0; i < k; i++) {
      const cf_log_line *ln = &log.lines[picked[i]];
      /* log text: control bytes escaped so it cannot drive the terminal */
      cf_buf_printf(b, "%s:%zu: error: ", path, picked[i] + 1);
      cf_steplog_safe_append(b, log.plain + ln->off, ln->len > 300 ? 300 : ln->len, 1);
      cf_buf_putc(b, '\n');
    }
  }
  *n_lines += log.n_lines;
  *n_hits += sm.n_hits;
  *n_vetoes += sm.n_vetoes;
  cf_step_matches_free(&sm);
  cf_tier_spans_free(spans, n_spans);
  cf_rules_textlog_free(&log);
  return 0;
}

static int do_scan(const cf_ruleset *rs, const opts_t *o, int argc, char **argv) {
  if (optind >= argc) return cf_cli_error("rules scan: no FILE given (try --help)");
  cf_matcher *m = cf_matcher_new(rs, NULL);
  cf_buf b = {0};
  cf_buf_append(&b, "", 0);
  size_t n_lines = 0, n_hits = 0, n_vetoes = 0;
  int rc = CF_EXIT_OK;
  for (int i = optind; i < argc && rc == CF_EXIT_OK; i++)
    if (scan_file(rs, m, o, argv[i], &b, &n_lines, &n_hits, &n_vetoes)) rc = CF_EXIT_INPUT;
  if (rc == CF_EXIT_OK) {
    size_t nl = 0;
    const cf_rule_limit *lim = cf_matcher_limits(m, &nl);
    for (size_t i = 0; i < nl; i++)
      cf_buf_printf(&b, "rule %s: %u match-limit hits%s\n", cf_ruleset_rule(rs, lim[i].rule)->id,
                    lim[i].hits, lim[i].disabled ? ", disabled for the rest of the run" : "");
    cf_buf_printf(&b, "%d files, %zu lines, %zu hits, %zu vetoes\n", argc - optind, n_lines,
                  n_hits, n_vetoes);
    cf_cli_write(stdout, b.data);
  }
  cf_buf_free(&b);
  cf_matcher_free(m);
  return rc;
}

int cf_cmd_rules(int argc, char **argv) {
  if (argc < 2) {
    fputs(help_main, stderr);
    return CF_EXIT_INPUT;
  }
  const char *act = argv[1];
  if (!strcmp(act, "--help") || !strcmp(act, "-h")) {
    fputs(help_main, stdout);
    return CF_EXIT_OK;
  }
  const char *help = !strcmp(act, "test")   ? help_test
                     : !strcmp(act, "lint") ? help_lint
                     : !strcmp(act, "list") ? help_list
                     : !strcmp(act, "scan") ? help_scan
                                            : NULL;
  if (!help) return cf_cli_error("rules: unknown action '%s' (test, lint, list, scan)", act);
  opts_t o = {0};
  int prc = parse(argc - 1, argv + 1, help, &o);
  if (prc < 0) return CF_EXIT_OK; /* --help */
  if (prc) return prc;
  if (strcmp(act, "scan") && optind < argc - 1)
    return cf_cli_error("rules %s: unexpected argument '%s'", act, argv[optind + 1]);
  if (strcmp(act, "list") && o.patterns)
    return cf_cli_error("rules %s: --patterns belongs to 'rules list'", act);
  cf_ruleset *rs = NULL;
  if (load(&o, &rs)) return CF_EXIT_INPUT;
  int rc;
  cf_rule_report rep;
  if (!strcmp(act, "test")) {
    cf_rules_test(rs, &rep);
    rc = print_report(&rep);
    cf_rule_report_free(&rep);
  } else if (!strcmp(act, "lint")) {
    cf_rules_lint(rs, &rep);
    rc = print_report(&rep);
    cf_rule_report_free(&rep);
  } else if (!strcmp(act, "list")) {
    rc = do_list(rs, &o);
  } else {
    rc = do_scan(rs, &o, argc - 1, argv + 1);
  }
  cf_ruleset_free(rs);
  return rc;
}
