/* Unit tests for tier segmentation (banner lines and times), error lines,
 * and fingerprints. Tier and error-line definitions are the shipped
 * rules/tiers.yaml and rules/errorlines.yaml (from CF_SOURCE_ROOT), plus
 * inline YAML for the error messages. */
#include "check.h"
#include "ciforensics/errorlines.h"
#include "ciforensics/fingerprint.h"
#include "ciforensics/tiers.h"
#include "rules_helpers.h"

static char *shipped(const char *name) {
  const char *root = getenv("CF_SOURCE_ROOT");
  char *dir = cf_path_join(root && *root ? root : ".", "rules");
  char *p = cf_path_join(dir, name);
  free(dir);
  return p;
}

static cf_tierdef *shipped_tiers(void) {
  char *p = shipped("tiers.yaml");
  cf_tierdef *td = NULL;
  cf_err err = {0};
  CHECK(cf_tierdef_load(p, &td, &err) == 0);
  CHECK_STR(err.msg, "");
  free(p);
  return td;
}

/* A steplog with line i at time times[i]. */
static void timed_log(const char *text, const long *times, cf_steplog *log) {
  cf_rules_textlog(text, strlen(text), log);
  for (size_t i = 0; i < log->n_lines; i++) log->lines[i].time = times[i];
}

static void harness_banners(void) {
  cf_tierdef *td = shipped_tiers();
  if (!td) return;
  const char *text =
      "+ ./run-tests ghost\n"                                                   /* 1 */
      "[harness] ==> tier install: start (pytest tests/ghost/test_install.py)\n" /* 2 */
      "deploying\n"                                                             /* 3 */
      "[harness] <== tier install: pass (51.0 s)\n"                             /* 4 */
      "between tiers\n"                                                         /* 5 */
      "\x1b[0m[harness] ==> tier upgrade: start (pytest tests/ghost/test_upgrade.py)\n"
      "[harness] ==> tier backup: start (pytest tests/ghost/test_backup.py)\n"  /* 7 */
      "[harness] <== tier upgrade: pass (1.0 s)\n"                              /* 8: not backup's end */
      "[harness] <== tier backup: fail (5.0 s)\n"                               /* 9 */
      "[harness] ==> tier functional: start (pytest)\n"                         /* 10: alias */
      "[harness] ==> tier chaos: start\n"                                       /* 11: unknown */
      "tail\n";                                                                 /* 12 */
  long times[] = {0, 1, 20, 51, 52, 53, 98, 99, 103, 104, 105, 107};
  cf_steplog log;
  timed_log(text, times, &log);
  /* the raw \x1b is no banner (plain text is what the decoder hands over) */
  cf_tier_span *sp = NULL;
  size_t n = 0;
  cf_tiers_segment(td, &log, 1781331182, &sp, &n);
  CHECK_INT(n, 3);
  if (n == 3) {
    CHECK_STR(sp[0].name, "install");
    CHECK_INT(sp[0].first_line, 2);
    CHECK_INT(sp[0].last_line, 4);
    CHECK_INT(sp[0].start, 1781331182 + 1);
    CHECK_INT(sp[0].end, 1781331182 + 51);
    CHECK_STR(sp[0].source, "log");
    CHECK_STR(sp[1].name, "backup");
    CHECK_INT(sp[1].first_line, 7);
    CHECK_INT(sp[1].last_line, 9);
    CHECK_INT(sp[1].end, 1781331182 + 103);
    CHECK_STR(sp[2].name, "custom");
    CHECK_INT(sp[2].first_line, 10);
    CHECK_INT(sp[2].last_line, 12); /* runs to the log's end */
    CHECK_INT(sp[2].end, 1781331182 + 107);
  }
  cf_tier_spans_free(sp, n);
  cf_rules_textlog_free(&log);

  /* other harness wordings; a tier ends where the next begins */
  const char *other = "=== TIER upgrade ===\na\n::group::tier backup\nb\n::endgroup::\n"
                      "Running tier: restore\nc\n---- tier lint: start ----\nd\n";
  long t2[] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  timed_log(other, t2, &log);
  cf_tiers_segment(td, &log, CF_TIME_NONE, &sp, &n);
  CHECK_INT(n, 4);
  if (n == 4) {
    CHECK_STR(sp[0].name, "upgrade");
    CHECK_INT(sp[0].first_line, 1);
    CHECK_INT(sp[0].last_line, 2);
    CHECK_STR(sp[1].name, "backup");
    CHECK_INT(sp[1].last_line, 5);
    CHECK_STR(sp[2].name, "restore");
    CHECK_INT(sp[2].first_line, 6);
    CHECK_INT(sp[2].last_line, 7);
    CHECK_STR(sp[3].name, "lint");
    CHECK_INT(sp[3].start, CF_TIME_NONE);
  }
  cf_tier_spans_free(sp, n);
  cf_rules_textlog_free(&log);

  /* no banners: no spans */
  timed_log("just\nbuild output\n", t2, &log);
  cf_tiers_segment(td, &log, 0, &sp, &n);
  CHECK_INT(n, 0);
  cf_tier_spans_free(sp, n);
  cf_rules_textlog_free(&log);
  CHECK_STR(cf_tierdef_normalise(td, "E2E", 3), "custom");
  CHECK(cf_tierdef_normalise(td, "chaos", 5) == NULL);
  cf_tierdef_free(td);
}

