/*
 * rawscan_oracle.h: what the raw-blob prefilter (rawscan.h) must agree
 * with, shared by tests/perf/test_rawscan.c and the differential fuzzer
 * tests/fuzz/fuzz_logdecode_diff.c. Header-only (static), one copy per
 * test program; the rule set and matcher live for the whole program.
 */
#ifndef CF_TESTS_RAWSCAN_ORACLE_H
#define CF_TESTS_RAWSCAN_ORACLE_H

#include <stdio.h>
#include <stdlib.h>

#include "ciforensics/logdecode.h"
#include "ciforensics/rawscan.h"
#include "ciforensics/rules.h"

static cf_ruleset *oracle_rules;
static cf_matcher *oracle_matcher;
static cf_rawscan *oracle_scan;

/* The shipped rules ($CF_SOURCE_ROOT/rules, else ./rules), a matcher and a
 * scanner over them; once. Exits when the rules do not load. */
static void oracle_setup(void) {
  if (oracle_rules) return;
  const char *root = getenv("CF_SOURCE_ROOT");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/rules", root ? root : ".");
  const char *dirs[] = {dir};
  cf_err err = {{0}};
  if (cf_ruleset_load(dirs, 1, &oracle_rules, &err)) {
    fprintf(stderr, "cannot load %s (set CF_SOURCE_ROOT): %s\n", dir, err.msg);
    exit(1);
  }
  oracle_matcher = cf_matcher_new(oracle_rules, NULL);
  oracle_scan = cf_rawscan_new(oracle_rules);
}

/* What decoding and matching the blob yields: 1 when anything (an error, a
 * truncation note, a hit, veto, observation or limit event), else 0. A
 * blob the scanner calls "cannot hit" must yield 0. */
static int oracle_yields_something(const char *step, const char *blob, size_t len) {
  cf_steplog log;
  cf_err err = {{0}};
  if (cf_steplog_decode(blob, len, CF_STEPLOG_MAX_BLOB, &log, &err)) return 1;
  int any = log.truncated;
  cf_step_matches sm;
  cf_matcher_run(oracle_matcher, step, &log, NULL, 0, &sm);
  any |= sm.n_hits || sm.n_vetoes || sm.n_limited;
  for (size_t i = 0; i < sm.n_observed; i++) any |= sm.observed[i].observed;
  cf_step_matches_free(&sm);
  cf_steplog_free(&log);
  return any;
}

#endif
