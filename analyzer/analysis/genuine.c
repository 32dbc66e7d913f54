/*
 * genuine.c: judges whether a run's pass is genuine from its results.json,
 * its JUnit reports and the build window (see genuine.h). Every check that
 * fails adds one short sentence to the problems list; the pass is genuine
 * when there are none.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/genuine.h"

#define MAX_PROBLEMS 64

static void problem(cf_genuine *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(cf_genuine *g, const char *fmt, ...) {
  if (g->n_problems >= MAX_PROBLEMS) return;
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  size_t cap = g->n_problems;
  CF_PUSH(g->problems, g->n_problems, cap, cf_buf_steal(&b));
}

/* "06:13:02Z"-style clock time (the date is in the report's header). */
static const char *clock_of(cf_time t, char *buf, size_t size) {
  char full[CF_TIME_BUFSZ];
  cf_time_format(t, full, sizeof full);
  snprintf(buf, size, "%s", strlen(full) >= 20 ? full + 11 : full);
  return buf;
}

/* The results.json stage of tier t: by exact name, else by synonym
 * ("functional" and "smoke" are custom). */
static const cf_result_stage *stage_for(const cf_results *r, cf_tier_id t) {
  const cf_result_stage *s = cf_results_stage(r, cf_tier_name(t));
  for (size_t i = 0; !s && i < r->n_stages; i++)
    if (cf_tier_parse(r->stages[i].name) == t) s = &r->stages[i];
  return s;
}

/* Rung state from tier statuses: 0 passed, 1 intentionally skipped, 2 blocked. */
static int rung_state(const cf_genuine *g, int rung, cf_tier_id *blocker) {
  int passed = 0;
  for (int t = 0; t < CF_N_TIERS; t++) {
    if (cf_tier_rung((cf_tier_id)t) != rung) continue;
    const cf_genuine_tier *gt = &g->tiers[t];
    if (gt->status == CF_TIER_PASS) {
      passed = 1;
    } else if (!(gt->status == CF_TIER_SKIP && gt->intentional_skip)) {
      if (blocker) *blocker = (cf_tier_id)t;
      return 2;
    }
  }
  return passed ? 0 : 1;
}

static void check_rungs(cf_genuine *g, const cf_results *r) {
  static const char *state_name[] = {"passed", "intentionally skipped",
                                     "blocked"};
  for (size_t i = 0; i < r->n_rungs; i++) {
    const cf_result_kv *kv = &r->rungs[i];
    const char *k = kv->key;
    if (!((k[0] == 'L' || k[0] == 'l') && k[1] >= '1' && k[1] <= '5' && !k[2]))
      continue; /* only the ladder's rungs are comparable */
    if (kv->status == CF_TIER_UNKNOWN) continue; /* noted by the reader */
    cf_tier_id blocker = CF_TIERID_NONE;
    int derived = rung_state(g, k[1] - '0', &blocker);
    int claimed = kv->status == CF_TIER_PASS   ? 0
                  : kv->status == CF_TIER_SKIP ? 1
                                               : 2;
    if (claimed == derived) continue;
    if (blocker != CF_TIERID_NONE)
      problem(g, "rung %s: results.json says %s, but the tiers say %s (%s: %s)",
              k, cf_tier_status_name(kv->status), state_name[derived],
              cf_tier_name(blocker),
              cf_tier_status_name(g->tiers[blocker].status));
    else
      problem(g, "rung %s: results.json says %s, but the tiers say %s", k,
              cf_tier_status_name(kv->status), state_name[derived]);
  }
}

static void check_statuses(cf_genuine *g, const cf_results *r,
                           const cf_tier_agg *agg) {
  for (int t = 0; t < CF_N_TIERS; t++) {
    const cf_genuine_tier *gt = &g->tiers[t];
    if (gt->status == CF_TIER_PASS) {
    } else if (gt->status == CF_TIER_SKIP) {
      if (!gt->intentional_skip)
        problem(g, "%s: skipped, but not listed as an intentional skip",
                gt->name);
    } else if (gt->status == CF_TIER_UNKNOWN) {
      problem(g, "%s: no outcome in JUnit or results.json", gt->name);
    } else {
      problem(g, "%s: %s", gt->name, cf_tier_status_name(gt->status));
    }
    if (t == CF_TIERID_LINT || !r) continue;
    /* results.json against JUnit */
    if (gt->junit_status != CF_TIER_UNKNOWN &&
        gt->results_status != CF_TIER_UNKNOWN &&
        gt->junit_status != gt->results_status)
      problem(g, "%s: results.json says %s, JUnit says %s", gt->name,
              cf_tier_status_name(gt->results_status),
              cf_tier_status_name(gt->junit_status));
    else if (gt->junit_status == CF_TIER_UNKNOWN &&
             gt->results_status == CF_TIER_PASS)
      problem(g, "%s: results.json says pass, but no JUnit testcase belongs "
              "to it", gt->name);
    else if (gt->results_status == CF_TIER_UNKNOWN &&
             gt->junit_status != CF_TIER_UNKNOWN)
      problem(g, "%s: JUnit has %zu testcases, but results.json gives no "
              "status for it", gt->name, gt->tests);
    const cf_result_stage *st = stage_for(r, (cf_tier_id)t);
    if (st && st->has_tests && gt->junit_status != CF_TIER_UNKNOWN) {
      size_t failed = 0;
      for (size_t i = 0; i < st->n_tests; i++)
        if (st->tests[i].status == CF_TIER_FAIL ||
            st->tests[i].status == CF_TIER_UNVER)
          failed++;
      if (st->n_tests != agg[t].tests)
        problem(g, "%s: results.json lists %zu tests, JUnit has %zu",
                gt->name, st->n_tests, agg[t].tests);
      else if (failed != gt->failed)
        problem(g, "%s: results.json has %zu failed tests, JUnit has %zu",
                gt->name, failed, gt->failed);
    }
  }
}

