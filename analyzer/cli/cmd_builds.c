/* cmd_builds.c: placeholder until its issue lands. */
#include "cli.h"

int cf_cmd_builds(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cf_cli_error("'builds' is not implemented yet") ? CF_EXIT_INTERNAL : 0;
}