static void tierdef_errors(void) {
  cf_tierdef *td = NULL;
  cf_err err = {0};
  const char *y1 = "start: ['^tier (\\w+)']\n";
  CHECK(cf_tierdef_parse("t.yaml", y1, strlen(y1), &td, &err) == -1);
  CHECK_STR(err.msg, "t.yaml:1: a 'start' pattern needs a named group (?<tier>...)");
  cf_err_clear(&err);
  const char *y2 = "start: ['(?<tier>x)']\nends: []\n";
  CHECK(cf_tierdef_parse("t.yaml", y2, strlen(y2), &td, &err) == -1);
  CHECK_STR(err.msg, "t.yaml:2: unknown key 'ends' (start, end, aliases)");
  cf_err_clear(&err);
  const char *y3 = "start: ['(?<tier>x)']\naliases:\n  deploy: [d]\n";
  CHECK(cf_tierdef_parse("t.yaml", y3, strlen(y3), &td, &err) == -1);
  CHECK_STR(err.msg, "t.yaml:3: unknown tier 'deploy' (install, upgrade, backup, restore, "
                     "custom, lint)");
  cf_err_clear(&err);
  const char *y4 = "start:\n  - '(?<tier>x'\n";
  CHECK(cf_tierdef_parse("t.yaml", y4, strlen(y4), &td, &err) == -1);
  CHECK_STR(err.msg, "t.yaml:2: bad regex in 'start' at offset 9: missing closing parenthesis");
  CHECK(td == NULL);
}

static cf_errorlines *shipped_errorlines(void) {
  char *p = shipped("errorlines.yaml");
  cf_errorlines *el = NULL;
  cf_err err = {0};
  CHECK(cf_errorlines_load(p, &el, &err) == 0);
  CHECK_STR(err.msg, "");
  free(p);
  return el;
}

static int is_err(const cf_errorlines *el, const char *s) {
  return cf_errorlines_is_error(el, s, strlen(s));
}

