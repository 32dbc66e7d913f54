/*
 * Unit tests for verdict.c and findings.c on small constructed ranges: each
 * verdict rule of DESIGN.md "Verdicts", each finding kind of "Findings", and
 * the cases where a verdict or finding must NOT follow.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/analysis.h"

#define H 3600
static const cf_time DAY = 1781308800; /* 2026-06-13T00:00:00Z */

static cf_facts *add_build(cf_analysis *a, long number, const char *status,
                           cf_time started, const char *sha, long pr) {
  /* setup() reserved room: pointers returned here stay valid */
  if (a->n_builds == 64) abort();
  cf_facts *f = &a->builds[a->n_builds++];
  memset(f, 0, sizeof *f);
  f->number = number;
  f->status = cf_xstrdup(status);
  f->created = started - 10;
  f->started = started;
  f->finished = started + 600;
  f->machine = cf_xstrdup("ci-1");
  f->tested.recipe = cf_xstrdup("ghost");
  f->tested.sha = sha ? cf_xstrdup(sha) : NULL;
  f->tested.pr = pr;
  f->tested.source = "params";
  f->level = -1;
  f->genuine = -1;
  f->clean_teardown = f->no_secret_leak = -1;
  f->failing_moment = CF_TIME_NONE;
  f->tier_failed_at = CF_TIME_NONE;
  f->failed_step_stopped = f->finished;
  if (cf_status_failed(status)) {
    f->failed_step = cf_xstrdup("test");
    f->failed_tier = cf_xstrdup("upgrade");
  }
  return f;
}

static cf_hitfact *add_hit(cf_facts *f, const char *rule, cf_class c, long line,
                           cf_time t) {
  f->hits = cf_xrealloc(f->hits, (f->n_hits + 1) * sizeof *f->hits);
  cf_hitfact *h = &f->hits[f->n_hits++];
  memset(h, 0, sizeof *h);
  h->rule = cf_xstrdup(rule);
  h->title = cf_xstrdup(rule);
  h->cls = c;
  h->step = cf_xstrdup("test");
  h->tier = cf_xstrdup("upgrade");
  h->line = line;
  h->first_line = line;
  h->time = h->first_time = t;
  h->excerpt = cf_xstrdup("excerpt");
  return h;
}

static void add_rival(cf_hitfact *h, const char *rival) {
  h->rivals = cf_xrealloc(h->rivals, (h->n_rivals + 1) * sizeof *h->rivals);
  h->rivals[h->n_rivals++] = cf_xstrdup(rival);
}

static void add_observed(cf_facts *f, const char *rule, long line) {
  f->observed = cf_xrealloc(f->observed, (f->n_observed + 1) * sizeof *f->observed);
  cf_observation *o = &f->observed[f->n_observed++];
  o->rule = cf_xstrdup(rule);
  o->step = cf_xstrdup("test");
  o->line = line;
  o->fired = 0;
}

static cf_event *add_event(cf_analysis *a, cf_event_kind k, cf_time at,
                               cf_time from, cf_time to, const char *resolves) {
  a->events = cf_xrealloc(a->events, (a->n_events + 1) * sizeof *a->events);
  cf_event *e = &a->events[a->n_events++];
  memset(e, 0, sizeof *e);
  e->kind = k;
  e->title = cf_xstrdup(k == CF_EVENT_FIX ? "the fix" : "the incident");
  e->at = at;
  e->from = from;
  e->to = to;
  e->is_window = from != CF_TIME_NONE;
  if (resolves) {
    e->resolves = cf_xmalloc(sizeof *e->resolves);
    e->resolves[0] = cf_xstrdup(resolves);
    e->n_resolves = 1;
  }
  return e;
}

static void setup(cf_analysis *a) {
  memset(a, 0, sizeof *a);
  a->builds = cf_xcalloc(64, sizeof *a->builds);
  a->repo = cf_xstrdup("cc/recipe-ci");
  a->as_of = DAY + 7 * H;
  a->stale_days = 30;
}

static void decide(cf_analysis *a) {
  for (size_t i = 0; i < a->n_builds; i++)
    if (cf_status_failed(a->builds[i].status))
      cf_facts_locate_failure(&a->builds[i]);
  cf_decide_all(a);
}

static int has_reason(const cf_facts *f, const char *needle) {
  for (size_t i = 0; i < f->n_reasons; i++)
    if (strstr(f->reasons[i], needle)) return 1;
  return 0;
}

static const cf_finding *find_kind(const cf_analysis *a, const char *kind, int nth) {
  for (size_t i = 0; i < a->n_findings; i++)
    if (!strcmp(a->findings[i].kind, kind) && nth-- == 0) return &a->findings[i];
  return NULL;
}

/* ---- verdicts ---- */