static void check_times(cf_genuine *g, const cf_tier_agg *agg) {
  cf_time started = g->window_start, finished = g->window_end;
  int window = started != CF_TIME_NONE && finished != CF_TIME_NONE;
  if (!window) problem(g, "the build's started-finished window is unknown");
  const cf_genuine_tier *prev = NULL;
  char a[CF_TIME_BUFSZ], b[CF_TIME_BUFSZ];
  for (int t = 0; t < CF_TIERID_LINT; t++) {
    const cf_genuine_tier *gt = &g->tiers[t];
    if (agg[t].passed + agg[t].failures + agg[t].errors == 0) continue;
    if (gt->start == CF_TIME_NONE) {
      problem(g, "%s: no JUnit timestamp, so its order and window cannot be "
              "checked", gt->name);
      continue;
    }
    if (prev && gt->start + CF_GENUINE_SLACK < prev->end)
      problem(g, "%s starts at %s, before %s ended at %s", gt->name,
              clock_of(gt->start, a, sizeof a), prev->name,
              clock_of(prev->end, b, sizeof b));
    if (window && gt->start + CF_GENUINE_SLACK < started)
      problem(g, "%s starts at %s, before the build started at %s", gt->name,
              clock_of(gt->start, a, sizeof a), clock_of(started, b, sizeof b));
    if (window && gt->end > finished + CF_GENUINE_SLACK)
      problem(g, "%s ends at %s, after the build finished at %s", gt->name,
              clock_of(gt->end, a, sizeof a), clock_of(finished, b, sizeof b));
    if (!(gt->seconds > 0))
      problem(g, "%s took zero time", gt->name);
    else if (window && gt->seconds > (double)(finished - started) +
                                          CF_GENUINE_SLACK)
      problem(g, "%s took %.0f s, longer than the whole build (%lld s)",
              gt->name, gt->seconds, (long long)(finished - started));
    prev = gt;
  }
}

void cf_genuine_check(const cf_results *r, const cf_junit *files, size_t n,
                      cf_time started, cf_time finished, cf_genuine *g) {
  memset(g, 0, sizeof *g);
  g->window_start = started;
  g->window_end = finished;
  g->level_results = r ? r->level : -1;
  if (!r) problem(g, "no results.json");
  if (!n) problem(g, "no JUnit report");
  cf_tier_agg agg[CF_N_TIERS];
  cf_tiermap_aggregate(files, n, agg, &g->n_unmapped);
  cf_tier_status st[CF_N_TIERS];
  int intent[CF_N_TIERS];
  for (int t = 0; t < CF_N_TIERS; t++) {
    cf_genuine_tier *gt = &g->tiers[t];
    gt->name = cf_tier_name((cf_tier_id)t);
    gt->start = gt->end = CF_TIME_NONE;
    gt->seconds = -1;
    gt->junit_status = gt->results_status = CF_TIER_UNKNOWN;
    if (t != CF_TIERID_LINT) {
      gt->junit_status = cf_tier_agg_status(&agg[t]);
      gt->tests = agg[t].tests;
      gt->failed = agg[t].failures + agg[t].errors;
      if (!isnan(agg[t].start)) {
        gt->start = (cf_time)llround(agg[t].start);
        gt->end = (cf_time)llround(agg[t].end);
        gt->seconds = agg[t].end - agg[t].start;
      } else if (agg[t].tests) {
        gt->seconds = agg[t].seconds;
      }
    }
    if (r) {
      const cf_result_stage *s = stage_for(r, (cf_tier_id)t);
      if (t == CF_TIERID_LINT && r->has_lint)
        gt->results_status = r->lint_status;
      else if (s)
        gt->results_status = s->status;
      gt->intentional_skip = cf_results_skip_is_intentional(r, gt->name);
    }
    gt->status = gt->junit_status != CF_TIER_UNKNOWN ? gt->junit_status
                                                     : gt->results_status;
    /* Neither source names the tier: fall back to its rung, then to an
     * intentional-skip entry (e.g. skips.intentional {"L3": "..."}). */
    for (size_t i = 0; r && gt->status == CF_TIER_UNKNOWN && i < r->n_rungs;
         i++) {
      const char *k = r->rungs[i].key;
      if ((k[0] == 'L' || k[0] == 'l') && k[1] - '0' == cf_tier_rung(t) &&
          !k[2])
        gt->status = r->rungs[i].status;
    }
    if (gt->status == CF_TIER_UNKNOWN && gt->intentional_skip)
      gt->status = CF_TIER_SKIP;
    st[t] = gt->status;
    intent[t] = gt->intentional_skip;
  }
  g->level_implied = cf_tier_level(st, intent, &g->level_blocked_by);
  check_statuses(g, r, agg);
  if (r) {
    check_rungs(g, r);
    char *note = cf_genuine_level_note(g);
    if (note) {
      problem(g, "%s", note);
      free(note);
    } else if (r->level < 0) {
      problem(g, "results.json gives no level");
    }
  }
  check_times(g, agg);
  g->genuine = g->n_problems == 0;
}

