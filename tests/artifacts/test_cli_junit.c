/* Tests of `ciforensics junit` run as a program ($CF_EXE): text and JSON
 * output, a rejected file (exit 1, nothing on stdout), usage errors and
 * --help. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "ciforensics/util.h"

typedef struct result {
  int status;
  char *out, *err;
} result;

static char data_dir[4096];

/* Run "$CF_EXE junit ARGS" (args are trusted test text). */
static result run(const char *args) {
  result r = {-1, NULL, NULL};
  char errpath[] = "/tmp/cf_cli_junit_XXXXXX";
  int fd = mkstemp(errpath);
  if (fd < 0) return r;
  close(fd);
  cf_buf cmd = {0};
  cf_buf_printf(&cmd, "cd '%s' && '%s' junit %s 2>'%s'", data_dir,
                getenv("CF_EXE"), args, errpath);
  FILE *p = popen(cmd.data, "r");
  cf_buf out = {0};
  char chunk[4096];
  size_t n;
  cf_buf_puts(&out, "");
  while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
    cf_buf_append(&out, chunk, n);
  int st = p ? pclose(p) : -1;
  r.status = st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = cf_buf_steal(&out);
  size_t len;
  cf_err e = {{0}};
  if (cf_read_file(errpath, 1 << 20, &r.err, &len, &e)) r.err = cf_xstrdup("");
  unlink(errpath);
  cf_buf_free(&cmd);
  return r;
}

static void done(result *r) {
  free(r->out);
  free(r->err);
}

static void text_output(void) {
  result r = run("install.xml upgrade.xml");
  CHECK_INT(r.status, 0);
  CHECK_STR(r.out,
            "install.xml: 2 tests, 0 failures, 0 errors, 0 skipped; time 51 s "
            "(testcases), 51.2 s declared\n"
            "upgrade.xml: 2 tests, 0 failures, 0 errors, 0 skipped; time 45 s "
            "(testcases), 45.2 s declared\n");
  CHECK_STR(r.err, "");
  done(&r);
}

static void json_output(void) {
  result r = run("--format json install.xml");
  CHECK_INT(r.status, 0);
  cJSON *root = cJSON_Parse(r.out);
  CHECK(root != NULL);
  const cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "files"), 0);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(f, "file")),
            "install.xml");
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(f, "tests")) == 2);
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(f, "failures")) == 0);
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(f, "time")) == 51);
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(f, "time_declared")) == 51.2);
  const cJSON *c =
      cJSON_GetArrayItem(cJSON_GetObjectItem(f, "testcases"), 1);
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "name")),
            "test_health_ok");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "classname")),
            "tests.ghost.test_install");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "suite")), "pytest");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "timestamp")),
            "2026-06-13T06:13:02Z");
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(c, "timestamp_no_zone")));
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "outcome")), "pass");
  CHECK(cJSON_IsNull(cJSON_GetObjectItem(c, "message")));
  cJSON_Delete(root);
  /* byte-identical on a second run */
  result again = run("--format json install.xml");
  CHECK_STR(again.out, r.out);
  done(&again);
  done(&r);
}

static void rejected_file(void) {
  char bad[] = "/tmp/cf_bad_junit_XXXXXX";
  int fd = mkstemp(bad);
  CHECK(fd >= 0);
  const char *xml = "<!DOCTYPE t [<!ENTITY x \"y\">]><testsuite/>";
  CHECK(write(fd, xml, strlen(xml)) == (ssize_t)strlen(xml));
  close(fd);
  cf_buf args = {0};
  cf_buf_printf(&args, "install.xml '%s' --format json", bad);
  result r = run(args.data);
  CHECK_INT(r.status, 1);
  CHECK_STR(r.out, ""); /* no partial output */
  cf_buf want = {0};
  cf_buf_printf(&want, "ciforensics: %s: XML entity declarations are not "
                "accepted (possible XXE or entity expansion)\n", bad);
  CHECK_STR(r.err, want.data);
  done(&r);
  unlink(bad);
  r = run("no-such.xml");
  CHECK_INT(r.status, 1);
  CHECK_CONTAINS(r.err, "ciforensics: no-such.xml: cannot open");
  done(&r);
  cf_buf_free(&args);
  cf_buf_free(&want);
}

static void usage(void) {
  result r = run("");
  CHECK_INT(r.status, 1);
  CHECK_STR(r.err, "ciforensics: junit: no FILE given (try 'ciforensics "
                   "junit --help')\n");
  done(&r);
  r = run("--format md install.xml");
  CHECK_INT(r.status, 1);
  CHECK_STR(r.err, "ciforensics: junit: --format 'md': expected text or json\n");
  CHECK_STR(r.out, "");
  done(&r);
  r = run("install.xml --format");
  CHECK_INT(r.status, 1);
  CHECK_STR(r.err, "ciforensics: junit: option '--format' needs a value\n");
  CHECK_STR(r.out, "");
  done(&r);
  r = run("--frobnicate install.xml");
  CHECK_INT(r.status, 1);
  CHECK_CONTAINS(r.err, "junit: unknown option '--frobnicate' (try 'ciforensics junit --help')");
  done(&r);
  r = run("--help");
  CHECK_INT(r.status, 0);
  CHECK_CONTAINS(r.out, "usage: ciforensics junit FILE... [--format text|json]");
  done(&r);
}

int main(int argc, char **argv) {
  const char *root = getenv("CF_SOURCE_ROOT");
  if (!getenv("CF_EXE") || !root) {
    printf("skip: CF_EXE and CF_SOURCE_ROOT are set by meson test\n");
    return 77;
  }
  snprintf(data_dir, sizeof data_dir, "%s/tests/artifacts/data/ghost-612",
           root);
  static const cf_test_case cases[] = {T(text_output), T(json_output),
                                       T(rejected_file), T(usage),
                                       {NULL, NULL}};
  return cf_run_tests(cases, argc, argv);
}
