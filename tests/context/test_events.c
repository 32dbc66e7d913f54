/*
 * Unit tests for analyzer/ingest/events.c: points, windows and their
 * [from, to) edges, scopes, overlaps, resolves by id and class, warnings,
 * and every bad form with its exact file:line message.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ciforensics/events.h"

static cf_time T_(const char *s) {
  cf_time v = 0;
  return cf_time_parse(s, &v, NULL) ? -1 : v;
}

static int load(const char *yaml, cf_events *ev, cf_err *err) {
  cf_err_clear(err);
  return cf_events_load_mem(yaml, strlen(yaml), "events.yaml", ev, err);
}

/* Expect `yaml` to be rejected with exactly `msg`. */
static void bad(const char *yaml, const char *msg) {
  cf_events ev;
  cf_err err;
  int rc = load(yaml, &ev, &err);
  CHECK_INT(rc, -1);
  CHECK_STR(err.msg, msg);
  CHECK_INT(ev.n, 0);
  CHECK(ev.items == NULL);
}

static const char *ghost_path(void) {
  static char path[4096];
  const char *root = getenv("CF_SOURCE_ROOT");
  snprintf(path, sizeof path, "%s/tests/context/data/ghost-events.yaml",
           root ? root : ".");
  return path;
}

static void ghost_file(void) {
  cf_events ev;
  cf_err err = {{0}};
  CHECK_INT(cf_events_load(ghost_path(), &ev, &err), 0);
  CHECK_STR(err.msg, "");
  CHECK_INT(ev.n, 4);
  CHECK_INT(ev.n_warnings, 0);
  const cf_event *inc = &ev.items[0], *fix = &ev.items[1],
                 *mnt = &ev.items[2], *dep = &ev.items[3];
  CHECK_INT(inc->line, 3);
  CHECK_INT(inc->kind, CF_EVENT_INCIDENT);
  CHECK_INT(inc->is_window, 1);
  CHECK_INT(inc->from, T_("2026-06-12T00:00Z"));
  CHECK_INT(inc->to, T_("2026-06-13T00:00Z"));
  CHECK_INT(inc->at, CF_TIME_NONE);
  CHECK_STR(inc->title,
            "IPAM-fix operations running concurrently with CI (host under load)");
  CHECK_INT(fix->line, 7);
  CHECK_INT(fix->kind, CF_EVENT_FIX);
  CHECK_INT(fix->is_window, 0);
  CHECK_INT(fix->at, 1781329080);
  CHECK_INT(fix->n_resolves, 1);
  CHECK_STR(fix->resolves[0], "swarm-vip-exhaustion");
  CHECK_INT(fix->resolves_lines[0], 10);
  CHECK_INT(mnt->from, T_("2026-06-12T20:00Z"));
  CHECK_INT(mnt->to, T_("2026-06-12T22:00Z"));
  CHECK_INT(mnt->n_machines, 1);
  CHECK_INT(mnt->n_tiers, 2);
  CHECK_INT(mnt->n_recipes, 0);
  CHECK_STR(mnt->title, "docker daemon upgrade on ci-2");
  CHECK_INT(dep->kind, CF_EVENT_DEPLOY);
  CHECK_STR(dep->recipes[0], "ghost");
  CHECK_STR(ev.path, ghost_path());
  cf_events_free(&ev);
  cf_events_free(&ev); /* idempotent */
  cf_events_free(NULL);
}