static void error_lines(void) {
  cf_errorlines *el = shipped_errorlines();
  if (!el) return;
  CHECK(is_err(el, "ERROR 2003 (HY000): Can't connect to MySQL server on 'db' (111)"));
  CHECK(is_err(el, "FATA[0003] deploy failed: no such image"));
  CHECK(is_err(el, "Traceback (most recent call last):"));
  CHECK(is_err(el, "knex.KnexTimeoutError: Knex: Timeout acquiring a connection"));
  CHECK(is_err(el, "time=\"x\" level=error msg=\"task allocation failure\""));
  CHECK(is_err(el, "=========== 1 failed, 3 passed in 9.1s ==========="));
  CHECK(is_err(el, "Process exited with status 137"));
  CHECK(is_err(el, "!! upgrade op failed: ghost_app UpdateStatus='paused'"));
  CHECK(!is_err(el, "error_log = /var/log/php/error.log"));
  CHECK(!is_err(el, "=========== 0 failed, 4 passed ==========="));
  CHECK(!is_err(el, "lint: errors: 0"));
  CHECK(!is_err(el, "attempt 1/3 failed, retrying in 5s"));
  CHECK(!is_err(el, "DEBUG retry handler: failed=false"));
  CHECK(!is_err(el, "exited with code 0"));
  CHECK(!is_err(el, "Creating service ghost_app"));
  CHECK(!is_err(el, "tests/test_x.py::test_error_page PASSED"));
  CHECK(!is_err(NULL, "ERROR"));
  /* docker and git wordings */
  CHECK(is_err(el, "Error response from daemon: Get \"https://quay.io/v2/keycloak/keycloak/"
                   "manifests/25.0.1\": error parsing HTTP 429 response body"));
  CHECK(is_err(el, "Error response from daemon: Head \"https://registry-1.docker.io/v2/\": "
                   "toomanyrequests: You have reached your pull rate limit."));
  CHECK(is_err(el, "docker: Error response from daemon: conflict: unable to remove"));
  CHECK(is_err(el, "fatal: unable to access 'https://git.coopcloud.example/cc/x.git/': "
                   "Could not resolve host: git.coopcloud.example"));
  CHECK(is_err(el, "fatal: could not read Username for 'https://example.org': terminal "
                   "prompts disabled"));
  CHECK(!is_err(el, "Error responses are logged to stderr")); /* no "from daemon:" */
  /* a service's own output behind a swarm service-log prefix */
  CHECK(is_err(el, "matrix-synapse_app.1.x7c8v9b0n1m2@ci-1    | OSError: [Errno 30] "
                   "Read-only file system: '/data/media_store/local_content'"));
  CHECK(is_err(el, "matrix-synapse_app.1.x7c8v9b0n1m2@ci-1    | Traceback (most recent call "
                   "last):"));
  CHECK(is_err(el, "app_svc.1.qzk4hqtvjslx@ci-1 | synapse.config._base.ConfigError: Error "
                   "accessing file '/data/homeserver.yaml'"));
  CHECK(is_err(el, "gitea_app.1@ci-2\t| fatal: not a git repository"));
  CHECK(is_err(el, "app.1.zp1yqlk8gq3n1p6yy1ie7xdbz@node-7 | ValueError: bad"));
  CHECK(!is_err(el, "app_svc.1.qzk4hqtvjslx@ci-1    | DEBUG OSError: ignored"));
  CHECK(!is_err(el, "app_svc.1.qzk4hqtvjslx@ci-1    | Starting server on :8080"));
  CHECK(!is_err(el, "user@host | OSError: x")); /* not a service-log prefix */
  /* `docker service ps`: the header and rows with an empty ERROR column
   * are never error lines; a row with an error is */
  CHECK(!is_err(el, "ID                          NAME                 IMAGE                     "
                    "NODE   DESIRED STATE   CURRENT STATE           ERROR                      "
                    "                                PORTS"));
  CHECK(!is_err(el, "ID             NAME              IMAGE                              NODE      "
                    "DESIRED STATE   CURRENT STATE            ERROR                              "
                    "PORTS"));
  CHECK(!is_err(el, "ID                           NAME              IMAGE                     "
                    "NODE   DESIRED STATE   CURRENT STATE            ERROR          "));
  CHECK(!is_err(el, "k2j3h4g5f6d7   keycloak_app.1    quay.io/keycloak/keycloak:25.0.1   ci-1   "
                    "   Shutdown        Failed 6 seconds ago     "));
  CHECK(!is_err(el, "x8t2m4n6b1v3c5z7l9k0j2h4g6   \\_ discourse_app.1   bitnami/discourse:3.2.5"
                    "   ci-1   Shutdown   Failed about a minute ago"));
  CHECK(!is_err(el, "qzk4hqtvjslx   web_app.1   nginx:1.27   ci-1   Running   Failed less than a "
                    "second ago   *:8080->80/tcp"));
  CHECK(is_err(el, "k2j3h4g5f6d7   keycloak_app.1    quay.io/keycloak/keycloak:25.0.1   ci-1   "
                   "   Shutdown        Failed 6 seconds ago     \"task: non-zero exit (137): "
                   "do…\"   "));
  CHECK(is_err(el, "u1v2w3x4y5z6a7b8c9d0e1f2g3   nextcloud_app.1   nextcloud:29.0.4-apache   ci-1"
                   "   Ready           Rejected 3 seconds ago   \"invalid bind mount source, "
                   "source path not found: /srv/nextcloud/custom_apps\""));
  CHECK(is_err(el, "ID NAME ERROR: something else went wrong"));

  const char *text = "ok\nERROR connect ECONNREFUSED 10.0.5.196:3306\nfine\n"
                     "ERROR connect ECONNREFUSED 10.0.5.197:3306\n"
                     "ERROR 2003: Can't connect\nFATA done\n";
  cf_steplog log;
  cf_rules_textlog(text, strlen(text), &log);
  size_t out[5];
  size_t n = cf_errorlines_pick(el, &log, 0, 100, 5, out);
  CHECK_INT(n, 3); /* line 3 repeats line 1's fingerprint */
  if (n == 3) {
    CHECK_INT(out[0], 1);
    CHECK_INT(out[1], 4);
    CHECK_INT(out[2], 5);
  }
  CHECK_INT(cf_errorlines_pick(el, &log, 2, 4, 1, out), 1);
  CHECK_INT(out[0], 3); /* within [2, 4] the first is line 3 */
  cf_rules_textlog_free(&log);
  cf_errorlines_free(el);

  cf_err err = {0};
  const char *y = "error: ['x']\nbenign: 'y'\n";
  CHECK(cf_errorlines_parse("e.yaml", y, strlen(y), &el, &err) == -1);
  CHECK_STR(err.msg, "e.yaml:2: 'benign' must be a list of patterns");
}

