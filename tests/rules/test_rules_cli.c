/* `ciforensics rules test|lint|list|scan` through the built program
 * ($CF_EXE) over fixture rule directories written here: exact output lines
 * and exit statuses for good and bad libraries. */
#include <sys/wait.h>

#include "check.h"
#include "rules_helpers.h"

/* Run "$CF_EXE args" with stdout (and stderr when want_err) captured. */
static int run(const char *args, int want_err, char **out) {
  const char *exe = getenv("CF_EXE");
  cf_buf cmd = {0};
  cf_buf_printf(&cmd, "'%s' %s%s", exe ? exe : "ciforensics", args,
                want_err ? " 2>&1" : " 2>/dev/null");
  FILE *p = popen(cmd.data, "r");
  cf_buf b = {0};
  cf_buf_append(&b, "", 0);
  char chunk[4096];
  size_t n;
  while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0) cf_buf_append(&b, chunk, n);
  int st = p ? pclose(p) : -1;
  cf_buf_free(&cmd);
  *out = cf_buf_steal(&b);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *const GOOD =
    "- id: db-refused\n"
    "  title: the database refused connections\n"
    "  class: timing\n"
    "  tiers: [upgrade]\n"
    "  all:\n"
    "    - 'UpdateStatus=.?paused'\n"
    "    - 'ECONNREFUSED [0-9.]+:(3306|5432)'\n"
    "  unless: ['No such image']\n"
    "  rivals: [vip]\n"
    "  examples:\n"
    "    match:\n"
    "      - |\n"
    "        Error: connect ECONNREFUSED 10.0.5.196:3306\n"
    "        !! upgrade op failed: ghost_app UpdateStatus='paused'\n"
    "    no_match:\n"
    "      - 'service ghost_app converged'\n"
    "      - |\n"
    "        No such image: ghost:9\n"
    "        ECONNREFUSED 10.0.0.1:5432\n"
    "        UpdateStatus=paused\n"
    "- id: vip\n"
    "  title: tasks stuck in New (VIP exhaustion)\n"
    "  class: infra\n"
    "  match: 'ghost_app\\.\\d+ +\\S+ +\\S* +New '\n"
    "  observable: ['ID +NAME +IMAGE +NODE']\n"
    "  rivals: [db-refused]\n"
    "  examples:\n"
    "    match:\n"
    "      - |\n"
    "        ID NAME IMAGE NODE\n"
    "        x1 ghost_app.1 ghost:6  New 3 minutes ago\n"
    "    no_match: ['ghost_app.1 ghost:6 node1 Running']\n";

static const char *const BAD =
    "- id: lonely\n"                               /* 1 */
    "  title: only a match example\n"
    "  class: recipe\n"
    "  match:\n"
    "    - 'boom'\n"                               /* 5 */
    "    - 'never seen'\n"                         /* 6 */
    "  unless: ['quiet']\n"                        /* 7 */
    "  examples:\n"
    "    match: ['boom', 'bang']\n"                /* 9 */
    "- id: greedy\n"                               /* 10 */
    "  title: greedy\n"
    "  class: infra\n"
    "  match: ['.*', 'start', 'x*']\n"            /* 13 */
    "  rivals: [lonely]\n"
    "  examples:\n"
    "    match: ['boom']\n"                        /* 16 */
    "    no_match: ['boom']\n";                    /* 17 */

