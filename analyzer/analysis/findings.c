/*
 * findings.c: turns the decided builds of a range into numbered findings
 * (DESIGN.md "Findings": one row per kind says exactly when it is emitted)
 * and the bottom line on the target. Findings are sorted by severity, then
 * by the earliest time they concern, then by kind and title, and numbered
 * F1..Fn in that order, so identical inputs give identical numbering.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/analysis.h"
#include "ciforensics/stats.h"

enum {
  SEV_VERDICT = 0,
  SEV_FAILURE = 1,
  SEV_TARGET = 2,
  SEV_LOAD = 3,
  SEV_PR = 4,
  SEV_INFO = 5,
};

static cf_finding *new_finding(cf_analysis *a, size_t *cap, const char *kind,
                               int severity, cf_time when) {
  cf_grow((void **)&a->findings, cap, a->n_findings + 1, sizeof *a->findings);
  cf_finding *fd = &a->findings[a->n_findings++];
  memset(fd, 0, sizeof *fd);
  fd->kind = kind;
  fd->severity = severity;
  fd->when = when;
  return fd;
}

static void set_title(cf_finding *fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_title(cf_finding *fd, const char *fmt, ...) {
  cf_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  cf_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  free(fd->title);
  fd->title = cf_buf_steal(&b);
}

static void add_build(cf_finding *fd, long n) {
  for (size_t i = 0; i < fd->n_builds; i++)
    if (fd->builds[i] == n) return;
  size_t cap = fd->n_builds;
  CF_PUSH(fd->builds, fd->n_builds, cap, n);
}

static void add_pr(cf_finding *fd, long n) {
  for (size_t i = 0; i < fd->n_prs; i++)
    if (fd->prs[i] == n) return;
  size_t cap = fd->n_prs;
  CF_PUSH(fd->prs, fd->n_prs, cap, n);
}

static void add_event(cf_finding *fd, size_t idx) {
  for (size_t i = 0; i < fd->n_events; i++)
    if (fd->events[i] == idx) return;
  size_t cap = fd->n_events;
  CF_PUSH(fd->events, fd->n_events, cap, idx);
}

static void add_evidence(cf_finding *fd, long build, const char *step,
                         long line, cf_time t, const char *excerpt) {
  size_t cap = fd->n_evidence;
  cf_evidence ev = {build, cf_xstrdup(step), line, t, cf_xstrdup(excerpt)};
  CF_PUSH(fd->evidence, fd->n_evidence, cap, ev);
}

static const cf_hitfact *deciding_hit(const cf_facts *f) {
  if (!f->deciding_rule) return NULL;
  for (size_t i = 0; i < f->n_hits; i++)
    if (f->hits[i].deciding && !strcmp(f->hits[i].rule, f->deciding_rule))
      return &f->hits[i];
  return NULL;
}

static const char *short_sha(const char *sha, char *buf) {
  if (!sha) return "?";
  snprintf(buf, 9, "%s", sha);
  return buf;
}

static const char *utc(cf_time t, char *buf) {
  return cf_time_format(t, buf, CF_TIME_BUFSZ);
}

static int is_failure(const cf_facts *f) {
  return !f->excluded &&
         (f->verdict == CF_VERDICT_INFRA || f->verdict == CF_VERDICT_TIMING ||
          f->verdict == CF_VERDICT_RECIPE || f->verdict == CF_VERDICT_UNKNOWN);
}

static const char *tested_label(const cf_facts *f, char *buf, size_t size) {
  char s[16];
  if (f->tested.pr > 0)
    snprintf(buf, size, "PR #%ld (`%s`)", f->tested.pr,
             short_sha(f->tested.sha, s));
  else if (f->tested.sha)
    snprintf(buf, size, "`%s`", short_sha(f->tested.sha, s));
  else
    snprintf(buf, size, "an unknown revision");
  return buf;
}

/* ---- failure-mode and unclassified ---- */

/* The error line whose fingerprint is f's, as the log says it, leading
 * blanks dropped; NULL without one. Points into f. */
static const char *fingerprint_line(const cf_facts *f) {
  for (size_t i = 0; i < f->n_errlines; i++)
    if (f->fingerprint && f->errlines[i].fingerprint &&
        !strcmp(f->errlines[i].fingerprint, f->fingerprint)) {
      const char *t = f->errlines[i].text;
      while (*t == ' ' || *t == '\t') t++;
      return t;
    }
  return NULL;
}

/* A title's words for a group of failures: the error line as logged (it
 * reads better than the blanked fingerprint) when every member logged the
 * same line, else the fingerprint they share. Cut before 180 bytes at a
 * space or after a '/', never inside a word, so no token is left half for
 * the redactor to miss; with no such cut past 60 bytes, the fingerprint.
 * Caller frees. */
static char *group_title_text(const cf_analysis *a, const size_t *members, size_t n) {
  const cf_facts *f = &a->builds[members[0]];
  const char *text = fingerprint_line(f);
  for (size_t k = 1; text && k < n; k++) {
    const char *other = fingerprint_line(&a->builds[members[k]]);
    if (!other || strcmp(other, text)) text = NULL;
  }
  if (!text) return f->fingerprint ? cf_xstrdup(f->fingerprint) : NULL;
  size_t len = strlen(text);
  while (len && (text[len - 1] == '.' || text[len - 1] == ' ')) len--; /* the title adds its stop */
  if (len <= 180) return cf_xstrndup(text, len);
  size_t cut = 180;
  while (cut > 60 && text[cut] != ' ' && text[cut - 1] != '/') cut--;
  while (cut > 60 && text[cut - 1] == ' ') cut--;
  if (cut <= 60) return f->fingerprint ? cf_xstrdup(f->fingerprint) : NULL;
  cf_buf b = {0};
  cf_buf_append(&b, text, cut);
  cf_buf_puts(&b, "…");
  return cf_buf_steal(&b);
}

