/*
 * test_logdecode.c: the step-log decoder (logdecode.h) on hand-written blobs
 * in the shapes drone-schema.md section 2 describes: runner-go (trailing
 * newline, tail kept) and legacy (no newline, warning line), split lines,
 * ANSI, Go's JSON escapes, bad escapes, and malformed blobs with the exact
 * messages.
 */
#include <string.h>

#include "ciforensics/logdecode.h"
#include "check.h"

/* Decode a NUL-terminated blob; returns the rc and leaves the log in *log. */
static int dec(const char *blob, cf_steplog *log, cf_err *err) {
  cf_err_clear(err);
  return cf_steplog_decode(blob, strlen(blob), CF_STEPLOG_MAX_BLOB, log, err);
}

/* Line i's plain / raw text as a new NUL-terminated string in buf. */
static const char *plain(const cf_steplog *l, size_t i, char *buf, size_t n) {
  size_t k = l->lines[i].len < n - 1 ? l->lines[i].len : n - 1;
  memcpy(buf, l->plain + l->lines[i].off, k);
  buf[k] = '\0';
  return buf;
}
static const char *raw(const cf_steplog *l, size_t i, char *buf, size_t n) {
  size_t k = l->lines[i].raw_len < n - 1 ? l->lines[i].raw_len : n - 1;
  memcpy(buf, l->raw + l->lines[i].raw_off, k);
  buf[k] = '\0';
  return buf;
}

/* Expect decode to fail with exactly msg. */
static void expect_error(const char *blob, const char *msg) {
  cf_steplog log;
  cf_err err;
  CHECK_INT(dec(blob, &log, &err), -1);
  CHECK_STR(err.msg, msg);
  CHECK(log.lines == NULL && log.n_lines == 0 && log.plain == NULL);
}

static void test_runner_go_and_legacy_endings(void) {
  const char *a = "[{\"pos\":0,\"out\":\"one\\n\",\"time\":0},"
                  "{\"pos\":1,\"out\":\"two\\n\",\"time\":3}]\n";
  const char *b = "[{\"pos\":0,\"out\":\"one\\n\",\"time\":0},"
                  "{\"pos\":1,\"out\":\"two\\n\",\"time\":3}]";
  cf_steplog la, lb;
  cf_err err;
  char buf[64];
  CHECK_INT(dec(a, &la, &err), 0);
  CHECK_INT(dec(b, &lb, &err), 0);
  CHECK_INT(la.n_lines, 2);
  CHECK_INT(lb.n_lines, 2);
  CHECK_STR(plain(&la, 1, buf, sizeof buf), "two");
  CHECK_INT(la.lines[1].pos, 1);
  CHECK_INT(la.lines[1].time, 3);
  CHECK_STR(la.plain, lb.plain);
  CHECK_STR(la.plain, "one\ntwo\n");
  CHECK_INT(la.plain_len, 8);
  CHECK_INT(la.truncated, 0);
  CHECK_INT(la.is_null, 0);
  cf_steplog_free(&la);
  cf_steplog_free(&lb);
}

static void test_last_line_without_newline(void) {
  cf_steplog l;
  cf_err err;
  char buf[64];
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"a\\n\",\"time\":0},"
                "{\"pos\":1,\"out\":\"exit 1\",\"time\":2}]",
                &l, &err),
            0);
  CHECK_INT(l.n_lines, 2);
  CHECK_STR(plain(&l, 1, buf, sizeof buf), "exit 1");
  cf_steplog_free(&l);
}

static void test_null_and_empty(void) {
  cf_steplog l;
  cf_err err;
  CHECK_INT(dec("null", &l, &err), 0);
  CHECK_INT(l.is_null, 1);
  CHECK_INT(l.n_lines, 0);
  cf_steplog_free(&l);
  CHECK_INT(dec("null\n", &l, &err), 0); /* runner-go */
  CHECK_INT(l.is_null, 1);
  cf_steplog_free(&l);
  CHECK_INT(dec("[]\n", &l, &err), 0);
  CHECK_INT(l.is_null, 0);
  CHECK_INT(l.n_lines, 0);
  cf_steplog_free(&l);
  cf_steplog_free(NULL);
}

static void test_split_line_is_one_line(void) {
  cf_steplog l;
  cf_err err;
  char buf[128];
  CHECK_INT(dec("[{\"pos\":7,\"out\":\"!! upgrade op failed: \",\"time\":4},"
                "{\"pos\":8,\"out\":\"UpdateStatus='paused'\\n\",\"time\":5},"
                "{\"pos\":9,\"out\":\"next\\n\",\"time\":5}]",
                &l, &err),
            0);
  CHECK_INT(l.n_lines, 2);
  CHECK_STR(plain(&l, 0, buf, sizeof buf),
            "!! upgrade op failed: UpdateStatus='paused'");
  CHECK_INT(l.lines[0].pos, 7); /* the first element's pos and time */
  CHECK_INT(l.lines[0].time, 4);
  CHECK_INT(l.lines[1].pos, 9);
  cf_steplog_free(&l);
}

