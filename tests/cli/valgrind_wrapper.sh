#!/usr/bin/env bash
# valgrind_wrapper.sh LEAKY: checks tests/run-program.sh, the command every
# test runs as $CF_EXE. Without CF_VALGRIND it runs the program as is (exit
# status passed through); with CF_VALGRIND=1 (scripts/test's memcheck pass)
# it must run it under valgrind, which fails a leaking program with 99.
set -u
leaky=$1
want=0
[ "${CF_VALGRIND:-}" = 1 ] && want=99
# (ASan, in the sanitizer build, would report the leak itself: not asked here)
ASAN_OPTIONS=detect_leaks=0 CF_PROGRAM=$leaky "$CF_EXE" >/dev/null 2>&1
got=$?
if [ "$got" -ne "$want" ]; then
  echo "FAIL: run-program.sh on a leaking program: exit $got, want $want (CF_VALGRIND=${CF_VALGRIND:-unset})"
  exit 1
fi
# the real program's exit status comes through unchanged
"$CF_EXE" analyze --no-such-option >/dev/null 2>&1
got=$?
[ "$got" -eq 1 ] || { echo "FAIL: bad usage through run-program.sh: exit $got, want 1"; exit 1; }
echo "ok: exit $want on a leaking program, 1 on bad usage"
