/* Unit tests for the JUnit reader (analyzer/ingest/junit.c): outcome
 * precedence, times, timestamps, nesting, suite-level errors, messages,
 * and hostile or broken input (XXE, billion laughs, truncation, wrong root,
 * empty, BOM), with the exact messages and a silent stderr. */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ciforensics/junit.h"

static int load(const char *xml, cf_junit *j, cf_err *err) {
  memset(err, 0, sizeof *err);
  return cf_junit_load_mem(xml, strlen(xml), "runs/612/junit.xml", j, err);
}

/* The rejection message for xml ("" when it loads). */
static const char *error_of(const char *xml) {
  static cf_err err;
  cf_junit j;
  if (load(xml, &j, &err) == 0) {
    cf_junit_free(&j);
    return "";
  }
  return err.msg;
}

static void outcomes_and_precedence(void) {
  cf_junit j;
  cf_err err;
  CHECK_INT(load(
      "<testsuites><testsuite name=\"s\">"
      "<testcase name=\"all\"><skipped/><failure message=\"f\"/>"
      "<error message=\"boom\"/></testcase>"
      "<testcase name=\"fs\"><skipped/><failure message=\"bad\"/></testcase>"
      "<testcase name=\"sk\"><skipped message=\"not today\"/></testcase>"
      "<testcase name=\"st\" status=\"DISABLED\"/>"
      "<testcase name=\"run\" status=\"run\"/>"
      "<testcase name=\"flaky\"><flakyFailure message=\"x\"/>"
      "<flakyError/></testcase>"
      "<testcase name=\"rerun\"><failure message=\"y\"/><rerunFailure/>"
      "<rerunError/></testcase>"
      "<testcase name=\"twice\"/><testcase name=\"twice\"/>"
      "</testsuite></testsuites>", &j, &err), 0);
  CHECK_INT(j.tests, 9);
  CHECK_INT(j.errors, 1);
  CHECK_INT(j.failures, 2);
  CHECK_INT(j.skipped, 2);
  CHECK_INT(j.cases[0].outcome, CF_JUNIT_ERROR);
  CHECK_STR(j.cases[0].message, "boom");
  CHECK_INT(j.cases[1].outcome, CF_JUNIT_FAILURE);
  CHECK_STR(j.cases[2].message, "not today");
  CHECK_INT(j.cases[3].outcome, CF_JUNIT_SKIPPED);
  CHECK_STR(j.cases[3].message, "disabled");
  CHECK_INT(j.cases[4].outcome, CF_JUNIT_PASS);
  CHECK(j.cases[4].message == NULL);
  CHECK_INT(j.cases[5].outcome, CF_JUNIT_PASS); /* flaky, passed in the end */
  CHECK_INT(j.cases[6].outcome, CF_JUNIT_FAILURE);
  CHECK_STR(j.cases[7].suite, "s");
  CHECK_STR(cf_junit_outcome_name(CF_JUNIT_SKIPPED), "skipped");
  cf_junit_free(&j);
}

static void times(void) {
  cf_junit j;
  cf_err err;
  CHECK_INT(load("<testsuites>"
                 "<testsuite name=\"a\" time=\"2,503.1\">"
                 "<testcase name=\"x\" time=\"1e-3\"/>"
                 "<testcase name=\"y\" time=\"-5\"/>"
                 "<testcase name=\"z\" time=\"abc\"/>"
                 "<testcase name=\"w\"/>"
                 "<testcase name=\"v\" time=\" 1,000 \"/>"
                 "</testsuite>"
                 "<testsuite name=\"b\"><testcase name=\"u\" time=\"2\"/>"
                 "</testsuite></testsuites>", &j, &err), 0);
  CHECK(fabs(j.time - 1002.001) < 1e-9);     /* negatives as 0 */
  CHECK(fabs(j.time_raw - 997.001) < 1e-9);  /* as written */
  CHECK_INT(j.has_time_declared, 1);
  CHECK(fabs(j.time_declared - 2503.1) < 1e-9);
  CHECK(fabs(j.time_per_suite - 2505.1) < 1e-9); /* a's own + b's cases */
  CHECK_INT(j.n_bad_times, 1);
  CHECK_INT(j.cases[2].has_time, 0);
  CHECK_INT(j.cases[3].has_time, 0);
  CHECK(j.cases[1].time == -5);
  cf_junit_free(&j);
  /* no suite declares a time: time_declared is null */
  CHECK_INT(load("<testsuite><testcase name=\"x\" time=\"1\"/></testsuite>", &j,
                 &err), 0);
  CHECK_INT(j.has_time_declared, 0);
  cf_junit_free(&j);
}

