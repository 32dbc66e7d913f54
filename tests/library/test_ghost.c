/*
 * test_ghost.c: the shipped rule library (the YAML files in rules/) against the step
 * texts of the reference case (scenario-ghost.md), through the real rule
 * engine. A level-0 install whose tasks sit in New must be decided by
 * swarm-vip-exhaustion (infra); an upgrade whose update paused while Ghost
 * could not reach MySQL must be decided by swarm-update-paused-db-not-ready
 * (timing), with swarm-vip-exhaustion ruled out because the printed task
 * table shows no task in New. Also: the fixed ids keep their classes, the
 * library is large enough, and ordinary test/compile failures and benign
 * look-alikes fire no infra or timing rule. The log texts are reconstructed
 * in the harness's wording (scenario-ghost.md, E brief), not copied.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ciforensics/rules.h"

static cf_ruleset *rs;
static cf_matcher *matcher;

/* Run the library over text as one step (no step name); spans may be NULL. */
static void run(const char *text, const cf_tier_span *spans, size_t n_spans,
                cf_step_matches *sm) {
  cf_steplog log;
  cf_rules_textlog(text, strlen(text), &log);
  cf_matcher_run(matcher, NULL, &log, spans, n_spans, sm);
  cf_rules_textlog_free(&log);
}

/* 1-based line of the first hit of rule id, or 0 when it did not fire. */
static size_t hit_line(const cf_step_matches *sm, const char *id) {
  long idx = cf_ruleset_find(rs, id);
  if (idx < 0) return 0;
  for (size_t i = 0; i < sm->n_hits; i++)
    if (sm->hits[i].rule == (size_t)idx) return sm->hits[i].line + 1;
  return 0;
}

static int vetoed(const cf_step_matches *sm, const char *id) {
  long idx = cf_ruleset_find(rs, id);
  for (size_t i = 0; i < sm->n_vetoes; i++)
    if (sm->vetoes[i].rule == (size_t)idx) return 1;
  return 0;
}

/* 1 observed, 0 not observed, -1 the rule reports no observability. */
static int observed(const cf_step_matches *sm, const char *id) {
  long idx = cf_ruleset_find(rs, id);
  for (size_t i = 0; i < sm->n_observed; i++)
    if (sm->observed[i].rule == (size_t)idx) return sm->observed[i].observed;
  return -1;
}

/* Number of hits of infra- or timing-class rules; names them on stderr. */
static int infra_timing_hits(const cf_step_matches *sm, const char *what) {
  int n = 0;
  for (size_t i = 0; i < sm->n_hits; i++) {
    const cf_rule *r = cf_ruleset_rule(rs, sm->hits[i].rule);
    if (r->cls == CF_CLASS_RECIPE) continue;
    fprintf(stderr, "%s: line %zu: %s (%s)\n", what, sm->hits[i].line + 1, r->id,
            cf_rule_class_name(r->cls));
    n++;
  }
  return n;
}

static const char install_level0[] =
    "[harness] ==> tier install: start (ghost 1.3.0+5.2.0-alpine)\n"
    "$ abra app deploy --chaos ghost.ci.example\n"
    "INFO waiting for deploy to converge (timeout 300s)\n"
    "ID             NAME          IMAGE       NODE      DESIRED STATE   CURRENT STATE           ERROR     PORTS\n"
    "k3j2h1g0f9e8   ghost_app.1   ghost:5.2             Running         New 5 minutes ago\n"
    "m4n5b6v7c8x9   ghost_db.1    mysql:8.0             Running         New 5 minutes ago\n"
    "FATA deploy timed out \xf0\x9f\x9f\xa0\n"
    "[harness] <== tier install: fail (301.2 s)\n";

static const char upgrade_level1[] =
    "[harness] ==> tier install: start (ghost 1.3.0+5.2.0-alpine)\n"
    "Service ghost_app converged\n"
    "[harness] <== tier install: pass (51.0 s)\n"
    "[harness] ==> tier upgrade: start (1.3.0+5.2.0-alpine -> 1.4.0+6.44.1-alpine)\n"
    "[2026-06-12 14:03:11] ERROR connect ECONNREFUSED 10.0.5.196:3306\n"
    "Unknown database error\n"
    "Error Code: ECONNREFUSED\n"
    "ID                          NAME              IMAGE                 NODE   DESIRED STATE   "
    "CURRENT STATE            ERROR                       PORTS\n"
    "a1b2c3d4e5f6g7h8i9j0k1l2m   ghost_app.1       ghost:6.44.1-alpine   ci-1   Running         "
    "Starting 3 seconds ago\n"
    "k3j2h1g0f9e8q1w2e3r4t5y6u    \\_ ghost_app.1   ghost:6.44.1-alpine   ci-1   Shutdown        "
    "Failed 40 seconds ago    \"task: non-zero exit (2)\"\n"
    "!! upgrade op failed: ghost_app UpdateStatus='paused' (update paused due to failure or early "
    "termination of task k3j2h1g0f9e8)\n"
    "[harness] <== tier upgrade: fail (96.0 s)\n";