static void failure_modes(cf_analysis *a, size_t *cap) {
  unsigned char *done = cf_xcalloc(a->n_builds + 1, 1);
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (done[i] || !is_failure(f)) continue;
    int unknown = f->verdict == CF_VERDICT_UNKNOWN;
    /* members: failures that fail the same way (unknowns: same fingerprint) */
    size_t *members = NULL, n = 0, mcap = 0;
    for (size_t j = i; j < a->n_builds; j++) {
      const cf_facts *g = &a->builds[j];
      if (done[j] || !is_failure(g)) continue;
      if ((g->verdict == CF_VERDICT_UNKNOWN) != unknown) continue;
      if (j != i && !cf_facts_same_way(f, g)) continue;
      if (unknown && j != i && !(f->fingerprint && g->fingerprint)) continue;
      CF_PUSH(members, n, mcap, j);
    }
    /* same deciding rule, or (no rule decided: reproduced failures) the
     * same tier and error fingerprint */
    if (!unknown && (n < 2 || (!f->deciding_rule && !f->fingerprint))) {
      free(members);
      continue;
    }
    for (size_t k = 0; k < n; k++) done[members[k]] = 1;
    const cf_hitfact *h = deciding_hit(f);
    cf_finding *fd = new_finding(a, cap, unknown ? "unclassified" : "failure-mode",
                                 SEV_FAILURE, f->failing_moment);
    cf_buf text = {0};
    char *said = group_title_text(a, members, n);
    if (unknown) {
      set_title(fd, "%zu failure%s not classified%s%s", n, n == 1 ? "" : "s",
                said ? ": " : "", said ? said : "");
      /* an unreadable input makes a build unknown whatever its rules said
       * (DESIGN.md, errors): say so rather than "no rule decides" */
      size_t unreadable = 0;
      for (size_t k = 0; k < n; k++) unreadable += a->builds[members[k]].n_problems > 0;
      if (unreadable == n)
        cf_buf_printf(&text, "An input of %s is unreadable (see the input problems), so no "
                             "verdict is given; the first error lines are quoted as evidence.",
                      n == 1 ? "this build" : "each of these builds");
      else
        cf_buf_printf(&text, "No rule decides %s%s.", n == 1 ? "this failure" : "these failures",
                      f->n_errlines ? "; the first error lines are quoted as evidence" : "");
      /* a build with no error line would otherwise be named nowhere */
      for (size_t k = 0; k < n; k++) {
        const cf_facts *g = &a->builds[members[k]];
        if (g->n_errlines) continue;
        const char *why = cf_facts_silent_log(g);
        if (why) cf_buf_printf(&text, " #%ld: %s.", g->number, why);
        else if (g->drone_error) cf_buf_printf(&text, " #%ld: Drone says: %s.", g->number,
                                               g->drone_error);
        else if (!g->failed_step) cf_buf_printf(&text, " #%ld: no failed step recorded.",
                                                g->number);
        else cf_buf_printf(&text, " #%ld: nothing in step %s looks like an error line.",
                           g->number, g->failed_step);
      }
    } else {
      fd->cls = h ? h->cls : f->deciding_class;
      if (fd->cls == CF_CLS_NONE) /* decided by reproduction or load alone */
        fd->cls = f->verdict == CF_VERDICT_RECIPE   ? CF_CLS_RECIPE
                  : f->verdict == CF_VERDICT_TIMING ? CF_CLS_TIMING
                                                    : CF_CLS_INFRA;
      const char *what = h ? h->title : f->deciding_rule ? f->deciding_rule
                                      : said            ? said
                                                        : f->fingerprint;
      set_title(fd, "%s failures fail the same way: %s (%s)",
                f->failed_tier ? f->failed_tier : "step", what, cf_class_name(fd->cls));
      if (f->deciding_rule)
        cf_buf_printf(&text, "Deciding rule `%s` in", f->deciding_rule);
      else
        cf_buf_puts(&text, "No rule matched; the same error fingerprint in");
      for (size_t k = 0; k < n; k++) {
        const cf_facts *g = &a->builds[members[k]];
        cf_buf_printf(&text, "%s #%ld (%s)", k ? "," : "", g->number,
                      cf_verdict_name(g->verdict));
      }
      cf_buf_puts(&text, ".");
      /* rivals, judged per member; a rival judged the same in every member
       * is named once in a shared sentence */
      cf_buf all_out = {0}, all_unseen = {0};
      size_t n_all_out = 0, n_all_unseen = 0;
      for (size_t r = 0; h && r < h->n_rivals; r++) {
        long *out = NULL, *unseen = NULL;
        size_t n_out = 0, c_out = 0, n_unseen = 0, c_unseen = 0;
        for (size_t k = 0; k < n; k++) {
          const cf_facts *g = &a->builds[members[k]];
          for (size_t q = 0; q < g->n_rivals; q++)
            if (!strcmp(g->rivals[q].rule, h->rivals[r])) {
              if (g->rivals[q].state == CF_RIVAL_RULED_OUT)
                CF_PUSH(out, n_out, c_out, g->number);
              else if (g->rivals[q].state == CF_RIVAL_NOT_OBSERVABLE)
                CF_PUSH(unseen, n_unseen, c_unseen, g->number);
            }
        }
        if (n_out == n) {
          cf_buf_printf(&all_out, "%s`%s`", n_all_out++ ? ", " : "", h->rivals[r]);
        } else if (n_out) {
          cf_buf_printf(&text, " Rival `%s` ruled out in", h->rivals[r]);
          for (size_t k = 0; k < n_out; k++)
            cf_buf_printf(&text, "%s #%ld", k ? "," : "", out[k]);
          cf_buf_puts(&text, ": its evidence would be visible in the failing step and is absent.");
        }
        if (n_unseen == n) {
          cf_buf_printf(&all_unseen, "%s`%s`", n_all_unseen++ ? ", " : "", h->rivals[r]);
        } else if (n_unseen) {
          cf_buf_printf(&text, " Rival `%s` not observable in", h->rivals[r]);
          for (size_t k = 0; k < n_unseen; k++)
            cf_buf_printf(&text, "%s #%ld", k ? "," : "", unseen[k]);
          cf_buf_puts(&text, ".");
        }
        free(out);
        free(unseen);
      }
      if (n_all_out)
        cf_buf_printf(&text, " Rival%s ruled out in all %zu (%s evidence would show in the "
                             "failing step, and it does not): %s.",
                      n_all_out == 1 ? "" : "s", n, n_all_out == 1 ? "its" : "their",
                      all_out.data);
      if (n_all_unseen)
        cf_buf_printf(&text, " Rival%s not observable in any (nothing in the failing step "
                             "could show %s): %s.",
                      n_all_unseen == 1 ? "" : "s", n_all_unseen == 1 ? "it" : "them",
                      all_unseen.data);
      cf_buf_free(&all_out);
      cf_buf_free(&all_unseen);
    }
    for (size_t k = 0; k < n; k++) {
      const cf_facts *g = &a->builds[members[k]];
      add_build(fd, g->number);
      for (size_t q = 0; q < g->n_events_applied; q++)
        add_event(fd, g->events_applied[q]);
      const cf_hitfact *gh = deciding_hit(g);
      if (gh) {
        add_evidence(fd, g->number, gh->step, gh->line, gh->time, gh->excerpt);
        if (gh->first_excerpt) /* where the composite rule's evidence starts */
          add_evidence(fd, g->number, gh->step, gh->first_line, gh->first_time,
                       gh->first_excerpt);
      }
      for (size_t e = 0; !gh && e < g->n_errlines && e < (unknown ? 3u : 1u); e++)
        add_evidence(fd, g->number, g->errlines[e].step, g->errlines[e].line,
                     CF_TIME_NONE, g->errlines[e].text);
    }
    fd->text = cf_buf_steal(&text);
    free(said);
    free(members);
  }
  free(done);
}

