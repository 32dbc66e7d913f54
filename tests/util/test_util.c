/* Unit tests for analyzer/util: times, buffers, errors, files. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
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

/* Files that are not regular: a FIFO without a writer must not block (the
 * test would hang on the old fopen), an empty pipe is an error, a directory
 * and a device are named as such; a pipe with a writer is read. */
static void read_file_special(void) {
  cf_err e = {{0}};
  char *data = NULL;
  size_t len = 0;
  char dir[] = "/tmp/cf_test_util_dir_XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char fifo[64];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  CHECK(mkfifo(fifo, 0600) == 0);
  CHECK(cf_read_file(fifo, 100, &data, &len, &e) != 0);
  CHECK_CONTAINS(e.msg, "gave no data");
  cf_err_clear(&e);
  CHECK(cf_read_file(dir, 100, &data, &len, &e) != 0);
  CHECK_CONTAINS(e.msg, "is a directory");
  cf_err_clear(&e);
  CHECK(cf_read_file("/dev/zero", 100, &data, &len, &e) != 0);
  CHECK_CONTAINS(e.msg, "not a regular file");
  cf_err_clear(&e);
  int p[2];
  CHECK(pipe(p) == 0);
  CHECK(write(p[1], "piped", 5) == 5);
  close(p[1]);
  char via[32];
  snprintf(via, sizeof via, "/dev/fd/%d", p[0]);
  CHECK(cf_read_file(via, 100, &data, &len, &e) == 0);
  CHECK_INT(len, 5);
  CHECK_STR(data, "piped");
  free(data);
  close(p[0]);
  unlink(fifo);
  rmdir(dir);
}

CF_TEST_MAIN(T(time_forms), T(time_bad), T(time_no_zone_flag), T(time_format),
             T(buffers), T(errors_keep_first), T(read_file_limits), T(read_file_special))