static void test_library_size_and_fixed_ids(void) {
  CHECK(cf_ruleset_count(rs) >= 50);
  struct { const char *id; cf_rule_class cls; } fixed[] = {
      {"swarm-vip-exhaustion", CF_CLASS_INFRA},
      {"swarm-update-paused-db-not-ready", CF_CLASS_TIMING},
      {"swarm-update-paused-no-such-image", CF_CLASS_INFRA},
      {"swarm-update-paused-app-error", CF_CLASS_RECIPE},
      {"swarm-update-paused-unhealthy", CF_CLASS_TIMING},
      {"abra-deploy-timeout", CF_CLASS_TIMING},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
    long idx = cf_ruleset_find(rs, fixed[i].id);
    CHECK(idx >= 0);
    if (idx < 0) continue;
    const cf_rule *r = cf_ruleset_rule(rs, (size_t)idx);
    CHECK_STR(cf_rule_class_name(r->cls), cf_rule_class_name(fixed[i].cls));
    CHECK(r->explain && r->explain[0]);
  }
}

static void test_install_level0_is_vip_exhaustion(void) {
  cf_step_matches sm;
  run(install_level0, NULL, 0, &sm);
  CHECK_INT(hit_line(&sm, "swarm-vip-exhaustion"), 5);
  CHECK_INT(hit_line(&sm, "abra-deploy-timeout"), 7);
  CHECK_INT(observed(&sm, "swarm-vip-exhaustion"), 1);
  CHECK_INT(hit_line(&sm, "swarm-update-paused-db-not-ready"), 0);
  CHECK_INT(hit_line(&sm, "swarm-update-paused-app-error"), 0);
  cf_step_matches_free(&sm);
}

static void test_upgrade_level1_is_db_not_ready(void) {
  cf_step_matches sm;
  run(upgrade_level1, NULL, 0, &sm);
  /* `all`: satisfied where the last required pattern first hit (the pause) */
  CHECK_INT(hit_line(&sm, "swarm-update-paused-db-not-ready"), 11);
  CHECK_INT(hit_line(&sm, "ghost-db-connect-refused"), 5);
  /* the table is printed and shows no task in New: VIP exhaustion is ruled out */
  CHECK_INT(hit_line(&sm, "swarm-vip-exhaustion"), 0);
  CHECK_INT(observed(&sm, "swarm-vip-exhaustion"), 1);
  CHECK_INT(hit_line(&sm, "swarm-update-paused-app-error"), 0);
  CHECK_INT(hit_line(&sm, "swarm-update-paused-no-such-image"), 0);
  CHECK_INT(hit_line(&sm, "abra-deploy-timeout"), 0);
  cf_step_matches_free(&sm);
}

static void test_upgrade_rule_is_scoped_to_the_upgrade_tier(void) {
  /* the same text with the harness's tiers: the paused update is in the
   * upgrade span (lines 4-12), so the upgrade-scoped rule still fires */
  cf_tier_span spans[2] = {
      {.name = "install", .first_line = 1, .last_line = 3, .start = CF_TIME_NONE,
       .end = CF_TIME_NONE, .source = "log"},
      {.name = "upgrade", .first_line = 4, .last_line = 12, .start = CF_TIME_NONE,
       .end = CF_TIME_NONE, .source = "log"},
  };
  cf_step_matches sm;
  run(upgrade_level1, spans, 2, &sm);
  CHECK_INT(hit_line(&sm, "swarm-update-paused-db-not-ready"), 11);
  cf_step_matches_free(&sm);
  /* ...and with the pause outside any upgrade span it does not */
  spans[0].last_line = 12;
  spans[1].first_line = 13;
  spans[1].last_line = 13;
  run(upgrade_level1, spans, 2, &sm);
  CHECK_INT(hit_line(&sm, "swarm-update-paused-db-not-ready"), 0);
  cf_step_matches_free(&sm);
}