/* ---- target-related findings ---- */

/* The latest fix, as of the review moment, whose scope covers build f; with
 * f NULL, the latest that covers any run on the target (or, with no such
 * run, the latest unscoped one). CF_TIME_NONE if none; *which is its index. */
static cf_time latest_fix(const cf_analysis *a, const cf_facts *f, size_t *which) {
  cf_time best = CF_TIME_NONE;
  for (size_t e = 0; e < a->n_events; e++) {
    const cf_event *ev = &a->events[e];
    if (ev->kind != CF_EVENT_FIX || ev->at == CF_TIME_NONE) continue;
    if (a->as_of != CF_TIME_NONE && ev->at > a->as_of) continue;
    int applies = 0, any_target = 0;
    if (f) {
      applies = cf_event_applies_to(ev, f, NULL);
    } else {
      for (size_t i = 0; i < a->n_builds; i++) {
        const cf_facts *g = &a->builds[i];
        if (g->excluded || !g->in_target) continue;
        any_target = 1;
        if (cf_event_applies_to(ev, g, NULL)) applies = 1;
      }
      if (!any_target) applies = ev->n_machines == 0 && ev->n_recipes == 0;
    }
    if (applies && (best == CF_TIME_NONE || ev->at > best)) {
      best = ev->at;
      *which = e;
    }
  }
  return best;
}

static const char *target_label(const cf_analysis *a, char *buf, size_t size) {
  const cf_target *t = &a->target;
  if (t->kind == 'p') snprintf(buf, size, "PR #%ld", t->pr);
  else if (t->kind == 's') snprintf(buf, size, "sha `%.8s`", t->value);
  else snprintf(buf, size, "ref `%s`", t->value ? t->value : "");
  return buf;
}

static const char *target_recipe(const cf_analysis *a) {
  for (size_t i = 0; i < a->n_builds; i++)
    if (!a->builds[i].excluded && a->builds[i].in_target)
      return a->builds[i].tested.recipe;
  return a->recipe;
}

static int same_recipe(const cf_facts *f, const char *recipe) {
  return !recipe || (f->tested.recipe && !strcmp(f->tested.recipe, recipe));
}

