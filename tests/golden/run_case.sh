#!/usr/bin/env bash
# run_case.sh CASE_DIR: one regression case (corpus/<case>/). Builds the
# case's drone.sql into a sqlite file in a temp dir, runs `ciforensics` with
# the case's `args` (one argument per line; paths relative to the case
# folder), and compares with report.json / report.md (version masked).
# A case may hold variants: `args-NAME` is compared with report-NAME.json and
# report-NAME.md (e.g. the same range replayed at another --as-of),
# printing the diff on mismatch. Also checks that a second run gives
# byte-identical output and that the database was not written to.
# With CF_UPDATE_GOLDEN=1 it writes the expected files instead.
set -euo pipefail
case_dir=$(cd "$1" && pwd)
exe=${CF_EXE:?CF_EXE must point at the ciforensics program}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sqlite3 "$tmp/drone.sqlite" < "$case_dir/drone.sql"
status=0
for argfile in "$case_dir"/args "$case_dir"/args-*; do
[ -f "$argfile" ] || continue
suffix=${argfile##*/args}
mapfile -t args < <(grep -v '^[[:space:]]*\(#\|$\)' "$argfile")
for i in "${!args[@]}"; do
  [ "${args[$i]}" = "drone.sqlite" ] && args[$i]="$tmp/drone.sqlite"
done
before=$(sha256sum "$tmp/drone.sqlite" | cut -d' ' -f1)
mtime=$(stat -c %Y "$tmp/drone.sqlite")

mask() { sed -E 's/("version": *")[^"]*"/\1VERSION"/; s/ciforensics [0-9][0-9.]*[^ ]*\.$/ciforensics VERSION./'; }

run() { # run FORMAT OUT
  local fmt=$1 out=$2 rc=0
  local a=("${args[@]}")
  # the args name one format; replace it
  for i in "${!a[@]}"; do
    if [ "${a[$i]}" = "--format" ]; then a[$((i+1))]=$fmt; fi
  done
  (cd "$case_dir" && "$exe" "${a[@]}") > "$out.raw" 2> "$tmp/stderr" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: ciforensics exited $rc for ${case_dir##*/} ($fmt):"; cat "$tmp/stderr"; exit 1
  fi
  mask < "$out.raw" > "$out"
}

grep -q -- '--format' "$argfile" || { echo "FAIL: $argfile must name --format"; exit 1; }
run json "$tmp/report.json"
run md "$tmp/report.md"
run json "$tmp/report2.json"
if ! cmp -s "$tmp/report.json" "$tmp/report2.json"; then
  echo "FAIL: two runs gave different JSON (not deterministic)"; diff "$tmp/report.json" "$tmp/report2.json" | head -20; status=1
fi
if [ "$(sha256sum "$tmp/drone.sqlite" | cut -d' ' -f1)" != "$before" ] || [ "$(stat -c %Y "$tmp/drone.sqlite")" != "$mtime" ]; then
  echo "FAIL: the database was modified"; status=1
fi
if [ "${CF_UPDATE_GOLDEN:-}" = 1 ]; then
  cp "$tmp/report.json" "$case_dir/report$suffix.json"
  cp "$tmp/report.md" "$case_dir/report$suffix.md"
  echo "updated ${case_dir##*/}/report$suffix.{json,md}"
  continue
fi
for ext in json md; do
  f="report$suffix.$ext"
  if [ ! -f "$case_dir/$f" ]; then echo "FAIL: $case_dir/$f missing (CF_UPDATE_GOLDEN=1 writes it)"; status=1; continue; fi
  if ! diff -u "$case_dir/$f" "$tmp/report.$ext"; then echo "FAIL: ${case_dir##*/}/$f differs (diff above: - expected, + got)"; status=1; fi
done
[ $status -eq 0 ] && echo "ok ${case_dir##*/}${suffix}"
done
exit $status
