/*
 * verdict.c: decides every build of a range from its facts (DESIGN.md
 * "Verdicts"): locate the failure (deciding hits, failing moment), then try
 * infra, timing, recipe in that order, else unknown. Each verdict carries a
 * confidence, its reasons as sentences, and the deciding rule's rivals
 * judged "ruled out" only where their evidence would have been visible.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ciforensics/analysis.h"
#include "ciforensics/prs.h"
#include "ciforensics/stats.h"

const char *cf_class_name(cf_class c) {
  switch (c) {
  case CF_CLS_RECIPE: return "recipe";
  case CF_CLS_TIMING: return "timing";
  case CF_CLS_INFRA: return "infra";
  default: return NULL;
  }
}

cf_class cf_class_parse(const char *s) {
  if (!s) return CF_CLS_NONE;
  if (!strcmp(s, "recipe")) return CF_CLS_RECIPE;
  if (!strcmp(s, "timing")) return CF_CLS_TIMING;
  if (!strcmp(s, "infra")) return CF_CLS_INFRA;
  return CF_CLS_NONE;
}

const char *cf_verdict_name(cf_verdict v) {
  static const char *names[] = {"pass",    "recipe",  "timing",   "infra",
                                "unknown", "running", "cancelled"};
  return names[v];
}

const char *cf_confidence_name(cf_confidence c) {
  static const char *names[] = {"low", "medium", "high"};
  return names[c];
}

static void add_reason(cf_facts *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_reason(cf_facts *f, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  size_t cap = f->n_reasons;
  CF_PUSH(f->reasons, f->n_reasons, cap, cf_buf_steal(&b));
}


int cf_event_applies_to(const cf_event *e, const cf_facts *f, const char *tier) {
  return cf_event_applies(e, f->machine, f->tested.recipe, tier);
}

const cf_hitfact *cf_fix_resolved_hit(const cf_event *e, const cf_facts *f) {
  for (size_t h = 0; h < f->n_hits; h++) {
    const cf_hitfact *hit = &f->hits[h];
    if (hit->deciding &&
        cf_event_resolves(e, hit->rule, hit->cls != CF_CLS_NONE ? cf_class_name(hit->cls) : NULL))
      return hit;
  }
  return NULL;
}

static int tier_eq(const char *a, const char *b) {
  return a && b && !strcmp(a, b);
}

static const cf_hitfact *first_deciding(const cf_facts *f, cf_class c);

/* Mark the deciding hits and set the failing moment: hits in the failing
 * step, inside the failing tier (when both are known), at or before the
 * tier's failure. Hits elsewhere stay as context. */
/* Drone's own error (line 0) is written when the runner could not run the
 * step: its image, its configuration. Those belong to the pipeline, never
 * to the recipe under test, so a recipe-class rule there (pull access
 * denied for the CI's runner image) decides nothing; infra and timing ones
 * (the daemon, the registry) still do. */
static int pipeline_recipe_hit(const cf_hitfact *h) {
  return h->line == 0 && h->cls == CF_CLS_RECIPE;
}

void cf_facts_locate_failure(cf_facts *f) {
  cf_time limit = f->tier_failed_at != CF_TIME_NONE ? f->tier_failed_at
                                                    : f->failed_step_stopped;
  f->failing_moment = CF_TIME_NONE;
  for (size_t i = 0; i < f->n_hits; i++) {
    cf_hitfact *h = &f->hits[i];
    h->deciding = 0;
    if (!f->failed_step || strcmp(h->step, f->failed_step)) continue;
    if (f->failed_tier && h->tier && strcmp(h->tier, f->failed_tier)) continue;
    if (limit != CF_TIME_NONE && h->time != CF_TIME_NONE && h->time > limit)
      continue;
    if (pipeline_recipe_hit(h)) continue;
    h->deciding = 1;
  }
  const cf_hitfact *d = first_deciding(f, CF_CLS_NONE);
  f->failing_moment = d && d->time != CF_TIME_NONE ? d->time : limit;
}

