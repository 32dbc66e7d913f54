/* Unit tests for analyzer/util: times, buffers, errors, files. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "ciforensics/util.h"

static cf_time t(const char *s) {
  cf_time v = 0;
  return cf_time_parse(s, &v, NULL) ? -1 : v;
}

static void time_forms(void) {
  /* 2026-06-13T05:38:00Z = 1781329080 (date -u -d ... +%s) */
  CHECK_INT(t("2026-06-13T05:38Z"), 1781329080);
  CHECK_INT(t("2026-06-13T05:38:00Z"), 1781329080);
  CHECK_INT(t("2026-06-13T05:38:00.250Z"), 1781329080);
  CHECK_INT(t("2026-06-13 05:38:00Z"), 1781329080);
  CHECK_INT(t("2026-06-13T07:38:00+02:00"), 1781329080);
  CHECK_INT(t("2026-06-13T04:38:00-0100"), 1781329080);
  CHECK_INT(t("1781329080"), 1781329080);
  CHECK_INT(t("2026-06-13"), 1781308800);
  CHECK_INT(t("1970-01-01T00:00:00Z"), 0);
  CHECK_INT(t("2000-02-29T00:00:00Z"), 951782400);
}

static void time_bad(void) {
  cf_time v;
  CHECK(cf_time_parse("", &v, NULL) != 0);
  CHECK(cf_time_parse("yesterday", &v, NULL) != 0);
  CHECK(cf_time_parse("2026-13-01T00:00Z", &v, NULL) != 0);
  CHECK(cf_time_parse("2026-02-30T00:00Z", &v, NULL) != 0);
  CHECK(cf_time_parse("2026-06-13T25:00Z", &v, NULL) != 0);
  CHECK(cf_time_parse("2026-06-13T05:38Zjunk", &v, NULL) != 0);
}

static void time_no_zone_flag(void) {
  cf_time v;
  int nz = 0;
  CHECK(cf_time_parse("2026-06-13T05:38:00", &v, &nz) == 0);
  CHECK_INT(nz, 1);
  CHECK_INT(v, 1781329080);
  CHECK(cf_time_parse("2026-06-13T05:38:00Z", &v, &nz) == 0);
  CHECK_INT(nz, 0);
}

static void time_format(void) {
  char buf[CF_TIME_BUFSZ];
  CHECK_STR(cf_time_format(1781329080, buf, sizeof buf), "2026-06-13T05:38:00Z");
  CHECK_STR(cf_time_format(CF_TIME_NONE, buf, sizeof buf), "-");
}

static void buffers(void) {
  cf_buf b = {0};
  cf_buf_printf(&b, "%d-%s", 42, "x");
  cf_buf_putc(&b, '!');
  CHECK_STR(b.data, "42-x!");
  CHECK_INT(b.len, 5);
  char *s = cf_buf_steal(&b);
  CHECK_STR(s, "42-x!");
  CHECK(b.data == NULL);
  free(s);
}

static void errors_keep_first(void) {
  cf_err e = {{0}};
  CHECK(cf_err_set(&e, "first %d", 1) == -1);
  cf_err_set(&e, "second");
  CHECK_STR(e.msg, "first 1");
  cf_err_clear(&e);
  CHECK_STR(e.msg, "");
}

static void read_file_limits(void) {
  cf_err e = {{0}};
  char *data;
  size_t len;
  CHECK(cf_read_file("/nonexistent/x", 100, &data, &len, &e) != 0);
  CHECK_CONTAINS(e.msg, "/nonexistent/x");
  cf_err_clear(&e);
  char path[] = "/tmp/cf_test_util_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  CHECK(write(fd, "hello", 5) == 5);
  close(fd);
  CHECK(cf_read_file(path, 4, &data, &len, &e) != 0); /* over the bound */
  CHECK_CONTAINS(e.msg, "limit");
  cf_err_clear(&e);
  CHECK(cf_read_file(path, 5, &data, &len, &e) == 0);
  CHECK_INT(len, 5);
  CHECK_STR(data, "hello");
  free(data);
  unlink(path);
}

CF_TEST_MAIN(T(time_forms), T(time_bad), T(time_no_zone_flag), T(time_format),
             T(buffers), T(errors_keep_first), T(read_file_limits))