static void timestamps_and_starts(void) {
  cf_junit j;
  cf_err err;
  CHECK_INT(load("<testsuites>"
                 "<testsuite name=\"install\" timestamp=\"2026-06-13T06:13:02\">"
                 "<testcase name=\"a\" time=\"40.5\"/>"
                 "<testcase name=\"b\" time=\"10.5\"/>"
                 "<testcase name=\"c\" time=\"1\" "
                 "timestamp=\"2026-06-13T06:20:00+02:00\"/>"
                 "</testsuite>"
                 "<testsuite name=\"z\" timestamp=\"2026-06-13T06:13:02Z\">"
                 "<testsuite name=\"inner\"><testcase name=\"d\"/></testsuite>"
                 "</testsuite>"
                 "<testsuite name=\"bad\" timestamp=\"13/06/2026\">"
                 "<testcase name=\"e\"/></testsuite>"
                 "</testsuites>", &j, &err), 0);
  CHECK_INT(j.cases[0].timestamp, 1781331182); /* 06:13:02Z */
  CHECK_INT(j.cases[0].ts_no_zone, 1);
  CHECK_INT(j.cases[0].ts_own, 0);
  CHECK(j.cases[0].start == 1781331182.0);
  CHECK(j.cases[1].start == 1781331182.0 + 40.5); /* after a */
  CHECK_INT(j.cases[2].timestamp, 1781331182 - 7200 + 418);
  CHECK_INT(j.cases[2].ts_own, 1);
  CHECK_INT(j.cases[2].ts_no_zone, 0);
  CHECK_STR(j.cases[3].suite, "inner");
  CHECK_INT(j.cases[3].timestamp, 1781331182); /* inherited from z */
  CHECK_INT(j.cases[3].ts_no_zone, 0);
  CHECK_INT(j.cases[4].timestamp, CF_TIME_NONE);
  CHECK(isnan(j.cases[4].start));
  CHECK_INT(j.n_bad_timestamps, 1);
  CHECK_INT(j.n_no_zone, 2);
  CHECK_INT(j.n_suites, 4);
  cf_junit_free(&j);
}

static void suite_level_error_synthesised(void) {
  cf_junit j;
  cf_err err;
  CHECK_INT(load("<testsuite name=\"T\" time=\"0.5\">"
                 "<error message=\"NoClassDefFoundError\">trace</error>"
                 "<error message=\"second\"/>"
                 "</testsuite>", &j, &err), 0);
  CHECK_INT(j.tests, 1); /* one per suite, however many elements */
  CHECK_INT(j.errors, 1);
  CHECK_INT(j.cases[0].synthesized, 1);
  CHECK_STR(j.cases[0].name, "T");
  CHECK_STR(j.cases[0].message, "NoClassDefFoundError");
  cf_junit_free(&j);
  /* a <failure> inside an unknown wrapper is not suite-level */
  CHECK_INT(load("<testsuite name=\"T\"><wrap><failure/></wrap>"
                 "<wrap><testcase name=\"deep\"/></wrap></testsuite>", &j,
                 &err), 0);
  CHECK_INT(j.tests, 1);
  CHECK_INT(j.failures, 0);
  CHECK_STR(j.cases[0].name, "deep");
  cf_junit_free(&j);
}