/* Order of deciding hits within a class: by where their evidence starts in
 * the log; at the same place a composite (`all`) rule, which explains more
 * of the failure, wins over a rule that matched one of its lines; then the
 * hit's own line and the rule id, so the choice is deterministic. */
static int hit_before(const cf_hitfact *a, const cf_hitfact *b) {
  if (a->first_line != b->first_line) return a->first_line < b->first_line;
  if (a->n_support != b->n_support) return a->n_support > b->n_support;
  if (a->line != b->line) return a->line < b->line;
  return strcmp(a->rule, b->rule) < 0;
}

/* The first deciding hit of class c; with CF_CLS_NONE, of the class that
 * decides first (infra, then timing, then recipe). */
static const cf_hitfact *first_deciding(const cf_facts *f, cf_class c) {
  if (c == CF_CLS_NONE) {
    static const cf_class order[] = {CF_CLS_INFRA, CF_CLS_TIMING, CF_CLS_RECIPE};
    for (size_t i = 0; i < 3; i++) {
      const cf_hitfact *h = first_deciding(f, order[i]);
      if (h) return h;
    }
    return NULL;
  }
  const cf_hitfact *best = NULL;
  for (size_t i = 0; i < f->n_hits; i++) {
    const cf_hitfact *h = &f->hits[i];
    if (h->deciding && h->cls == c && (!best || hit_before(h, best))) best = h;
  }
  return best;
}

/* The rule a "same way" comparison uses: the deciding rule once decided,
 * else the first deciding hit's rule. */
static const char *way_rule(const cf_facts *f) {
  if (f->deciding_rule) return f->deciding_rule;
  const cf_hitfact *h = first_deciding(f, CF_CLS_NONE);
  return h ? h->rule : NULL;
}

int cf_facts_same_way(const cf_facts *a, const cf_facts *b) {
  if (!tier_eq(a->failed_tier, b->failed_tier) &&
      !(a->failed_tier == NULL && b->failed_tier == NULL))
    return 0;
  const char *ra = way_rule(a), *rb = way_rule(b);
  if (ra && rb) return !strcmp(ra, rb);
  if (ra || rb) return 0;
  return a->fingerprint && b->fingerprint &&
         !strcmp(a->fingerprint, b->fingerprint);
}

/* The note that says why f's failing step has nothing to quote (no log,
 * an empty log), if any; the wording is match_step's in pipeline.c. */
const char *cf_facts_silent_log(const cf_facts *f) {
  for (size_t i = 0; i < f->n_evidence_notes; i++)
    if (!strncmp(f->evidence_notes[i], "log of step ", 12) &&
        (strstr(f->evidence_notes[i], "not in database") ||
         strstr(f->evidence_notes[i], "is empty")))
      return f->evidence_notes[i];
  return NULL;
}

static int is_failure(const cf_facts *f) {
  return !f->excluded && cf_status_failed(f->status) &&
         f->verdict != CF_VERDICT_CANCELLED && f->verdict != CF_VERDICT_RUNNING;
}

/* Load medians per machine over the range (DESIGN.md "load at failure"):
 * one median per machine, then one comparison per build. */
static void mark_elevated(cf_analysis *a) {
  /* at most one machine per build */
  const char **machines = cf_xmalloc((a->n_builds + 1) * sizeof *machines);
  double *medians = cf_xmalloc((a->n_builds + 1) * sizeof *medians);
  size_t n_machines = 0;
  double *vals = cf_xmalloc((a->n_builds + 1) * sizeof *vals);
  for (size_t i = 0; i < a->n_builds; i++) {
    cf_facts *f = &a->builds[i];
    f->elevated = 0;
    if (f->excluded || !f->load_known) continue;
    size_t m = 0;
    while (m < n_machines && strcmp(machines[m], f->machine)) m++;
    if (m == n_machines) {
      size_t n = 0;
      for (size_t j = 0; j < a->n_builds; j++) {
        const cf_facts *g = &a->builds[j];
        if (!g->excluded && g->load_known && !strcmp(g->machine, f->machine))
          vals[n++] = g->load;
      }
      machines[n_machines++] = f->machine;
      medians[m] = cf_stats_median(vals, n);
    }
    f->elevated = f->load > medians[m];
  }
  free(vals);
  free(machines);
  free(medians);
}