static void windows_and_points(void) {
  cf_events ev;
  cf_err err = {{0}};
  CHECK_INT(cf_events_load(ghost_path(), &ev, &err), 0);
  const cf_event *inc = &ev.items[0], *fix = &ev.items[1];
  /* [from, to): from is inside, to is not */
  CHECK_INT(cf_event_covers(inc, T_("2026-06-12T00:00Z")), 1);
  CHECK_INT(cf_event_covers(inc, T_("2026-06-12T23:59:59Z")), 1);
  CHECK_INT(cf_event_covers(inc, T_("2026-06-13T00:00Z")), 0);
  CHECK_INT(cf_event_covers(inc, T_("2026-06-11T23:59:59Z")), 0);
  CHECK_INT(cf_event_covers(inc, CF_TIME_NONE), 0);
  CHECK_INT(cf_event_covers(fix, fix->at), 0); /* points never cover */
  CHECK_INT(cf_event_is_confounding(inc), 1);
  CHECK_INT(cf_event_is_confounding(&ev.items[2]), 1); /* maintenance */
  CHECK_INT(cf_event_is_confounding(fix), 0);
  CHECK_INT(cf_event_is_confounding(&ev.items[3]), 0); /* deploy */
  /* #585 at ~04:14 is 84 minutes before the 05:38 fix; #612 is after */
  CHECK(fabs(cf_event_minutes_to(fix, T_("2026-06-13T04:14Z")) + 84) < 1e-9);
  CHECK(fabs(cf_event_minutes_to(fix, T_("2026-06-13T06:13:02Z")) -
             (35 + 2.0 / 60)) < 1e-9);
  CHECK(fabs(cf_event_minutes_to(inc, T_("2026-06-12T01:30Z")) - 90) < 1e-9);
  CHECK(isnan(cf_event_minutes_to(inc, CF_TIME_NONE)));
  CHECK_INT(cf_event_point(inc), inc->from);
  CHECK_STR(cf_event_kind_name(CF_EVENT_MAINTENANCE), "maintenance");
  cf_events_free(&ev);
}

static void scopes(void) {
  cf_events ev;
  cf_err err = {{0}};
  CHECK_INT(cf_events_load(ghost_path(), &ev, &err), 0);
  const cf_event *inc = &ev.items[0], *mnt = &ev.items[2],
                 *dep = &ev.items[3];
  CHECK_INT(cf_event_applies(inc, "ci-1", "ghost", "upgrade"), 1);
  CHECK_INT(cf_event_applies(mnt, "ci-2", "ghost", "upgrade"), 1);
  CHECK_INT(cf_event_applies(mnt, "ci-1", "ghost", "upgrade"), 0);
  CHECK_INT(cf_event_applies(mnt, "ci-2", "ghost", "backup"), 0);
  CHECK_INT(cf_event_applies(mnt, "ci-2", "anything", "install"), 1);
  CHECK_INT(cf_event_applies(mnt, NULL, NULL, NULL), 0); /* not known in scope */
  CHECK_INT(cf_event_applies(mnt, "ci-2", NULL, "upgrade"), 1); /* no recipe list */
  CHECK_INT(cf_event_applies(inc, NULL, NULL, NULL), 1);  /* unscoped */
  CHECK_INT(cf_event_applies(mnt, "CI-2", NULL, NULL), 0); /* exact */
  CHECK_INT(cf_event_applies(dep, "ci-9", "ghost", NULL), 1);
  CHECK_INT(cf_event_applies(dep, "ci-9", "wordpress", NULL), 0);
  cf_events_free(&ev);
}

static void resolves(void) {
  cf_events ev;
  cf_err err;
  CHECK_INT(load("- at: 2026-06-13T05:38Z\n"
                 "  kind: fix\n"
                 "  title: proxy widened\n"
                 "  resolves: [swarm-vip-exhaustion, infra]\n"
                 "- at: 2026-06-13T05:38Z\n"
                 "  kind: incident\n"
                 "  title: not a fix\n",
                 &ev, &err), 0);
  const cf_event *fix = &ev.items[0];
  CHECK_INT(cf_event_resolves(fix, "swarm-vip-exhaustion", "infra"), 1);
  CHECK_INT(cf_event_resolves(fix, "swarm-update-paused-db-not-ready",
                              "timing"), 0);
  CHECK_INT(cf_event_resolves(fix, "dns-flake", "infra"), 1); /* by class */
  CHECK_INT(cf_event_resolves(fix, NULL, NULL), 0);
  CHECK_INT(cf_event_resolves(&ev.items[1], "swarm-vip-exhaustion", NULL), 0);
  cf_events_free(&ev);
}