static void infra_hit_decides(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *f = add_build(&a, 1, "failure", DAY + H, "aaaaaaaa1", -1);
  add_hit(f, "swarm-vip-exhaustion", CF_CLS_INFRA, 40, DAY + H + 60);
  add_hit(f, "abra-deploy-timeout", CF_CLS_TIMING, 30, DAY + H + 50);
  decide(&a);
  CHECK_INT(f->verdict, CF_VERDICT_INFRA);
  CHECK_STR(f->deciding_rule, "swarm-vip-exhaustion"); /* class order, not log order */
  CHECK_INT(f->confidence, CF_CONF_MEDIUM);
  CHECK_INT(f->failing_moment, DAY + H + 60); /* the deciding class's first hit */
  /* the timing hit points elsewhere: named, not hidden */
  CHECK(has_reason(f, "but abra-deploy-timeout (timing) also matched in step test, line 30"));
  cf_analysis_free(&a);
}

/* Drone's own error (line 0) is about the pipeline: a recipe rule there
 * (pull access denied for the CI's runner image) decides nothing; an infra
 * one (the Docker daemon unreachable) does. */
static void drone_error_recipe_hit_decides_nothing(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *f = add_build(&a, 1, "error", DAY + H, "a1a1a1a1a", -1);
  add_hit(f, "registry-pull-access-denied", CF_CLS_RECIPE, 0, DAY + H + 5);
  cf_facts *g = add_build(&a, 2, "error", DAY + 2 * H, "b1b1b1b1b", -1);
  add_hit(g, "drone-docker-daemon-unreachable", CF_CLS_INFRA, 0, DAY + 2 * H + 5);
  decide(&a);
  CHECK_INT(f->verdict, CF_VERDICT_UNKNOWN);
  CHECK(has_reason(f, "Drone could not run the step; a recipe rule matched its error"));
  CHECK_INT(g->verdict, CF_VERDICT_INFRA);
  cf_analysis_free(&a);
}

/* A timing hit at elevated load is high, unless a recipe hit in the same
 * failing tier disagrees: then medium, with the recipe rule named. */
static void disagreeing_hits_lower_confidence(void) {
  cf_analysis a;
  setup(&a);
  for (long n = 10; n < 13; n++) { /* the machine's median load is 1 */
    cf_facts *calm = add_build(&a, n, "success", DAY + H, "abababab1", -1);
    calm->load = 1, calm->load_known = 1;
  }
  cf_facts *f = add_build(&a, 2, "failure", DAY + 2 * H, "cdcdcdcd1", -1);
  f->load = 5, f->load_known = 1;
  add_hit(f, "db-not-ready", CF_CLS_TIMING, 20, DAY + 2 * H + 60);
  add_hit(f, "config-not-bumped", CF_CLS_RECIPE, 20, DAY + 2 * H + 60);
  cf_facts *g = add_build(&a, 3, "failure", DAY + 3 * H, "cdcdcdcd2", -1);
  g->load = 5, g->load_known = 1;
  add_hit(g, "db-not-ready", CF_CLS_TIMING, 20, DAY + 3 * H + 60);
  /* a declared rival explains the same symptom: no disagreement */
  cf_facts *r = add_build(&a, 4, "failure", DAY + 4 * H, "cdcdcdcd3", -1);
  r->load = 5, r->load_known = 1;
  add_rival(add_hit(r, "db-not-ready", CF_CLS_TIMING, 20, DAY + 4 * H + 60), "crash-loop");
  add_hit(r, "crash-loop", CF_CLS_RECIPE, 18, DAY + 4 * H + 50);
  decide(&a);
  CHECK_INT(r->verdict, CF_VERDICT_TIMING);
  CHECK_INT(r->confidence, CF_CONF_HIGH);
  CHECK(!has_reason(r, "but crash-loop"));
  CHECK_INT(f->verdict, CF_VERDICT_TIMING);
  CHECK_INT(f->confidence, CF_CONF_MEDIUM);
  CHECK(has_reason(f, "but config-not-bumped (recipe) also matched"));
  CHECK_INT(g->verdict, CF_VERDICT_TIMING);
  CHECK_INT(g->confidence, CF_CONF_HIGH);
  CHECK(!has_reason(g, "also matched"));
  cf_analysis_free(&a);
}

/* A pass with no load figure (a host the samples do not cover) is left out
 * of "above every pass", said so, and cannot turn timing into recipe; a
 * failure with no load figure is not "not at elevated load". */
