/* Unit tests for the rule loader and matcher (analyzer/rules): every load
 * error with its exact file:line message, overrides across directories,
 * any/all/unless/observable, steps and tiers scope, match limits, invalid
 * UTF-8, and the prefilter never changing results. */
#include "check.h"
#include "ciforensics/yamlload.h"
#include "rules_helpers.h"
#include "analyzer/rules/rules_int.h"

#define RULE_HEAD "- id: a\n  title: A\n  class: timing\n"

static void expect_error(const char *yaml, const char *msg_expected) {
  char msg[1024];
  cf_ruleset *rs = load_text(yaml, msg);
  CHECK(rs == NULL);
  CHECK_STR(msg, msg_expected);
  cf_ruleset_free(rs);
}

static void load_errors(void) {
  expect_error(RULE_HEAD "  matches: 'x'\n", "t.yaml:4: rule a: unknown key 'matches'");
  expect_error(RULE_HEAD "  title: B\n  match: 'x'\n",
               "t.yaml:4: duplicate key 'title' (first at line 2)");
  expect_error("- &r\n  id: a\n", "t.yaml:1: anchors (&r) are not allowed");
  expect_error("- id: a\n  title: &t A\n", "t.yaml:2: anchors (&t) are not allowed");
  expect_error(RULE_HEAD "  match: 'x'\n  explain: *t\n", "t.yaml:5: aliases (*t) are not allowed");
  expect_error("- id: a\n  title: A\n  class: flaky\n  match: 'x'\n",
               "t.yaml:3: rule a: 'class' must be recipe, timing or infra (got 'flaky')");
  expect_error(RULE_HEAD "  match:\n    - 'ok'\n    - 'update (paused'\n",
               "t.yaml:6: rule a: bad regex in 'match' at offset 14: missing closing parenthesis");
  expect_error(RULE_HEAD "  match: 'x'\n  all: ['y']\n",
               "t.yaml:5: rule a: use either 'match' or 'all', not both");
  expect_error(RULE_HEAD "  explain: nothing to match\n", "t.yaml:1: rule a: needs 'match' or 'all'");
  expect_error("- id: Bad_Id\n  title: A\n  class: infra\n  match: x\n",
               "t.yaml:1: bad rule id 'Bad_Id' (want [a-z0-9][a-z0-9-]*)");
  expect_error("- title: A\n  class: infra\n  match: x\n", "t.yaml:1: rule without 'id'");
  expect_error(RULE_HEAD "  match: x\n  rivals: [nope]\n",
               "t.yaml:1: rule a: rival 'nope' does not exist");
  expect_error(RULE_HEAD "  tiers: [upgrade, deploy]\n  match: x\n",
               "t.yaml:4: rule a: unknown tier 'deploy' (install, upgrade, backup, restore, "
               "custom, lint)");
  expect_error(RULE_HEAD "  match: x\n  examples:\n    matches: ['x']\n",
               "t.yaml:6: rule a: unknown key 'matches' in 'examples'");
  expect_error(RULE_HEAD "  match: x\n  unless: 'y'\n", "t.yaml:5: rule a: 'unless' must be a list");
  expect_error(RULE_HEAD "  all: [x, y]\n  cleared_by: ['ok']\n",
               "t.yaml:5: rule a: 'cleared_by' needs 'match', not 'all'");
  expect_error("id: a\n", "t.yaml:1: a rule file must be a list of rules");
  expect_error("- id: a\n  title: [x\n", "t.yaml:3: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence "
               "(started at line 2)");
  expect_error("- id: a\n---\n- id: b\n", "t.yaml:2: only one YAML document is allowed");
  expect_error(RULE_HEAD "  match: x\n" RULE_HEAD "  match: y\n",
               "t.yaml:5: duplicate id 'a' (first at t.yaml:1)");
}

