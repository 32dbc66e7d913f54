/*
 * genuine.h: the facts that make a pass genuine (DESIGN.md "Verdicts"):
 * every tier passed or was intentionally skipped; the tiers' JUnit times are
 * in ladder order and inside the build's started-finished window; no tier
 * took zero time or longer than the build; results.json agrees with JUnit
 * (tier statuses, test counts, rungs, and the level, with L5 from
 * results.json's lint, which JUnit does not carry).
 *
 * The check is also useful on a failed build: the problems list says what
 * disagrees, and cf_genuine_level_note gives the level disagreement as
 * evidence text.
 */
#ifndef CIFORENSICS_GENUINE_H
#define CIFORENSICS_GENUINE_H

#include <stddef.h>

#include "ciforensics/junit.h"
#include "ciforensics/results.h"
#include "ciforensics/tiermap.h"

/* Timestamps in JUnit are whole seconds while durations are fractional:
 * order and window checks allow this much slack (seconds). */
#define CF_GENUINE_SLACK 1

typedef struct cf_genuine_tier {
  const char *name;      /* static tier name */
  cf_tier_status status; /* JUnit's when it has testcases, else results.json's */
  cf_tier_status junit_status;   /* CF_TIER_UNKNOWN: no testcases */
  cf_tier_status results_status; /* CF_TIER_UNKNOWN: not in results.json */
  int intentional_skip;  /* listed in skips.intentional */
  cf_time start, end;    /* from JUnit, rounded; CF_TIME_NONE when unknown */
  double seconds;        /* wall time end - start, else the testcase sum;
                            -1 when unknown (lint always) */
  size_t tests, failed;  /* JUnit testcases; failed = failures + errors */
} cf_genuine_tier;

typedef struct cf_genuine {
  int genuine;                       /* 1 when problems is empty */
  cf_genuine_tier tiers[CF_N_TIERS]; /* ladder order, all six */
  int level_results;                 /* results.json level, -1 unknown */
  int level_implied;                 /* from the tiers (lint from results) */
  cf_tier_id level_blocked_by;       /* first tier stopping the climb */
  cf_time window_start, window_end;  /* the build's, as given */
  size_t n_unmapped;                 /* JUnit testcases that name no tier */
  char **problems;                   /* owned; each a short sentence */
  size_t n_problems;
} cf_genuine;

/* Judge one run. results may be NULL (no results.json), files may be NULL
 * when n is 0 (no JUnit); started/finished are the build's window
 * (CF_TIME_NONE when unknown, which is itself a problem). out is
 * overwritten; free it with cf_genuine_free. */
void cf_genuine_check(const cf_results *results, const cf_junit *files,
                      size_t n, cf_time started, cf_time finished,
                      cf_genuine *out);
/* Free what g owns and zero it; accepts NULL. */
void cf_genuine_free(cf_genuine *g);

/* One line for a report, e.g. "install 51 s → upgrade 45 s → backup 5 s →
 * restore 6 s → custom 4 s, in order, inside the build window
 * 06:13:02–06:15:10Z; results.json level 5 agrees with JUnit", or for a
 * pass that is not genuine "not genuine: <problems joined by '; '>".
 * Returns a new string the caller frees. */
char *cf_genuine_describe(const cf_genuine *g);

/* "results.json says level 5 but the tiers imply level 1 (upgrade: fail)"
 * when the two disagree, else NULL. Caller frees. */
char *cf_genuine_level_note(const cf_genuine *g);

#endif