static void target_findings(cf_analysis *a, size_t *cap) {
  char tl[64], t1[CF_TIME_BUFSZ], t2[CF_TIME_BUFSZ], lbl[96];
  const char *recipe = target_recipe(a);
  size_t fix_idx = 0;
  cf_time fix_at = latest_fix(a, NULL, &fix_idx);

  /* wrong-target: passes of the same recipe that tested something else */
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (f->excluded || f->verdict != CF_VERDICT_PASS || f->in_target ||
        !same_recipe(f, recipe))
      continue;
    cf_finding *fd = new_finding(a, cap, "wrong-target", SEV_TARGET, f->started);
    add_build(fd, f->number);
    if (f->tested.pr > 0) add_pr(fd, f->tested.pr);
    int prefix = fix_at != CF_TIME_NONE && f->started < fix_at;
    set_title(fd, "#%ld is %son the wrong target", f->number,
              prefix ? "pre-fix and " : "");
    cf_buf text = {0};
    cf_buf_printf(&text, "Ran %s", utc(f->started, t1));
    if (prefix) {
      cf_buf_printf(&text, ", %.0f min before the fix '%s' (%s)",
                    (double)(fix_at - f->started) / 60.0,
                    a->events[fix_idx].title, utc(fix_at, t2));
      add_event(fd, fix_idx);
    }
    cf_buf_printf(&text, "; tested %s, not %s. Its pass is no verdict for %s.",
                  tested_label(f, lbl, sizeof lbl), target_label(a, tl, sizeof tl),
                  tl);
    fd->text = cf_buf_steal(&text);
  }

  /* evidence-gap: no finished run on the target after every fix that
   * applies to it (a fix scoped to one machine says nothing about a run on
   * another) */
  const cf_facts *newest = NULL, *running = NULL;
  size_t n_target = 0, newest_fix_idx = 0;
  cf_time newest_fix_at = CF_TIME_NONE;
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (f->excluded || !f->in_target) continue;
    n_target++;
    size_t idx = 0;
    cf_time own_fix = latest_fix(a, f, &idx);
    cf_time began = f->started != CF_TIME_NONE ? f->started : f->created;
    if (own_fix != CF_TIME_NONE && began < own_fix) continue;
    if (f->verdict == CF_VERDICT_RUNNING) {
      running = f;
    } else if (f->verdict != CF_VERDICT_CANCELLED) {
      newest = f;
      newest_fix_at = own_fix;
      newest_fix_idx = idx;
    }
  }
  if (!newest && n_target == 0) {
    cf_finding *fd = new_finding(a, cap, "evidence-gap", SEV_TARGET, a->as_of);
    set_title(fd, "No build in the range tested %s", target_label(a, tl, sizeof tl));
    fd->text = cf_xstrdup("Nothing in the range can say whether it works: widen --builds "
                          "or check the target.");
  } else if (!newest) {
    cf_finding *fd = new_finding(a, cap, "evidence-gap", SEV_TARGET,
                                 fix_at != CF_TIME_NONE ? fix_at : a->as_of);
    cf_buf text = {0};
    if (fix_at != CF_TIME_NONE) {
      set_title(fd, "No finished run on %s after the fix at %s",
                target_label(a, tl, sizeof tl), utc(fix_at, t1));
      add_event(fd, fix_idx);
      cf_buf_printf(&text, "As of %s no run on %s has finished since '%s'.",
                    utc(a->as_of, t2), tl, a->events[fix_idx].title);
    } else {
      set_title(fd, "No finished run on %s", target_label(a, tl, sizeof tl));
      cf_buf_printf(&text, "As of %s no run on %s has finished.", utc(a->as_of, t2), tl);
    }
    if (running) {
      add_build(fd, running->number);
      cf_buf_printf(&text, " #%ld is running (started %s).", running->number,
                    utc(running->started, t1));
    } else {
      cf_buf_puts(&text, " A fresh run is needed.");
    }
    fd->text = cf_buf_steal(&text);
  }

  /* genuine-pass (or the failure that blocks the target) and the verdict */
  cf_target_verdict *v = &a->verdict;
  v->present = 1;
  v->target = cf_target_describe(&a->target);
  cf_buf reason = {0};
  if (!newest && n_target == 0) {
    v->operator_ready = 0;
    cf_buf_printf(&reason, "%s is not operator-ready: no build in the range tested it",
                  target_label(a, tl, sizeof tl));
  } else if (!newest) {
    v->operator_ready = 0;
    cf_buf_printf(&reason, "%s is not operator-ready: no finished run after %s",
                  target_label(a, tl, sizeof tl),
                  fix_at != CF_TIME_NONE ? "the latest applicable fix" : "the range start");
    if (running) cf_buf_printf(&reason, " (#%ld still running)", running->number);
  } else if (newest->verdict != CF_VERDICT_PASS) {
    v->operator_ready = 0;
    v->build = newest->number;
    if (newest->verdict == CF_VERDICT_UNKNOWN && newest->n_problems &&
        !cf_status_failed(newest->status))
      /* Drone says it passed; an unreadable input keeps it from counting */
      cf_buf_printf(&reason, "%s is not operator-ready: its newest run #%ld (Drone status %s) "
                             "cannot be judged: an input is unreadable",
                    target_label(a, tl, sizeof tl), newest->number, newest->status);
    else
      cf_buf_printf(&reason, "%s is not operator-ready: its newest run #%ld failed (%s)",
                    target_label(a, tl, sizeof tl), newest->number,
                    cf_verdict_name(newest->verdict));
  } else {
    fix_at = newest_fix_at; /* the fixes that apply to this run */
    fix_idx = newest_fix_idx;
    v->build = newest->number;
    int full = newest->level == 5;
    int moved = 0;
    const cf_prfact *pr = NULL;
    for (size_t i = 0; a->have_prs && i < a->n_prs; i++)
      if (a->target.kind == 'p' && a->prs[i].number == a->target.pr) pr = &a->prs[i];
    if (pr && pr->head_sha && newest->tested.sha &&
        !cf_sha_prefix_match(pr->head_sha, newest->tested.sha))
      moved = 1;
    v->operator_ready = newest->genuine == 1 && full && !moved;
    cf_finding *fd = new_finding(a, cap, "genuine-pass", SEV_INFO, newest->started);
    add_build(fd, newest->number);
    if (newest->tested.pr > 0) add_pr(fd, newest->tested.pr);
    cf_buf text = {0};
    if (newest->genuine == 1) {
      set_title(fd, "#%ld is a genuine %spass", newest->number,
                fix_at != CF_TIME_NONE ? "post-fix " : "");
      cf_buf_printf(&text, "%s.", newest->genuine_summary ? newest->genuine_summary : "");
    } else {
      set_title(fd, "#%ld passed but is not a genuine pass", newest->number);
      for (size_t k = 0; k < newest->n_genuine_problems; k++)
        cf_buf_printf(&text, "%s%s", k ? "; " : "", newest->genuine_problems[k]);
      if (newest->genuine < 0) cf_buf_puts(&text, "no run artifacts to judge it");
      cf_buf_puts(&text, ".");
    }
    cf_buf_printf(&text, " Started %s, finished %s", utc(newest->started, t1),
                  utc(newest->finished, t2));
    if (fix_at != CF_TIME_NONE) {
      cf_buf_printf(&text, ", %.0f min after the fix '%s'",
                    (double)(newest->started - fix_at) / 60.0, a->events[fix_idx].title);
      add_event(fd, fix_idx);
    }
    cf_buf_puts(&text, ".");
    fd->text = cf_buf_steal(&text);
    if (v->operator_ready && fix_at != CF_TIME_NONE)
      cf_buf_printf(&reason, "%s is operator-ready on #%ld: a genuine level-5 pass, "
                             "%.0f min after the fix '%s'",
                    target_label(a, tl, sizeof tl), newest->number,
                    (double)(newest->started - fix_at) / 60.0, a->events[fix_idx].title);
    else if (v->operator_ready)
      cf_buf_printf(&reason, "%s is operator-ready on #%ld: a genuine level-5 pass",
                    target_label(a, tl, sizeof tl), newest->number);
    else {
      cf_buf_printf(&reason, "%s is not operator-ready: #%ld ", target_label(a, tl, sizeof tl),
                    newest->number);
      if (newest->genuine != 1) cf_buf_puts(&reason, "is not a genuine pass");
      else if (!full) cf_buf_printf(&reason, "reached level %d, not 5", newest->level);
      else cf_buf_printf(&reason, "tested `%.8s` but the PR head is now `%.8s`",
                         newest->tested.sha, pr->head_sha);
    }
    /* one pass of a sha that also fails is no proof it works every time */
    size_t runs = 0, failed = 0, not_infra = 0;
    for (size_t i = 0; newest->tested.sha && i < a->n_builds; i++) {
      const cf_facts *g = &a->builds[i];
      if (g->excluded || !g->tested.sha || !cf_sha_prefix_match(g->tested.sha, newest->tested.sha))
        continue;
      if (g->verdict == CF_VERDICT_PASS) runs++;
      else if (is_failure(g)) {
        runs++;
        failed++;
        not_infra += g->verdict != CF_VERDICT_INFRA;
      }
    }
    if (not_infra)
      cf_buf_printf(&reason, "; but its sha failed %zu of its %zu finished runs in the range, "
                             "%zu not explained by infrastructure",
                    failed, runs, not_infra);
  }
  v->reason = cf_buf_steal(&reason);
  cf_finding *fd = new_finding(a, cap, "verdict", SEV_VERDICT, a->as_of);
  set_title(fd, "%s", v->reason);
  if (v->build) add_build(fd, v->build);
  if (a->target.kind == 'p') add_pr(fd, a->target.pr);
  fd->text = cf_xstrdup("");
}