static void messages(void) {
  cf_junit j;
  cf_err err;
  char big[2000];
  memset(big, 'x', sizeof big);
  memcpy(big + 511, "\xC3\xA9", 2); /* é straddling the cut at 512 */
  big[sizeof big - 1] = '\0';
  cf_buf xml = {0};
  cf_buf_printf(&xml, "<testsuite><testcase name=\"t\"><failure>\n\n"
                "  AssertionError: expected 200  \nsecond line</failure>"
                "</testcase><testcase name=\"u\"><error message=\"%s\"/>"
                "</testcase><testcase name=\"c\"><failure><![CDATA[in "
                "cdata <b>]]></failure></testcase></testsuite>", big);
  CHECK_INT(load(xml.data, &j, &err), 0);
  CHECK_STR(j.cases[0].message, "AssertionError: expected 200");
  CHECK_INT(strlen(j.cases[1].message), 511); /* cut before the é */
  CHECK_STR(j.cases[2].message, "in cdata <b>");
  cf_junit_free(&j);
  cf_buf_free(&xml);
}

static void encodings_and_bom(void) {
  cf_junit j;
  cf_err err;
  CHECK_INT(load("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                 "<testsuites><testsuite><testcase name=\"bom\"/></testsuite>"
                 "</testsuites>", &j, &err), 0);
  CHECK_STR(j.cases[0].name, "bom");
  cf_junit_free(&j);
  CHECK_INT(load("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                 "<testsuite><testcase name=\"caf\xE9\"/></testsuite>", &j,
                 &err), 0);
  CHECK_STR(j.cases[0].name, "caf\xC3\xA9"); /* converted to UTF-8 */
  cf_junit_free(&j);
  /* a DOCTYPE without entity declarations is fine */
  CHECK_STR(error_of("<!DOCTYPE testsuite [<!ELEMENT testsuite ANY>]>"
                     "<testsuite/>"), "");
  /* predefined and character references are not entity declarations */
  CHECK_INT(load("<testsuite><testcase name=\"a &amp; b &#x263A;\"/>"
                 "</testsuite>", &j, &err), 0);
  CHECK_STR(j.cases[0].name, "a & b \xE2\x98\xBA");
  cf_junit_free(&j);
}

static void hostile(void) {
  const char *xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "
      "\"file:///etc/passwd\">]><testsuite><testcase name=\"&xxe;\"/>"
      "</testsuite>";
  CHECK_STR(error_of(xxe),
            "runs/612/junit.xml: XML entity declarations are not accepted "
            "(possible XXE or entity expansion)");
  const char *oob =
      "<!DOCTYPE r [<!ENTITY % sp SYSTEM \"http://127.0.0.1:9/x.dtd\"> %sp;]>"
      "<testsuite/>";
  CHECK_STR(error_of(oob),
            "runs/612/junit.xml: XML entity declarations are not accepted "
            "(possible XXE or entity expansion)");
  /* billion laughs: refused at the first declaration, nothing expanded */
  cf_buf lol = {0};
  cf_buf_puts(&lol, "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol0 "
              "\"lol\">");
  for (int i = 1; i <= 9; i++) {
    cf_buf_printf(&lol, "<!ENTITY lol%d \"", i);
    for (int k = 0; k < 10; k++)
      cf_buf_printf(&lol, "&lol%d;", i - 1);
    cf_buf_puts(&lol, "\">");
  }
  cf_buf_puts(&lol, "]><testsuite><testcase name=\"&lol9;\"/></testsuite>");
  CHECK_STR(error_of(lol.data),
            "runs/612/junit.xml: XML entity declarations are not accepted "
            "(possible XXE or entity expansion)");
  cf_buf_free(&lol);
}