static void unknown_loads_neither_calm_nor_compared(void) {
  cf_analysis a;
  setup(&a);
  const char *sha = "0a0a0a0a1";
  cf_facts *p1 = add_build(&a, 1, "success", DAY + H, sha, -1);
  p1->load = 1, p1->load_known = 1;
  cf_facts *p2 = add_build(&a, 2, "success", DAY + 2 * H, sha, -1);
  p2->machine[0] = 0; /* on no known machine, no figure */
  cf_facts *f1 = add_build(&a, 3, "failure", DAY + 3 * H, sha, -1);
  f1->load = 6, f1->load_known = 1;
  f1->fingerprint = cf_xstrdup("ERROR same #");
  cf_facts *f2 = add_build(&a, 4, "failure", DAY + 4 * H, sha, -1);
  f2->fingerprint = cf_xstrdup("ERROR same #"); /* load unknown */
  decide(&a);
  CHECK_INT(f1->verdict, CF_VERDICT_TIMING);
  CHECK(has_reason(f1, "the 1 with a load figure all at lower load (at most 1), 1 without one"));
  /* two same-way failures, but neither is known to be calm: not reproduced */
  CHECK_INT(f2->verdict, CF_VERDICT_UNKNOWN);
  cf_analysis_free(&a);
}

static void incident_window_confounds(void) {
  cf_analysis a;
  setup(&a);
  add_event(&a, CF_EVENT_INCIDENT, CF_TIME_NONE, DAY - 24 * H, DAY, NULL);
  cf_facts *in = add_build(&a, 1, "failure", DAY - 10 * H, "aaaaaaaa1", -1);
  add_hit(in, "db-not-ready", CF_CLS_TIMING, 10, DAY - 10 * H + 30);
  cf_facts *edge = add_build(&a, 2, "failure", DAY - 100, "aaaaaaaa1", -1);
  add_hit(edge, "db-not-ready", CF_CLS_TIMING, 10, DAY); /* to is exclusive */
  decide(&a);
  CHECK_INT(in->verdict, CF_VERDICT_INFRA);
  CHECK(has_reason(in, "inside incident"));
  CHECK_INT(in->n_events_applied, 1);
  CHECK_INT(edge->verdict, CF_VERDICT_TIMING);
  cf_analysis_free(&a);
}

/* Two windows covering the failing moment: each is named and each lists
 * the build (the first alone was before). */
static void overlapping_windows_each_count(void) {
  cf_analysis a;
  setup(&a);
  add_event(&a, CF_EVENT_INCIDENT, CF_TIME_NONE, DAY, DAY + 5 * H, NULL);
  cf_event *m = add_event(&a, CF_EVENT_MAINTENANCE, CF_TIME_NONE, DAY + H, DAY + 2 * H, NULL);
  free(m->title);
  m->title = cf_xstrdup("the maintenance");
  cf_facts *f = add_build(&a, 1, "failure", DAY + H, "aaaaaaaa1", -1);
  add_hit(f, "db-not-ready", CF_CLS_TIMING, 10, DAY + H + 30);
  decide(&a);
  CHECK_INT(f->verdict, CF_VERDICT_INFRA);
  CHECK_INT(f->n_events_applied, 2);
  CHECK(has_reason(f, "inside incident 'the incident'"));
  CHECK(has_reason(f, "inside maintenance 'the maintenance'"));
  cf_analysis_free(&a);
}

/* A failure made unknown by an unreadable input: its finding says so,
 * not "no rule decides" (a rule did fire). */
static void unreadable_input_said_in_finding(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *f = add_build(&a, 1, "failure", DAY + H, "aaaaaaaa1", -1);
  add_hit(f, "db-not-ready", CF_CLS_TIMING, 10, DAY + H + 30);
  f->problems = cf_xcalloc(1, sizeof *f->problems);
  f->problems[0] = cf_xstrdup("runs/1/results.json: line 2: malformed JSON");
  f->n_problems = 1;
  decide(&a);
  CHECK_INT(f->verdict, CF_VERDICT_UNKNOWN);
  cf_findings_build(&a);
  const cf_finding *u = find_kind(&a, "unclassified", 0);
  CHECK(u != NULL);
  if (u) {
    CHECK_CONTAINS(u->text, "An input of this build is unreadable");
    CHECK(strstr(u->text, "No rule decides") == NULL);
  }
  cf_analysis_free(&a);
}

