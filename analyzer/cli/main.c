/*
 * main.c: dispatches `ciforensics <subcommand>`; each subcommand parses its
 * own options (cmd_*.c). Exit statuses: util.h enum cf_exit.
 */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cf_config.h"
#include "ciforensics/redact.h"
#include "cli.h"

static const char usage[] =
    "usage: ciforensics <command> [options]\n"
    "\n"
    "Forensic analysis of failed Drone CI builds: for every failed build in a\n"
    "range, decide whether the recipe, a load-sensitive race (timing) or broken\n"
    "infrastructure caused it, and write numbered findings with evidence.\n"
    "\n"
    "commands:\n"
    "  analyze   analyse a build range and write the report (md or json)\n"
    "  builds    list the builds of a range with what each tested\n"
    "  show      one build: stages, steps, logs, artifacts\n"
    "  rules     test|lint|list|scan the rule library\n"
    "  junit     read JUnit XML files and print their counts\n"
    "\n"
    "`ciforensics <command> --help` describes each command; see also\n"
    "ciforensics(1) and docs/user-guide.md.\n";

int main(int argc, char **argv) {
  cf_set_argv0(argv[0]);
  /* The statistics check their arguments before calling GSL; should one
   * slip through, a GSL error must not abort the whole report. */
  gsl_set_error_handler_off();
  if (argc < 2) {
    fputs(usage, stderr);
    return CF_EXIT_INPUT;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage, stdout);
    return CF_EXIT_OK;
  }
  if (!strcmp(cmd, "--version")) {
    printf("ciforensics %s\n", CF_VERSION);
    return CF_EXIT_OK;
  }
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {
      {"analyze", cf_cmd_analyze}, {"builds", cf_cmd_builds},
      {"show", cf_cmd_show},       {"rules", cf_cmd_rules},
      {"junit", cf_cmd_junit},
  };
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(cmd, cmds[i].name)) {
      int rc = cmds[i].fn(argc - 1, argv + 1);
      cf_redact_cleanup();
      return rc;
    }
  cf_cli_error("unknown command '%s' (try 'ciforensics --help')", cmd);
  return CF_EXIT_INPUT;
}