static void test_pause_without_cause_decides_nothing(void) {
  cf_step_matches sm;
  run("!! upgrade op failed: ghost_app UpdateStatus='paused' (update paused due to failure or "
      "early termination of task k3j2h1g0f9e8)\n",
      NULL, 0, &sm);
  CHECK_INT(sm.n_hits, 0);
  cf_step_matches_free(&sm);
}

static void test_rate_limit_vetoes_db_not_ready(void) {
  cf_step_matches sm;
  run("[2026-06-12 14:03:11] ERROR connect ECONNREFUSED 10.0.5.196:3306\n"
      "level=error msg=\"pulling image failed\" error=\"toomanyrequests: You have reached your "
      "unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit\"\n"
      "!! upgrade op failed: ghost_app UpdateStatus='paused'\n",
      NULL, 0, &sm);
  CHECK_INT(hit_line(&sm, "swarm-update-paused-db-not-ready"), 0);
  CHECK(vetoed(&sm, "swarm-update-paused-db-not-ready"));
  CHECK_INT(hit_line(&sm, "swarm-update-paused-no-such-image"), 3);
  CHECK_INT(hit_line(&sm, "registry-rate-limit"), 2);
  cf_step_matches_free(&sm);
}

static void test_ordinary_failures_are_not_infra_or_timing(void) {
  static const char *const texts[] = {
      /* pytest */
      "============================= test session starts ==============================\n"
      "tests/test_upgrade.py::test_posts_survive FAILED                          [ 50%]\n"
      "E       AssertionError: assert 404 == 200\n"
      "=========================== short test summary info ============================\n"
      "FAILED tests/test_upgrade.py::test_posts_survive - AssertionError: assert 404 == 200\n"
      "========================= 1 failed, 3 passed in 12.31s =========================\n",
      /* C compile error */
      "src/main.c:12:5: error: implicit declaration of function 'foo' [-Werror=implicit-function-declaration]\n"
      "cc1: all warnings being treated as errors\n"
      "make: *** [Makefile:10: main.o] Error 1\n",
      /* Maven test failure */
      "[ERROR] Tests run: 12, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 2.1 s <<< FAILURE!\n"
      "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:2.22.2:test\n",
      /* benign look-alikes */
      "error_log = /var/log/php/error.log\n"
      "0 failed, 12 passed\n"
      "Service ghost_app converged\n"
      "UpdateStatus='completed' (update completed)\n"
      "retrying in 5s (attempt 2/5)... connected\n"
      "mysqld: ready for connections.\n",
  };
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    cf_step_matches sm;
    run(texts[i], NULL, 0, &sm);
    CHECK_INT(infra_timing_hits(&sm, "ordinary failure"), 0);
    cf_step_matches_free(&sm);
  }
}

int main(int argc, char **argv) {
  const char *root = getenv("CF_SOURCE_ROOT");
  if (!root) {
    fprintf(stderr, "CF_SOURCE_ROOT is not set (run through meson test)\n");
    return 1;
  }
  char *dir = cf_path_join(root, "rules");
  const char *dirs[] = {dir};
  cf_err err = {{0}};
  if (cf_ruleset_load(dirs, 1, &rs, &err)) {
    fprintf(stderr, "loading %s: %s\n", dir, err.msg);
    free(dir);
    return 1;
  }
  free(dir);
  matcher = cf_matcher_new(rs, NULL);
  static const cf_test_case cases[] = {
      {"library_size_and_fixed_ids", test_library_size_and_fixed_ids},
      {"install_level0_is_vip_exhaustion", test_install_level0_is_vip_exhaustion},
      {"upgrade_level1_is_db_not_ready", test_upgrade_level1_is_db_not_ready},
      {"upgrade_rule_is_scoped_to_the_upgrade_tier", test_upgrade_rule_is_scoped_to_the_upgrade_tier},
      {"pause_without_cause_decides_nothing", test_pause_without_cause_decides_nothing},
      {"rate_limit_vetoes_db_not_ready", test_rate_limit_vetoes_db_not_ready},
      {"ordinary_failures_are_not_infra_or_timing", test_ordinary_failures_are_not_infra_or_timing},
      {NULL, NULL},
  };
  int rc = cf_run_tests(cases, argc, argv);
  cf_matcher_free(matcher);
  cf_ruleset_free(rs);
  return rc;
}
