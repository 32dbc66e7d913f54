/*
 * rules.h: the rule engine. A cf_ruleset is loaded from one or more rule
 * directories (YAML, docs/rules.md), compiled once with PCRE2-JIT and never
 * changed afterwards, so it can be shared. A cf_matcher is the per-run
 * state (match data, JIT stack, match limit, limit bookkeeping) that runs
 * the set over one decoded step log at a time.
 *
 * Pattern semantics, fixed for the whole engine: UTF-8 with
 * PCRE2_MATCH_INVALID_UTF (invalid bytes never make matching fail, they just
 * never match), PCRE2_MULTILINE (^ and $ are line ends), case-sensitive
 * unless the pattern says (?i). A pattern hits line L when it matches inside
 * L: the subject is the step text up to L's end and matching starts at L's
 * first byte, so lookbehind may see earlier lines but a match never runs
 * past L. The literal prefilter only skips lines where no match is possible.
 */
#ifndef CIFORENSICS_RULES_H
#define CIFORENSICS_RULES_H

#include <stddef.h>

#include "ciforensics/logdecode.h"
#include "ciforensics/model.h"
#include "ciforensics/util.h"

/* ---- limits (one place, each with its reason) ---- */
#define CF_RULES_MAX_DIRS 16        /* --rules may repeat; more is a mistake */
#define CF_RULES_MAX_FILES 1000     /* *.yaml per directory */
#define CF_RULES_MAX_RULES 10000    /* the shipped library has ~100 */
#define CF_RULES_MAX_PATTERNS 64    /* per rule, all kinds together */
#define CF_RULES_MAX_PATTERN_LEN 4096
#define CF_RULES_MAX_LIST 100       /* items of tiers/steps/rivals/literals/examples */
#define CF_RULES_MAX_MORE 20        /* further matching lines kept per hit */
#define CF_RULES_MAX_CAPTURES 8     /* numbered groups kept per hit */
#define CF_RULES_MAX_CAPTURE_LEN 200 /* bytes kept per capture */
#define CF_RULES_LIMIT_DISABLE 3    /* limit hits before a rule is off for the run */
#define CF_RULES_MATCH_LIMIT 1000000u /* PCRE2 match limit: ~ms per attempt */
#define CF_RULES_JIT_STACK_MIN (32u << 10)
#define CF_RULES_JIT_STACK_MAX (1u << 20)

typedef enum { CF_CLASS_RECIPE, CF_CLASS_TIMING, CF_CLASS_INFRA } cf_rule_class;
/* "recipe", "timing" or "infra" */
const char *cf_rule_class_name(cf_rule_class c);

typedef enum {
  CF_PAT_MATCH,      /* `match`: any one hits */
  CF_PAT_ALL,        /* `all`: every one must hit in the step */
  CF_PAT_UNLESS,     /* `unless`: a hit anywhere in the step vetoes */
  CF_PAT_OBSERVABLE, /* `observable`: the rule's evidence was visible */
  CF_PAT_CLEARED,    /* `cleared_by`: a hit after the rule's last hit line
                        means the condition cleared (a retry succeeded) */
} cf_pattern_kind;
/* "match", "all", "unless", "observable" or "cleared_by" */
const char *cf_pattern_kind_name(cf_pattern_kind k);

struct cf_pattern_code; /* compiled form, private to analyzer/rules */

typedef struct cf_rule_pattern {
  cf_pattern_kind kind;
  char *text;                   /* the regex as written */
  size_t line;                  /* 1-based line in the rule file */
  struct cf_pattern_code *code; /* private */
} cf_rule_pattern;

typedef struct cf_rule_example {
  char *text;       /* one step's text, lines separated by "\n" */
  size_t line;      /* 1-based line in the rule file */
  int should_match; /* from examples.match (1) or examples.no_match (0) */
} cf_rule_example;

/* One rule as loaded. Everything is owned by the ruleset. */
typedef struct cf_rule {
  char *id, *title;
  char *explain;             /* NULL when absent */
  cf_rule_class cls;
  char *file;                /* path of the file the rule came from */
  size_t line;               /* 1-based line of the rule's list item */
  char **tiers; size_t n_tiers;       /* normalised tier names */
  char **steps; size_t n_steps;       /* step names (shell globs) */
  char **rivals; size_t n_rivals;     /* rule ids, all present in the set */
  char **literals; size_t n_literals; /* explicit prefilter literals */
  cf_rule_pattern *patterns; size_t n_patterns; /* in file order, by kind */
  cf_rule_example *examples; size_t n_examples;
  int uses_all;              /* 1: `all`, 0: `match` */
} cf_rule;

typedef struct cf_ruleset cf_ruleset;
struct cf_tierdef;
struct cf_errorlines;

/* Load every directory in dirs (n_dirs >= 1), in order: each *.yaml file,
 * sorted by name, is a list of rules, except tiers.yaml and errorlines.yaml
 * which hold tier banners and error-line patterns (the last directory that
 * has one wins). A duplicate id inside one directory is an error; a later
 * directory replaces an earlier one's rule of the same id in place. Rivals
 * are checked after merging. On success *out is the compiled set (free with
 * cf_ruleset_free). On error returns -1 with "file:line: ..." in err. */
int cf_ruleset_load(const char *const *dirs, size_t n_dirs, cf_ruleset **out, cf_err *err);

/* Load one rule file's text (len bytes; name is used in messages) as a
 * complete set: the in-memory entry point used by the fuzzer. */
