/*
 * analysis.h: per-build facts, verdicts and findings (DESIGN.md "Verdicts",
 * "Findings"). The pipeline (pipeline.c) fills one cf_facts per build from
 * the readers and the rule engine; verdict.c decides each build from its
 * facts plus the range's context; findings.c turns the range into numbered
 * findings. Verdicts and findings read only these plain structs, so they are
 * unit-tested on constructed inputs without a database.
 *
 * Ownership: a cf_analysis owns every cf_facts, string and array below it;
 * free everything with cf_analysis_free.
 */
#ifndef CIFORENSICS_ANALYSIS_H
#define CIFORENSICS_ANALYSIS_H

#include <stddef.h>

#include "ciforensics/events.h"
#include "ciforensics/model.h"
#include "ciforensics/prs.h" /* cf_sha_prefix_match */
#include "ciforensics/util.h"

typedef enum {
  CF_CLS_NONE = 0,
  CF_CLS_RECIPE,
  CF_CLS_TIMING,
  CF_CLS_INFRA,
} cf_class;
const char *cf_class_name(cf_class c); /* "recipe", ... ; NULL for NONE */
cf_class cf_class_parse(const char *s);  /* CF_CLS_NONE if unknown */

typedef enum {
  CF_VERDICT_PASS,
  CF_VERDICT_RECIPE,
  CF_VERDICT_TIMING,
  CF_VERDICT_INFRA,
  CF_VERDICT_UNKNOWN,
  CF_VERDICT_RUNNING,
  CF_VERDICT_CANCELLED,
} cf_verdict;
const char *cf_verdict_name(cf_verdict v);

typedef enum { CF_CONF_LOW, CF_CONF_MEDIUM, CF_CONF_HIGH } cf_confidence;
const char *cf_confidence_name(cf_confidence c);

/* A rule hit kept as evidence. Times are absolute (step start + log time). */
typedef struct cf_hitfact {
  char *rule;          /* rule id */
  char *title;         /* rule title */
  cf_class cls;
  char *step;          /* step name */
  char *tier;          /* tier the line is in, NULL if none known */
  long line;           /* 1-based (Drone pos + 1) */
  cf_time time;        /* CF_TIME_NONE if the step start is unknown */
  char *excerpt;       /* the line's plain text, trimmed; redacted on output */
  char **captures;
  size_t n_captures;
  long first_line;     /* `all` rules: the earliest line of their evidence
                          (the first-hit line of their first pattern); else
                          equal to line */
  cf_time first_time;
  char *first_excerpt; /* that line's text when it differs from line's */
  int n_support;       /* `all` rules: how many patterns had to agree */
  int deciding;        /* in the failing step and tier, at or before the failure */
  char **rivals;       /* the rule's rivals (ids) */
  size_t n_rivals;
} cf_hitfact;

/* Whether a rule's evidence would have been visible in a step (its
 * `observable` patterns hit there), and whether the rule fired there. */
typedef struct cf_observation {
  char *rule;
  char *step;
  long line;           /* first observable line, 1-based */
  int fired;
} cf_observation;

/* A rival of the deciding rule, judged. */
typedef enum {
  CF_RIVAL_NOT_OBSERVABLE = 0, /* nothing in the failing step could show it */
  CF_RIVAL_RULED_OUT,          /* would have been visible and is absent */
  CF_RIVAL_ALSO_MATCHED,       /* it matched too, but did not decide */
} cf_rival_state;
typedef struct cf_rival_judgement {
  char *rule;
  cf_rival_state state;
  char *why;
} cf_rival_judgement;

typedef struct cf_tierfact {
  char *name;
  char *status;        /* pass, fail, skip, unver, unknown */
  cf_time start, end;
  int intentional_skip;
} cf_tierfact;

/* One error-looking line, for unknown failures. */
typedef struct cf_errline {
  char *step;
  long line;
  char *text;
  char *fingerprint;
} cf_errline;

/* The facts of one build: everything verdicts and findings may use. */
typedef struct cf_facts {
  /* from Drone */
  long number;
  int64_t build_id;
  char *status;          /* Drone build status */
  char *event, *ref, *sha;
  cf_time created, started, finished;
  char *machine;
  char *drone_error;     /* build_error, else the failed step's step_error;
                            NULL when Drone recorded none */
  char **param_keys, **param_values;
  size_t n_params;
  cf_tested tested;      /* strings owned here */
  /* from artifacts */
  int has_results;
  int level;             /* -1 unknown */
  int clean_teardown;    /* 1, 0, -1 unknown */
  int no_secret_leak;
  cf_tierfact *tiers;    /* in ladder order */
  size_t n_tiers;
  int genuine;           /* passes only: 1 genuine, 0 not, -1 not judged */
  char *genuine_summary; /* "install 51 s → upgrade 45 s …" */
  char **genuine_problems;
  size_t n_genuine_problems;
  char **evidence_notes; /* disagreements between sources, as text */
  size_t n_evidence_notes;
  /* deciding facts */
  char *failed_tier;     /* NULL if unknown */
  char *failed_step;     /* NULL if none */
  cf_time failed_step_stopped;
  cf_time tier_failed_at;/* end of the failing tier, CF_TIME_NONE if unknown */
  cf_time failing_moment;
  cf_hitfact *hits;      /* every hit of the build, in step then line order */
  size_t n_hits;
  cf_observation *observed;
  size_t n_observed;
  cf_errline *errlines;  /* up to 5, from the failing tier */
  size_t n_errlines;
  char *fingerprint;     /* of the first error line, NULL if none */
  double load;           /* at the failing moment (or mid-stage for a pass) */
  int load_known;
  const char *load_source; /* static: "derived", "samples" or NULL */
  int elevated;          /* load above the machine's median over the range */
  /* input problems that made this build unreadable */
  char **problems;
  size_t n_problems;
  int log_truncated;
  int cancelled_by_server; /* a step ended with exit 130 (server cancel) */
  /* outcome (verdict.c) */
  int excluded;          /* created after --as-of: does not exist */
  int in_target;         /* tested matches --target */
  cf_verdict verdict;
  cf_confidence confidence;
  char **reasons;
  size_t n_reasons;
  const char *deciding_rule; /* borrowed from hits[], NULL if none */
  cf_class deciding_class;
  cf_rival_judgement *rivals;
  size_t n_rivals;
  size_t *events_applied; /* indexes into the analysis' events */
  size_t n_events_applied;
} cf_facts;


