#!/bin/sh
# tests/run-program.sh: what tests run as $CF_EXE. Runs the built program
# ($CF_PROGRAM) with the same arguments; when CF_VALGRIND=1 (scripts/test sets
# it for its memcheck pass) under valgrind memcheck, so every test that drives
# the CLI as a separate process is checked too, not only the test binaries.
# exec keeps the pid, exit status, resource limits and signals the program's.
if [ "${CF_VALGRIND:-}" = 1 ]; then
  exec valgrind --quiet --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect \
    --suppressions="$(dirname "$0")/valgrind.supp" "$CF_PROGRAM" "$@"
fi
exec "$CF_PROGRAM" "$@"
