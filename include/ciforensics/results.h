/*
 * results.h: reads a run's results.json, the summary the recipe CI writes
 * next to its JUnit XML (DESIGN.md "Inputs", real-signatures.md section 13).
 *
 * Accepted shapes: schema 2 (stages as a list of {name, status, tests}) and
 * the legacy ones (stages as an object of name: status or name: bool, a list
 * of {name, status} without tests, flags at the top level). Unknown fields
 * are ignored. A missing field is never guessed: it keeps its sentinel
 * (NULL, -1, CF_TIME_NONE, CF_TIER_UNKNOWN) and its name is listed in
 * `missing`. A field of the wrong type is an error naming the file and the
 * field. docs/artifacts.md describes the format and the status synonyms.
 */
#ifndef CIFORENSICS_RESULTS_H
#define CIFORENSICS_RESULTS_H

#include <stddef.h>

#include "ciforensics/util.h"

/* Largest results.json accepted, and the deepest JSON nesting. */
#define CF_RESULTS_MAX_BYTES ((size_t)16 << 20)
#define CF_RESULTS_MAX_DEPTH 32

/* Outcome of a tier, rung or test. Synonyms accepted when reading:
 * pass/passed/ok/success/true; fail/failed/failure/error/errored/false;
 * skip/skipped; unver/unverified. Anything else is CF_TIER_UNKNOWN and
 * is noted in cf_results.problems. */
typedef enum {
  CF_TIER_UNKNOWN,
  CF_TIER_PASS,
  CF_TIER_FAIL,
  CF_TIER_SKIP,
  CF_TIER_UNVER,
} cf_tier_status;

/* "unknown", "pass", "fail", "skip" or "unver" (static). */
const char *cf_tier_status_name(cf_tier_status s);
/* Map a status word (case-insensitive, synonyms above) to a status;
 * CF_TIER_UNKNOWN when not recognised. NULL gives CF_TIER_UNKNOWN. */
cf_tier_status cf_tier_status_parse(const char *word);

typedef struct cf_result_test {
  char *name;            /* owned; NULL when missing */
  cf_tier_status status; /* CF_TIER_UNKNOWN when missing */
  long ms;               /* duration in ms; -1 when missing */
} cf_result_test;

typedef struct cf_result_stage {
  char *name;            /* owned; never NULL (a nameless stage is an error) */
  cf_tier_status status; /* CF_TIER_UNKNOWN when missing or unrecognised */
  cf_result_test *tests; /* owned; NULL when the shape has no tests */
  size_t n_tests;
  int has_tests;         /* 1 when a "tests" list was present (even empty) */
} cf_result_stage;

/* One entry of an object of name: value (rungs, intentional skips). */
typedef struct cf_result_kv {
  char *key;             /* owned */
  char *value;           /* owned; rung status word or skip reason ("" if none) */
  cf_tier_status status; /* rungs only: the parsed value */
} cf_result_kv;

typedef struct cf_results {
  char *path;            /* owned: the name used in messages */
  int schema;            /* the "schema" field when present, else -1 */
  const char *shape;     /* static: "schema2", "legacy-list", "legacy-object",
                            "none" (no stages) */
  char *recipe;          /* owned; NULL when missing */
  char *version;         /* owned; NULL when missing */
  char *ref;             /* owned; NULL when missing */
  long pr;               /* -1 when missing or null */
  int pr_null;           /* 1 when "pr" was present and null */
  long run_id;           /* -1 when missing */
  cf_time finished;      /* CF_TIME_NONE when missing */
  cf_result_stage *stages; /* owned, in file order (object keys: file order) */
  size_t n_stages;
  int level;             /* 0-5; -1 when missing */
  cf_result_kv *rungs;   /* owned, in file order */
  size_t n_rungs;
  int has_lint;          /* 1 when a "lint" object was present */
  cf_tier_status lint_status;
  char *lint_detail;     /* owned; NULL when missing */
  char **lint_rules_failed; /* owned strings */
  size_t n_lint_rules_failed;
  cf_result_kv *skips_intentional; /* owned: rung or tier -> reason */
  size_t n_skips_intentional;
  char **skips_unintentional;      /* owned strings */
  size_t n_skips_unintentional;
  int clean_teardown;    /* 1 true, 0 false, -1 missing */
  int no_secret_leak;    /* 1 true, 0 false, -1 missing */
  int flags_top_level;   /* 1 when the flags came from the legacy top level */
  char **missing;        /* owned: names of missing fields, e.g. "level",
                            "stages[1].status" (at most CF_RESULTS_MAX_NOTES) */
  size_t n_missing;
  char **problems;       /* owned: non-fatal oddities, e.g. an unknown status
                            word (at most CF_RESULTS_MAX_NOTES) */
  size_t n_problems;
} cf_results;

#define CF_RESULTS_MAX_NOTES 64

/* Read and parse path (at most CF_RESULTS_MAX_BYTES). On success returns 0
 * and out is filled (free it with cf_results_free). On failure returns -1,
 * err names the file and the place ("runs/530/results.json: field 'level':
 * expected a number", "...: line 3 (byte 41): malformed JSON") and out is
 * left empty (safe to pass to cf_results_free). */
int cf_results_load(const char *path, cf_results *out, cf_err *err);
/* The same over a memory buffer of len bytes (need not be NUL-terminated);
 * name is used in messages. */
int cf_results_load_mem(const char *data, size_t len, const char *name,
                        cf_results *out, cf_err *err);
/* Free everything r owns and zero it. Accepts NULL and half-built values. */
void cf_results_free(cf_results *r);

/* 1 when skips.intentional lists the tier or rung: by exact key
 * (case-insensitive), or through the ladder (install = L1, upgrade = L2,
 * backup and restore = L3, custom = L4, lint = L5, in both directions). */
int cf_results_skip_is_intentional(const cf_results *r, const char *tier_or_rung);

/* The stage named name (case-insensitive), or NULL. */
const cf_result_stage *cf_results_stage(const cf_results *r, const char *name);

#endif