static void test_several_lines_in_one_element(void) {
  cf_steplog l;
  cf_err err;
  char buf[64];
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"a\\nb\\n\\nc\",\"time\":1}]", &l, &err),
            0);
  CHECK_INT(l.n_lines, 4);
  CHECK_STR(plain(&l, 1, buf, sizeof buf), "b");
  CHECK_STR(plain(&l, 2, buf, sizeof buf), "");
  CHECK_STR(plain(&l, 3, buf, sizeof buf), "c");
  CHECK_INT(l.lines[3].pos, 0);
  CHECK_INT(l.lines[3].time, 1);
  cf_steplog_free(&l);
}

static void test_ansi_raw_and_plain(void) {
  cf_steplog l;
  cf_err err;
  char buf[128];
  CHECK_INT(
      dec("[{\"pos\":0,\"out\":\"\\u001b[1;32m==\\u003e install\\u001b[0m\\n\","
          "\"time\":0},"
          "{\"pos\":1,\"out\":\"\\u001b]0;title\\u0007osc bel\\n\",\"time\":0},"
          "{\"pos\":2,\"out\":\"\\u001b]8;;http://x\\u001b\\\\link\\n\","
          "\"time\":0},"
          "{\"pos\":3,\"out\":\"\\u001b7save\\u001b(Bcharset\\u001b\",\"time\":0}]",
          &l, &err),
      0);
  CHECK_INT(l.n_lines, 4);
  CHECK_STR(plain(&l, 0, buf, sizeof buf), "==> install");
  CHECK_STR(raw(&l, 0, buf, sizeof buf), "\x1b[1;32m==> install\x1b[0m");
  CHECK_STR(plain(&l, 1, buf, sizeof buf), "osc bel");
  CHECK_STR(plain(&l, 2, buf, sizeof buf), "link");
  CHECK_STR(plain(&l, 3, buf, sizeof buf), "savecharset");
  CHECK_STR(raw(&l, 3, buf, sizeof buf), "\x1b" "7save\x1b(Bcharset\x1b");
  cf_steplog_free(&l);
}

static void test_ansi_split_across_elements(void) {
  cf_steplog l;
  cf_err err;
  char buf[64];
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"\\u001b[3\",\"time\":0},"
                "{\"pos\":1,\"out\":\"1mred\\u001b[0m\\n\",\"time\":0}]",
                &l, &err),
            0);
  CHECK_STR(plain(&l, 0, buf, sizeof buf), "red");
  cf_steplog_free(&l);
}

static void test_carriage_returns(void) {
  cf_steplog l;
  cf_err err;
  char buf[64];
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"50%\\r100%\\r\\n\",\"time\":0},"
                "{\"pos\":1,\"out\":\"crlf\\r\\n\",\"time\":0},"
                "{\"pos\":2,\"out\":\"\\u001b[2K\\rDone\\n\",\"time\":0}]",
                &l, &err),
            0);
  CHECK_STR(plain(&l, 0, buf, sizeof buf), "100%");
  CHECK_STR(raw(&l, 0, buf, sizeof buf), "50%\r100%\r");
  CHECK_STR(plain(&l, 1, buf, sizeof buf), "crlf");
  CHECK_STR(plain(&l, 2, buf, sizeof buf), "Done");
  cf_steplog_free(&l);
}

static void test_go_escapes(void) {
  cf_steplog l;
  cf_err err;
  char buf[128];
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"\\u003cdiv\\u003e \\u0026 \\\"q\\\" "
                "\\\\ \\t \\u2028 \\ufffd \\b\\f\\/\\n\",\"time\":0}]",
                &l, &err),
            0);
  CHECK_STR(plain(&l, 0, buf, sizeof buf),
            "<div> & \"q\" \\ \t \xe2\x80\xa8 \xef\xbf\xbd \b\f/");
  cf_steplog_free(&l);
}

static void test_nul_and_surrogates(void) {
  cf_steplog l;
  cf_err err;
  char buf[128];
  /* \u0000 would end a C string: decoded as U+FFFD instead */
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"a\\u0000b\\n\",\"time\":0}]", &l, &err),
            0);
  CHECK_STR(plain(&l, 0, buf, sizeof buf), "a\xef\xbf\xbd" "b");
  cf_steplog_free(&l);
  /* lone high, lone low, high followed by a non-surrogate; a valid pair */
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"\\ud800x|\\udc00|\\uD800\\u0041|"
                "\\ud83d\\ude00\\n\",\"time\":0}]",
                &l, &err),
            0);
  CHECK_STR(plain(&l, 0, buf, sizeof buf),
            "\xef\xbf\xbdx|\xef\xbf\xbd|\xef\xbf\xbd" "A|\xf0\x9f\x98\x80");
  cf_steplog_free(&l);
  /* an escaped backslash followed by "u0000" is text, not an escape */
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"\\\\u0000\\n\",\"time\":0}]", &l, &err),
            0);
  CHECK_STR(plain(&l, 0, buf, sizeof buf), "\\u0000");
  cf_steplog_free(&l);
}