typedef struct cf_prfact {
  long number;
  char *state;           /* as of the review moment: open, closed, merged */
  char *head_sha;
  char *title;
  cf_time created, last_activity;
} cf_prfact;

typedef struct cf_target {
  int kind;              /* 0 none, 'p' pr, 's' sha, 'r' ref */
  long pr;
  char *value;           /* sha or ref text */
} cf_target;

/* One piece of evidence quoted by a finding. */
typedef struct cf_evidence {
  long build;
  char *step;            /* may be NULL */
  long line;             /* 0 if not a log line */
  cf_time time;
  char *excerpt;
} cf_evidence;

typedef struct cf_finding {
  char id[24];           /* "F1" ... */
  const char *kind;      /* static: failure-mode, wrong-target, ... */
  int severity;          /* lower sorts first */
  cf_time when;          /* earliest time it concerns, for ordering */
  char *title;
  char *text;            /* one paragraph of Markdown-safe prose */
  cf_class cls;
  long *builds;
  size_t n_builds;
  long *prs;
  size_t n_prs;
  size_t *events;        /* indexes into cf_analysis.events */
  size_t n_events;
  char *stats;           /* JSON text of statistics, or NULL */
  cf_evidence *evidence;
  size_t n_evidence;
} cf_finding;

typedef struct cf_target_verdict {
  int present;           /* a target was given */
  char *target;          /* "pr=4" */
  int operator_ready;
  long build;            /* deciding build, 0 if none */
  char *reason;
} cf_target_verdict;

typedef struct cf_input_problem {
  long build;            /* 0 if not tied to a build */
  char *file;
  char *problem;
} cf_input_problem;

/* The whole analysis of a range. */
typedef struct cf_analysis {
  char *repo;
  long from, to;
  char *recipe;          /* NULL when not restricted */
  cf_target target;
  cf_time as_of;
  int as_of_given;
  int stale_days;
  char *rules_hash;
  size_t n_rules;
  cf_facts *builds;      /* ascending by number; excluded ones included */
  size_t n_builds;
  cf_event *events;      /* copies of the events seen at as_of, file order;
                            questions through events.h (cf_event_applies …) */
  size_t n_events;
  cf_prfact *prs;
  size_t n_prs;
  int have_prs;
  cf_finding *findings;
  size_t n_findings;
  cf_target_verdict verdict;
  cf_input_problem *problems;
  size_t n_problems;
  char **warnings;       /* e.g. rules disabled after limit hits */
  size_t n_warnings;
  char **inputs;         /* "drone.sqlite (sha256 …)" lines for the header */
  size_t n_inputs;
} cf_analysis;

void cf_analysis_free(cf_analysis *a);
void cf_facts_free(cf_facts *f);

/* Parse "pr=4", "sha=d88f5801", "ref=refs/pull/4/head". */
int cf_target_parse(const char *s, cf_target *out, cf_err *err);
/* Does a build's tested identity match the target? shas by prefix (>= 7
 * hex) in either direction. */
int cf_target_matches(const cf_target *t, const cf_tested *tested,
                      const char *ref);
char *cf_target_describe(const cf_target *t); /* "pr=4"; caller frees */


/* Builds ordered by the first 7 characters of their tested sha (lower
 * case), so "every build of this sha" is a binary search, not a scan of the
 * range. Owns idx; free with cf_sha_index_free. */
typedef struct cf_sha_index {
  size_t *idx;           /* indexes into a->builds with a tested sha */
  size_t n;
  const cf_analysis *a;  /* borrowed */
} cf_sha_index;
void cf_sha_index_build(cf_sha_index *ix, const cf_analysis *a);
/* [*lo, *hi) of ix->idx whose sha shares sha's first 7 characters; the
 * caller still checks cf_sha_prefix_match for each. */
void cf_sha_index_range(const cf_sha_index *ix, const char *sha, size_t *lo, size_t *hi);
void cf_sha_index_free(cf_sha_index *ix);

/* Does event e apply to build f, whose failing tier is tier (NULL: not
 * known)? cf_event_applies with the build's machine and tested recipe. */
int cf_event_applies_to(const cf_event *e, const cf_facts *f, const char *tier);
/* The first deciding hit of f that fix e resolves (by rule id or class),
 * or NULL (also when e is no fix). */
const cf_hitfact *cf_fix_resolved_hit(const cf_event *e, const cf_facts *f);

/* verdict.c: mark deciding hits and set the failing moment (call before
 * measuring load at that moment). */
void cf_facts_locate_failure(cf_facts *f);
/* Same way: same tier and same deciding rule, or same fingerprint. */
int cf_facts_same_way(const cf_facts *a, const cf_facts *b);
/* The evidence note saying f's failing step has no log or an empty one
 * (why nothing is quoted), or NULL. Points into f. */
const char *cf_facts_silent_log(const cf_facts *f);
/* verdict.c: decide every build (needs load medians: computed inside). */
void cf_decide_all(cf_analysis *a);
/* findings.c: number the findings and the target verdict. */
void cf_findings_build(cf_analysis *a);

#endif
