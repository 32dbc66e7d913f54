/* cmd_analyze.c: placeholder until its issue lands. */
#include "cli.h"

int cf_cmd_analyze(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cf_cli_error("'analyze' is not implemented yet") ? CF_EXIT_INTERNAL : 0;
}