static void nesting_bounded(void) {
  cf_buf b = {0};
  for (int i = 0; i < 100; i++) cf_buf_putc(&b, '[');
  for (int i = 0; i < 100; i++) cf_buf_putc(&b, ']');
  cf_yaml_node *root = NULL;
  cf_err err = {0};
  CHECK(cf_yaml_parse("deep.yaml", b.data, b.len, &root, &err) == -1);
  CHECK_STR(err.msg, "deep.yaml:1: nesting deeper than 32 levels");
  CHECK(root == NULL);
  cf_buf_free(&b);
}

static void dirs_and_override(void) {
  char *d1 = tmpdir_new(), *d2 = tmpdir_new();
  write_file(d1, "a.yaml", "- id: a\n  title: first a\n  class: recipe\n  match: 'alpha'\n");
  write_file(d1, "b.yaml",
             "- id: b\n  title: B\n  class: infra\n  match: 'beta'\n  rivals: [a]\n");
  write_file(d1, "notes.txt", "not a rule file");
  write_file(d2, "z.yaml", "- id: a\n  title: second a\n  class: infra\n  match: 'gamma'\n");
  cf_ruleset *one = NULL, *two = NULL, *again = NULL;
  cf_err err = {0};
  const char *dirs[] = {d1, d2};
  CHECK(cf_ruleset_load(dirs, 1, &one, &err) == 0);
  CHECK(cf_ruleset_load(dirs, 2, &two, &err) == 0);
  CHECK(cf_ruleset_load(dirs, 2, &again, &err) == 0);
  CHECK_STR(err.msg, "");
  if (one && two && again) {
    CHECK_INT(cf_ruleset_count(one), 2);
    CHECK_INT(cf_ruleset_count(two), 2);
    const cf_rule *a = cf_ruleset_rule(two, 0);
    CHECK_STR(a->id, "a"); /* replaced in place */
    CHECK_STR(a->title, "second a");
    CHECK_INT(a->cls, CF_CLASS_INFRA);
    CHECK_CONTAINS(a->file, "/z.yaml");
    CHECK_INT(strlen(cf_ruleset_hash(two)), 16);
    CHECK(strcmp(cf_ruleset_hash(one), cf_ruleset_hash(two)) != 0);
    CHECK_STR(cf_ruleset_hash(two), cf_ruleset_hash(again));
    CHECK(cf_ruleset_tiers(two) == NULL);
  }
  cf_ruleset_free(one);
  cf_ruleset_free(two);
  cf_ruleset_free(again);

  /* a duplicate id inside one directory is an error naming both places */
  write_file(d2, "y.yaml", "- id: a\n  title: dup\n  class: infra\n  match: 'delta'\n");
  cf_ruleset *bad = NULL;
  CHECK(cf_ruleset_load(dirs + 1, 1, &bad, &err) == -1);
  char want[1200];
  snprintf(want, sizeof want, "%s/z.yaml:1: duplicate id 'a' (first at %s/y.yaml:1)", d2, d2);
  CHECK_STR(err.msg, want);
  cf_err_clear(&err);
  /* a rival that only an overridden directory had is gone */
  write_file(d2, "y.yaml", "- id: c\n  title: C\n  class: infra\n  match: 'x'\n  rivals: [b]\n");
  CHECK(cf_ruleset_load(dirs + 1, 1, &bad, &err) == -1);
  snprintf(want, sizeof want, "%s/y.yaml:1: rule c: rival 'b' does not exist", d2);
  CHECK_STR(err.msg, want);
  cf_err_clear(&err);
  CHECK(cf_ruleset_load(dirs, 2, &bad, &err) == 0); /* with d1, b exists */
  cf_ruleset_free(bad);
  const char *missing[] = {"/nonexistent/rules"};
  CHECK(cf_ruleset_load(missing, 1, &bad, &err) == -1);
  CHECK_STR(err.msg, "/nonexistent/rules: cannot open rules directory");
  tmpdir_remove(d1);
  tmpdir_remove(d2);
}