/* The first confounding window (incident, maintenance) applying to f that
 * covers t, from index *from on; *from is left after it, so a loop visits
 * every overlapping window (each counts: DESIGN.md, events). */
static const cf_event *window_at(const cf_analysis *a, const cf_facts *f, cf_time t,
                                 size_t *from) {
  for (size_t i = from ? *from : 0; i < a->n_events; i++) {
    const cf_event *e = &a->events[i];
    if (cf_event_is_confounding(e) && cf_event_covers(e, t) &&
        cf_event_applies_to(e, f, f->failed_tier)) {
      if (from) *from = i + 1;
      return e;
    }
  }
  return NULL;
}

static void note_event(cf_facts *f, const cf_analysis *a,
                       const cf_event *e) {
  size_t idx = (size_t)(e - a->events);
  for (size_t i = 0; i < f->n_events_applied; i++)
    if (f->events_applied[i] == idx) return;
  size_t cap = f->n_events_applied;
  CF_PUSH(f->events_applied, f->n_events_applied, cap, idx);
}

/* The first applicable fix after t that resolves one of the deciding hits. */
static const cf_event *later_fix(const cf_analysis *a, const cf_facts *f,
                                     const cf_hitfact **resolved) {
  for (size_t i = 0; i < a->n_events; i++) {
    const cf_event *e = &a->events[i];
    if (e->kind != CF_EVENT_FIX || e->at == CF_TIME_NONE ||
        f->failing_moment == CF_TIME_NONE || e->at <= f->failing_moment)
      continue;
    if (!cf_event_applies_to(e, f, f->failed_tier)) continue;
    if ((*resolved = cf_fix_resolved_hit(e, f))) return e;
  }
  return NULL;
}

static int outside_every_event(const cf_analysis *a, const cf_facts *f) {
  return window_at(a, f, f->failing_moment, NULL) == NULL;
}

static void describe_load(cf_facts *f) {
  if (!f->load_known) {
    if (f->machine && f->machine[0])
      add_reason(f, "no load figure at the failing moment on %s", f->machine);
    return;
  }
  if (f->load_source && !strcmp(f->load_source, "derived"))
    add_reason(f, "load at the failing moment: %g other running stage%s on %s%s",
               f->load, f->load == 1 ? "" : "s", f->machine,
               f->elevated ? " (elevated: above the machine's median)" : "");
  else
    add_reason(f, "load at the failing moment: %g on %s%s", f->load, f->machine,
               f->elevated ? " (elevated: above the machine's median)" : "");
}

static void judge_rivals(cf_facts *f, const cf_hitfact *deciding) {
  if (!deciding) return;
  for (size_t r = 0; r < deciding->n_rivals; r++) {
    const char *rival = deciding->rivals[r];
    cf_rival_judgement j = {cf_xstrdup(rival), CF_RIVAL_NOT_OBSERVABLE, NULL};
    int fired = 0;
    for (size_t i = 0; i < f->n_hits; i++)
      if (!strcmp(f->hits[i].rule, rival) && f->failed_step &&
          !strcmp(f->hits[i].step, f->failed_step))
        fired = 1;
    const cf_observation *seen = NULL;
    for (size_t i = 0; i < f->n_observed; i++)
      if (!strcmp(f->observed[i].rule, rival) && f->failed_step &&
          !strcmp(f->observed[i].step, f->failed_step))
        seen = &f->observed[i];
    cf_buf why = {0};
    if (fired) {
      j.state = CF_RIVAL_ALSO_MATCHED;
      cf_buf_printf(&why, "also matched in step %s, but %s decides", f->failed_step,
                    deciding->rule);
    } else if (seen) {
      j.state = CF_RIVAL_RULED_OUT;
      cf_buf_printf(&why,
                    "its evidence would show in step %s (observable from line "
                    "%ld) and is absent",
                    seen->step, seen->line);
    } else {
      cf_buf_printf(&why, "not observable: nothing in step %s would show it",
                    f->failed_step ? f->failed_step : "-");
    }
    j.why = cf_buf_steal(&why);
    size_t cap = f->n_rivals;
    CF_PUSH(f->rivals, f->n_rivals, cap, j);
  }
}