/* ---- event-relative ---- */

static void list_sentence(cf_buf *b, const char *what, char *const *v, size_t n,
                          int *first) {
  if (!n) return;
  cf_buf_printf(b, "%s%s ", *first ? "" : "; ", what);
  for (size_t i = 0; i < n; i++) cf_buf_printf(b, "%s%s", i ? ", " : "", v[i]);
  *first = 0;
}

/* " Scope: machines ci-2; tiers upgrade." for a scoped event: builds
 * outside it are not confounded, and the reader should see why. */
static void scope_sentence(cf_buf *b, const cf_event *ev) {
  if (!ev->n_machines && !ev->n_recipes && !ev->n_tiers) return;
  int first = 1;
  cf_buf_puts(b, " Scope: ");
  list_sentence(b, "machines", ev->machines, ev->n_machines, &first);
  list_sentence(b, "recipes", ev->recipes, ev->n_recipes, &first);
  list_sentence(b, "tiers", ev->tiers, ev->n_tiers, &first);
  cf_buf_puts(b, ".");
}

/* " Lead: #1, #2." appended to text, each build added to the finding. */
static void build_sentence(cf_buf *text, cf_finding *fd, const char *lead, const long *v,
                           size_t n) {
  if (!n) return;
  cf_buf_printf(text, "%s%s", text->len ? " " : "", lead);
  for (size_t k = 0; k < n; k++) {
    cf_buf_printf(text, "%s #%ld", k ? "," : "", v[k]);
    add_build(fd, v[k]);
  }
  cf_buf_puts(text, ".");
}

