/*
 * pipeline.c: the main job. For each build of the range: read it from
 * Drone, read its artifacts, then (failed builds) decode and match each
 * step's log one at a time, segment the harness step into tiers, and keep
 * only the facts (hits, error lines, tiers, load). Then events, pull
 * requests, verdicts and findings. Nothing per-step survives the step, and
 * nothing per-build but its cf_facts survives the build.
 */
#include <dirent.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cf_config.h"
#include "ciforensics/cache.h"
#include "ciforensics/drone.h"
#include "ciforensics/errorlines.h"
#include "ciforensics/events.h"
#include "ciforensics/fingerprint.h"
#include "ciforensics/genuine.h"
#include "ciforensics/junit.h"
#include "ciforensics/load.h"
#include "ciforensics/logdecode.h"
#include "ciforensics/pipeline.h"
#include "ciforensics/prs.h"
#include "ciforensics/rawscan.h"
#include "ciforensics/results.h"
#include "ciforensics/rules.h"
#include "ciforensics/tiermap.h"
#include "ciforensics/tiers.h"

#define EXCERPT_MAX 300      /* bytes of a log line kept as evidence */
#define MAX_JUNIT_FILES 64   /* per build */
#define MAX_HITS_PER_BUILD 200
#define LOAD_TOLERANCE 600   /* seconds: nearest external sample accepted */

/* Everything the run shares across builds. */
typedef struct run {
  const cf_analyze_opts *o;
  cf_analysis *a;
  cf_ruleset *rules;
  cf_matcher *matcher;
  cf_drone *db;
  cf_events events;
  int have_events;
  cf_load load;
  int have_load;
  cf_prs prs;
  cf_target target;
  cf_cache *cache;       /* --cache, NULL without */
  cf_rawscan *rawscan;   /* raw-blob literal prefilter, one per run; NULL
                            with CIFORENSICS_NO_RAWSCAN (benchmarks, checks) */
  char *runs_abs;        /* the runs directory's absolute path, for the key */
  size_t n_after_as_of;  /* builds of the range created after --as-of */
  cf_time first_after_as_of; /* the earliest of their creation times */
} run;

static void push_str(char ***v, size_t *n, const char *s) {
  size_t cap = *n;
  CF_PUSH(*v, *n, cap, cf_xstrdup(s));
}

static void problem(run *r, cf_facts *f, const char *file, const char *msg) {
  cf_analysis *a = r->a;
  size_t cap = a->n_problems;
  cf_input_problem p = {f ? f->number : 0, cf_xstrdup(file), cf_xstrdup(msg)};
  CF_PUSH(a->problems, a->n_problems, cap, p);
  if (f) push_str(&f->problems, &f->n_problems, msg);
}

static void note(cf_facts *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(cf_facts *f, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  size_t cap = f->n_evidence_notes;
  CF_PUSH(f->evidence_notes, f->n_evidence_notes, cap, cf_buf_steal(&b));
}

static cf_class class_of(cf_rule_class c) {
  switch (c) {
  case CF_CLASS_RECIPE: return CF_CLS_RECIPE;
  case CF_CLASS_TIMING: return CF_CLS_TIMING;
  default: return CF_CLS_INFRA;
  }
}

/* ---- artifacts ---- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.xml files of dir, sorted; caller frees. */
static char **xml_files(const char *dir, size_t *n) {
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char **v = NULL;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) && *n < MAX_JUNIT_FILES) {
    size_t len = strlen(e->d_name);
    if (len > 4 && !strcmp(e->d_name + len - 4, ".xml"))
      CF_PUSH(v, *n, cap, cf_path_join(dir, e->d_name));
  }
  closedir(d);
  if (*n) qsort(v, *n, sizeof *v, cmp_str);
  return v;
}

typedef struct artifacts {
  cf_results results;
  int has_results;
  cf_junit *junit;
  size_t n_junit;
} artifacts;

static void artifacts_free(artifacts *ar) {
  cf_results_free(&ar->results);
  for (size_t i = 0; i < ar->n_junit; i++) cf_junit_free(&ar->junit[i]);
  free(ar->junit);
  memset(ar, 0, sizeof *ar);
}

static void read_artifacts(run *r, cf_facts *f, artifacts *ar) {
  memset(ar, 0, sizeof *ar);
  if (!r->o->runs_dir) return;
  char num[32];
  snprintf(num, sizeof num, "%ld", f->number);
  char *dir = cf_path_join(r->o->runs_dir, num);
  char *rj = cf_path_join(dir, "results.json");
  cf_err err = {{0}};
  /* anything by that name is read (a FIFO, a device or a directory is an
   * input problem cf_read_file names, never a hang); lstat so that a
   * symlink loop is a problem too, not an absent file */
  struct stat st;
  if (lstat(rj, &st) == 0) {
    if (cf_results_load(rj, &ar->results, &err) == 0) {
      if (r->a->as_of_given && ar->results.finished != CF_TIME_NONE &&
          ar->results.finished > r->a->as_of) {
        note(f, "%s finished after the review moment: unseen", rj);
        cf_results_free(&ar->results);
      } else {
        ar->has_results = 1;
      }
    } else {
      problem(r, f, rj, err.msg);
    }
  }
  size_t n = 0;
  char **files = xml_files(dir, &n);
  for (size_t i = 0; i < n; i++) {
    cf_junit j;
    cf_err_clear(&err);
    int rc = cf_junit_load(files[i], &j, &err);
    if (rc == CF_JUNIT_NOT_JUNIT) {
      /* another tool's XML (coverage.xml, a lint report): not a test
       * report at all, so not an unreadable one; said, and left out */
      note(f, "%s: not a JUnit report (%s), not read", files[i],
           strstr(err.msg, "root element") ? strstr(err.msg, "root element") : err.msg);
    } else if (rc == 0) {
      if (j.n_no_zone) /* DESIGN.md: taken as UTC and flagged */
        note(f, "%s: %zu timestamp%s without a time zone, read as UTC", files[i], j.n_no_zone,
             j.n_no_zone == 1 ? "" : "s");
      size_t cap = ar->n_junit;
      CF_PUSH(ar->junit, ar->n_junit, cap, j);
    } else {
      problem(r, f, files[i], err.msg);
    }
    free(files[i]);
  }
  free(files);
  free(rj);
  free(dir);
}