static void scoped_incident_only_its_machine(void) {
  cf_analysis a;
  setup(&a);
  cf_event *e = add_event(&a, CF_EVENT_INCIDENT, CF_TIME_NONE, DAY, DAY + 5 * H, NULL);
  e->machines = cf_xmalloc(sizeof *e->machines);
  e->machines[0] = cf_xstrdup("ci-2");
  e->n_machines = 1;
  cf_facts *f = add_build(&a, 1, "failure", DAY + H, "aaaaaaaa1", -1);
  add_hit(f, "db-not-ready", CF_CLS_TIMING, 10, DAY + H + 30);
  /* a build whose machine is not recorded is not known to be in scope:
   * the incident must not make it infra */
  cf_facts *nomachine = add_build(&a, 2, "failure", DAY + H, "aaaaaaaa1", -1);
  free(nomachine->machine);
  nomachine->machine = NULL;
  add_hit(nomachine, "db-not-ready", CF_CLS_TIMING, 10, DAY + H + 30);
  cf_facts *on2 = add_build(&a, 3, "failure", DAY + H, "aaaaaaaa1", -1);
  free(on2->machine);
  on2->machine = cf_xstrdup("ci-2");
  add_hit(on2, "db-not-ready", CF_CLS_TIMING, 10, DAY + H + 30);
  decide(&a);
  CHECK_INT(f->verdict, CF_VERDICT_TIMING); /* ci-1 is out of scope */
  CHECK_INT(nomachine->verdict, CF_VERDICT_TIMING);
  CHECK_INT(nomachine->n_events_applied, 0);
  CHECK_INT(on2->verdict, CF_VERDICT_INFRA);
  /* the finding lists only #3 and says the scope, so the reader sees why
   * #1 and #2, inside the window too, are not confounded */
  cf_findings_build(&a);
  const cf_finding *ev = find_kind(&a, "event-relative", 0);
  CHECK(ev != NULL);
  if (ev) {
    CHECK_CONTAINS(ev->text, "inside the window: #3.");
    CHECK_CONTAINS(ev->text, "Scope: machines ci-2.");
  }
  cf_analysis_free(&a);
}

static void fix_confounds_only_what_it_resolves(void) {
  cf_analysis a;
  setup(&a);
  add_event(&a, CF_EVENT_FIX, DAY + 5 * H, CF_TIME_NONE, CF_TIME_NONE, "swarm-vip-exhaustion");
  cf_facts *paused = add_build(&a, 1, "failure", DAY + 3 * H, "bbbbbbbb1", 5);
  add_hit(paused, "swarm-update-paused-db-not-ready", CF_CLS_TIMING, 200, DAY + 3 * H + 60);
  cf_facts *resolved = add_build(&a, 2, "failure", DAY + 4 * H, "bbbbbbbb1", 5);
  add_hit(resolved, "swarm-vip-exhaustion", CF_CLS_INFRA, 20, DAY + 4 * H + 60);
  cf_facts *by_class = add_build(&a, 3, "failure", DAY + 4 * H, "bbbbbbbb1", 5);
  add_hit(by_class, "other-timing", CF_CLS_TIMING, 20, DAY + 4 * H + 60);
  add_event(&a, CF_EVENT_FIX, DAY + 6 * H, CF_TIME_NONE, CF_TIME_NONE, "recipe");
  /* the cause the first fix claims to resolve, again after it */
  cf_facts *again = add_build(&a, 4, "failure", DAY + 5 * H + 600, "bbbbbbbb1", 5);
  add_hit(again, "swarm-vip-exhaustion", CF_CLS_INFRA, 20, DAY + 5 * H + 660);
  decide(&a);
  CHECK_INT(paused->verdict, CF_VERDICT_TIMING); /* the fix does not resolve it */
  CHECK_INT(resolved->verdict, CF_VERDICT_INFRA);
  CHECK(has_reason(resolved, "before fix"));
  CHECK_INT(resolved->confidence, CF_CONF_HIGH); /* hit + fix agree */
  CHECK_INT(by_class->verdict, CF_VERDICT_TIMING); /* "recipe" fix: other class */
  cf_findings_build(&a);
  const cf_finding *fx = find_kind(&a, "event-relative", 0);
  CHECK(fx != NULL);
  if (fx) {
    CHECK_CONTAINS(fx->text, "Failures before the fix whose cause it resolves: #2.");
    CHECK_CONTAINS(fx->text, "so it did not hold (or does not reach these builds): #4.");
  }
  cf_analysis_free(&a);
}

static void timing_by_load_above_passes(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *p1 = add_build(&a, 1, "success", DAY + H, "cccccccc1", -1);
  p1->load = 1, p1->load_known = 1;
  cf_facts *p2 = add_build(&a, 2, "success", DAY + 2 * H, "cccccccc1", -1);
  p2->load = 2, p2->load_known = 1;
  cf_facts *f = add_build(&a, 3, "failure", DAY + 3 * H, "cccccccc1", -1);
  f->load = 6, f->load_known = 1;
  cf_facts *g = add_build(&a, 4, "failure", DAY + 3 * H, "dddddddd1", -1);
  g->load = 6, g->load_known = 1; /* elevated but its sha never passed */
  decide(&a);
  CHECK_INT(f->verdict, CF_VERDICT_TIMING);
  CHECK_INT(f->confidence, CF_CONF_LOW);
  CHECK(has_reason(f, "passed 2 times"));
  CHECK_INT(g->verdict, CF_VERDICT_UNKNOWN);
  cf_analysis_free(&a);
}

