/* cmd_rules.c: placeholder until its issue lands. */
#include "cli.h"

int cf_cmd_rules(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cf_cli_error("'rules' is not implemented yet") ? CF_EXIT_INTERNAL : 0;
}