int cf_ruleset_load_buffer(const char *name, const char *text, size_t len,
                           cf_ruleset **out, cf_err *err);

/* NULL and half-built sets are fine. */
void cf_ruleset_free(cf_ruleset *rs);

size_t cf_ruleset_count(const cf_ruleset *rs);
/* Rule i (0 <= i < count), in load order. Borrowed. */
const cf_rule *cf_ruleset_rule(const cf_ruleset *rs, size_t i);
/* Index of the rule with this id, or -1. */
long cf_ruleset_find(const cf_ruleset *rs, const char *id);
/* FNV-1a 64 over the loaded files (name, NUL, bytes) in load order, as 16
 * lower-case hex digits. Borrowed. */
const char *cf_ruleset_hash(const cf_ruleset *rs);
/* The tier banners and error-line patterns loaded with the set; NULL when no
 * directory had the file. Borrowed. */
const struct cf_tierdef *cf_ruleset_tiers(const cf_ruleset *rs);
const struct cf_errorlines *cf_ruleset_errorlines(const cf_ruleset *rs);

/* ---- matching ---- */

typedef struct cf_matcher_opts {
  unsigned match_limit;   /* 0: CF_RULES_MATCH_LIMIT */
  int no_prefilter;       /* 1: run every pattern over the whole step */
} cf_matcher_opts;

typedef struct cf_matcher cf_matcher;

/* A matcher for one run over rs (which must outlive it). opts may be NULL.
 * Free with cf_matcher_free. */
cf_matcher *cf_matcher_new(const cf_ruleset *rs, const cf_matcher_opts *opts);
void cf_matcher_free(cf_matcher *m);

/* A rule that fired in a step. Lines are 0-based indexes into the steplog's
 * lines (report them as lines[i].pos + 1). */
typedef struct cf_rule_hit {
  size_t rule;          /* index in the ruleset */
  size_t line;          /* where the rule is satisfied: the first matching
                           line (`match`) or the line where the last required
                           pattern first hit (`all`) */
  size_t *more;         /* `match`: further matching lines, ascending */
  size_t n_more;        /*   at most CF_RULES_MAX_MORE */
  size_t *support;      /* `all`: first-hit line of each `all` pattern, in */
  size_t n_support;     /*   pattern order */
  char **captures;      /* numbered groups of the deciding match ("" when */
  size_t n_captures;    /*   unset), each at most CF_RULES_MAX_CAPTURE_LEN */
} cf_rule_hit;

/* A rule whose patterns fired but an `unless` pattern hit in the step, or a
 * `cleared_by` pattern hit after its last hit line. */
typedef struct cf_rule_veto {
  size_t rule;
  size_t line;          /* where the rule would have been satisfied */
  size_t veto_line;     /* first line where the `unless` (or, after the
                           rule's last hit, the `cleared_by`) pattern hit */
  int cleared;          /* 1: cleared_by, 0: unless */
} cf_rule_veto;

/* For each in-scope rule with `observable` patterns: whether one hit. */
typedef struct cf_rule_observed {
  size_t rule;
  int observed;         /* 1: the rule's evidence was visible in the step */
  size_t line;          /* first observable hit (valid when observed) */
} cf_rule_observed;

typedef struct cf_step_matches {
  cf_rule_hit *hits; size_t n_hits;             /* by line, then rule index */
  cf_rule_veto *vetoes; size_t n_vetoes;        /* by rule index */
  cf_rule_observed *observed; size_t n_observed; /* by rule index */
  size_t *limited; size_t n_limited;  /* rules that hit the match limit here
                                         (their result here is incomplete) */
} cf_step_matches;

/* Run every enabled rule over one step. step_name may be NULL (unknown: the
 * rules' `steps` scope is then not applied). spans are the step's tiers
 * (1-based line indexes, steplog line i is line i+1); with n_spans == 0 a
 * tier-scoped rule applies to every line, otherwise only to lines inside a
 * span of one of its tiers. `unless` looks at the whole step; `match`, `all`
 * and `observable` at the rule's scope. out is overwritten; free it with
 * cf_step_matches_free. Returns 0 (matching failures are reported through
 * out->limited and cf_matcher_limits, never as errors). */
int cf_matcher_run(cf_matcher *m, const char *step_name, const cf_steplog *log,
                   const cf_tier_span *spans, size_t n_spans, cf_step_matches *out);
void cf_step_matches_free(cf_step_matches *sm);

/* Rules that hit the match limit during this run, by rule index. */
typedef struct cf_rule_limit {
  size_t rule;
  unsigned hits;     /* number of limit hits */
  int disabled;      /* 1 after CF_RULES_LIMIT_DISABLE hits: skipped since */
} cf_rule_limit;
/* Borrowed array valid until the next cf_matcher_run or free. */
const cf_rule_limit *cf_matcher_limits(const cf_matcher *m, size_t *n);

/* Does pattern k of rule r hit the single line text (len bytes)? Used by
 * lint and error lines; returns 1, 0, or -1 when the match limit was hit. */
int cf_matcher_pattern_hits(cf_matcher *m, const cf_rule *r, size_t k, const char *text,
                            size_t len);

/* ---- plain text as a step ---- */

/* Build a steplog from plain text (a file given to `rules scan`, a rule
 * example): lines split at "\n", a "\r" before it dropped, pos = index,
 * time = 0, raw = plain. Free with cf_rules_textlog_free. */
void cf_rules_textlog(const char *text, size_t len, cf_steplog *out);
void cf_rules_textlog_free(cf_steplog *log);

#endif
