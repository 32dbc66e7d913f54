/*
 * tiermap.h: which tier a JUnit testcase belongs to, per-tier aggregates,
 * the tier spans JUnit timestamps imply, and the level the tiers imply.
 *
 * Tiers, in ladder order: install (L1), upgrade (L2), backup and restore
 * (together L3), custom (L4; also named functional or smoke) and lint (L5,
 * which JUnit does not carry: it comes from results.json's lint).
 * A testcase's tier is found by keyword in, in this order, its name, its
 * classname, its suite's name and its file's base name; the first of these
 * that names a tier decides, and within one text the earliest keyword wins.
 * A keyword counts only at the start of a word: after a non-letter or at a
 * lower-to-upper case change ("test_install", "TestInstall",
 * "tests/upgrade/x.py"), so "reinstall" and "uninstall" name no tier.
 */
#ifndef CIFORENSICS_TIERMAP_H
#define CIFORENSICS_TIERMAP_H

#include <stddef.h>

#include "ciforensics/junit.h"
#include "ciforensics/logdecode.h"
#include "ciforensics/model.h"
#include "ciforensics/results.h"

typedef enum {
  CF_TIERID_NONE = -1,
  CF_TIERID_INSTALL = 0,
  CF_TIERID_UPGRADE,
  CF_TIERID_BACKUP,
  CF_TIERID_RESTORE,
  CF_TIERID_CUSTOM,
  CF_TIERID_LINT,
  CF_N_TIERS
} cf_tier_id;

/* "install" ... "lint" (static); NULL for CF_TIERID_NONE. */
const char *cf_tier_name(cf_tier_id t);
/* A tier by its exact name, a synonym (functional, smoke -> custom) or a
 * rung ("L1".."L5"; L3 gives backup); case-insensitive. */
cf_tier_id cf_tier_parse(const char *name);
/* The rung (1-5) of a tier, 0 for CF_TIERID_NONE. */
int cf_tier_rung(cf_tier_id t);

/* The tier one text names by keyword (rules above), or CF_TIERID_NONE. */
cf_tier_id cf_tiermap_text(const char *text);
/* The tier of a testcase of file j (j may be NULL: no file name). */
cf_tier_id cf_tiermap_case(const cf_junit *j, const cf_junit_case *c);

/* What the JUnit files say about one tier. */
typedef struct cf_tier_agg {
  size_t tests, passed, failures, errors, skipped;
  double seconds;    /* sum of testcase times, negatives as 0 */
  double start;      /* earliest estimated case start (Unix s); NAN unknown */
  double end;        /* latest case start + time; NAN unknown */
  size_t n_untimed;  /* testcases without a known start */
} cf_tier_agg;

/* Aggregate n files' testcases into out[CF_N_TIERS] (zeroed first);
 * testcases that map to no tier are counted in *n_unmapped (may be NULL). */
void cf_tiermap_aggregate(const cf_junit *files, size_t n,
                          cf_tier_agg out[CF_N_TIERS], size_t *n_unmapped);
/* A tier's status from its aggregate: fail when any failure or error, else
 * pass when any testcase passed, else skip when all were skipped, else
 * CF_TIER_UNKNOWN (no testcases). */
cf_tier_status cf_tier_agg_status(const cf_tier_agg *a);

/* The tier spans the JUnit timestamps imply, in ladder order, one per tier
 * with at least one timed testcase; source "junit", start/end rounded to
 * whole seconds, first_line/last_line 0. *out is a new array (free with
 * cf_tier_spans_free); returns the count. */
size_t cf_junit_tier_spans(const cf_junit *files, size_t n, cf_tier_span **out);

/* Give each span with known start/end the first and last line (1-based,
 * Drone pos + 1) of log whose absolute time (step_started + the line's
 * time) falls inside [start, end]; spans with no such line keep 0. Does
 * nothing when step_started is CF_TIME_NONE. */
void cf_tier_spans_map_lines(cf_tier_span *spans, size_t n,
                             const cf_steplog *log, cf_time step_started);

/* The level a ladder of tier statuses implies (DESIGN.md "Inputs"): the
 * highest rung that passed with every rung below it passed or
 * intentionally skipped; fail, unver, unknown and unintentional skips
 * block. L3 passes when backup and restore each pass or are intentionally
 * skipped and at least one passed. st and intentional are indexed by
 * cf_tier_id. *blocking (may be NULL) gets the first tier that blocked the
 * climb, or CF_TIERID_NONE when none did. */
int cf_tier_level(const cf_tier_status st[CF_N_TIERS],
                  const int intentional[CF_N_TIERS], cf_tier_id *blocking);

#endif