static int known_ids(void *user, const char *id) {
  (void)user;
  return !strcmp(id, "swarm-vip-exhaustion");
}

static void warnings(void) {
  cf_events ev;
  cf_err err;
  CHECK_INT(load("- at: 2026-06-13T05:38\n"
                 "  kind: fix\n"
                 "  title: proxy widened\n"
                 "  resolves:\n"
                 "    - swarm-vip-exhaustion\n"
                 "    - timing\n"
                 "    - swarm-vip-exhuastion\n"
                 "- at: 1781329080\n"
                 "  kind: fix\n"
                 "  title: resolves nothing\n",
                 &ev, &err), 0);
  CHECK_INT(ev.n_warnings, 2);
  if (ev.n_warnings == 2) {
    CHECK_STR(ev.warnings[0],
              "events.yaml:1: time '2026-06-13T05:38' in 'at' names no zone; "
              "taken as UTC");
    CHECK_STR(ev.warnings[1],
              "events.yaml:8: fix 'resolves nothing' has no 'resolves', so it "
              "confounds no failure");
  }
  CHECK_INT(ev.items[0].at, 1781329080);
  cf_events_check_rule_ids(&ev, known_ids, NULL);
  CHECK_INT(ev.n_warnings, 3);
  if (ev.n_warnings == 3)
    CHECK_STR(ev.warnings[2],
              "events.yaml:7: fix 'proxy widened' resolves "
              "'swarm-vip-exhuastion', which is neither a class (recipe, "
              "timing, infra) nor a known rule id");
  cf_events_free(&ev);
}

static void for_build(void) {
  cf_events ev;
  cf_err err = {{0}};
  CHECK_INT(cf_events_load(ghost_path(), &ev, &err), 0);
  cf_event_relation *rel;
  /* a ci-2 upgrade failure at 21:00Z on the 12th: inside the incident and
   * the overlapping maintenance window; the fix and deploy are later */
  size_t n = cf_events_for_build(&ev, "ci-2", "ghost", "upgrade",
                                 T_("2026-06-12T21:00Z"), CF_TIME_NONE, &rel);
  CHECK_INT(n, 4);
  CHECK_INT(rel[0].index, 0);
  CHECK_INT(rel[0].inside, 1);
  CHECK(fabs(rel[0].minutes - 21 * 60) < 1e-9);
  CHECK_INT(rel[1].inside, 0);
  CHECK(rel[1].minutes < 0);
  CHECK_INT(rel[2].index, 2);
  CHECK_INT(rel[2].inside, 1);
  CHECK(fabs(rel[2].minutes - 60) < 1e-9);
  CHECK(rel[3].event == &ev.items[3]);
  free(rel);
  /* on ci-1 the maintenance does not apply; as of 05:40 the deploy at
   * 06:00 is unseen */
  n = cf_events_for_build(&ev, "ci-1", "ghost", "upgrade",
                          T_("2026-06-13T03:00Z"), T_("2026-06-13T05:40Z"),
                          &rel);
  CHECK_INT(n, 2);
  CHECK_INT(rel[0].inside, 0);
  CHECK_INT(rel[1].index, 1);
  CHECK(fabs(rel[1].minutes + 158) < 1e-9);
  free(rel);
  n = cf_events_for_build(&ev, "ci-1", "ghost", NULL, T_("2026-06-13T03:00Z"),
                          T_("2026-06-11T00:00Z"), &rel);
  CHECK_INT(n, 0);
  CHECK(rel == NULL);
  cf_events_free(&ev);
}