static void recipe_by_hit_and_by_reproduction(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *r = add_build(&a, 1, "failure", DAY + H, "eeeeeeee1", -1);
  add_hit(r, "knex-migration-failed", CF_CLS_RECIPE, 50, DAY + H + 10);
  /* three hitless failures of one sha with the same fingerprint, calm load */
  for (long n = 2; n <= 4; n++) {
    cf_facts *f = add_build(&a, n, "failure", DAY + n * H, "ffffffff1", -1);
    f->fingerprint = cf_xstrdup("ERROR boom #");
    f->load = 1, f->load_known = 1;
  }
  /* one lone failure with that fingerprint on another sha: not reproduced */
  cf_facts *lone = add_build(&a, 5, "failure", DAY + 5 * H, "99999999a", -1);
  lone->fingerprint = cf_xstrdup("ERROR boom #");
  decide(&a);
  CHECK_INT(r->verdict, CF_VERDICT_RECIPE);
  CHECK_INT(r->confidence, CF_CONF_MEDIUM);
  CHECK_INT(a.builds[1].verdict, CF_VERDICT_RECIPE);
  CHECK_INT(a.builds[1].confidence, CF_CONF_LOW);
  CHECK(has_reason(&a.builds[1], "failed the same way 3 times"));
  CHECK(!has_reason(&a.builds[1], "intermittent")); /* the sha never passed */
  CHECK_INT(lone->verdict, CF_VERDICT_UNKNOWN);
  cf_analysis_free(&a);
}

static void hits_outside_failing_tier_are_context(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *f = add_build(&a, 1, "failure", DAY + H, "aaaaaaaa1", -1);
  cf_hitfact *h = add_hit(f, "dns-eai-again", CF_CLS_INFRA, 5, DAY + H + 5);
  free(h->tier);
  h->tier = cf_xstrdup("install"); /* a retried DNS error that recovered */
  f->tier_failed_at = DAY + H + 300;
  cf_hitfact *late = add_hit(f, "late-infra", CF_CLS_INFRA, 900, DAY + H + 400);
  (void)late; /* after the tier failed: teardown noise */
  decide(&a);
  CHECK_INT(f->hits[0].deciding, 0);
  CHECK_INT(f->hits[1].deciding, 0);
  CHECK_INT(f->verdict, CF_VERDICT_UNKNOWN);
  cf_analysis_free(&a);
}

static void running_cancelled_unreadable(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *run = add_build(&a, 1, "running", DAY + 6 * H, "aaaaaaaa1", -1);
  run->finished = CF_TIME_NONE;
  cf_facts *late = add_build(&a, 2, "success", DAY + 6 * H + 50 * 60, "aaaaaaaa1", -1);
  late->finished = a.as_of + 60;
  /* finished after as-of (DAY+7h): running then */
  cf_facts *killed = add_build(&a, 3, "killed", DAY + H, "aaaaaaaa1", -1);
  killed->cancelled_by_server = 1;
  cf_facts *bad = add_build(&a, 4, "failure", DAY + H, "aaaaaaaa1", -1);
  add_hit(bad, "swarm-vip-exhaustion", CF_CLS_INFRA, 5, DAY + H + 5);
  bad->problems = cf_xmalloc(sizeof *bad->problems);
  bad->problems[0] = cf_xstrdup("runs/4/results.json: line 1: bad JSON");
  bad->n_problems = 1;
  cf_facts *badpass = add_build(&a, 5, "success", DAY + H, "aaaaaaaa1", -1);
  badpass->problems = cf_xmalloc(sizeof *badpass->problems);
  badpass->problems[0] = cf_xstrdup("runs/5/junit.xml: XML entity declarations are not accepted");
  badpass->n_problems = 1;
  decide(&a);
  CHECK_INT(badpass->verdict, CF_VERDICT_UNKNOWN); /* a pass needs readable inputs too */
  CHECK(has_reason(badpass, "input unreadable"));
  CHECK_INT(run->verdict, CF_VERDICT_RUNNING);
  CHECK_INT(late->verdict, CF_VERDICT_RUNNING);
  CHECK_INT(killed->verdict, CF_VERDICT_CANCELLED);
  CHECK_INT(bad->verdict, CF_VERDICT_UNKNOWN);
  CHECK(has_reason(bad, "input unreadable"));
  cf_analysis_free(&a);
}