void cf_genuine_free(cf_genuine *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n_problems; i++) free(g->problems[i]);
  free(g->problems);
  memset(g, 0, sizeof *g);
}

char *cf_genuine_level_note(const cf_genuine *g) {
  if (g->level_results < 0 || g->level_results == g->level_implied)
    return NULL;
  cf_buf b = {0};
  cf_buf_printf(&b, "results.json says level %d but the tiers imply level %d",
                g->level_results, g->level_implied);
  if (g->level_blocked_by != CF_TIERID_NONE)
    cf_buf_printf(&b, " (%s: %s%s)", cf_tier_name(g->level_blocked_by),
                  cf_tier_status_name(g->tiers[g->level_blocked_by].status),
                  g->tiers[g->level_blocked_by].status == CF_TIER_SKIP
                      ? ", not intentional"
                      : "");
  return cf_buf_steal(&b);
}

char *cf_genuine_describe(const cf_genuine *g) {
  cf_buf b = {0};
  int first = 1;
  for (int t = 0; t < CF_TIERID_LINT; t++) {
    const cf_genuine_tier *gt = &g->tiers[t];
    int skipped = gt->status == CF_TIER_SKIP;
    if (!gt->tests && !skipped && gt->status == CF_TIER_UNKNOWN) continue;
    if (!first) cf_buf_puts(&b, " → ");
    first = 0;
    if (skipped)
      cf_buf_printf(&b, "%s skipped%s", gt->name,
                    gt->intentional_skip ? " (intentional)" : "");
    else if (gt->seconds < 0)
      cf_buf_printf(&b, "%s (time unknown)", gt->name);
    else if (gt->seconds >= 1 || gt->seconds == 0)
      cf_buf_printf(&b, "%s %.0f s", gt->name, gt->seconds);
    else
      cf_buf_printf(&b, "%s %.1g s", gt->name, gt->seconds);
    if (gt->status == CF_TIER_FAIL || gt->status == CF_TIER_UNVER)
      cf_buf_printf(&b, " (%s)", cf_tier_status_name(gt->status));
  }
  if (g->genuine) {
    char s[CF_TIME_BUFSZ], e[CF_TIME_BUFSZ], fs[CF_TIME_BUFSZ],
        fe[CF_TIME_BUFSZ];
    cf_time_format(g->window_start, fs, sizeof fs);
    cf_time_format(g->window_end, fe, sizeof fe);
    if (!strncmp(fs, fe, 10)) { /* same day: clock times only */
      clock_of(g->window_start, s, sizeof s);
      clock_of(g->window_end, e, sizeof e);
      s[strcspn(s, "Z")] = '\0';
    } else {
      snprintf(s, sizeof s, "%s", fs);
      snprintf(e, sizeof e, "%s", fe);
    }
    cf_buf_printf(&b, "%sin order, inside the build window %s–%s; "
                  "results.json level %d agrees with JUnit",
                  first ? "" : ", ", s, e, g->level_results);
    return cf_buf_steal(&b);
  }
  cf_buf_printf(&b, "%snot genuine: ", first ? "" : "; ");
  for (size_t i = 0; i < g->n_problems; i++)
    cf_buf_printf(&b, "%s%s", i ? "; " : "", g->problems[i]);
  return cf_buf_steal(&b);
}