static void event_findings(cf_analysis *a, size_t *cap) {
  char t1[CF_TIME_BUFSZ];
  const char *recipe = a->target.kind ? target_recipe(a) : NULL;
  for (size_t e = 0; e < a->n_events; e++) {
    const cf_event *ev = &a->events[e];
    if (ev->kind == CF_EVENT_DEPLOY) continue;
    long *decided = NULL, *before = NULL, *after = NULL;
    size_t n_dec = 0, c_dec = 0, n_bef = 0, c_bef = 0, n_aft = 0, c_aft = 0;
    for (size_t i = 0; i < a->n_builds; i++) {
      const cf_facts *f = &a->builds[i];
      if (f->excluded) continue;
      for (size_t q = 0; q < f->n_events_applied; q++)
        if (f->events_applied[q] == e && f->verdict == CF_VERDICT_INFRA)
          CF_PUSH(decided, n_dec, c_dec, f->number);
      if (ev->kind == CF_EVENT_FIX && a->target.kind && f->verdict == CF_VERDICT_PASS &&
          same_recipe(f, recipe) && f->started != CF_TIME_NONE && f->started < ev->at &&
          cf_event_applies_to(ev, f, NULL))
        CF_PUSH(before, n_bef, c_bef, f->number);
      /* the same cause after the fix: it did not hold, or not here */
      if (is_failure(f) && f->failing_moment != CF_TIME_NONE && ev->at != CF_TIME_NONE &&
          f->failing_moment > ev->at && cf_fix_resolved_hit(ev, f) &&
          cf_event_applies_to(ev, f, f->failed_tier))
        CF_PUSH(after, n_aft, c_aft, f->number);
    }
    if (n_dec || n_bef || n_aft) {
      cf_time when = ev->kind == CF_EVENT_FIX ? ev->at : ev->from;
      cf_finding *fd = new_finding(a, cap, "event-relative", SEV_TARGET, when);
      add_event(fd, e);
      cf_buf text = {0};
      if (ev->kind == CF_EVENT_FIX)
        set_title(fd, "Relative to the fix '%s' (%s)", ev->title, utc(ev->at, t1));
      else
        set_title(fd, "Failures confounded by the %s '%s'",
                  ev->kind == CF_EVENT_MAINTENANCE ? "maintenance" : "incident", ev->title);
      build_sentence(&text, fd,
                     ev->kind == CF_EVENT_FIX
                         ? "Failures before the fix whose cause it resolves:"
                         : "Infra-confounded: failing moment inside the window:",
                     decided, n_dec);
      build_sentence(&text, fd, "Passes before the fix, which cannot show it worked:", before,
                     n_bef);
      build_sentence(&text, fd,
                     "Failing after the fix from the cause it claims to resolve, so it did "
                     "not hold (or does not reach these builds):",
                     after, n_aft);
      scope_sentence(&text, ev);
      fd->text = cf_buf_steal(&text);
    }
    free(decided);
    free(before);
    free(after);
  }
}

/* ---- load-sensitive ---- */