static void rivals_ruled_out_only_when_observable(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *seen = add_build(&a, 1, "failure", DAY + H, "aaaaaaaa1", -1);
  add_rival(add_hit(seen, "paused-db", CF_CLS_TIMING, 200, DAY + H + 60),
            "swarm-vip-exhaustion");
  add_observed(seen, "swarm-vip-exhaustion", 190);
  cf_facts *unseen = add_build(&a, 2, "failure", DAY + 2 * H, "aaaaaaaa1", -1);
  add_rival(add_hit(unseen, "paused-db", CF_CLS_TIMING, 200, DAY + 2 * H + 60),
            "swarm-vip-exhaustion");
  decide(&a);
  CHECK_INT(seen->n_rivals, 1);
  CHECK_INT(seen->rivals[0].state, CF_RIVAL_RULED_OUT);
  CHECK_CONTAINS(seen->rivals[0].why, "line 190");
  CHECK_INT(unseen->n_rivals, 1);
  CHECK_INT(unseen->rivals[0].state, CF_RIVAL_NOT_OBSERVABLE);
  CHECK_CONTAINS(unseen->rivals[0].why, "not observable");
  cf_analysis_free(&a);
}

static void elevated_is_above_machine_median(void) {
  cf_analysis a;
  setup(&a);
  double loads[] = {1, 2, 3, 4, 5};
  for (int i = 0; i < 5; i++) {
    cf_facts *f = add_build(&a, i + 1, "success", DAY + i * H, "aaaaaaaa1", -1);
    f->load = loads[i];
    f->load_known = 1;
  }
  free(a.builds[4].machine);
  a.builds[4].machine = cf_xstrdup("ci-2"); /* its own median: itself */
  decide(&a);
  CHECK_INT(a.builds[0].elevated, 0);
  CHECK_INT(a.builds[1].elevated, 0); /* median of 1..4 is 2.5 */
  CHECK_INT(a.builds[2].elevated, 1);
  CHECK_INT(a.builds[4].elevated, 0);
  cf_analysis_free(&a);
}

/* ---- findings ---- */

static void ghost_like_range(cf_analysis *a) {
  setup(a);
  a->target.kind = 'p';
  a->target.pr = 4;
  a->have_prs = 1;
  add_event(a, CF_EVENT_INCIDENT, CF_TIME_NONE, DAY - 24 * H, DAY, NULL);
  add_event(a, CF_EVENT_FIX, DAY + 5 * H + 38 * 60, CF_TIME_NONE, CF_TIME_NONE,
            "swarm-vip-exhaustion");
  for (long n = 519; n <= 520; n++) {
    cf_facts *f = add_build(a, n, "failure", DAY - 10 * H + n, "11111111a", -1);
    cf_hitfact *h = add_hit(f, "paused-db", CF_CLS_TIMING, 212, f->started + 100);
    add_rival(h, "swarm-vip-exhaustion");
    add_observed(f, "swarm-vip-exhaustion", 190);
    f->clean_teardown = f->no_secret_leak = 1;
    f->has_results = 1;
  }
  cf_facts *t = add_build(a, 578, "failure", DAY + 3 * H, "d42d0f7c1", 5);
  add_rival(add_hit(t, "paused-db", CF_CLS_TIMING, 198, DAY + 3 * H + 100),
            "swarm-vip-exhaustion");
  add_observed(t, "swarm-vip-exhaustion", 180);
  t->load = 4, t->load_known = 1;
  cf_facts *p = add_build(a, 585, "success", DAY + 4 * H + 14 * 60, "d42d0f7c1", 5);
  p->load = 1, p->load_known = 1;
  p->genuine = 1;
  p->level = 5;
  cf_facts *g = add_build(a, 612, "success", DAY + 6 * H + 13 * 60, "d88f58011", 4);
  g->genuine = 1;
  g->level = 5;
  g->genuine_summary = cf_xstrdup("install 51 s → upgrade 45 s");
  g->load = 0, g->load_known = 1;
  for (size_t i = 0; i < a->n_builds; i++)
    a->builds[i].in_target = a->builds[i].tested.pr == 4;
  a->prs = cf_xcalloc(2, sizeof *a->prs);
  a->prs[0] = (cf_prfact){4, cf_xstrdup("open"), cf_xstrdup("d88f58011"),
                          cf_xstrdup("PR four"), DAY - 48 * H, DAY + 6 * H};
  a->prs[1] = (cf_prfact){5, cf_xstrdup("open"), cf_xstrdup("d42d0f7c1"),
                          cf_xstrdup("PR five"), DAY - 48 * H, DAY + 4 * H};
  a->n_prs = 2;
}