static void empty_and_null(void) {
  cf_events ev;
  cf_err err;
  CHECK_INT(load("", &ev, &err), 0);
  CHECK_INT(ev.n, 0);
  cf_events_free(&ev);
  CHECK_INT(load("# nothing yet\n", &ev, &err), 0);
  CHECK_INT(ev.n, 0);
  cf_events_free(&ev);
  CHECK_INT(load("[]\n", &ev, &err), 0);
  CHECK_INT(ev.n, 0);
  cf_events_free(&ev);
  CHECK_INT(load("- {at: 0, kind: deploy, title: t, scope: }\n", &ev, &err),
            0);
  CHECK_INT(ev.items[0].n_machines, 0);
  cf_events_free(&ev);
}

static void bad_forms(void) {
  bad("- at: 2026-06-13T05:38Z\n  kind: fix\n  title: x\n  colour: red\n",
      "events.yaml:4: unknown key 'colour' in event (known: at, from, to, "
      "kind, title, scope, resolves)");
  bad("- at: 2026-06-13T05:38Z\n  kind: fix\n  kind: incident\n  title: x\n",
      "events.yaml:3: duplicate key 'kind' (first at line 2)");
  bad("- &a\n  at: 2026-06-13T05:38Z\n  kind: incident\n  title: x\n- *a\n",
      "events.yaml:1: anchors (&a) are not allowed");
  bad("- at: 2026-06-13T05:38Z\n  kind: &k incident\n  title: x\n",
      "events.yaml:2: anchors (&k) are not allowed");
  bad("- at: 2026-06-13T05:38Z\n  kind: *k\n  title: x\n",
      "events.yaml:2: aliases (*k) are not allowed");
  bad("- at: 2026-06-13T05:38Z\n  kind: outage\n  title: x\n",
      "events.yaml:2: unknown kind 'outage' (expected fix, incident, "
      "maintenance or deploy)");
  bad("- at: 2026-06-13T05:38Z\n  kind: [fix]\n  title: x\n",
      "events.yaml:2: unknown kind 'a list' (expected fix, incident, "
      "maintenance or deploy)");
  bad("- at: yesterday\n  kind: incident\n  title: x\n",
      "events.yaml:1: bad time 'yesterday' in 'at' (expected ISO 8601 with Z "
      "or an offset, or Unix seconds)");
  bad("- at: [1]\n  kind: incident\n  title: x\n",
      "events.yaml:1: 'at' must be a time, not a list");
  bad("- from: 2026-06-13T05:38Z\n  to: 2026-06-13T05:38Z\n"
      "  kind: incident\n  title: x\n",
      "events.yaml:2: 'to' (2026-06-13T05:38:00Z) is not after 'from' "
      "(2026-06-13T05:38:00Z)");
  bad("- from: 2026-06-13T05:38Z\n  to: 2026-06-13T05:00Z\n"
      "  kind: incident\n  title: x\n",
      "events.yaml:2: 'to' (2026-06-13T05:00:00Z) is not after 'from' "
      "(2026-06-13T05:38:00Z)");
  bad("- at: 2026-06-13T05:38Z\n  from: 2026-06-13T05:00Z\n"
      "  to: 2026-06-13T06:00Z\n  kind: incident\n  title: x\n",
      "events.yaml:2: an event has either 'at' or 'from'/'to', not both");
  bad("- from: 2026-06-13T05:00Z\n  kind: incident\n  title: x\n",
      "events.yaml:1: 'from' without 'to'");
  bad("- to: 2026-06-13T05:00Z\n  kind: incident\n  title: x\n",
      "events.yaml:1: 'to' without 'from'");
  bad("- kind: incident\n  title: x\n",
      "events.yaml:1: event has no time (give 'at', or 'from' and 'to')");
  bad("- at: 2026-06-13T05:38Z\n  title: x\n",
      "events.yaml:1: event has no 'kind' (fix, incident, maintenance or "
      "deploy)");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n",
      "events.yaml:1: event has no 'title'");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n  title:\n",
      "events.yaml:3: 'title' must be a text, not nothing");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n  title: {a: b}\n",
      "events.yaml:3: 'title' must be a text, not a mapping");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n  title: x\n"
      "  resolves: [swarm-vip-exhaustion]\n",
      "events.yaml:4: 'resolves' is only for a fix (this event is "
      "'incident')");
  bad("- at: 2026-06-13T05:38Z\n  kind: fix\n  title: x\n"
      "  resolves: swarm-vip-exhaustion\n",
      "events.yaml:4: 'resolves' must be a list of names, not a scalar");
  bad("- at: 2026-06-13T05:38Z\n  kind: fix\n  title: x\n"
      "  resolves: [a, [b]]\n",
      "events.yaml:4: entries of 'resolves' must be names, not a list");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n  title: x\n"
      "  scope: [ci-1]\n",
      "events.yaml:4: 'scope' must be a mapping (machines, recipes, tiers), "
      "not a list");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n  title: x\n"
      "  scope:\n    hosts: [ci-1]\n",
      "events.yaml:5: unknown key 'hosts' in scope (known: machines, "
      "recipes, tiers)");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n  title: x\n"
      "  scope:\n    machines: []\n",
      "events.yaml:5: 'scope.machines' is empty (leave it out to mean all)");
  bad("- at: 2026-06-13T05:38Z\n  kind: incident\n  title: x\n"
      "  scope:\n    tiers: [install]\n    tiers: [upgrade]\n",
      "events.yaml:6: duplicate key 'tiers' (first at line 5)");
  bad("at: 2026-06-13T05:38Z\nkind: incident\n",
      "events.yaml:1: the events file must be a list of events, not a "
      "mapping");
  bad("- just a string\n",
      "events.yaml:1: an event must be a mapping (at or from/to, kind, "
      "title, ...), not a scalar");
  bad("- {[a]: 1}\n", "events.yaml:1: mapping keys must be plain text");
  bad("- at: 1\n  kind: incident\n title: x\n",
      "events.yaml:3: YAML syntax error: did not find expected '-' indicator "
      "while parsing a block collection (started at line 1)");
  bad("- at: 1\n---\n- at: 2\n",
      "events.yaml:2: only one YAML document is allowed");
  bad("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
      "events.yaml:1: nesting deeper than 32 levels");
  bad("[[1]]\n", "events.yaml:1: an event must be a mapping (at or from/to, "
                 "kind, title, ...), not a list");
}