static const char *const LIB =
    "- id: any\n  title: any\n  class: infra\n"
    "  match: ['no suitable node', 'insufficient resources on (\\d+) node']\n"
    "- id: both\n  title: both\n  class: timing\n"
    "  all:\n    - 'UpdateStatus=.?paused'\n    - 'ECONNREFUSED ([0-9.]+):(3306|5432)'\n"
    "  unless: ['No such image']\n"
    "  observable: ['ID +NAME +IMAGE +NODE']\n"
    "- id: deploy-only\n  title: d\n  class: recipe\n  steps: ['deploy*']\n  match: 'FATA'\n"
    "- id: upgrade-only\n  title: u\n  class: timing\n  tiers: [upgrade]\n  match: 'boom'\n";

static void any_all_unless_observable(void) {
  char msg[1024];
  cf_ruleset *rs = load_text(LIB, msg);
  CHECK_STR(msg, "");
  if (!rs) return;
  cf_matcher *m = cf_matcher_new(rs, NULL);
  cf_step_matches sm;
  /* any: first matching line, further lines kept, captures of the first */
  run_text(m, NULL, "x\ninsufficient resources on 3 nodes\nno suitable node\nno suitable node (x)\n",
           NULL, 0, &sm);
  const cf_rule_hit *h = hit_of(rs, &sm, "any");
  CHECK(h != NULL);
  if (h) {
    CHECK_INT(h->line, 1);
    CHECK_INT(h->n_more, 2);
    CHECK_INT(h->more[0], 2);
    CHECK_INT(h->more[1], 3);
    CHECK_INT(h->n_captures, 1);
    if (h->n_captures) CHECK_STR(h->captures[0], "3");
  }
  cf_step_matches_free(&sm);

  /* all: deciding line is where the last pattern first hit; support lines */
  const char *step = "ID   NAME   IMAGE   NODE\n"
                     "Error: connect ECONNREFUSED 10.0.5.196:3306\n"
                     "later\n"
                     "!! upgrade op failed: ghost_app UpdateStatus='paused'\n";
  run_text(m, NULL, step, NULL, 0, &sm);
  h = hit_of(rs, &sm, "both");
  CHECK(h != NULL);
  if (h) {
    CHECK_INT(h->line, 3);
    CHECK_INT(h->n_support, 2);
    CHECK_INT(h->support[0], 3);
    CHECK_INT(h->support[1], 1);
    CHECK_INT(h->n_captures, 0); /* deciding pattern has no groups */
  }
  CHECK_INT(sm.n_observed, 1);
  if (sm.n_observed) {
    CHECK_INT(sm.observed[0].observed, 1);
    CHECK_INT(sm.observed[0].line, 0);
  }
  cf_step_matches_free(&sm);

  /* all: one pattern missing -> no hit, observable not seen */
  run_text(m, NULL, "Error: connect ECONNREFUSED 10.0.5.196:3306\n", NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "both") == NULL);
  CHECK_INT(sm.n_observed, 1);
  if (sm.n_observed) CHECK_INT(sm.observed[0].observed, 0);
  cf_step_matches_free(&sm);

  /* unless anywhere in the step vetoes, and the veto is kept as evidence */
  run_text(m, NULL, "No such image: ghost:9\nECONNREFUSED 10.0.0.1:5432\nUpdateStatus=paused\n",
           NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "both") == NULL);
  CHECK_INT(sm.n_vetoes, 1);
  if (sm.n_vetoes) {
    CHECK_INT(sm.vetoes[0].rule, cf_ruleset_find(rs, "both"));
    CHECK_INT(sm.vetoes[0].line, 2);
    CHECK_INT(sm.vetoes[0].veto_line, 0);
  }
  cf_step_matches_free(&sm);
  cf_matcher_free(m);
  cf_ruleset_free(rs);
}

/* cleared_by: a refusal the retry then got past is no hit (kept as a
 * "cleared" veto); one that came back after the success, or a success
 * before the refusal, does not clear it. */