/* results.json names what the run tested ahead of the parameters. */
static void refine_tested(cf_facts *f, const artifacts *ar) {
  if (!ar->has_results) return;
  const cf_results *res = &ar->results;
  if (res->recipe && f->tested.recipe && strcmp(res->recipe, f->tested.recipe))
    note(f, "results.json says recipe %s, the build parameters %s", res->recipe,
         f->tested.recipe);
  if (res->ref && f->tested.sha && !cf_sha_prefix_match(res->ref, f->tested.sha))
    note(f, "results.json says ref %s, the build tested %s", res->ref, f->tested.sha);
  if (res->pr > 0 && f->tested.pr > 0 && res->pr != f->tested.pr)
    note(f, "results.json says PR #%ld, the build parameters PR #%ld", res->pr,
         f->tested.pr);
  int any = 0;
  if (res->recipe) {
    free(f->tested.recipe);
    f->tested.recipe = cf_xstrdup(res->recipe);
    any = 1;
  }
  if (res->ref) {
    free(f->tested.sha);
    f->tested.sha = cf_xstrdup(res->ref);
    any = 1;
  }
  if (res->pr > 0 || res->pr_null) {
    f->tested.pr = res->pr > 0 ? res->pr : -1;
    any = 1;
  }
  if (any) f->tested.source = "results";
}

/* Tier statuses from results.json (preferred) or JUnit, the level, flags and
 * the failing tier. */
static void tier_facts(cf_facts *f, const artifacts *ar) {
  cf_tier_agg agg[CF_N_TIERS];
  cf_tiermap_aggregate(ar->junit, ar->n_junit, agg, NULL);
  const cf_results *res = ar->has_results ? &ar->results : NULL;
  cf_tier_status st[CF_N_TIERS];
  for (int t = 0; t < CF_N_TIERS; t++) {
    const char *name = cf_tier_name((cf_tier_id)t);
    /* results.json may name a tier by a synonym (functional, smoke, L4) */
    const cf_result_stage *s = NULL;
    for (size_t k = 0; res && !s && k < res->n_stages; k++)
      if (cf_tier_parse(res->stages[k].name) == (cf_tier_id)t) s = &res->stages[k];
    st[t] = s ? s->status : cf_tier_agg_status(&agg[t]);
    if (t == CF_TIERID_LINT && res && res->has_lint) st[t] = res->lint_status;
    if (st[t] == CF_TIER_UNKNOWN && !s && agg[t].tests == 0) continue;
    cf_tierfact tf = {cf_xstrdup(name), cf_xstrdup(cf_tier_status_name(st[t])),
                      isnan(agg[t].start) ? CF_TIME_NONE : (cf_time)llround(agg[t].start),
                      isnan(agg[t].end) ? CF_TIME_NONE : (cf_time)llround(agg[t].end),
                      res ? cf_results_skip_is_intentional(res, name) : 0};
    size_t cap = f->n_tiers;
    CF_PUSH(f->tiers, f->n_tiers, cap, tf);
  }
  if (res) {
    f->has_results = 1;
    f->level = res->level;
    f->clean_teardown = res->clean_teardown;
    f->no_secret_leak = res->no_secret_leak;
    for (size_t i = 0; i < res->n_missing; i++)
      note(f, "%s: missing field %s", res->path, res->missing[i]);
  } else if (ar->n_junit) {
    int intentional[CF_N_TIERS] = {0};
    f->level = cf_tier_level(st, intentional, NULL);
  }
  /* The failing tier: the first that failed, else the first not verified. */
  for (int pass = 0; pass < 2 && !f->failed_tier; pass++)
    for (int t = 0; t < CF_N_TIERS; t++)
      if (st[t] == (pass == 0 ? CF_TIER_FAIL : CF_TIER_UNVER)) {
        f->failed_tier = cf_xstrdup(cf_tier_name((cf_tier_id)t));
        break;
      }
}

/* ---- logs ---- */

static const char *tier_at(const cf_tier_span *spans, size_t n, long line1) {
  for (size_t i = 0; i < n; i++)
    if (spans[i].first_line && line1 >= (long)spans[i].first_line &&
        line1 <= (long)spans[i].last_line)
      return spans[i].name;
  return NULL;
}

static char *excerpt_of(const cf_steplog *log, size_t i) {
  const cf_log_line *l = &log->lines[i];
  size_t len = l->len > EXCERPT_MAX ? EXCERPT_MAX : l->len;
  return cf_xstrndup(log->plain + l->off, len);
}

static cf_time line_time(const cf_step *s, const cf_steplog *log, size_t i) {
  if (s->started == CF_TIME_NONE) return CF_TIME_NONE;
  return s->started + log->lines[i].time;
}

