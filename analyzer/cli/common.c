/*
 * common.c: what every subcommand shares: redacted messages and output,
 * and parsers for option values.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ciforensics/redact.h"
#include "cli.h"

static void emit(FILE *f, const char *prefix, const char *fmt, va_list ap) {
  cf_buf b = {0};
  cf_buf_puts(&b, prefix);
  cf_buf_vprintf(&b, fmt, ap);
  cf_buf_putc(&b, '\n');
  char *safe = cf_redact(b.data, NULL);
  fputs(safe, f);
  free(safe);
  cf_buf_free(&b);
}

int cf_cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(stderr, "ciforensics: ", fmt, ap);
  va_end(ap);
  return CF_EXIT_INPUT;
}

void cf_cli_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit(stderr, "ciforensics: warning: ", fmt, ap);
  va_end(ap);
}

void cf_cli_write(FILE *out, const char *text) {
  char *safe = cf_redact(text, NULL);
  fputs(safe, out);
  free(safe);
}

int cf_cli_format(const char *cmd, const char *value, unsigned allowed, cf_format *out) {
  static const char *names[] = {"text", "md", "json"};
  for (int i = 0; i < 3; i++)
    if ((allowed & (1u << i)) && !strcmp(value, names[i])) {
      *out = (cf_format)i;
      return 0;
    }
  if ((allowed & (1u << CF_FMT_MD)) && !strcmp(value, "markdown")) {
    *out = CF_FMT_MD;
    return 0;
  }
  return cf_cli_error("%s: --format '%s': expected %s or json", cmd, value,
                      (allowed & (1u << CF_FMT_MD)) ? "md" : "text");
}

static int parse_num(const char *s, size_t n, long *out) {
  if (n == 0 || n > 18) return -1;
  long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

static int parse_range(const char *value, long *from, long *to) {
  const char *dots = strstr(value, "..");
  if (!dots) {
    if (parse_num(value, strlen(value), from)) return -1;
    *to = *from;
    return 0;
  }
  size_t left = (size_t)(dots - value);
  const char *right = dots + 2;
  *from = 0;
  *to = LONG_MAX;
  if (left && parse_num(value, left, from)) return -1;
  if (*right && parse_num(right, strlen(right), to)) return -1;
  if (!left && !*right) return -1;
  return *from <= *to ? 0 : -1;
}

int cf_cli_range(const char *cmd, const char *value, long *from, long *to) {
  if (!parse_range(value, from, to)) return 0;
  return cf_cli_error("%s: --builds '%s': expected A..B, A.., ..B or N", cmd, value);
}

int cf_cli_time(const char *cmd, const char *option, const char *value, cf_time *out) {
  if (!cf_time_parse(value, out, NULL)) return 0;
  return cf_cli_error("%s: --%s '%s': expected an ISO 8601 time or Unix seconds", cmd,
                      option, value);
}

int cf_cli_bad_option(const char *cmd, int c, char **argv) {
  if (c == ':') return cf_cli_error("%s: option '%s' needs a value", cmd, argv[optind - 1]);
  return cf_cli_error("%s: unknown option '%s' (try 'ciforensics %s --help')", cmd,
                      argv[optind - 1], cmd);
}