static void findings_on_ghost_like_range(void) {
  cf_analysis a;
  ghost_like_range(&a);
  decide(&a);
  cf_findings_build(&a);
  CHECK_INT(a.builds[0].verdict, CF_VERDICT_INFRA);
  CHECK_INT(a.builds[2].verdict, CF_VERDICT_TIMING);
  const cf_finding *v = find_kind(&a, "verdict", 0);
  CHECK(v != NULL);
  CHECK_STR(v ? v->id : "", "F1");
  CHECK_INT(a.verdict.operator_ready, 1);
  CHECK_INT(a.verdict.build, 612);
  const cf_finding *fm = find_kind(&a, "failure-mode", 0);
  CHECK(fm != NULL);
  if (fm) {
    CHECK_INT(fm->n_builds, 3);
    CHECK_CONTAINS(fm->text, "#578 (timing)");
    CHECK_CONTAINS(fm->text, "#519 (infra)");
    CHECK_CONTAINS(fm->text, "ruled out");
  }
  const cf_finding *wt = find_kind(&a, "wrong-target", 0);
  CHECK(wt != NULL);
  if (wt) {
    CHECK_INT(wt->builds[0], 585);
    CHECK_CONTAINS(wt->title, "pre-fix");
    CHECK_CONTAINS(wt->text, "84 min before");
  }
  CHECK(find_kind(&a, "evidence-gap", 0) == NULL);
  const cf_finding *ls = find_kind(&a, "load-sensitive", 0);
  CHECK(ls != NULL);
  if (ls) CHECK_CONTAINS(ls->title, "suggestive (n=2)");
  const cf_finding *sp = find_kind(&a, "stale-pr", 0);
  CHECK(sp != NULL);
  if (sp) CHECK_INT(sp->prs[0], 5);
  CHECK(find_kind(&a, "stale-pr", 1) == NULL); /* the target PR is not stale */
  const cf_finding *hy = find_kind(&a, "hygiene", 0);
  CHECK(hy != NULL);
  if (hy) CHECK_CONTAINS(hy->title, "Clean state");
  CHECK(find_kind(&a, "genuine-pass", 0) != NULL);
  CHECK(find_kind(&a, "event-relative", 0) != NULL);
  CHECK(find_kind(&a, "unclassified", 0) == NULL);
  for (size_t i = 1; i < a.n_findings; i++)
    CHECK(a.findings[i - 1].severity <= a.findings[i].severity);
  cf_analysis_free(&a);
}

static void evidence_gap_before_the_post_fix_run(void) {
  cf_analysis a;
  ghost_like_range(&a);
  a.as_of = DAY + 6 * H + 10 * 60; /* 06:10Z: #612 not yet created */
  a.builds[4].excluded = 1;
  decide(&a);
  cf_findings_build(&a);
  const cf_finding *gap = find_kind(&a, "evidence-gap", 0);
  CHECK(gap != NULL);
  CHECK_INT(a.verdict.operator_ready, 0);
  CHECK(find_kind(&a, "genuine-pass", 0) == NULL);
  cf_analysis_free(&a);

  ghost_like_range(&a);
  a.as_of = DAY + 6 * H + 14 * 60; /* 06:14Z: #612 running */
  decide(&a);
  cf_findings_build(&a);
  gap = find_kind(&a, "evidence-gap", 0);
  CHECK(gap != NULL);
  if (gap) CHECK_CONTAINS(gap->text, "#612 is running");
  CHECK_INT(a.verdict.operator_ready, 0);
  cf_analysis_free(&a);
}

static void not_ready_when_head_moved_or_level_short(void) {
  cf_analysis a;
  ghost_like_range(&a);
  free(a.prs[0].head_sha);
  a.prs[0].head_sha = cf_xstrdup("abcdef12345");
  decide(&a);
  cf_findings_build(&a);
  CHECK_INT(a.verdict.operator_ready, 0);
  CHECK_CONTAINS(a.verdict.reason, "PR head is now");
  cf_analysis_free(&a);

  ghost_like_range(&a);
  a.builds[4].level = 4;
  decide(&a);
  cf_findings_build(&a);
  CHECK_INT(a.verdict.operator_ready, 0);
  CHECK_CONTAINS(a.verdict.reason, "level 4");
  cf_analysis_free(&a);
}

static void no_target_no_verdict_findings(void) {
  cf_analysis a;
  ghost_like_range(&a);
  a.target.kind = 0;
  decide(&a);
  cf_findings_build(&a);
  CHECK(find_kind(&a, "verdict", 0) == NULL);
  CHECK(find_kind(&a, "wrong-target", 0) == NULL);
  CHECK(find_kind(&a, "evidence-gap", 0) == NULL);
  CHECK(find_kind(&a, "genuine-pass", 0) == NULL);
  CHECK_INT(a.verdict.present, 0);
  cf_analysis_free(&a);
}