static void cleared_by(void) {
  char msg[1024];
  cf_ruleset *rs = load_text("- id: refused\n  title: r\n  class: timing\n"
                             "  match: 'connect: connection refused'\n"
                             "  cleared_by: ['ORM engine initialization successful']\n",
                             msg);
  CHECK_STR(msg, "");
  if (!rs) return;
  cf_matcher *m = cf_matcher_new(rs, NULL);
  cf_step_matches sm;
  run_text(m, NULL,
           "attempt #1/10 failed: dial tcp 10.0.3.7:5432: connect: connection refused\n"
           "attempt #2/10 failed: dial tcp 10.0.3.7:5432: connect: connection refused\n"
           "ORM engine initialization successful!\n"
           "expected the landing page, got the install wizard\n",
           NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "refused") == NULL);
  CHECK_INT(sm.n_vetoes, 1);
  if (sm.n_vetoes) {
    CHECK_INT(sm.vetoes[0].cleared, 1);
    CHECK_INT(sm.vetoes[0].line, 0);
    CHECK_INT(sm.vetoes[0].veto_line, 2);
  }
  cf_step_matches_free(&sm);
  /* refused again after the success: the last refusal stands */
  run_text(m, NULL,
           "connect: connection refused\nORM engine initialization successful!\n"
           "connect: connection refused\n",
           NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "refused") != NULL);
  CHECK_INT(sm.n_vetoes, 0);
  cf_step_matches_free(&sm);
  /* the success line before the refusal clears nothing */
  run_text(m, NULL, "ORM engine initialization successful!\nconnect: connection refused\n", NULL,
           0, &sm);
  CHECK(hit_of(rs, &sm, "refused") != NULL);
  cf_step_matches_free(&sm);
  /* refused, recovered, refused again, recovered again: the last success
   * clears it, and the veto names that line */
  run_text(m, NULL,
           "connect: connection refused\nORM engine initialization successful!\n"
           "connect: connection refused\nORM engine initialization successful!\n",
           NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "refused") == NULL);
  CHECK_INT(sm.n_vetoes, 1);
  if (sm.n_vetoes) CHECK_INT(sm.vetoes[0].veto_line, 3);
  cf_step_matches_free(&sm);
  /* more than the kept hit lines, a success among them, then the last
   * refusal: it stands (the walk does not stop at the kept lines) */
  cf_buf late = {0};
  for (int i = 0; i < 30; i++) cf_buf_puts(&late, "connect: connection refused\n");
  cf_buf_puts(&late, "ORM engine initialization successful!\n");
  cf_buf_puts(&late, "connect: connection refused\n");
  run_text(m, NULL, late.data, NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "refused") != NULL);
  cf_step_matches_free(&sm);
  /* ...and a final success after that: cleared at the last line (a walk
   * from the kept hit lines only stopped at the first success and called
   * the refusal standing) */
  cf_buf_puts(&late, "ORM engine initialization successful!\n");
  run_text(m, NULL, late.data, NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "refused") == NULL);
  CHECK_INT(sm.n_vetoes, 1);
  if (sm.n_vetoes) CHECK_INT(sm.vetoes[0].veto_line, 32);
  cf_step_matches_free(&sm);
  cf_buf_free(&late);
  /* more than the kept hit lines before the success: still cleared */
  cf_buf many = {0};
  for (int i = 0; i < 40; i++) cf_buf_puts(&many, "connect: connection refused\n");
  cf_buf_puts(&many, "ORM engine initialization successful!\n");
  run_text(m, NULL, many.data, NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "refused") == NULL);
  cf_step_matches_free(&sm);
  cf_buf_free(&many);
  cf_matcher_free(m);
  cf_ruleset_free(rs);
}

