/*
 * pipeline.h: runs the whole analysis of a build range (DESIGN.md
 * "Pipeline"): select builds, read each one's facts (steps, logs decoded and
 * matched one step at a time, artifacts), then context, verdicts and
 * findings. Only per-build summaries are kept for the range, so memory is
 * bounded per step and per build, never by the range.
 */
#ifndef CIFORENSICS_PIPELINE_H
#define CIFORENSICS_PIPELINE_H

#include "ciforensics/analysis.h"

typedef struct cf_analyze_opts {
  const char *db_path;       /* sqlite file, or a .sql dump (corpus) */
  int snapshot;              /* copy the database first (backup API) */
  const char *repo;          /* OWNER/NAME */
  long from, to;             /* build numbers, inclusive (0, LONG_MAX open) */
  cf_time since, until;      /* on build creation; CF_TIME_NONE open */
  const char *recipe;        /* NULL: every recipe */
  const char *runs_dir;      /* NULL: no artifacts */
  const char *events_path;
  const char *load_path;
  const char *machine_map;
  const char *prs_path;
  const char *target;        /* "pr=4" ...; NULL: none */
  const char *as_of;         /* NULL: the latest time in the inputs */
  int stale_days;            /* default 30 */
  const char *const *rules_dirs; /* NULL/0: the shipped library */
  size_t n_rules_dirs;
  int progress;              /* print progress on stderr */
  const char *cache_path;    /* --cache FILE: facts of unchanged builds are
                                reused (docs/cache.md); NULL: no cache */
} cf_analyze_opts;

/* Run the analysis into *out (free with cf_analysis_free, also on error).
 * Returns 0; or -1 when an input is unusable (bad usage, not a Drone
 * database, a broken rule, events, load or PR file): err says which file and
 * where, and no report must be written. A single unreadable log or artifact
 * is not an error: that build becomes unknown and the problem is listed in
 * out->problems. */
int cf_analyze_run(const cf_analyze_opts *o, cf_analysis *out, cf_err *err);

#endif