static void single_failure_is_no_failure_mode(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *f = add_build(&a, 1, "failure", DAY + H, "aaaaaaaa1", -1);
  add_hit(f, "paused-db", CF_CLS_TIMING, 200, DAY + H + 60);
  cf_facts *u = add_build(&a, 2, "failure", DAY + 2 * H, "aaaaaaaa1", -1);
  u->fingerprint = cf_xstrdup("Traceback #");
  u->errlines = cf_xcalloc(1, sizeof *u->errlines);
  u->errlines[0] = (cf_errline){cf_xstrdup("test"), 12, cf_xstrdup("Traceback (most recent call last)"),
                                cf_xstrdup("Traceback #")};
  u->n_errlines = 1;
  decide(&a);
  cf_findings_build(&a);
  CHECK(find_kind(&a, "failure-mode", 0) == NULL);
  const cf_finding *uc = find_kind(&a, "unclassified", 0);
  CHECK(uc != NULL);
  if (uc) {
    CHECK_INT(uc->n_builds, 1);
    CHECK_INT(uc->n_evidence, 1);
  }
  CHECK(find_kind(&a, "load-sensitive", 0) == NULL); /* no pass of the sha */
  CHECK(find_kind(&a, "hygiene", 0) == NULL);        /* no results.json */
  cf_analysis_free(&a);
}

static void hygiene_names_false_flags(void) {
  cf_analysis a;
  setup(&a);
  cf_facts *f = add_build(&a, 7, "success", DAY + H, "aaaaaaaa1", -1);
  f->has_results = 1;
  f->clean_teardown = 1;
  f->no_secret_leak = 0;
  decide(&a);
  cf_findings_build(&a);
  const cf_finding *hy = find_kind(&a, "hygiene", 0);
  CHECK(hy != NULL);
  if (hy) {
    CHECK_CONTAINS(hy->text, "#7");
    CHECK_CONTAINS(hy->text, "no_secret_leak=false");
    CHECK_INT(hy->builds[0], 7);
  }
  cf_analysis_free(&a);
}

static void load_sensitive_with_statistics(void) {
  cf_analysis a;
  setup(&a);
  for (int i = 0; i < 6; i++) {
    cf_facts *f = add_build(&a, i + 1, "failure", DAY + i * H, "abcabcabc", -1);
    add_hit(f, "paused-db", CF_CLS_TIMING, 100, f->started + 30);
    f->load = 6 + i, f->load_known = 1;
  }
  for (int i = 0; i < 6; i++) {
    cf_facts *f = add_build(&a, i + 10, "success", DAY + i * H + 1800, "abcabcabc", -1);
    f->load = 1 + (i % 2), f->load_known = 1;
  }
  decide(&a);
  cf_findings_build(&a);
  const cf_finding *ls = find_kind(&a, "load-sensitive", 0);
  CHECK(ls != NULL);
  if (ls) {
    CHECK_CONTAINS(ls->title, "Mann–Whitney p =");
    CHECK(ls->stats && strstr(ls->stats, "\"test\":\"mann-whitney\""));
    CHECK_INT(ls->n_builds, 12);
  }
  cf_analysis_free(&a);
}

static void targets_parse_and_match(void) {
  cf_target t;
  cf_err e = {{0}};
  CHECK(cf_target_parse("pr=4", &t, &e) == 0);
  CHECK_INT(t.pr, 4);
  cf_tested tested = {NULL, "d88f5801aaaa", 4, "params"};
  CHECK(cf_target_matches(&t, &tested, NULL));
  CHECK(cf_target_parse("sha=d88f580", &t, &e) == 0);
  CHECK(cf_target_matches(&t, &tested, NULL));
  free(t.value);
  CHECK(cf_target_parse("sha=d88f5", &t, &e) != 0);
  CHECK_CONTAINS(e.msg, "7 to 64 hex");
  cf_err_clear(&e);
  CHECK(cf_target_parse("pr=x", &t, &e) != 0);
  cf_err_clear(&e);
  CHECK(cf_target_parse("branch=main", &t, &e) != 0);
  CHECK(cf_sha_prefix_match("d42d0f7c", "d42d0f7cabc") == 1);
  CHECK(cf_sha_prefix_match("d42d0f7c", "d42d0f7d") == 0);
  CHECK(cf_sha_prefix_match("abc", "abcdef0") == 0);
}

CF_TEST_MAIN(T(infra_hit_decides), T(disagreeing_hits_lower_confidence),
             T(drone_error_recipe_hit_decides_nothing),
             T(unknown_loads_neither_calm_nor_compared), T(incident_window_confounds), T(overlapping_windows_each_count), T(unreadable_input_said_in_finding),
             T(scoped_incident_only_its_machine),
             T(fix_confounds_only_what_it_resolves), T(timing_by_load_above_passes),
             T(recipe_by_hit_and_by_reproduction),
             T(hits_outside_failing_tier_are_context), T(running_cancelled_unreadable),
             T(rivals_ruled_out_only_when_observable), T(elevated_is_above_machine_median),
             T(findings_on_ghost_like_range), T(evidence_gap_before_the_post_fix_run),
             T(not_ready_when_head_moved_or_level_short), T(no_target_no_verdict_findings),
             T(single_failure_is_no_failure_mode), T(hygiene_names_false_flags),
             T(load_sensitive_with_statistics), T(targets_parse_and_match))