static void fp(const char *in, const char *want) {
  char *got = cf_fingerprint(in, strlen(in));
  CHECK_STR(got, want);
  free(got);
}

static void fingerprints(void) {
  fp("Error: connect ECONNREFUSED 10.0.5.196:3306", "Error: connect ECONNREFUSED <ip>:#");
  fp("Error: connect ECONNREFUSED 10.0.7.12:3306", "Error: connect ECONNREFUSED <ip>:#");
  fp("checkout d88f5801 failed", "checkout <hex> failed");
  fp("checkout d88f5801e2a9c1b7aa3e0c6a1e0f2b9d8c7a6b5e failed", "checkout <hex> failed");
  fp("retry 12 of 300 after 1.5 s", "retry # of # after # s");
  fp("took 1m36s", "took #m#s");
  fp("task x8k2j4h5g6f7d8s9a0q1w2e3r failed", "task <id> failed");
  fp("ghost_app.1.x8k2j4h5g6f7d8s9a0q1w2e3r", "ghost_app.#.<id>");
  fp("request 123e4567-e89b-12d3-a456-426614174000 aborted", "request <uuid> aborted");
  fp("listen tcp [fe80::1%eth0]:8080", "listen tcp [<ip>%eth#]:#");
  fp("dial 2001:db8:0:0:0:0:2:1 port 53", "dial <ip> port #");
  fp("2026-06-13T05:38:00.123Z ERROR boom", "<ts> ERROR boom");
  fp("Jun 13 05:38:00 host dockerd[812]: x", "Jun # <ts> host dockerd[#]: x");
  fp("2026/06/13 05:38:00 level=error", "<ts> level=error");
  fp("DB_PASSWORD=******** rejected", "DB_PASSWORD=<mask> rejected");
  fp("  lots   of\t spaces  ", "lots of spaces");
  fp("accepted deadbeef", "accepted deadbeef"); /* words stay words */
  fp("mysql8 on node-3", "mysql# on node-#");
  fp("", "");
  /* swarm task and node ids are whole <id>s, however many digits they hold
   * and whatever precedes them; never mangled digit by digit */
  fp("wordpress_app.1.qzk4hqtvjslx@ci-1    | PHP Fatal error:  Uncaught Error: Call to "
     "undefined function wp_get_environment_type() in /var/www/html/x.php:12",
     "wordpress_app.#.<id>@ci-# | PHP Fatal error: Uncaught Error: Call to undefined function "
     "wp_get_environment_type() in /var/www/html/x.php:#");
  fp("wordpress_app.1.bdvh4iign4hj@ci-1    | PHP Fatal error:  Uncaught Error: Call to "
     "undefined function wp_get_environment_type() in /var/www/html/x.php:12",
     "wordpress_app.#.<id>@ci-# | PHP Fatal error: Uncaught Error: Call to undefined function "
     "wp_get_environment_type() in /var/www/html/x.php:#");
  fp("nextcloud_app.1.d8owdhiatsxc@ci-1 | x", "nextcloud_app.#.<id>@ci-# | x");
  fp("wordpress_app.1.1d5x4969e7ht@ci-1 | x", "wordpress_app.#.<id>@ci-# | x");
  fp("matrix-synapse_app.1.9jpq6rqln41b@ci-2 | x", "matrix-synapse_app.#.<id>@ci-# | x");
  fp("matrix-synapse_app.1.7oki6kc8gn8u@ci-1 | x", "matrix-synapse_app.#.<id>@ci-# | x");
  fp("app.12.abcdefghijkl@ci-1 | x", "app.#.<id>@ci-# | x"); /* 12 letters, no digit */
  fp("app.1.zpyqlkgqnpyyiexdbzabcdefg@ci-1 | x", "app.#.<id>@ci-# | x"); /* 25 */
  fp("app_svc.1.x8k2j4h5g6f7d8s9a0q1w2e3r@zp1yqlk8gq3n1p6yy1ie7xdbz | x",
     "app_svc.#.<id>@<id> | x");
  fp("k2j3h4g5f6d7   keycloak_app.1    quay.io/keycloak/keycloak:25.0.1   ci-1   Shutdown   "
     "Failed 6 seconds ago   \"task: non-zero exit (137): do…\"",
     "<id> keycloak_app.# quay.io/keycloak/keycloak:# ci-# Shutdown Failed # seconds ago "
     "\"task: non-zero exit (#): do…\"");
  fp("paused: update paused due to failure or early termination of task qzk4hqtvjslxbdvh4iign4hj"
     "e41fn", "paused: update paused due to failure or early termination of task <id>");
  fp("node mempuzpotw89 is down", "node <id> is down");
  /* what already worked stays: versions, durations, words, a 12-letter word */
  fp("1 failed in 45.60s", "# failed in #s");
  fp("synapse:v1.110.0 exited 1", "synapse:v# exited #");
  fp("keycloak:25.0.1 returned 500, expected 200", "keycloak:# returned #, expected #");
  fp("app.1.configuration@ci-1", "app.#.configuration@ci-#"); /* a word, not an id */
  fp("psycopg2.OperationalError on mysql8", "psycopg#.OperationalError on mysql#");
  fp("Log4jLoggerFactory HTTP2Server", "Log#jLoggerFactory HTTP#Server");
  /* the same failure on two runs has one fingerprint, different ones differ */
  char *a = cf_fingerprint("FATA[0012] ghost_app: task 4f9c2a1b failed at 10.0.0.5:80", 57);
  char *b = cf_fingerprint("FATA[0007] ghost_app: task 99aa00bb77 failed at 10.0.0.9:80", 59);
  char *c = cf_fingerprint("FATA[0007] ghost_db: task 99aa00bb77 failed at 10.0.0.9:80", 58);
  CHECK_STR(a, b);
  CHECK(strcmp(a, c) != 0);
  free(a);
  free(b);
  free(c);
  /* bounded: a huge line is cut, not copied whole */
  char *big = cf_xmalloc(100000);
  memset(big, 'x', 100000);
  char *f = cf_fingerprint(big, 100000);
  CHECK_INT(strlen(f), CF_FINGERPRINT_MAX_INPUT);
  free(f);
  free(big);
}