static void load_findings(cf_analysis *a, size_t *cap) {
  char sb[16];
  unsigned char *seen = cf_xcalloc(a->n_builds + 1, 1);
  cf_sha_index ix;
  cf_sha_index_build(&ix, a);
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (seen[i] || f->excluded || !f->tested.sha) continue;
    size_t lo, hi;
    cf_sha_index_range(&ix, f->tested.sha, &lo, &hi);
    double *fail = NULL, *pass = NULL;
    size_t nf = 0, cf = 0, np = 0, cp = 0;
    long *members = NULL;
    size_t nm = 0, cm = 0;
    int unknown_load = 0;
    /* machines of the failures and of the passes: load figures of
     * different hosts compared alone would be the host, not the load */
    const char **fail_m = NULL, **pass_m = NULL;
    size_t nfm = 0, cfm = 0, npm = 0, cpm = 0;
    cf_time first = CF_TIME_NONE;
    for (size_t k = lo; k < hi; k++) { /* the sha's builds, in build order */
      size_t j = ix.idx[k];
      const cf_facts *g = &a->builds[j];
      if (j < i || g->excluded || !cf_sha_prefix_match(g->tested.sha, f->tested.sha)) continue;
      seen[j] = 1;
      int failed = g->verdict == CF_VERDICT_TIMING || g->verdict == CF_VERDICT_RECIPE ||
                   g->verdict == CF_VERDICT_UNKNOWN;
      if (!failed && g->verdict != CF_VERDICT_PASS) continue;
      if (!g->load_known) {
        unknown_load = 1;
        continue;
      }
      if (failed) {
        CF_PUSH(fail, nf, cf, g->load);
        CF_PUSH(fail_m, nfm, cfm, g->machine);
      } else {
        CF_PUSH(pass, np, cp, g->load);
        CF_PUSH(pass_m, npm, cpm, g->machine);
      }
      CF_PUSH(members, nm, cm, g->number);
      if (first == CF_TIME_NONE) first = g->started;
    }
    double fmin = INFINITY, pmax = -INFINITY;
    for (size_t k = 0; k < nf; k++) fmin = fail[k] < fmin ? fail[k] : fmin;
    for (size_t k = 0; k < np; k++) pmax = pass[k] > pmax ? pass[k] : pmax;
    double fmean = 0, pmean = 0;
    for (size_t k = 0; k < nf; k++) fmean += fail[k] / (double)nf;
    for (size_t k = 0; k < np; k++) pmean += pass[k] / (double)np;
    if (nf && np && fmean > pmean) {
      cf_finding *fd = new_finding(a, cap, "load-sensitive", SEV_LOAD, first);
      for (size_t k = 0; k < nm; k++) add_build(fd, members[k]);
      cf_buf text = {0}, st = {0};
      cf_mw_result mw;
      int shared_machine = 0;
      for (size_t x = 0; x < nfm && !shared_machine; x++)
        for (size_t y = 0; y < npm && !shared_machine; y++)
          shared_machine = !strcmp(fail_m[x], pass_m[y]);
      /* two-sided: the direction was chosen after looking (mean of the
       * failures above the passes), so a one-sided p would overstate */
      int testable = shared_machine && cf_stats_can_mann_whitney((unsigned)nf, (unsigned)np,
                                                                 CF_STATS_ALPHA, 1);
      if (testable && cf_stats_mann_whitney(fail, nf, pass, np, &mw) == 0) {
        set_title(fd, "Failures of `%s` sit at higher load: Mann–Whitney p = %.3g (n=%zu)",
                  short_sha(f->tested.sha, sb), mw.p_two, nf + np);
        cf_buf_printf(&st, "{\"test\":\"mann-whitney\",\"n_fail\":%zu,\"n_pass\":%zu,"
                           "\"u\":%.6g,\"p_two_sided\":%.6g,\"p_one_sided\":%.6g,"
                           "\"method\":\"%s\"}",
                      nf, np, mw.u, mw.p_two, mw.p_greater, mw.exact ? "exact" : "normal");
      } else {
        testable = 0;
        set_title(fd, "Failures of `%s` sit at higher load: suggestive (n=%zu)",
                  short_sha(f->tested.sha, sb), nf + np);
        cf_buf_printf(&st, "{\"test\":null,\"n_fail\":%zu,\"n_pass\":%zu,"
                           "\"suggestive\":true%s}",
                      nf, np, shared_machine ? "" : ",\"machines_differ\":true");
      }
      fd->stats = cf_buf_steal(&st);
      fd->cls = CF_CLS_TIMING;
      cf_buf_printf(&text, "Same sha `%s`: %zu failure%s at mean load %.3g (lowest %g), "
                           "%zu pass%s at mean load %.3g (highest %g).",
                    short_sha(f->tested.sha, sb), nf, nf == 1 ? "" : "s", fmean, fmin, np,
                    np == 1 ? "" : "es", pmean, pmax);
      if (!shared_machine)
        cf_buf_puts(&text, " The failures and the passes ran on different machines, so "
                           "machine and load cannot be told apart; no test.");
      else if (!testable)
        cf_buf_puts(&text, " Too few runs for a test.");
      if (unknown_load) cf_buf_puts(&text, " Some runs have no load figure.");
      fd->text = cf_buf_steal(&text);
      for (size_t q = lo; q < hi; q++) {
        const cf_facts *g = &a->builds[ix.idx[q]];
        for (size_t k = 0; k < nm; k++)
          if (g->number == members[k] && g->load_known) {
            char t1[CF_TIME_BUFSZ], ex[160];
            /* a pass's load is taken at the middle of its stage */
            if (g->verdict == CF_VERDICT_PASS)
              snprintf(ex, sizeof ex, "passed (started %s) with load %g mid-run on %s",
                       utc(g->started, t1), g->load, g->machine);
            else
              snprintf(ex, sizeof ex, "failed at %s with load %g on %s",
                       utc(g->failing_moment, t1), g->load, g->machine);
            add_evidence(fd, g->number, NULL, 0,
                         g->verdict == CF_VERDICT_PASS ? g->started : g->failing_moment, ex);
          }
      }
    }
    free(fail);
    free(pass);
    free(fail_m);
    free(pass_m);
    free(members);
  }
  cf_sha_index_free(&ix);
  free(seen);
}

/* ---- stale-pr ---- */