static void keep_hits(run *r, cf_facts *f, const cf_step *s, const char *label,
                      const cf_steplog *log,
                      const cf_step_matches *sm, const cf_tier_span *spans,
                      size_t n_spans) {
  for (size_t i = 0; i < sm->n_hits && f->n_hits < MAX_HITS_PER_BUILD; i++) {
    const cf_rule_hit *rh = &sm->hits[i];
    const cf_rule *rule = cf_ruleset_rule(r->rules, rh->rule);
    cf_hitfact h;
    memset(&h, 0, sizeof h);
    h.rule = cf_xstrdup(rule->id);
    h.title = cf_xstrdup(rule->title);
    h.cls = class_of(rule->cls);
    h.step = cf_xstrdup(label);
    h.line = log->lines[rh->line].pos + 1;
    const char *tier = tier_at(spans, n_spans, (long)rh->line + 1);
    h.tier = tier ? cf_xstrdup(tier) : NULL;
    h.time = line_time(s, log, rh->line);
    h.excerpt = excerpt_of(log, rh->line);
    h.first_line = h.line;
    h.first_time = h.time;
    h.n_support = (int)rh->n_support;
    size_t first = rh->line;
    for (size_t k = 0; k < rh->n_support; k++)
      if (rh->support[k] < first) first = rh->support[k];
    if (first != rh->line) {
      h.first_line = log->lines[first].pos + 1;
      h.first_time = line_time(s, log, first);
      h.first_excerpt = excerpt_of(log, first);
    }
    for (size_t c = 0; c < rh->n_captures; c++)
      push_str(&h.captures, &h.n_captures, rh->captures[c]);
    for (size_t v = 0; v < rule->n_rivals; v++)
      push_str(&h.rivals, &h.n_rivals, rule->rivals[v]);
    size_t cap = f->n_hits;
    CF_PUSH(f->hits, f->n_hits, cap, h);
  }
  for (size_t i = 0; i < sm->n_observed; i++) {
    if (!sm->observed[i].observed) continue;
    const cf_rule *rule = cf_ruleset_rule(r->rules, sm->observed[i].rule);
    cf_observation o = {cf_xstrdup(rule->id), cf_xstrdup(label),
                        log->lines[sm->observed[i].line].pos + 1, 0};
    for (size_t k = 0; k < sm->n_hits; k++)
      if (sm->hits[k].rule == sm->observed[i].rule) o.fired = 1;
    size_t cap = f->n_observed;
    CF_PUSH(f->observed, f->n_observed, cap, o);
  }
}

/* At least two words of three letters or more: enough to tell failures
 * apart. */
static int informative(const char *fp) {
  int words = 0, len = 0;
  for (const char *p = fp; p && *p; p++) {
    int letter = ((*p | 32) >= 'a' && (*p | 32) <= 'z');
    if (letter) len++;
    if (!letter || !p[1]) {
      if (len >= 3) words++;
      len = 0;
    }
  }
  return words >= 2;
}

/* The failing step's error lines, from the failing tier when known. */
static void keep_errlines(run *r, cf_facts *f, const char *label, const cf_steplog *log,
                          const cf_tier_span *spans, size_t n_spans) {
  const cf_errorlines *el = cf_ruleset_errorlines(r->rules);
  if (!el || !log->n_lines) return;
  size_t first = 0, last = log->n_lines - 1;
  for (size_t i = 0; f->failed_tier && i < n_spans; i++)
    if (!strcmp(spans[i].name, f->failed_tier) && spans[i].first_line) {
      first = spans[i].first_line - 1;
      last = spans[i].last_line - 1;
    }
  size_t picked[5];
  size_t n = cf_errorlines_pick(el, log, first, last, 5, picked);
  for (size_t i = 0; i < n; i++) {
    const cf_log_line *l = &log->lines[picked[i]];
    cf_errline e = {cf_xstrdup(label), l->pos + 1, excerpt_of(log, picked[i]),
                    cf_fingerprint(log->plain + l->off, l->len)};
    size_t cap = f->n_errlines;
    CF_PUSH(f->errlines, f->n_errlines, cap, e);
  }
  /* The build's fingerprint: the first error line that says something
   * (a bare "FAILED" or "Error:" would group unrelated failures). */
  for (size_t i = 0; i < f->n_errlines && !f->fingerprint; i++)
    if (informative(f->errlines[i].fingerprint))
      f->fingerprint = cf_xstrdup(f->errlines[i].fingerprint);
  if (n && !f->fingerprint) f->fingerprint = cf_xstrdup(f->errlines[0].fingerprint);
}

/* Does a word of line look like a failure verdict ("fail", "failed",
 * "error", "FAILED")? For a harness's tier end banner. */
static int says_failed(const char *text, size_t len) {
  static const char *words[] = {"fail", "failed", "failure", "error", "errored"};
  for (size_t i = 0; i < len; i++) {
    if (i && ((text[i - 1] | 32) >= 'a' && (text[i - 1] | 32) <= 'z')) continue;
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
      size_t n = strlen(words[w]);
      if (i + n <= len && !strncasecmp(text + i, words[w], n) &&
          (i + n == len || !(((text[i + n] | 32) >= 'a') && ((text[i + n] | 32) <= 'z'))))
        return 1;
    }
  }
  return 0;
}

/* Without results.json or JUnit, which tier failed: the first whose end
 * banner says it failed, else the tier of the step's first rule hit, else
 * of its first error-looking line, else the last tier the harness began
 * (a harness may go on to lint after a failure, so that is the last
 * resort). */
static const char *failing_tier_from_log(run *r, const cf_steplog *log,
                                         const cf_tier_span *spans, size_t n_spans,
                                         const cf_step_matches *sm) {
  for (size_t i = 0; i < n_spans; i++) {
    size_t last = spans[i].last_line;
    if (!last || last > log->n_lines || last == spans[i].first_line) continue;
    const cf_log_line *l = &log->lines[last - 1];
    if (says_failed(log->plain + l->off, l->len)) return spans[i].name;
  }
  if (sm->n_hits) {
    const char *t = tier_at(spans, n_spans, (long)sm->hits[0].line + 1);
    if (t) return t;
  }
  const cf_errorlines *el = cf_ruleset_errorlines(r->rules);
  size_t first;
  if (el && log->n_lines && cf_errorlines_pick(el, log, 0, log->n_lines - 1, 1, &first) == 1) {
    const char *t = tier_at(spans, n_spans, (long)first + 1);
    if (t) return t;
  }
  return spans[n_spans - 1].name;
}

/* A step's name in the facts: its own, or "stage/step" when a step of
 * that name is in another stage of the build too. Caller frees. */
static char *step_label(const cf_build *b, size_t stage, size_t step) {
  const char *name = b->stages[stage].steps[step].name;
  for (size_t s = 0; s < b->n_stages; s++)
    for (size_t k = 0; s != stage && k < b->stages[s].n_steps; k++)
      if (!strcmp(b->stages[s].steps[k].name, name)) {
        cf_buf l = {0};
        cf_buf_printf(&l, "%s/%s", b->stages[stage].name, name);
        return cf_buf_steal(&l);
      }
  return cf_xstrdup(name);
}