static void hit_reason(cf_facts *f, const cf_hitfact *h) {
  char t[CF_TIME_BUFSZ];
  add_reason(f, "%s (%s) in step %s%s%s, line %ld at %s: %s", h->rule,
             cf_class_name(h->cls), h->step, h->tier ? ", tier " : "",
             h->tier ? h->tier : "", h->line, cf_time_format(h->time, t, sizeof t),
             h->title);
}

/* Passes of the same tested sha, for the timing and recipe rules: how many,
 * how many of them have a load figure, and the highest of those. */
static int sha_passes(const cf_analysis *a, const cf_sha_index *ix, const cf_facts *f,
                      double *max_load, int *with_load) {
  int n = 0;
  *max_load = -INFINITY;
  *with_load = 0;
  size_t lo, hi;
  cf_sha_index_range(ix, f->tested.sha, &lo, &hi);
  for (size_t k = lo; k < hi; k++) {
    const cf_facts *g = &a->builds[ix->idx[k]];
    if (g->excluded || g->verdict != CF_VERDICT_PASS ||
        !cf_sha_prefix_match(g->tested.sha, f->tested.sha))
      continue;
    n++;
    if (g->load_known) {
      (*with_load)++;
      if (g->load > *max_load) *max_load = g->load;
    }
  }
  return n;
}

static int names_rival(const cf_hitfact *h, const char *rule) {
  for (size_t i = 0; i < h->n_rivals; i++)
    if (!strcmp(h->rivals[i], rule)) return 1;
  return 0;
}

/* A deciding hit of another class than the one that decided points to
 * another cause (two rules on one line, say): named in the reasons, and the
 * verdict is then not high (DESIGN.md: high needs the evidence to agree).
 * A declared rival is no disagreement: rivals explain one symptom (a deploy
 * that timed out) differently, and the rival judgement reports it. */
static int other_class_evidence(cf_facts *f, const cf_hitfact *decided) {
  const cf_hitfact *other = NULL;
  for (size_t i = 0; i < f->n_hits; i++) {
    const cf_hitfact *h = &f->hits[i];
    if (h->deciding && h->cls != decided->cls && h->cls != CF_CLS_NONE &&
        !names_rival(decided, h->rule) && !names_rival(h, decided->rule) &&
        (!other || h->line < other->line))
      other = h;
  }
  if (!other) return 0;
  add_reason(f, "but %s (%s) also matched in step %s, line %ld: %s", other->rule,
             cf_class_name(other->cls), other->step, other->line, other->title);
  return 1;
}