static void test_good_and_bad(void) {
  char *good = tmpdir_new(), *bad = tmpdir_new();
  write_file(good, "family.yaml", GOOD);
  write_file(bad, "bad.yaml", BAD);
  char args[1200], *out = NULL;
  snprintf(args, sizeof args, "rules test --rules '%s'", good);
  CHECK_INT(run(args, 0, &out), 0);
  CHECK_STR(out, "2 rules, 5 examples, 0 problems\n");
  free(out);
  snprintf(args, sizeof args, "rules lint --rules '%s'", good);
  CHECK_INT(run(args, 0, &out), 0);
  CHECK_STR(out, "2 rules, 5 examples, 0 problems\n");
  free(out);

  snprintf(args, sizeof args, "rules test --rules '%s'", bad);
  CHECK_INT(run(args, 0, &out), 1);
  char want[4000];
  snprintf(want, sizeof want,
           "%1$s/bad.yaml:9: rule lonely: 'match' example does not fire\n"
           "%1$s/bad.yaml:1: rule lonely: no 'no_match' example\n"
           "%1$s/bad.yaml:6: rule lonely: 'match' pattern is exercised by no example: never seen\n"
           "%1$s/bad.yaml:7: rule lonely: 'unless' pattern is exercised by no example: quiet\n"
           "%1$s/bad.yaml:17: rule greedy: 'no_match' example fires\n"
           "%1$s/bad.yaml:13: rule greedy: 'match' pattern is exercised by no example: start\n"
           "2 rules, 4 examples, 6 problems\n",
           bad);
  CHECK_STR(out, want);
  free(out);

  snprintf(args, sizeof args, "rules lint --rules '%s'", bad);
  CHECK_INT(run(args, 0, &out), 1);
  snprintf(want, sizeof want,
           "%1$s/bad.yaml:13: rule greedy: 'match' pattern is a catch-all: .*\n"
           "%1$s/bad.yaml:13: rule greedy: 'match' pattern hits the ordinary line "
           "\"INFO starting\": start\n"
           "%1$s/bad.yaml:13: rule greedy: 'match' pattern matches the empty string: x*\n"
           "%1$s/bad.yaml:16: rule greedy: 'match' example also fires its rival lonely\n"
           "%1$s/bad.yaml:9: rule lonely: 'match' example also fires its rival greedy\n"
           "2 rules, 4 examples, 5 problems\n",
           bad);
  CHECK_STR(out, want);
  free(out);

  snprintf(args, sizeof args, "rules list --rules '%s'", good);
  CHECK_INT(run(args, 0, &out), 0);
  CHECK_CONTAINS(out, "db-refused  timing  the database refused connections\n"
                      "vip         infra   tasks stuck in New (VIP exhaustion)\n"
                      "2 rules, hash ");
  free(out);
  snprintf(args, sizeof args, "rules list --patterns --rules '%s'", good);
  CHECK_INT(run(args, 0, &out), 0);
  CHECK_STR(out, "UpdateStatus=.?paused\nECONNREFUSED [0-9.]+:(3306|5432)\n"
                 "ghost_app\\.\\d+ +\\S+ +\\S* +New \n");
  free(out);

  /* a broken directory: one error naming file and line, exit 1, no stdout */
  write_file(bad, "zz.yaml", "- id: x\n  title: x\n  class: infra\n  match: '('\n");
  snprintf(args, sizeof args, "rules list --rules '%s'", bad);
  CHECK_INT(run(args, 1, &out), 1);
  snprintf(want, sizeof want,
           "ciforensics: %s/zz.yaml:4: rule x: bad regex in 'match' at offset 1: missing "
           "closing parenthesis\n", bad);
  CHECK_STR(out, want);
  free(out);
  tmpdir_remove(good);
  tmpdir_remove(bad);
}

static void test_scan(void) {
  char *dir = tmpdir_new();
  write_file(dir, "family.yaml", GOOD);
  write_file(dir, "tiers.yaml",
             "start: ['^\\[harness\\] ==> tier (?<tier>\\w+): start']\n"
             "end: ['^\\[harness\\] <== tier (?<tier>\\w+): ']\n");
  write_file(dir, "errorlines.yaml", "error: ['ERROR|FATA|failed']\nbenign: ['0 failed']\n");
  write_file(dir, "step.log",
             "[harness] ==> tier install: start (pytest)\n"
             "ok\n"
             "[harness] <== tier install: pass (51.0 s)\n"
             "[harness] ==> tier upgrade: start (pytest)\n"
             "Error: connect ECONNREFUSED 10.0.5.196:3306\r\n"
             "!! upgrade op failed: ghost_app UpdateStatus='paused'\n"
             "0 failed\n");
  write_file(dir, "vetoed.log", "No such image\nECONNREFUSED 1.2.3.4:3306\nUpdateStatus=paused\n");
  char args[1400], *out = NULL, want[3000];
  snprintf(args, sizeof args, "rules scan --errors --rules '%1$s' '%1$s/step.log' '%1$s/vetoed.log'",
           dir);
  CHECK_INT(run(args, 0, &out), 0);
  snprintf(want, sizeof want,
           "%1$s/step.log: tier install lines 1-3\n"
           "%1$s/step.log: tier upgrade lines 4-7\n"
           "%1$s/step.log:6: db-refused (timing)\n"
           "%1$s/step.log:6: error: !! upgrade op failed: ghost_app UpdateStatus='paused'\n"
           "%1$s/vetoed.log:3: db-refused (timing) vetoed at line 1\n"
           "2 files, 10 lines, 1 hits, 1 vetoes\n",
           dir);
  CHECK_STR(out, want);
  free(out);
  /* log text cannot drive the terminal: control bytes come out escaped */
  write_file(dir, "ansi.log", "ERROR: boom \033]0;pwned\007 done\033[2J\n");
  snprintf(args, sizeof args, "rules scan --errors --rules '%1$s' '%1$s/ansi.log'", dir);
  CHECK_INT(run(args, 0, &out), 0);
  CHECK(out && !strchr(out, '\033') && !strchr(out, '\007'));
  CHECK_CONTAINS(out, "error: ERROR: boom \\x1b]0;pwned\\x07 done");
  free(out);
  CHECK_INT(run("rules scan --help", 0, &out), 0);
  CHECK_CONTAINS(out, "usage: ciforensics rules scan");
  free(out);
  CHECK_INT(run("rules frob", 1, &out), 1);
  CHECK_STR(out, "ciforensics: rules: unknown action 'frob' (test, lint, list, scan)\n");
  free(out);
  snprintf(args, sizeof args, "rules scan --rules '%s' /nonexistent/x.log", dir);
  CHECK_INT(run(args, 1, &out), 1);
  CHECK_CONTAINS(out, "/nonexistent/x.log");
  free(out);
  tmpdir_remove(dir);
}

CF_TEST_MAIN(T(test_good_and_bad), T(test_scan))