static void steps_and_tiers_scope(void) {
  char msg[1024];
  cf_ruleset *rs = load_text(LIB, msg);
  if (!rs) return;
  cf_matcher *m = cf_matcher_new(rs, NULL);
  cf_step_matches sm;
  run_text(m, "deploy-ghost", "FATA could not deploy\n", NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "deploy-only") != NULL);
  cf_step_matches_free(&sm);
  run_text(m, "test", "FATA could not deploy\n", NULL, 0, &sm);
  CHECK(hit_of(rs, &sm, "deploy-only") == NULL);
  cf_step_matches_free(&sm);
  run_text(m, NULL, "FATA could not deploy\n", NULL, 0, &sm); /* unknown step: no scope */
  CHECK(hit_of(rs, &sm, "deploy-only") != NULL);
  cf_step_matches_free(&sm);

  const char *text = "boom in setup\ninstall\nboom in install\nupgrade\nboom in upgrade\n";
  cf_tier_span spans[2] = {
      {"install", 2, 3, CF_TIME_NONE, CF_TIME_NONE, "log"},
      {"upgrade", 4, 5, CF_TIME_NONE, CF_TIME_NONE, "log"},
  };
  run_text(m, NULL, text, spans, 2, &sm);
  const cf_rule_hit *h = hit_of(rs, &sm, "upgrade-only");
  CHECK(h != NULL);
  if (h) {
    CHECK_INT(h->line, 4); /* only the upgrade span counts */
    CHECK_INT(h->n_more, 0);
  }
  cf_step_matches_free(&sm);
  run_text(m, NULL, text, spans, 1, &sm); /* spans known, no upgrade tier */
  CHECK(hit_of(rs, &sm, "upgrade-only") == NULL);
  cf_step_matches_free(&sm);
  run_text(m, NULL, text, NULL, 0, &sm); /* no spans known: everywhere */
  h = hit_of(rs, &sm, "upgrade-only");
  CHECK(h && h->line == 0);
  cf_step_matches_free(&sm);
  cf_matcher_free(m);
  cf_ruleset_free(rs);
}

static void match_limit_disables(void) {
  char msg[1024];
  cf_ruleset *rs = load_text("- id: slow\n  title: s\n  class: recipe\n  match: '(a+)+$'\n"
                             "- id: fast\n  title: f\n  class: recipe\n  match: 'done'\n",
                             msg);
  CHECK_STR(msg, "");
  if (!rs) return;
  cf_buf line = {0};
  for (int i = 0; i < 40; i++) cf_buf_putc(&line, 'a');
  cf_buf_puts(&line, "b\ndone\n");
  cf_matcher_opts o = {20000, 0};
  cf_matcher *m = cf_matcher_new(rs, &o);
  for (int run = 1; run <= 4; run++) {
    cf_step_matches sm;
    run_text(m, NULL, line.data, NULL, 0, &sm);
    CHECK(hit_of(rs, &sm, "fast") != NULL); /* other rules unaffected */
    CHECK(hit_of(rs, &sm, "slow") == NULL);
    CHECK_INT(sm.n_limited, run <= 3 ? 1 : 0); /* skipped once disabled */
    size_t nl = 0;
    const cf_rule_limit *lim = cf_matcher_limits(m, &nl);
    CHECK_INT(nl, 1);
    if (nl) {
      CHECK_INT(lim[0].rule, 0);
      CHECK_INT(lim[0].hits, run <= 3 ? run : 3);
      CHECK_INT(lim[0].disabled, run >= 3);
    }
    cf_step_matches_free(&sm);
  }
  cf_matcher_free(m);
  /* the default limit bounds it too (this must not hang) */
  m = cf_matcher_new(rs, NULL);
  cf_step_matches sm;
  run_text(m, NULL, line.data, NULL, 0, &sm);
  CHECK_INT(sm.n_limited, 1);
  cf_step_matches_free(&sm);
  cf_matcher_free(m);
  cf_buf_free(&line);
  cf_ruleset_free(rs);
}

