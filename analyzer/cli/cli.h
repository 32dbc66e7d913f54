/*
 * cli.h: the subcommands and what they share (option values, errors,
 * output). Only cli/ prints; everything it prints goes through the redactor.
 */
#ifndef CF_CLI_H
#define CF_CLI_H

#include <stdio.h>

#include "ciforensics/util.h"

int cf_cmd_analyze(int argc, char **argv);
int cf_cmd_builds(int argc, char **argv);
int cf_cmd_show(int argc, char **argv);
int cf_cmd_rules(int argc, char **argv);
int cf_cmd_junit(int argc, char **argv);

/* "ciforensics: <message>" on stderr, redacted. Returns CF_EXIT_INPUT. */
int cf_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning on stderr, redacted; never changes the exit status. */
void cf_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write text to out after redaction. */
void cf_cli_write(FILE *out, const char *text);

/* Option values. Each returns 0, or prints one message naming the
 * subcommand cmd, the option and the value ("builds: --format 'x':
 * expected text or json") and returns CF_EXIT_INPUT. */
typedef enum { CF_FMT_TEXT, CF_FMT_MD, CF_FMT_JSON } cf_format;
/* --format VALUE; allowed is a mask of (1 << cf_format). */
int cf_cli_format(const char *cmd, const char *value, unsigned allowed, cf_format *out);
/* --builds: "A..B", "A..", "..B" or "N" (inclusive); missing ends become
 * 0 / LONG_MAX. */
int cf_cli_range(const char *cmd, const char *value, long *from, long *to);
/* --since/--until and the like: ISO 8601 or Unix seconds. */
int cf_cli_time(const char *cmd, const char *option, const char *value, cf_time *out);
/* What getopt_long returned for an option the subcommand does not take:
 * ':' (optstring starts with ':') is an option without its value, anything
 * else an unknown option. Prints the message, returns CF_EXIT_INPUT. */
int cf_cli_bad_option(const char *cmd, int c, char **argv);

#endif