static void bounds_and_files(void) {
  cf_events ev;
  cf_err err = {{0}};
  CHECK_INT(cf_events_load("/nonexistent/events.yaml", &ev, &err), -1);
  CHECK_STR(err.msg,
            "/nonexistent/events.yaml: cannot open: No such file or directory");
  /* too many events: a flow list of 10001 tiny mappings */
  cf_buf b = {0};
  cf_buf_puts(&b, "[");
  for (int i = 0; i <= CF_EVENTS_MAX_EVENTS; i++) cf_buf_puts(&b, "{},");
  cf_buf_puts(&b, "]");
  cf_err_clear(&err);
  CHECK_INT(cf_events_load_mem(b.data, b.len, "big.yaml", &ev, &err), -1);
  CHECK_STR(err.msg, "big.yaml:1: more than 10000 events");
  cf_buf_free(&b);
  char *huge = cf_xcalloc(CF_EVENTS_MAX_BYTES + 2, 1);
  memset(huge, ' ', CF_EVENTS_MAX_BYTES + 1);
  cf_err_clear(&err);
  CHECK_INT(cf_events_load_mem(huge, CF_EVENTS_MAX_BYTES + 1, "huge.yaml",
                               &ev, &err), -1);
  CHECK_STR(err.msg, "huge.yaml: larger than the 4194304-byte limit");
  free(huge);
}

CF_TEST_MAIN(T(ghost_file), T(windows_and_points), T(scopes), T(resolves),
             T(warnings), T(for_build), T(empty_and_null), T(bad_forms),
             T(bounds_and_files))