static void invalid_utf8_and_split_lines(void) {
  char msg[1024];
  cf_ruleset *rs = load_text("- id: refused\n  title: r\n  class: timing\n"
                             "  match: '(?i)connection refused.*port (\\d+)'\n"
                             "- id: dot\n  title: d\n  class: timing\n  match: 'x.y'\n",
                             msg);
  CHECK_STR(msg, "");
  if (!rs) return;
  cf_matcher *m = cf_matcher_new(rs, NULL);
  cf_step_matches sm;
  run_text(m, NULL, "\xff\xfe garbage \xc3\n\xc0\xaf" "CONNECTION REFUSED on port 3306 \xff\nx\xe9y\n",
           NULL, 0, &sm);
  const cf_rule_hit *h = hit_of(rs, &sm, "refused");
  CHECK(h != NULL);
  if (h) {
    CHECK_INT(h->line, 1);
    if (h->n_captures) CHECK_STR(h->captures[0], "3306");
  }
  CHECK(hit_of(rs, &sm, "dot") == NULL); /* an invalid byte is no character */
  cf_step_matches_free(&sm);

  /* Drone split one line over two elements (pos 3 and 4): the decoder joins
   * them into one steplog line; hits are steplog line indexes, not pos. */
  cf_steplog log = {0};
  const char *plain = "first\nconnection refu" "sed on port 5432\nlast";
  log.plain = (char *)plain;
  log.plain_len = strlen(plain);
  cf_log_line lines[3] = {{0, 5, 0, 5, 0, 0}, {6, 31, 6, 31, 3, 7}, {38, 4, 38, 4, 5, 9}};
  log.lines = lines;
  log.n_lines = 3;
  cf_matcher_run(m, NULL, &log, NULL, 0, &sm);
  h = hit_of(rs, &sm, "refused");
  CHECK(h && h->line == 1);
  if (h && h->n_captures) CHECK_STR(h->captures[0], "5432");
  cf_step_matches_free(&sm);
  cf_matcher_free(m);
  cf_ruleset_free(rs);
}

static void multiline_patterns_stay_in_line(void) {
  char msg[1024];
  cf_ruleset *rs = load_text("- id: span\n  title: s\n  class: timing\n  match: 'foo\\s+bar'\n"
                             "- id: ahead\n  title: a\n  class: timing\n  match: 'baz(?!\\nqux)'\n"
                             "- id: end\n  title: e\n  class: timing\n  match: 'tail\\z'\n",
                             msg);
  if (!rs) return;
  cf_matcher *m = cf_matcher_new(rs, NULL);
  cf_step_matches sm;
  run_text(m, NULL, "foo\nbar\nbaz\nqux\nfoo  bar\ntail\n", NULL, 0, &sm);
  const cf_rule_hit *h = hit_of(rs, &sm, "span");
  CHECK(h && h->line == 4); /* not across lines 0-1 */
  h = hit_of(rs, &sm, "ahead");
  CHECK(h && h->line == 2); /* the lookahead sees only its line */
  h = hit_of(rs, &sm, "end");
  CHECK(h && h->line == 5);
  cf_step_matches_free(&sm);
  cf_matcher_free(m);
  cf_ruleset_free(rs);
}

static void explicit_literals_gate(void) {
  char msg[1024];
  cf_ruleset *rs = load_text("- id: g\n  title: g\n  class: timing\n  match: 'fail(ed|ure)'\n"
                             "  literals: ['Paused']\n",
                             msg);
  if (!rs) return;
  cf_matcher *m = cf_matcher_new(rs, NULL);
  cf_step_matches sm;
  run_text(m, NULL, "task failed\n", NULL, 0, &sm);
  CHECK_INT(sm.n_hits, 0); /* no literal in the step: the rule cannot fire */
  cf_step_matches_free(&sm);
  run_text(m, NULL, "task failed\nupdate paused\n", NULL, 0, &sm);
  CHECK_INT(sm.n_hits, 1); /* case-insensitive literal */
  cf_step_matches_free(&sm);
  cf_matcher_free(m);
  cf_ruleset_free(rs);
}

/* The same hits, vetoes and observations with and without the prefilter,
 * over patterns chosen to stress literal derivation. */