static void broken(void) {
  CHECK_STR(error_of("<testsuite><testcase name=\"a\">\n<failure>\n"),
            "runs/612/junit.xml: line 3: Premature end of data in tag "
            "failure line 2");
  CHECK_STR(error_of("not xml at all"),
            "runs/612/junit.xml: line 1: Start tag expected, '<' not found");
  CHECK_STR(error_of("<testsuite><testcase time=\"<<computed>>\"/></testsuite>"),
            "runs/612/junit.xml: line 1: Unescaped '<' not allowed in "
            "attributes values");
  CHECK_STR(error_of("<suites><case/></suites>"),
            "runs/612/junit.xml: root element <suites> is not <testsuites> "
            "or <testsuite>");
  CHECK_STR(error_of(""), "runs/612/junit.xml: empty file");
  CHECK_STR(error_of("\n  \n"), "runs/612/junit.xml: empty file");
  cf_junit j;
  cf_err err = {{0}};
  CHECK_INT(cf_junit_load("/nonexistent/junit.xml", &j, &err), -1);
  CHECK_CONTAINS(err.msg, "/nonexistent/junit.xml: cannot open");
  /* too deep for libxml2's default limit: an error, not a crash */
  cf_buf deep = {0};
  cf_buf_puts(&deep, "<testsuite>");
  for (int i = 0; i < 5000; i++) cf_buf_puts(&deep, "<a>");
  CHECK_CONTAINS(error_of(deep.data), "runs/612/junit.xml: line 1: ");
  cf_buf_free(&deep);
}

/* Well-formed XML of another kind (a coverage report beside the JUnit
 * files) is CF_JUNIT_NOT_JUNIT, not a damaged report: the pipeline notes
 * and skips it. Malformed XML, XXE and empty input stay -1. */
static void not_junit_vs_broken(void) {
  static const struct {
    const char *xml;
    int rc;
  } cases[] = {
      {"<?xml version=\"1.0\" ?>\n<coverage version=\"7.5.3\" line-rate=\"0.915\">"
       "<sources><source>/drone/src</source></sources><packages/></coverage>\n",
       CF_JUNIT_NOT_JUNIT},
      {"<suites><case/></suites>", CF_JUNIT_NOT_JUNIT},
      {"<testsuite><testcase name=\"a\">\n<failure>\n", -1},
      {"not xml at all", -1},
      {"<?xml version=\"1.0\"?><!DOCTYPE coverage [<!ENTITY xxe SYSTEM "
       "\"file:///etc/passwd\">]><coverage>&xxe;</coverage>", -1},
      {"", -1},
      {"\n  \n", -1},
  };
  CHECK_INT(CF_JUNIT_NOT_JUNIT, 1);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cf_junit j;
    cf_err err;
    int rc = load(cases[i].xml, &j, &err);
    if (rc != cases[i].rc) fprintf(stderr, "case %zu: %s\n", i, err.msg);
    CHECK_INT(rc, cases[i].rc);
    if (rc == 0) cf_junit_free(&j);
    else CHECK(err.msg[0] != '\0');
  }
  cf_junit j;
  cf_err err;
  CHECK_INT(load("<coverage/>", &j, &err), CF_JUNIT_NOT_JUNIT);
  CHECK_STR(err.msg, "runs/612/junit.xml: root element <coverage> is not <testsuites> "
                     "or <testsuite>");
}

/* libxml2 must never print: run bad inputs with stderr on a file. */
static void silent_stderr(void) {
  char path[] = "/tmp/cf_junit_stderr_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd < 0) return;
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  (void)error_of("<testsuite><testcase>");
  (void)error_of("<!DOCTYPE x [<!ENTITY a \"b\">]><x/>");
  (void)error_of("<testsuite xmlns:a=\"rel/uri\"><a:b/></testsuite>");
  (void)error_of("<?xml version=\"1.0\" encoding=\"no-such-enc\"?><testsuite/>");
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  CHECK_INT(st.st_size, 0);
  close(fd);
  unlink(path);
}

CF_TEST_MAIN(T(outcomes_and_precedence), T(times), T(timestamps_and_starts),
             T(suite_level_error_synthesised), T(messages),
             T(encodings_and_bom), T(hostile), T(broken), T(not_junit_vs_broken),
             T(silent_stderr))