/* Decode, segment and match one step; everything is dropped on return.
 * The raw-blob prefilter (r->rawscan, NULL with CIFORENSICS_NO_RAWSCAN) lets
 * a step other than the failing one skip decoding when its blob cannot hold
 * a rule's literal: such a step contributes only hits, so nothing in the
 * report changes (rawscan.h). */
static void match_step(run *r, cf_facts *f, const cf_step *s, const char *label,
                       int failing_step) {
  char *blob = NULL;
  size_t len = 0;
  int found = 0;
  cf_err err = {{0}};
  if (cf_drone_read_log(r->db, s->id, &blob, &len, &found, &err)) {
    problem(r, f, cf_drone_path(r->db), err.msg);
    return;
  }
  if (!found) {
    if (failing_step) note(f, "log of step %s not in database", label);
    return;
  }
  if (!failing_step && r->rawscan && !cf_rawscan_may_hit(r->rawscan, s->name, blob, len)) {
    free(blob);
    return;
  }
  cf_steplog log;
  if (cf_steplog_decode(blob, len, CF_STEPLOG_MAX_BLOB, &log, &err)) {
    char what[256];
    snprintf(what, sizeof what, "log of step %s (step id %lld)", label,
             (long long)s->id);
    cf_buf msg = {0};
    cf_buf_printf(&msg, "%s: %s", what, err.msg);
    problem(r, f, cf_drone_path(r->db), msg.data);
    cf_buf_free(&msg);
    free(blob);
    return;
  }
  free(blob);
  if (failing_step && (log.is_null || log.n_lines == 0))
    note(f, "log of step %s is empty (no output)", label);
  if (log.truncated) {
    f->log_truncated = 1;
    note(f, "log of step %s was truncated by Drone (maximum output exceeded)", label);
  }
  cf_tier_span *spans = NULL;
  size_t n_spans = 0;
  if (cf_ruleset_tiers(r->rules))
    cf_tiers_segment(cf_ruleset_tiers(r->rules), &log, s->started, &spans, &n_spans);
  cf_step_matches sm;
  cf_matcher_run(r->matcher, s->name, &log, spans, n_spans, &sm);
  keep_hits(r, f, s, label, &log, &sm, spans, n_spans);
  if (failing_step) {
    if (!f->failed_tier && n_spans) {
      const char *t = failing_tier_from_log(r, &log, spans, n_spans, &sm);
      f->failed_tier = cf_xstrdup(t);
      note(f, "failing tier %s inferred from the log (no results.json or JUnit says)", t);
    }
    for (size_t i = 0; f->failed_tier && i < n_spans; i++)
      if (!strcmp(spans[i].name, f->failed_tier)) f->tier_failed_at = spans[i].end;
    keep_errlines(r, f, label, &log, spans, n_spans);
  }
  cf_step_matches_free(&sm);
  cf_tier_spans_free(spans, n_spans);
  cf_steplog_free(&log);
}

static void match_drone_error(run *r, cf_facts *f, const cf_step *fs, const char *label,
                              const char *text) {
  cf_steplog log;
  cf_rules_textlog(text, strlen(text), &log);
  cf_step_matches sm;
  cf_matcher_run(r->matcher, fs ? fs->name : NULL, &log, NULL, 0, &sm);
  for (size_t i = 0; i < sm.n_hits && f->n_hits < MAX_HITS_PER_BUILD; i++) {
    const cf_rule *rule = cf_ruleset_rule(r->rules, sm.hits[i].rule);
    cf_hitfact h;
    memset(&h, 0, sizeof h);
    h.rule = cf_xstrdup(rule->id);
    h.title = cf_xstrdup(rule->title);
    h.cls = class_of(rule->cls);
    h.step = cf_xstrdup(label ? label : "(build)");
    h.line = h.first_line = 0; /* Drone's error field, not a log line */
    h.time = h.first_time = fs ? fs->stopped : f->finished;
    h.excerpt = cf_xstrndup(text, strlen(text) > EXCERPT_MAX ? EXCERPT_MAX : strlen(text));
    h.n_support = (int)sm.hits[i].n_support;
    for (size_t v = 0; v < rule->n_rivals; v++)
      push_str(&h.rivals, &h.n_rivals, rule->rivals[v]);
    size_t cap = f->n_hits;
    CF_PUSH(f->hits, f->n_hits, cap, h);
  }
  cf_step_matches_free(&sm);
  cf_rules_textlog_free(&log);
}

/* ---- load ---- */

static void measure_load(run *r, cf_facts *f, cf_time t) {
  if (t == CF_TIME_NONE) return;
  if (r->have_load) {
    double v;
    if (cf_load_at(&r->load, f->machine, t, LOAD_TOLERANCE, &v) == 0) {
      f->load = v;
      f->load_known = 1;
      f->load_source = "samples";
    }
    return;
  }
  int count = 0;
  cf_err err = {{0}};
  if (f->machine[0] &&
      cf_drone_concurrent_stages(r->db, f->machine, t, f->build_id, &count, &err) == 0) {
    f->load = count;
    f->load_known = 1;
    f->load_source = "derived";
  }
}

/* ---- one build ---- */

static void copy_build(cf_facts *f, const cf_build *b) {
  f->number = b->number;
  f->build_id = b->id;
  f->status = cf_xstrdup(b->status);
  f->event = cf_xstrdup(b->event);
  f->ref = cf_xstrdup(b->ref);
  f->sha = cf_xstrdup(b->sha);
  f->created = b->created;
  f->started = b->started;
  f->finished = b->finished;
  f->machine = cf_xstrdup(b->machine ? b->machine : "");
  f->tested.recipe = cf_xstrdup(b->tested.recipe);
  f->tested.sha = cf_xstrdup(b->tested.sha);
  f->tested.pr = b->tested.pr;
  f->tested.source = b->tested.source;
  f->level = -1;
  f->genuine = -1;
  f->clean_teardown = f->no_secret_leak = -1;
  f->failing_moment = f->tier_failed_at = f->failed_step_stopped = CF_TIME_NONE;
  for (size_t i = 0; i < b->n_params; i++) {
    push_str(&f->param_keys, &f->n_params, b->params[i].key);
    size_t n = f->n_params - 1;
    push_str(&f->param_values, &n, b->params[i].value);
  }
  for (size_t s = 0; s < b->n_stages; s++)
    for (size_t k = 0; k < b->stages[s].n_steps; k++) {
      const cf_step *st = &b->stages[s].steps[k];
      if (st->exit_code == 130 && !strcmp(st->status, "killed")) f->cancelled_by_server = 1;
    }
}