static void decide_failure(cf_analysis *a, const cf_sha_index *ix, cf_facts *f) {
  char t1[CF_TIME_BUFSZ], t2[CF_TIME_BUFSZ], t3[CF_TIME_BUFSZ];
  const cf_hitfact *infra = first_deciding(f, CF_CLS_INFRA);
  const cf_hitfact *timing = first_deciding(f, CF_CLS_TIMING);
  const cf_hitfact *recipe = first_deciding(f, CF_CLS_RECIPE);
  const cf_event *window = window_at(a, f, f->failing_moment, NULL);
  const cf_hitfact *resolved = NULL;
  const cf_event *fix = later_fix(a, f, &resolved);

  if (infra || window || fix) {
    f->verdict = CF_VERDICT_INFRA;
    const cf_hitfact *d = infra ? infra : first_deciding(f, CF_CLS_NONE);
    if (d) {
      f->deciding_rule = d->rule;
      f->deciding_class = d->cls;
      if (infra) hit_reason(f, d);
    }
    size_t next = 0;
    for (const cf_event *w; (w = window_at(a, f, f->failing_moment, &next));) {
      note_event(f, a, w);
      add_reason(f, "failing moment %s inside %s '%s' [%s, %s)",
                 cf_time_format(f->failing_moment, t1, sizeof t1),
                 w->kind == CF_EVENT_MAINTENANCE ? "maintenance" : "incident", w->title,
                 cf_time_format(w->from, t2, sizeof t2), cf_time_format(w->to, t3, sizeof t3));
    }
    if (fix) {
      note_event(f, a, fix);
      add_reason(f, "%.0f min before fix '%s' (%s), which resolves %s",
                 (double)(fix->at - f->failing_moment) / 60.0, fix->title,
                 cf_time_format(fix->at, t1, sizeof t1), resolved->rule);
    }
    if (d && !infra) hit_reason(f, d); /* the cause the context confounds */
    int signals = (infra != NULL) + (window != NULL) + (fix != NULL);
    f->confidence = signals >= 2 ? CF_CONF_HIGH : CF_CONF_MEDIUM;
    if (infra && other_class_evidence(f, infra)) f->confidence = CF_CONF_MEDIUM;
    describe_load(f);
    judge_rivals(f, d);
    return;
  }

  /* "above every pass": passes without a load figure (a host the samples
   * do not cover) cannot be compared; they are left out and said so, so
   * that adding such a pass never turns a timing verdict into recipe */
  double pass_max;
  int with_load = 0;
  int passes = f->tested.sha ? sha_passes(a, ix, f, &pass_max, &with_load) : 0;
  int load_above_passes = with_load > 0 && f->load_known && f->elevated &&
                          f->load > pass_max;
  if (timing || load_above_passes) {
    f->verdict = CF_VERDICT_TIMING;
    if (timing) {
      f->deciding_rule = timing->rule;
      f->deciding_class = CF_CLS_TIMING;
      hit_reason(f, timing);
      f->confidence = f->elevated || load_above_passes ? CF_CONF_HIGH
                                                       : CF_CONF_MEDIUM;
      if (other_class_evidence(f, timing)) f->confidence = CF_CONF_MEDIUM;
    } else {
      f->confidence = CF_CONF_LOW;
    }
    describe_load(f);
    if (load_above_passes && with_load == passes)
      add_reason(f,
                 "the same sha passed %d time%s, every time at lower load "
                 "(at most %g)",
                 passes, passes == 1 ? "" : "s", pass_max);
    else if (load_above_passes)
      add_reason(f,
                 "the same sha passed %d times; the %d with a load figure all at "
                 "lower load (at most %g), %d without one",
                 passes, with_load, pass_max, passes - with_load);
    judge_rivals(f, timing);
    return;
  }

  /* Reproduced the same way on the same sha, outside every event. */
  int same = 0, calm = 0;
  size_t lo, hi;
  cf_sha_index_range(ix, f->tested.sha, &lo, &hi);
  for (size_t k = lo; k < hi; k++) {
    const cf_facts *g = &a->builds[ix->idx[k]];
    if (!is_failure(g) || !cf_sha_prefix_match(g->tested.sha, f->tested.sha) ||
        !cf_facts_same_way(f, g) || !outside_every_event(a, g))
      continue;
    same++;
    if (g->load_known && !g->elevated) calm++; /* an unknown load is not calm */
  }
  int reproduced = same >= 2 && calm >= 1;
  if (recipe || reproduced) {
    f->verdict = CF_VERDICT_RECIPE;
    if (recipe) {
      f->deciding_rule = recipe->rule;
      f->deciding_class = CF_CLS_RECIPE;
      hit_reason(f, recipe);
    }
    if (reproduced)
      add_reason(f,
                 "the same sha failed the same way %d times outside every "
                 "event, %d of them not at elevated load",
                 same, calm);
    if (passes > 0) /* not deterministic: the reader must see it */
      add_reason(f, "the same sha also passed %d time%s: the failure is intermittent",
                 passes, passes == 1 ? "" : "s");
    /* a sha that also passes is not failing deterministically: a recipe
     * hit and reproduction do not make that certain */
    f->confidence = recipe && reproduced && passes == 0 ? CF_CONF_HIGH
                    : recipe                             ? CF_CONF_MEDIUM
                                                         : CF_CONF_LOW;
    describe_load(f);
    judge_rivals(f, recipe);
    return;
  }

  f->verdict = CF_VERDICT_UNKNOWN;
  f->confidence = CF_CONF_LOW;
  if (f->n_hits) {
    const cf_hitfact *d = first_deciding(f, CF_CLS_NONE);
    int drone_recipe = 0;
    for (size_t i = 0; i < f->n_hits; i++) drone_recipe |= pipeline_recipe_hit(&f->hits[i]);
    if (!d && drone_recipe)
      add_reason(f, "Drone could not run the step; a recipe rule matched its error, which is "
                    "about the pipeline's own image or configuration, not the recipe");
    else if (!d)
      add_reason(f, "rule hits only outside the failing step or tier");
  }
  if (f->failed_step)
    add_reason(f, "no rule decides the failure of step %s%s%s", f->failed_step,
               f->failed_tier ? ", tier " : "",
               f->failed_tier ? f->failed_tier : "");
  else
    add_reason(f, "no failed step recorded");
  if (f->drone_error) add_reason(f, "Drone says: %s", f->drone_error);
  const char *silent = f->n_errlines ? NULL : cf_facts_silent_log(f);
  if (silent) add_reason(f, "%s", silent);
  for (size_t i = 0; i < f->n_errlines; i++)
    add_reason(f, "error line %s:%ld: %s", f->errlines[i].step,
               f->errlines[i].line, f->errlines[i].text);
}