/* Hex addresses are one token, lego's " :: " is no IPv6 address, and an HTTP
 * status stays when the line says it is one (a 404 is not a 500). */
static void fingerprint_addresses_and_statuses(void) {
  /* 0x... is one <hex> whatever its length, never blanked digit by digit */
  fp("[1:0x6b4c2a0]    45123 ms: Mark-Compact 2046.3 (2082.1) -> 2045.9 (2083.1) MB",
     "[#:<hex>] # ms: Mark-Compact # (#) -> # (#) MB");
  fp(" 1: 0xb7b850 node::Abort() [node]", "#: <hex> node::Abort() [node]");
  fp("at 0x7ffd5e8c 0XABC and 0x1, not a0x12", "at <hex> <hex> and <hex>, not a#x#");
  /* a swarm task id that happens to start with 0x stays one <id> */
  fp("0xjtvbif25q07c4691vbfg1me \\_ app.1", "<id> \\_ app.#");
  fp("0xab12cdef34gh56ij78kl90mn \\_ app.1", "<id> \\_ app.#");
  char *a = cf_fingerprint("[1:0x6b4c2a0] JavaScript heap out of memory", 44);
  char *b = cf_fingerprint("[7:0x55d0c80a3f0] JavaScript heap out of memory", 48);
  CHECK_STR(a, b);
  free(a);
  free(b);
  /* "::" alone or between spaces is punctuation; real IPv6 stays <ip> */
  fp("acme: error: 400 :: urn:ietf:params:acme:error:dns :: DNS problem",
     "acme: error: # :: urn:ietf:params:acme:error:dns :: DNS problem");
  fp("::", "::");
  fp("a :: b ::", "a :: b ::");
  fp("face::bad is a C++ name", "face::bad is a C++ name");
  fp("ping fe80::1 and 2001:db8::2:1 and ::1 on [::1]:8080",
     "ping <ip> and <ip> and <ip> on [<ip>]:#");
  /* an HTTP status is kept when its reason phrase follows or HTTP/status/code
   * precedes it; other numbers (exit codes, counts, bare 3-digit numbers) go */
  fp("GET /x: 404 Not Found", "GET /x: 404 Not Found");
  fp("GET /x: 500 Internal Server Error", "GET /x: 500 Internal Server Error");
  fp("GET /x: 503 SERVICE UNAVAILABLE", "GET /x: 503 SERVICE UNAVAILABLE");
  fp("toomanyrequests: 429 Too Many Requests", "toomanyrequests: 429 Too Many Requests");
  fp("< HTTP/1.1 502 Bad Gateway", "< HTTP/# 502 Bad Gateway");
  fp("< HTTP/2 301", "< HTTP/# 301");
  fp("HTTP 401", "HTTP 401");
  fp("Request failed with status code 503", "Request failed with status code 503");
  fp("Status: 403 from registry", "Status: 403 from registry");
  fp("unexpected status 418", "unexpected status 418");
  fp("server returned error code 500", "server returned error code 500");
  fp("urllib.error.HTTPError: HTTP Error 404: Not Found",
     "urllib.error.HTTPError: HTTP Error 404: Not Found");
  fp("retry 404 times", "retry # times");
  fp("404 NotFoundish", "# NotFoundish");
  fp("exit code 137", "exit code #");
  fp("process exited with status 255", "process exited with status #");
  fp("exit status 101", "exit status #");
  fp("status 2001 and status 404.5", "status # and status #");
  fp("took 200 ms", "took # ms");
  a = cf_fingerprint("GET /x: 404 Not Found", 21);
  b = cf_fingerprint("GET /x: 500 Internal Server Error", 33);
  CHECK(strcmp(a, b) != 0);
  free(a);
  free(b);
}

CF_TEST_MAIN(T(harness_banners), T(tierdef_errors), T(error_lines), T(fingerprints),
             T(fingerprint_addresses_and_statuses))