static void judge_genuine(cf_facts *f, const cf_build *b, const artifacts *ar) {
  if (!ar->has_results && !ar->n_junit) return;
  cf_genuine g;
  cf_genuine_check(ar->has_results ? &ar->results : NULL, ar->junit, ar->n_junit,
                   b->started, b->finished, &g);
  f->genuine = g.genuine ? 1 : 0;
  f->genuine_summary = cf_genuine_describe(&g);
  char *level = cf_genuine_level_note(&g);
  if (level) note(f, "%s", level);
  free(level);
  for (size_t i = 0; i < g.n_problems; i++)
    push_str(&f->genuine_problems, &f->n_genuine_problems, g.problems[i]);
  cf_genuine_free(&g);
}

/* --recipe excludes this build. */
static int other_recipe(const run *r, const cf_facts *f) {
  return r->o->recipe && (!f->tested.recipe || strcmp(f->tested.recipe, r->o->recipe));
}

/* What is worked out after the extracted facts, fresh or cached: the
 * recipe filter, the target, the failure's deciding hits and moment, and
 * the load (never cached: an external load file may change). Returns 1
 * when the build belongs in the report. */
static int finish_build(run *r, cf_facts *f) {
  if (other_recipe(r, f)) return 0;
  if (r->target.kind) f->in_target = cf_target_matches(&r->target, &f->tested, f->ref);
  if (cf_status_failed(f->status) && f->finished != CF_TIME_NONE) {
    cf_facts_locate_failure(f);
    measure_load(r, f, f->failing_moment);
  } else if (f->status && !strcmp(f->status, "success") && f->started != CF_TIME_NONE &&
             f->finished != CF_TIME_NONE) {
    measure_load(r, f, f->started + (f->finished - f->started) / 2);
  }
  return 1;
}

/* ---- the cache (--cache): facts of unchanged builds are not extracted
 * again (docs/cache.md) ---- */

typedef struct cached_key {
  cf_cache_key k;
  char *variant;
  char *sig;
} cached_key;

/* The key of build b; 0 when there is no cache or the build's artifacts
 * cannot be described (then it is neither served nor stored). */
static int cache_key_for(run *r, const cf_build *b, cached_key *ck) {
  memset(ck, 0, sizeof *ck);
  if (!r->cache) return 0;
  char *dir = NULL;
  if (r->runs_abs) {
    char num[32];
    snprintf(num, sizeof num, "%ld", b->number);
    dir = cf_path_join(r->runs_abs, num);
  }
  ck->sig = cf_cache_artifacts_sig(dir);
  free(dir);
  if (!ck->sig) return 0;
  /* what else changes the extracted facts: the review moment and which
   * runs directory is read */
  cf_buf v = {0};
  cf_buf_printf(&v, "as-of=%s;runs=%s", r->o->as_of && r->a->as_of_given ? r->o->as_of : "",
                r->runs_abs ? r->runs_abs : "");
  ck->variant = cf_buf_steal(&v);
  ck->k.repo = r->o->repo;
  ck->k.build_id = b->id;
  ck->k.updated = b->updated;
  ck->k.finished = b->finished;
  ck->k.variant = ck->variant;
  ck->k.artifacts_sig = ck->sig;
  return 1;
}

static void cache_key_free(cached_key *ck) {
  free(ck->variant);
  free(ck->sig);
}

static int cache_get(run *r, const cached_key *ck, cf_facts *out) {
  cf_err err = {{0}};
  int rc = cf_cache_get(r->cache, &ck->k, out, &err);
  if (rc < 0) push_str(&r->a->warnings, &r->a->n_warnings, err.msg);
  return rc == 1;
}

static void cache_put(run *r, const cached_key *ck, const cf_facts *f) {
  cf_err err = {{0}};
  if (cf_cache_put(r->cache, &ck->k, f, &err) < 0)
    push_str(&r->a->warnings, &r->a->n_warnings, err.msg);
}