static void prefilter_never_changes_results(void) {
  static const char *const pats[] = {
      "update paused|UpdateStatus=.?paused",
      "(?i)connection refused",
      "(?i)KILLED|oom-?kill",
      "no suitable node \\(insufficient",
      "abc?def",
      "xy*zzz",
      "ab+cde",
      "a{0,2}bcd",
      "(?:foo)?barbaz",
      "Can.t connect to (MySQL )?server",
      "\\Qa.b*c\\E",
      "(?i:Error) code \\d+",
      "^FATA\\b",
      "ping\\s+pong",
      "end$",
      "\\bstatus=(?<s>[a-z]+)",
      "x(?=yz)",
      "caf\xc3\xa9 ouvert",
      "(?i)stra\xc3\x9f" "e",
      "(?i)sss|kkk",
      "[Pp]aused due to",
      "exec format|\\b(MigrationError|Roll(back|forward)Error)\\b|^panic: ",
      "x(?:foo|ba(?<n>rrr|zzz)){1,2}",
      "(?i:Abc|xyz)de?",
  };
  static const char *const lines[] = {
      "update paused due to failure", "UpdateStatus='paused'", "Connection REFUSED",
      "connection refused", "OOM-KILL", "Killed process 12", "oomkill", "no suitable node (insufficient resources)",
      "abdef", "abcdef", "abccdef", "xzzz", "xyyyzzz", "abbcde", "acde", "bcd", "aabcd",
      "barbaz", "foobarbaz", "Can't connect to server", "Can`t connect to MySQL server",
      "a.b*c", "ERROR code 7", "error code 12", "FATA boom", " FATA no", "ping", "pong",
      "ping   pong", "the end", "end of line", "status=paused", "xyz", "xy", "caf\xc3\xa9 ouvert",
      "STRASSE", "stra\xc3\x9f" "e", "SSS", "\xe2\x84\xaakk", "\xc5\xbfss", "Paused due to", "",
      "\xff\xfe\xfd", "plain build output line", "npm WARN deprecated",
      "RollforwardError: x", "a MigrationErrors b", "panic: boom", " panic: no", "xbarrr",
      "xfoofoo", "xbazzz", "ABCd", "XYZ", "exec format",
  };
  cf_buf y = {0};
  size_t np = sizeof pats / sizeof pats[0], nl = sizeof lines / sizeof lines[0];
  for (size_t i = 0; i < np; i++) {
    cf_buf_printf(&y, "- id: r%zu\n  title: t\n  class: infra\n  match:\n    - '", i);
    for (const char *p = pats[i]; *p; p++) {
      if (*p == '\'') cf_buf_putc(&y, '\'');
      cf_buf_putc(&y, *p);
    }
    cf_buf_printf(&y, "'\n");
    if (i % 3 == 0) cf_buf_printf(&y, "  unless: ['%s']\n", i % 2 ? "barbaz" : "ping\\s");
    if (i % 4 == 0) cf_buf_printf(&y, "  observable: ['(?i)status|end$']\n");
  }
  char msg[1024];
  cf_ruleset *rs = load_text(y.data, msg);
  CHECK_STR(msg, "");
  cf_buf_free(&y);
  if (!rs) return;
  cf_matcher_opts off = {0, 1};
  cf_matcher *a = cf_matcher_new(rs, NULL), *b = cf_matcher_new(rs, &off);
  /* several steps: every line alone, and windows of lines in shifted order */
  int mismatches = 0, steps = 0, total_hits = 0;
  for (size_t start = 0; start < nl; start++) {
    for (size_t width = 1; width <= 12; width += 11) {
      cf_buf t = {0};
      cf_buf_append(&t, "", 0);
      for (size_t k = 0; k < width; k++) {
        cf_buf_puts(&t, lines[(start + k * 7) % nl]);
        cf_buf_putc(&t, '\n');
      }
      cf_step_matches x, z;
      run_text(a, NULL, t.data, NULL, 0, &x);
      run_text(b, NULL, t.data, NULL, 0, &z);
      steps++;
      total_hits += (int)x.n_hits;
      int same = x.n_hits == z.n_hits && x.n_vetoes == z.n_vetoes && x.n_observed == z.n_observed;
      for (size_t i = 0; same && i < x.n_hits; i++)
        same = x.hits[i].rule == z.hits[i].rule && x.hits[i].line == z.hits[i].line &&
               x.hits[i].n_more == z.hits[i].n_more;
      for (size_t i = 0; same && i < x.n_vetoes; i++)
        same = x.vetoes[i].veto_line == z.vetoes[i].veto_line;
      for (size_t i = 0; same && i < x.n_observed; i++)
        same = x.observed[i].observed == z.observed[i].observed &&
               (!x.observed[i].observed || x.observed[i].line == z.observed[i].line);
      if (!same) {
        mismatches++;
        fprintf(stderr, "prefilter mismatch on step:\n%s", t.data);
      }
      cf_step_matches_free(&x);
      cf_step_matches_free(&z);
      cf_buf_free(&t);
    }
  }
  CHECK_INT(mismatches, 0);
  CHECK(steps > 50);
  CHECK(total_hits > 50); /* the comparison saw real hits */
  cf_matcher_free(a);
  cf_matcher_free(b);
  cf_ruleset_free(rs);
}


