/*
 * cmd_junit.c: `ciforensics junit FILE... [--format text|json]` reads JUnit
 * XML reports and prints, per file, the counts and times (and, in JSON, every
 * testcase). Every file is read before anything is printed: if any file is
 * rejected, each rejected file gets an error line on stderr, nothing goes to
 * stdout, and the exit status is 1 (docs/artifacts.md).
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ciforensics/junit.h"
#include "cli.h"

static const char help[] =
    "usage: ciforensics junit FILE... [--format text|json]\n"
    "\n"
    "Read JUnit XML reports and print, per file, the number of testcases,\n"
    "failures, errors and skips, the sum of testcase times (negatives as 0)\n"
    "and the outermost suites' declared time. JSON adds every testcase with\n"
    "its suite, name, classname, time, timestamp, outcome and message.\n"
    "Each testcase has one outcome: error > failure > skipped > a status of\n"
    "disabled/notrun/skipped/ignored > pass; a suite-level <error> counts as\n"
    "one errored testcase. A file that is not well-formed, declares XML\n"
    "entities, or has another root than <testsuites>/<testsuite> is an error:\n"
    "nothing is printed and the exit status is 1.\n"
    "\n"
    "options:\n"
    "  --format text|json   output format (default text)\n"
    "  -h, --help           this text\n";

/* Seconds rounded to microseconds, so sums print without binary noise. */
static double round_us(double s) { return round(s * 1e6) / 1e6; }

/* "%.6f" without trailing zeros: 0.06 -> "0.06", 100 -> "100". */
static void put_secs(cf_buf *b, double s) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%.6f", round_us(s));
  char *dot = strchr(tmp, '.');
  if (dot) {
    char *e = tmp + strlen(tmp) - 1;
    while (e > dot && *e == '0') *e-- = '\0';
    if (e == dot) *e = '\0';
  }
  cf_buf_puts(b, tmp);
}

static void text_file(cf_buf *b, const cf_junit *j) {
  cf_buf_printf(b, "%s: %zu tests, %zu failures, %zu errors, %zu skipped; "
                "time ", j->path, j->tests, j->failures, j->errors, j->skipped);
  put_secs(b, j->time);
  cf_buf_puts(b, " s (testcases)");
  if (j->has_time_declared) {
    cf_buf_puts(b, ", ");
    put_secs(b, j->time_declared);
    cf_buf_puts(b, " s declared");
  }
  cf_buf_putc(b, '\n');
  for (size_t i = 0; i < j->n_cases; i++) {
    const cf_junit_case *c = &j->cases[i];
    if (c->outcome == CF_JUNIT_PASS) continue;
    cf_buf_printf(b, "  %-8s %s%s%s%s%s", cf_junit_outcome_name(c->outcome),
                  c->suite, *c->suite ? " / " : "", c->classname,
                  *c->classname && *c->name ? "." : "", c->name);
    if (c->message) cf_buf_printf(b, ": %s", c->message);
    cf_buf_putc(b, '\n');
  }
}

static cJSON *json_file(const cf_junit *j) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "file", j->path);
  cJSON_AddNumberToObject(o, "tests", (double)j->tests);
  cJSON_AddNumberToObject(o, "failures", (double)j->failures);
  cJSON_AddNumberToObject(o, "errors", (double)j->errors);
  cJSON_AddNumberToObject(o, "skipped", (double)j->skipped);
  cJSON_AddNumberToObject(o, "time", round_us(j->time));
  if (j->has_time_declared)
    cJSON_AddNumberToObject(o, "time_declared", round_us(j->time_declared));
  else
    cJSON_AddNullToObject(o, "time_declared");
  cJSON *cases = cJSON_AddArrayToObject(o, "testcases");
  for (size_t i = 0; i < j->n_cases; i++) {
    const cf_junit_case *c = &j->cases[i];
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "suite", c->suite);
    cJSON_AddStringToObject(t, "name", c->name);
    cJSON_AddStringToObject(t, "classname", c->classname);
    if (c->has_time)
      cJSON_AddNumberToObject(t, "time", round_us(c->time));
    else
      cJSON_AddNullToObject(t, "time");
    if (c->timestamp != CF_TIME_NONE) {
      char ts[CF_TIME_BUFSZ];
      cJSON_AddStringToObject(t, "timestamp",
                              cf_time_format(c->timestamp, ts, sizeof ts));
    } else {
      cJSON_AddNullToObject(t, "timestamp");
    }
    if (c->ts_no_zone) cJSON_AddTrueToObject(t, "timestamp_no_zone");
    cJSON_AddStringToObject(t, "outcome", cf_junit_outcome_name(c->outcome));
    if (c->message)
      cJSON_AddStringToObject(t, "message", c->message);
    else
      cJSON_AddNullToObject(t, "message");
    if (c->synthesized) cJSON_AddTrueToObject(t, "synthesized");
    cJSON_AddItemToArray(cases, t);
  }
  return o;
}

int cf_cmd_junit(int argc, char **argv) {
  static const struct option opts[] = {
      {"format", required_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  cf_format fmt = CF_FMT_TEXT;
  optind = 1;
  opterr = 0;
  int ch;
  while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (ch) {
    case 'f':
      if (cf_cli_format("junit", optarg, (1u << CF_FMT_TEXT) | (1u << CF_FMT_JSON), &fmt))
        return CF_EXIT_INPUT;
      break;
    case 'h':
      cf_cli_write(stdout, help);
      return CF_EXIT_OK;
    default: return cf_cli_bad_option("junit", ch, argv);
    }
  }
  if (optind >= argc)
    return cf_cli_error("junit: no FILE given (try 'ciforensics junit "
                        "--help')");
  size_t n = (size_t)(argc - optind);
  cf_junit *files = cf_xcalloc(n, sizeof *files);
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    cf_err err = {{0}};
    if (cf_junit_load(argv[optind + (int)i], &files[i], &err)) {
      cf_cli_error("%s", err.msg);
      bad = 1;
    }
  }
  if (!bad) {
    if (fmt == CF_FMT_JSON) {
      cJSON *root = cJSON_CreateObject();
      cJSON *arr = cJSON_AddArrayToObject(root, "files");
      for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, json_file(&files[i]));
      char *text = cJSON_Print(root);
      cf_buf b = {0};
      cf_buf_puts(&b, text);
      cf_buf_putc(&b, '\n');
      cf_cli_write(stdout, b.data);
      cf_buf_free(&b);
      cJSON_free(text);
      cJSON_Delete(root);
    } else {
      cf_buf b = {0};
      for (size_t i = 0; i < n; i++) text_file(&b, &files[i]);
      cf_cli_write(stdout, b.data);
      cf_buf_free(&b);
    }
  }
  for (size_t i = 0; i < n; i++) cf_junit_free(&files[i]);
  free(files);
  return bad ? CF_EXIT_INPUT : CF_EXIT_OK;
}