/* Returns 1 when the build belongs in the report. */
static int read_build(run *r, int64_t repo_id, long number, cf_facts *f) {
  cf_build b;
  cf_err err = {{0}};
  memset(f, 0, sizeof *f);
  if (cf_drone_load_build(r->db, repo_id, number, &b, &err)) {
    cf_build_free(&b);
    f->number = number;
    f->status = cf_xstrdup("unknown");
    f->machine = cf_xstrdup("");
    f->level = f->genuine = f->clean_teardown = f->no_secret_leak = -1;
    f->failing_moment = f->tier_failed_at = f->failed_step_stopped = CF_TIME_NONE;
    f->created = f->started = f->finished = CF_TIME_NONE;
    problem(r, f, cf_drone_path(r->db), err.msg);
    return 1;
  }
  copy_build(f, &b);
  cf_analysis *a = r->a;
  if (a->as_of_given && b.created != CF_TIME_NONE && b.created > a->as_of) {
    f->excluded = 1; /* did not exist at the review moment */
    if (r->n_after_as_of++ == 0 || b.created < r->first_after_as_of)
      r->first_after_as_of = b.created;
    cf_build_free(&b);
    return !r->o->recipe;
  }
  if (a->as_of_given && f->finished != CF_TIME_NONE && f->finished > a->as_of)
    f->finished = CF_TIME_NONE; /* not finished as of the review moment */
  cached_key key;
  int cacheable = cache_key_for(r, &b, &key);
  if (cacheable) {
    cf_facts cached;
    if (cache_get(r, &key, &cached)) { /* no log or artifact is read again */
      cf_facts_free(f);
      *f = cached;
      cache_key_free(&key);
      cf_build_free(&b);
      return finish_build(r, f);
    }
  }
  artifacts ar;
  read_artifacts(r, f, &ar);
  refine_tested(f, &ar);
  if (other_recipe(r, f)) { /* known before any log is read */
    artifacts_free(&ar);
    if (cacheable) cache_key_free(&key);
    cf_build_free(&b);
    return 0;
  }
  tier_facts(f, &ar);
  int failed = cf_status_failed(f->status) && f->finished != CF_TIME_NONE;
  if (failed) {
    /* the failing step by identity: a step of the same name in another
     * stage (amd64 and arm64 pipelines) is another step, and its hits are
     * context */
    const cf_step *fs = b.failed;
    /* Every step is matched (hits elsewhere are context); logs are read and
     * dropped one step at a time. The failing step is read even without a
     * logs row, so that its missing log is said. */
    for (size_t s = 0; s < b.n_stages; s++)
      for (size_t k = 0; k < b.stages[s].n_steps; k++) {
        const cf_step *st = &b.stages[s].steps[k];
        char *label = step_label(&b, s, k);
        if (st == fs) {
          f->failed_step = cf_xstrdup(label);
          f->failed_step_stopped = fs->stopped;
        }
        if (st->has_log_row || st == fs) match_step(r, f, st, label, st == fs);
        /* the verdict stands on the first failed step (fs comes first, so
         * f->failed_step is set); any other is said */
        if (st != fs && cf_status_failed(st->status) && !st->errignore)
          note(f, "step %s failed too (exit code %d); the verdict is on step %s, the first "
                  "failed step in Drone's order", label, st->exit_code, f->failed_step);
        free(label);
      }
    /* Drone's own message for the failure (a config error, or a step the
     * runner could not run: image pull, engine failure) is evidence too:
     * it is matched as a one-line step of its own, anchored at line 0. */
    const char *derr = b.error && b.error[0] ? b.error : fs && fs->error[0] ? fs->error : NULL;
    if (derr) {
      f->drone_error = cf_xstrdup(derr);
      match_drone_error(r, f, fs, f->failed_step, derr);
    }
    if (fs && fs->exit_code == 137)
      note(f, "step %s was killed with SIGKILL (exit code 137: the OOM killer, a time limit "
              "or a cancel)", f->failed_step);
    else if (fs && !strcmp(fs->status, "killed"))
      note(f, "step %s was killed (Drone status killed, exit code %d)", f->failed_step,
           fs->exit_code);
  } else if (!strcmp(f->status, "success")) {
    judge_genuine(f, &b, &ar);
  }
  artifacts_free(&ar);
  if (cacheable) {
    cache_put(r, &key, f);
    cache_key_free(&key);
  }
  cf_build_free(&b);
  return finish_build(r, f);
}

/* ---- progress (stderr, only on a terminal, only past a second) ---- */

typedef struct progress {
  int on;
  size_t total;
  struct timespec t0, last;
  int shown;
} progress;

static double since(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_start(progress *p, int on, size_t total) {
  p->on = on && total > 0;
  p->total = total;
  clock_gettime(CLOCK_MONOTONIC, &p->t0);
  p->last = p->t0;
}

static void progress_step(progress *p, size_t done) {
  if (!p->on) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double elapsed = since(&p->t0, &now);
  /* Quiet for short runs; then at most 4 updates a second. */
  if (elapsed < 1.0 || (since(&p->last, &now) < 0.25 && done < p->total)) return;
  p->last = now;
  double rate = (double)done / elapsed;
  double left = rate > 0 ? (double)(p->total - done) / rate : 0;
  fprintf(stderr, "\rciforensics: %zu/%zu builds, %.0f builds/s, %.0f s left   ", done,
          p->total, rate, left);
  p->shown = 1;
}

static void progress_end(progress *p) {
  if (p->shown) fputs("\r\033[K", stderr);
}

/* ---- context ---- */

/* Append s (borrowed) to the list unless it is there already. */
static void push_distinct(const char ***v, size_t *n, size_t *cap, const char *s) {
  for (size_t k = 0; k < *n; k++)
    if (!strcmp((*v)[k], s)) return;
  CF_PUSH(*v, *n, *cap, s);
}

/* PR numbers repeat across recipe repositories (DESIGN.md, --target): a
 * PR target that builds of two recipes test is ambiguous without --recipe,
 * and the PR list (one repository's) would be paired with the wrong one. */
static int target_ambiguous(const run *r, const cf_analysis *a, cf_err *err) {
  if (r->target.kind != 'p' || r->o->recipe) return 0;
  const char **names = NULL; /* distinct recipes, borrowed */
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (!f->in_target || !f->tested.recipe) continue;
    push_distinct(&names, &n, &cap, f->tested.recipe);
  }
  int rc = 0;
  if (n > 1) {
    qsort(names, n, sizeof *names, cmp_str);
    cf_buf b = {0};
    for (size_t k = 0; k < n; k++) cf_buf_printf(&b, "%s%s", k ? ", " : "", names[k]);
    rc = cf_err_set(err,
                    "--target pr=%ld: builds of %zu recipes test a PR #%ld (%s), and PR "
                    "numbers repeat across recipe repositories; add --recipe NAME to say which",
                    r->target.pr, n, r->target.pr, b.data);
    cf_buf_free(&b);
  }
  free(names);
  return rc;
}

/* Events after the review moment are unseen. */
static void copy_events(run *r) {
  cf_analysis *a = r->a;
  for (size_t i = 0; r->have_events && i < r->events.n; i++) {
    const cf_event *e = &r->events.items[i];
    if (a->as_of != CF_TIME_NONE && cf_event_point(e) > a->as_of) continue;
    cf_event ef;
    cf_event_copy(&ef, e);
    size_t cap = a->n_events;
    CF_PUSH(a->events, a->n_events, cap, ef);
  }
}