static void test_truncation(void) {
  cf_steplog l;
  cf_err err;
  /* runner-go keeps the tail: the first pos is > 0 */
  CHECK_INT(dec("[{\"pos\":5120,\"out\":\"tail\\n\",\"time\":90}]\n", &l, &err),
            0);
  CHECK_INT(l.truncated, 1);
  CHECK_INT(l.first_pos, 5120);
  CHECK_INT(l.lines[0].pos, 5120);
  cf_steplog_free(&l);
  /* the legacy runner keeps the head and appends a warning line */
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"head\\n\",\"time\":0},"
                "{\"pos\":1,\"out\":\"warning: maximum output exceeded\","
                "\"time\":9}]",
                &l, &err),
            0);
  CHECK_INT(l.truncated, 1);
  CHECK_INT(l.first_pos, 0);
  cf_steplog_free(&l);
  /* the words inside a longer line are not the warning */
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"echo warning: maximum output "
                "exceeded\\n\",\"time\":0}]",
                &l, &err),
            0);
  CHECK_INT(l.truncated, 0);
  cf_steplog_free(&l);
}

static void test_malformed(void) {
  expect_error("", "byte 0: empty log blob (expected a JSON array or null)");
  expect_error("  \n", "byte 3: empty log blob (expected a JSON array or null)");
  expect_error("{}", "byte 0: expected a JSON array or null");
  expect_error("nullx", "byte 4: unexpected data after null");
  expect_error("[1]", "byte 1: log element 0 is not an object");
  expect_error("[{\"pos\":0,\"out\":\"a\",\"time\":0},{\"pos\":1,\"time\":0}]",
               "byte 30: log element 1 has no string \"out\"");
  expect_error("[{\"pos\":0,\"out\":5,\"time\":0}]",
               "byte 1: log element 0 has no string \"out\"");
  expect_error("[{\"pos\":1.5,\"out\":\"a\",\"time\":0}]",
               "byte 1: log element 0: \"pos\" is missing or not a "
               "non-negative integer");
  expect_error("[{\"pos\":-1,\"out\":\"a\",\"time\":0}]",
               "byte 1: log element 0: \"pos\" is missing or not a "
               "non-negative integer");
  expect_error("[{\"pos\":0,\"out\":\"a\",\"time\":\"3\"}]",
               "byte 1: log element 0: \"time\" is missing or not a "
               "non-negative integer");
  expect_error("[{\"pos\":0,\"out\":\"a\"}]",
               "byte 1: log element 0: \"time\" is missing or not a "
               "non-negative integer");
  expect_error("[{\"pos\":0,\"out\":\"a\",\"time\":0}] x",
               "byte 31: unexpected data after the log array");
  expect_error("[{\"pos\":0,\"out\":\"a\",\"time\":0}",
               "byte 29: log array ends before its ']'");
  expect_error("[{\"pos\":0,\"out\":\"a\",\"time\":0} {}]",
               "byte 30: expected ',' or ']' after log element 0");
  expect_error("[{\"pos\":0,\"out\":\"a\",\"time\":0},]",
               "byte 30: invalid JSON in log element 1");
  expect_error("[{\"pos\":0,\"out\":\"a\\u12\",\"time\":0}]",
               "byte 18: invalid JSON in log element 0");
  expect_error("[{\"pos\":0,\"out\":\"unterminated",
               "byte 17: invalid JSON in log element 0");
  expect_error("[\"x\"", "byte 1: log element 0 is not an object");
  expect_error("[", "byte 1: log array ends before its ']'");
  /* a raw NUL byte (not the escape) is refused */
  cf_steplog l;
  cf_err err;
  cf_err_clear(&err);
  CHECK_INT(cf_steplog_decode("[{\"p\0", 5, 100, &l, &err), -1);
  CHECK_STR(err.msg, "byte 4: NUL byte in log blob");
  cf_err_clear(&err);
  CHECK_INT(cf_steplog_decode("[1234567890]", 12, 5, &l, &err), -1);
  CHECK_STR(err.msg, "log blob of 12 bytes exceeds the limit of 5 bytes");
}

static int count_cb(void *user, const cf_log_line *line, const char *p,
                    const char *r) {
  int *n = user;
  (*n)++;
  CHECK(line->len == 0 || p[0] != '\0');
  CHECK(line->raw_len == 0 || r[0] != '\0');
  return *n == 2 ? 7 : 0; /* stop after the second line */
}

static void test_foreach(void) {
  cf_steplog l;
  cf_err err;
  CHECK_INT(dec("[{\"pos\":0,\"out\":\"a\\nb\\nc\\n\",\"time\":0}]", &l, &err),
            0);
  int n = 0;
  CHECK_INT(cf_steplog_foreach(&l, count_cb, &n), 7);
  CHECK_INT(n, 2);
  cf_steplog_free(&l);
}

CF_TEST_MAIN(T(test_runner_go_and_legacy_endings),
             T(test_last_line_without_newline), T(test_null_and_empty),
             T(test_split_line_is_one_line), T(test_several_lines_in_one_element),
             T(test_ansi_raw_and_plain), T(test_ansi_split_across_elements),
             T(test_carriage_returns), T(test_go_escapes),
             T(test_nul_and_surrogates), T(test_truncation), T(test_malformed),
             T(test_foreach))