static void derive(const char *pat, const char *expect) {
  cf_literal *l = NULL;
  size_t n = 0;
  cf_prefilter_derive(pat, &l, &n);
  cf_buf b = {0};
  cf_buf_append(&b, "", 0);
  for (size_t i = 0; i < n; i++)
    cf_buf_printf(&b, "%s%s%s", i ? "|" : "", l[i].caseless ? "~" : "", l[i].text);
  CHECK_STR(b.data, expect);
  cf_buf_free(&b);
  cf_literals_free(l, n);
}

static void literal_derivation(void) {
  derive("update paused|UpdateStatus=.?paused", "update paused|UpdateStatus=");
  derive("(?i)connection refused", "~connection refu");
  derive("ECONNREFUSED [0-9.]+:(3306|5432)|Can.t connect to (MySQL )?server",
         "ECONNREFUSED |t connect to ");
  derive("abc?def", "def");
  derive("ab+cde", "cde");
  derive("xyz{2}zz", "xyz");
  derive("\\Qa.b*c\\E", "a.b*c");
  derive("no suitable node \\(insufficient", "no suitable node (insufficient");
  derive("a|bcd", "");          /* one alternative has no literal */
  derive("(?x) foo bar", "");   /* extended mode: give up */
  derive("foo\\Kbar", "");      /* \\K: give up */
  derive("(?i)Killed|OOM", "~illed|~oom");
  derive("(?i)kiss|oom", "");   /* k and s are never caseless literals */
  derive("(?i:abc)defg", "defg");
  derive("(?i:abc)de", "~abc");      /* a required group's literals */
  derive("exec format error|\\b(MigrationError|RollbackError)\\b|^panic: ",
         "exec format error|MigrationError|RollbackError|panic: ");
  derive("x(?:foo|ba(?<n>rrr|zzz))", "foo|rrr|zzz");
  derive("x(foo|bar)?y", "");        /* an optional group gives nothing */
  derive("x(?=abcd)", "");           /* nor does a lookahead */
}

static void textlog_lines(void) {
  cf_steplog log;
  cf_rules_textlog("a\r\nbb\n\nccc", 10, &log);
  CHECK_INT(log.n_lines, 4);
  CHECK_INT(log.lines[0].len, 1);
  CHECK_INT(log.lines[1].off, 2);
  CHECK_INT(log.lines[2].len, 0);
  CHECK_INT(log.lines[3].off, 6);
  CHECK_STR(log.plain, "a\nbb\n\nccc");
  cf_rules_textlog_free(&log);
  cf_rules_textlog("x\n", 2, &log);
  CHECK_INT(log.n_lines, 1);
  CHECK_STR(log.plain, "x");
  cf_rules_textlog_free(&log);
  cf_rules_textlog("", 0, &log);
  CHECK_INT(log.n_lines, 0);
  cf_rules_textlog_free(&log);
}

CF_TEST_MAIN(T(load_errors), T(nesting_bounded), T(dirs_and_override),
             T(any_all_unless_observable), T(cleared_by), T(steps_and_tiers_scope), T(match_limit_disables),
             T(invalid_utf8_and_split_lines), T(multiline_patterns_stay_in_line),
             T(explicit_literals_gate), T(prefilter_never_changes_results), T(textlog_lines), T(literal_derivation))