static int cancelled(const cf_facts *f) {
  if (!f->status) return 0;
  if (!strcmp(f->status, "skipped") || !strcmp(f->status, "declined") ||
      !strcmp(f->status, "blocked"))
    return 1;
  return 0;
}

void cf_decide_all(cf_analysis *a) {
  mark_elevated(a);
  /* First the builds whose verdict needs no context: failures are decided
   * after, since the timing and recipe rules look at the passes. */
  unsigned char *failed = cf_xcalloc(a->n_builds ? a->n_builds : 1, 1);
  for (size_t i = 0; i < a->n_builds; i++) {
    cf_facts *f = &a->builds[i];
    if (f->excluded) continue;
    if (f->n_problems) {
      /* an unreadable build, log or artifact: no verdict can stand on it,
       * a pass included (DESIGN.md "Errors and bad input") */
      f->verdict = CF_VERDICT_UNKNOWN;
      f->confidence = CF_CONF_LOW;
      for (size_t k = 0; k < f->n_problems; k++)
        add_reason(f, "input unreadable: %s", f->problems[k]);
    } else if (f->finished == CF_TIME_NONE || !cf_status_done(f->status) ||
        (a->as_of != CF_TIME_NONE && f->finished > a->as_of)) {
      f->verdict = CF_VERDICT_RUNNING;
      f->confidence = CF_CONF_HIGH;
      add_reason(f, "not finished as of the review moment");
    } else if (cancelled(f) || f->cancelled_by_server) {
      f->verdict = CF_VERDICT_CANCELLED;
      f->confidence = CF_CONF_HIGH;
      add_reason(f, "Drone status %s", f->status);
    } else if (!strcmp(f->status, "success")) {
      f->verdict = CF_VERDICT_PASS;
      f->confidence = CF_CONF_HIGH;
      if (f->genuine == 1)
        add_reason(f, "genuine pass: %s",
                   f->genuine_summary ? f->genuine_summary : "all tiers passed");
      else if (f->genuine == 0)
        for (size_t k = 0; k < f->n_genuine_problems; k++)
          add_reason(f, "not a genuine pass: %s", f->genuine_problems[k]);
      else
        add_reason(f, "Drone status success; no run artifacts to judge it");
    } else {
      f->verdict = CF_VERDICT_UNKNOWN; /* decided below */
      failed[i] = 1;
    }
  }
  cf_sha_index ix;
  cf_sha_index_build(&ix, a);
  for (size_t i = 0; i < a->n_builds; i++)
    if (failed[i]) decide_failure(a, &ix, &a->builds[i]);
  cf_sha_index_free(&ix);
  free(failed);
}