/* The recipe the review is about: --recipe, else the one the target's
 * builds test (one at most: target_ambiguous); NULL when neither says. */
static const char *review_recipe(const run *r) {
  if (r->o->recipe) return r->o->recipe;
  for (size_t i = 0; r->target.kind && i < r->a->n_builds; i++)
    if (r->a->builds[i].in_target && r->a->builds[i].tested.recipe)
      return r->a->builds[i].tested.recipe;
  return NULL;
}

/* PRs as of the review moment. PR numbers are per repository: a list
 * that holds other repositories' PRs (named by base.repo or the URL) keeps
 * only the reviewed recipe's, and says what it left out. */
static void copy_prs(run *r) {
  cf_analysis *a = r->a;
  const char *recipe = review_recipe(r);
  size_t n_other = 0, n_names = 0, names_cap = 0;
  const char **names = NULL; /* the other repositories, borrowed */
  for (size_t i = 0; i < r->prs.n; i++) {
    const cf_pr *p = &r->prs.items[i];
    if (recipe && p->repo && strcmp(p->repo, recipe)) {
      push_distinct(&names, &n_names, &names_cap, p->repo);
      n_other++;
      continue;
    }
    cf_pr_state st = cf_pr_state_at(p, a->as_of);
    if (st == CF_PR_NOT_YET) continue;
    const char *state = st == CF_PR_OPEN ? "open" : st == CF_PR_MERGED ? "merged" : "closed";
    cf_prfact pf = {p->number, cf_xstrdup(state), cf_xstrdup(p->head_sha),
                    cf_xstrdup(p->title), p->created, cf_pr_last_activity(p, a->as_of)};
    size_t cap = a->n_prs;
    CF_PUSH(a->prs, a->n_prs, cap, pf);
  }
  if (n_other) {
    cf_buf w = {0};
    cf_buf_printf(&w, "%s: %zu pull request%s of other repositories (", r->prs.path, n_other,
                  n_other == 1 ? "" : "s");
    for (size_t k = 0; k < n_names; k++) cf_buf_printf(&w, "%s%s", k ? ", " : "", names[k]);
    cf_buf_printf(&w, ") left out: PR numbers are per repository, and the review is of %s",
                  recipe);
    push_str(&a->warnings, &a->n_warnings, w.data);
    cf_buf_free(&w);
  }
  free(names);
}

static int known_rule(void *user, const char *id) {
  return cf_ruleset_find((const cf_ruleset *)user, id) >= 0;
}

/* The latest timestamp found in the inputs (DESIGN.md "Review moment"). */
static cf_time latest_input_time(run *r) {
  cf_time t = CF_TIME_NONE;
#define SEE(x) do { cf_time v_ = (x); if (v_ != CF_TIME_NONE && (t == CF_TIME_NONE || v_ > t)) t = v_; } while (0)
  for (size_t i = 0; i < r->a->n_builds; i++) {
    const cf_facts *f = &r->a->builds[i];
    SEE(f->created);
    SEE(f->started);
    SEE(f->finished);
  }
  for (size_t i = 0; r->have_events && i < r->events.n; i++) {
    SEE(r->events.items[i].at);
    SEE(r->events.items[i].from);
  }
#undef SEE
  return t;
}