static void pr_findings(cf_analysis *a, size_t *cap) {
  if (!a->have_prs) return;
  char tl[64], t1[CF_TIME_BUFSZ];
  for (size_t p = 0; p < a->n_prs; p++) {
    const cf_prfact *pr = &a->prs[p];
    if (!pr->state || strcmp(pr->state, "open")) continue;
    if (a->target.kind == 'p' && pr->number == a->target.pr) continue;
    long *tested = NULL;
    size_t nt = 0, ct = 0;
    for (size_t i = 0; i < a->n_builds; i++)
      if (!a->builds[i].excluded && a->builds[i].tested.pr == pr->number)
        CF_PUSH(tested, nt, ct, a->builds[i].number);
    double idle_days = pr->last_activity != CF_TIME_NONE && a->as_of != CF_TIME_NONE
                           ? (double)(a->as_of - pr->last_activity) / 86400.0
                           : 0;
    int idle = idle_days >= a->stale_days;
    if (!nt && !idle) {
      free(tested);
      continue;
    }
    cf_finding *fd = new_finding(a, cap, "stale-pr", SEV_PR, pr->created);
    add_pr(fd, pr->number);
    set_title(fd, "PR #%ld is open and %s", pr->number,
              idle ? "idle" : "not the target");
    cf_buf text = {0};
    cf_buf_printf(&text, "Open as of %s, head `%.8s`", utc(a->as_of, t1),
                  pr->head_sha ? pr->head_sha : "?");
    if (nt) {
      cf_buf_puts(&text, ", tested in");
      for (size_t k = 0; k < nt; k++) {
        cf_buf_printf(&text, "%s #%ld", k ? "," : "", tested[k]);
        add_build(fd, tested[k]);
      }
    }
    if (idle) cf_buf_printf(&text, "; no activity for %.0f days", idle_days);
    if (a->target.kind == 'p')
      cf_buf_printf(&text, ". Close it once %s has its verdict.", target_label(a, tl, sizeof tl));
    else
      cf_buf_puts(&text, ".");
    fd->text = cf_buf_steal(&text);
    free(tested);
  }
}

/* ---- hygiene ---- */

static void hygiene_findings(cf_analysis *a, size_t *cap) {
  size_t runs = 0, missing = 0;
  long *bad = NULL;
  size_t nb = 0, cb = 0;
  cf_buf detail = {0};
  for (size_t i = 0; i < a->n_builds; i++) {
    const cf_facts *f = &a->builds[i];
    if (f->excluded || !f->has_results) continue;
    runs++;
    if (f->clean_teardown < 0 || f->no_secret_leak < 0) missing++;
    if (f->clean_teardown == 0 || f->no_secret_leak == 0) {
      CF_PUSH(bad, nb, cb, f->number);
      cf_buf_printf(&detail, "%s#%ld:%s%s", nb > 1 ? "; " : "", f->number,
                    f->clean_teardown == 0 ? " clean_teardown=false" : "",
                    f->no_secret_leak == 0 ? " no_secret_leak=false (secret not quoted)" : "");
    }
  }
  if (!runs) {
    cf_buf_free(&detail);
    return;
  }
  cf_finding *fd = new_finding(a, cap, "hygiene", nb ? SEV_TARGET : SEV_INFO,
                               CF_TIME_NONE);
  cf_buf text = {0};
  if (nb) {
    set_title(fd, "Hygiene flags false on %zu run%s", nb, nb == 1 ? "" : "s");
    cf_buf_printf(&text, "%s.", detail.data);
    for (size_t k = 0; k < nb; k++) add_build(fd, bad[k]);
  } else {
    size_t ok = runs - missing;
    if (ok == 1) {
      set_title(fd, "Clean state on the one run");
      cf_buf_puts(&text, "`clean_teardown` and `no_secret_leak` true on the one run with "
                         "results.json");
    } else {
      set_title(fd, "Clean state on all %zu runs", ok);
      cf_buf_printf(&text, "`clean_teardown` and `no_secret_leak` true on all %zu runs "
                           "with results.json", ok);
    }
    cf_buf_puts(&text, ".");
  }
  if (missing)
    cf_buf_printf(&text, " %zu run%s did not record the flags.", missing,
                  missing == 1 ? "" : "s");
  fd->text = cf_buf_steal(&text);
  cf_buf_free(&detail);
  free(bad);
}

static int cmp_finding(const void *pa, const void *pb) {
  const cf_finding *a = pa, *b = pb;
  if (a->severity != b->severity) return a->severity < b->severity ? -1 : 1;
  cf_time ta = a->when == CF_TIME_NONE ? INT64_MAX : a->when;
  cf_time tb = b->when == CF_TIME_NONE ? INT64_MAX : b->when;
  if (ta != tb) return ta < tb ? -1 : 1;
  int c = strcmp(a->kind, b->kind);
  if (c) return c;
  return strcmp(a->title ? a->title : "", b->title ? b->title : "");
}

static int cmp_long(const void *pa, const void *pb) {
  long a = *(const long *)pa, b = *(const long *)pb;
  return (a > b) - (a < b);
}

void cf_findings_build(cf_analysis *a) {
  size_t cap = a->n_findings;
  failure_modes(a, &cap);
  if (a->target.kind) target_findings(a, &cap);
  event_findings(a, &cap);
  load_findings(a, &cap);
  pr_findings(a, &cap);
  hygiene_findings(a, &cap);
  for (size_t i = 0; i < a->n_findings; i++) {
    cf_finding *fd = &a->findings[i];
    if (fd->n_builds) qsort(fd->builds, fd->n_builds, sizeof *fd->builds, cmp_long);
    if (fd->n_prs) qsort(fd->prs, fd->n_prs, sizeof *fd->prs, cmp_long);
  }
  if (a->n_findings) qsort(a->findings, a->n_findings, sizeof *a->findings, cmp_finding);
  for (size_t i = 0; i < a->n_findings; i++)
    snprintf(a->findings[i].id, sizeof a->findings[i].id, "F%zu", i + 1);
}
