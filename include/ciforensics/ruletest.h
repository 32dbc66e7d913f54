/*
 * ruletest.h: checking a rule library against itself (`ciforensics rules
 * test` and `rules lint`). Both return a list of problems, each tied to a
 * file and line, that cli/ prints as "file:line: rule ID: what".
 */
#ifndef CIFORENSICS_RULETEST_H
#define CIFORENSICS_RULETEST_H

#include <stddef.h>

#include "ciforensics/rules.h"

typedef struct cf_rule_problem {
  char *file;   /* owned */
  size_t line;  /* 1-based */
  char *rule;   /* owned rule id */
  char *what;   /* owned description */
} cf_rule_problem;

typedef struct cf_rule_report {
  cf_rule_problem *problems; /* in rule order, then line */
  size_t n_problems;
  size_t n_rules;
  size_t n_examples;
} cf_rule_report;

/* `rules test`: every `match` example must fire its rule and every
 * `no_match` example must not (the real matcher, the example as one step
 * without tiers or step name); the prefilter must not change either answer;
 * each rule needs both kinds of example; every pattern (match, all, unless,
 * observable) must hit a line of some example. Fills out (free with
 * cf_rule_report_free) and returns the number of problems. */
size_t cf_rules_test(const cf_ruleset *rs, cf_rule_report *out);

/* `rules lint`: `match`/`all` patterns that match the empty string, are a
 * bare catch-all (.* or .+), or hit one of a few ordinary log lines
 * (cf_rules_benign_lines); and rules whose `match` examples fire a rule
 * listed in their `rivals` (either direction). Returns the problem count. */
size_t cf_rules_lint(const cf_ruleset *rs, cf_rule_report *out);

/* The built-in ordinary lines lint checks against, NULL-terminated. */
extern const char *const cf_rules_benign_lines[];

void cf_rule_report_free(cf_rule_report *rep);

#endif