static void input_line(cf_analysis *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void input_line(cf_analysis *a, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  size_t cap = a->n_inputs;
  CF_PUSH(a->inputs, a->n_inputs, cap, cf_buf_steal(&b));
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static int load_context(run *r, cf_err *err) {
  const cf_analyze_opts *o = r->o;
  const char *default_dir[1];
  const char *const *dirs = o->rules_dirs;
  size_t n_dirs = o->n_rules_dirs;
  char *shipped = NULL;
  if (!n_dirs) {
    shipped = cf_path_join(cf_data_dir(), "rules");
    default_dir[0] = shipped;
    dirs = default_dir;
    n_dirs = 1;
  }
  int rc = cf_ruleset_load(dirs, n_dirs, &r->rules, err);
  free(shipped);
  if (rc) return -1;
  r->matcher = cf_matcher_new(r->rules, NULL);
  r->rawscan = getenv("CIFORENSICS_NO_RAWSCAN") ? NULL : cf_rawscan_new(r->rules);
  r->a->rules_hash = cf_xstrdup(cf_ruleset_hash(r->rules));
  r->a->n_rules = cf_ruleset_count(r->rules);
  if (o->events_path) {
    if (cf_events_load(o->events_path, &r->events, err)) return -1;
    r->have_events = 1;
    cf_events_check_rule_ids(&r->events, known_rule, r->rules);
    for (size_t i = 0; i < r->events.n_warnings; i++)
      push_str(&r->a->warnings, &r->a->n_warnings, r->events.warnings[i]);
  }
  if (o->load_path) {
    if (cf_load_read(o->load_path, o->machine_map, &r->load, err)) return -1;
    r->have_load = 1;
  }
  if (o->prs_path) {
    if (cf_prs_load(o->prs_path, &r->prs, err)) return -1;
    r->a->have_prs = 1;
  }
  if (o->target && cf_target_parse(o->target, &r->target, err)) return -1;
  return 0;
}

static void close_run(run *r) {
  cf_cache_close(r->cache);
  cf_rawscan_free(r->rawscan);
  free(r->runs_abs);
  cf_drone_close(r->db);
  cf_matcher_free(r->matcher);
  cf_ruleset_free(r->rules);
  cf_events_free(&r->events);
  if (r->have_load) cf_load_free(&r->load);
  cf_prs_free(&r->prs);
  free(r->target.value);
}

/* The cache is keyed by the database (its real path and the repository),
 * the rules' hash and the program itself: its version and the executable's
 * size and time, so a rebuilt program never trusts facts an older one
 * extracted. */
static int open_cache(run *r, int64_t repo_id, cf_err *err) {
  char dbreal[PATH_MAX], exe[PATH_MAX];
  if (!realpath(r->o->db_path, dbreal)) snprintf(dbreal, sizeof dbreal, "%s", r->o->db_path);
  cf_buf id = {0}, ver = {0};
  cf_buf_printf(&id, "%s|%s|%lld", dbreal, r->o->repo, (long long)repo_id);
  struct stat st;
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) exe[n] = '\0';
  cf_buf_printf(&ver, "%s", CF_VERSION);
  if (n > 0 && stat(exe, &st) == 0)
    cf_buf_printf(&ver, "+%lld.%lld.%ld", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                  (long)st.st_mtim.tv_nsec);
  if (r->o->runs_dir) {
    char runs[PATH_MAX];
    r->runs_abs = cf_xstrdup(realpath(r->o->runs_dir, runs) ? runs : r->o->runs_dir);
  }
  char *warning = NULL;
  int rc = cf_cache_open(r->o->cache_path, id.data, r->a->rules_hash, ver.data, &r->cache,
                         &warning, err);
  if (warning) {
    push_str(&r->a->warnings, &r->a->n_warnings, warning);
    free(warning);
  }
  cf_buf_free(&id);
  cf_buf_free(&ver);
  return rc;
}

int cf_analyze_run(const cf_analyze_opts *o, cf_analysis *out, cf_err *err) {
  memset(out, 0, sizeof *out);
  run r;
  memset(&r, 0, sizeof r);
  r.o = o;
  r.a = out;
  out->repo = cf_xstrdup(o->repo);
  out->recipe = cf_xstrdup(o->recipe);
  out->stale_days = o->stale_days > 0 ? o->stale_days : 30;
  out->as_of = CF_TIME_NONE;
  if (o->as_of) {
    if (cf_time_parse(o->as_of, &out->as_of, NULL)) {
      cf_err_set(err, "--as-of %s: not a time (ISO 8601 such as 2026-06-13T06:38Z, or Unix seconds)",
                 o->as_of);
      goto fail;
    }
    out->as_of_given = 1;
  }
  if (load_context(&r, err)) goto fail;
  if (cf_drone_open_any(o->db_path, o->snapshot, &r.db, err)) goto fail;
  int64_t repo_id;
  if (cf_drone_find_repo(r.db, o->repo, &repo_id, err)) goto fail;
  if (o->cache_path && open_cache(&r, repo_id, err)) goto fail;
  cf_build_sel sel = {o->from, o->to, o->since, o->until};
  long *numbers = NULL;
  size_t n = 0;
  if (cf_drone_list_builds(r.db, repo_id, &sel, &numbers, &n, err)) goto fail;
  out->from = n ? numbers[0] : o->from;
  out->to = n ? numbers[n - 1] : o->to;
  if (o->from > 0) out->from = o->from;
  if (o->to != LONG_MAX && o->to > 0) out->to = o->to;
  size_t cap = 0;
  progress pr = {0};
  progress_start(&pr, o->progress, n);
  for (size_t i = 0; i < n; i++) {
    cf_facts f;
    if (read_build(&r, repo_id, numbers[i], &f)) CF_PUSH(out->builds, out->n_builds, cap, f);
    else cf_facts_free(&f);
    progress_step(&pr, i + 1);
  }
  progress_end(&pr);
  free(numbers);
  if (n > 0 && r.n_after_as_of == n) { /* a mistyped --as-of, not an empty review */
    char t1[CF_TIME_BUFSZ], t2[CF_TIME_BUFSZ];
    cf_err_set(err, "--as-of %s: none of the %zu builds in the range existed yet (the "
                    "earliest was created %s)",
               cf_time_format(out->as_of, t1, sizeof t1), n,
               cf_time_format(r.first_after_as_of, t2, sizeof t2));
    goto fail;
  }
  if (target_ambiguous(&r, out, err)) goto fail;
  if (!out->as_of_given) out->as_of = latest_input_time(&r);
  copy_events(&r);
  if (out->have_prs) copy_prs(&r);
  if (r.target.kind) {
    out->target = r.target;
    out->target.value = cf_xstrdup(r.target.value);
  }
  cf_decide_all(out);
  cf_findings_build(out);

  /* rules disabled after repeated match-limit hits */
  size_t nl = 0;
  const cf_rule_limit *lim = cf_matcher_limits(r.matcher, &nl);
  for (size_t i = 0; i < nl; i++) {
    cf_buf b = {0};
    cf_buf_printf(&b, "rule %s hit the regex match limit %u time%s%s",
                  cf_ruleset_rule(r.rules, lim[i].rule)->id, lim[i].hits,
                  lim[i].hits == 1 ? "" : "s",
                  lim[i].disabled ? " and was disabled for the rest of the run" : "");
    size_t wc = out->n_warnings;
    CF_PUSH(out->warnings, out->n_warnings, wc, cf_buf_steal(&b));
  }
  size_t with_results = 0;
  for (size_t i = 0; i < out->n_builds; i++) with_results += out->builds[i].has_results;
  input_line(out, "%s (%zu builds read)", base_name(o->db_path), n);
  if (o->runs_dir) input_line(out, "runs/ (%zu results.json)", with_results);
  if (o->events_path)
    input_line(out, "%s (%zu events)", base_name(o->events_path), r.events.n);
  input_line(out, "load: %s", o->load_path ? base_name(o->load_path) : "derived");
  if (o->prs_path) input_line(out, "%s (%zu pull requests)", base_name(o->prs_path), r.prs.n);

  if (getenv("CIFORENSICS_STATS")) { /* for tests and benchmarks, never in the report */
    size_t hits = 0, misses = 0, writes = 0;
    if (r.cache) cf_cache_stats(r.cache, &hits, &misses, &writes);
    fprintf(stderr, "ciforensics: stats: builds=%zu blobs_read=%zu cache_hits=%zu "
                    "cache_misses=%zu cache_writes=%zu\n",
            n, cf_drone_blobs_read(r.db), hits, misses, writes);
  }
  close_run(&r);
  return 0;
fail:
  close_run(&r);
  return -1;
}