#!/usr/bin/env bash
# --cache through the program, on the ghost case: a warm rerun reads no log
# blob and gives byte-identical output; a changed build or rule set is
# recomputed (nothing stale is served); a damaged cache file is reported in
# the report's warnings and rebuilt. Counters come from CIFORENSICS_STATS.
set -euo pipefail
exe=${CF_EXE:?}
root=${CF_SOURCE_ROOT:?}
case_dir=$root/corpus/ghost-2026-06
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sqlite3 "$tmp/drone.sqlite" < "$case_dir/drone.sql"
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
stat_of() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$2"; }
run() { # run OUT STATS [extra args]
  local out=$1 st=$2; shift 2
  (cd "$case_dir" && CIFORENSICS_STATS=1 "$exe" analyze --db "$tmp/drone.sqlite" \
     --repo cc/recipe-ci --builds 515..612 --recipe ghost --runs runs --events events.yaml \
     --prs prs.json --target pr=4 --as-of 2026-06-13T06:38Z --format json \
     --cache "$tmp/cache.sqlite" "$@") > "$out" 2> "$st"
}

run "$tmp/cold.json" "$tmp/cold.err"
check '[ "$(stat_of blobs_read "$tmp/cold.err")" -gt 0 ]' "a cold run reads log blobs"
check '[ "$(stat_of cache_writes "$tmp/cold.err")" -eq 7 ]' "a cold run stores the 7 ghost builds"
run "$tmp/warm.json" "$tmp/warm.err"
check '[ "$(stat_of blobs_read "$tmp/warm.err")" -eq 0 ]' "a warm run reads no log blob"
check '[ "$(stat_of cache_hits "$tmp/warm.err")" -eq 7 ]' "a warm run hits 7 times"
check 'cmp -s "$tmp/cold.json" "$tmp/warm.json"' "warm output is byte-identical"
(cd "$case_dir" && "$exe" analyze --db "$tmp/drone.sqlite" --repo cc/recipe-ci --builds 515..612 \
   --recipe ghost --runs runs --events events.yaml --prs prs.json --target pr=4 \
   --as-of 2026-06-13T06:38Z --format json) > "$tmp/nocache.json"
check 'cmp -s "$tmp/cold.json" "$tmp/nocache.json"' "the cache never changes a report"

# a changed build (Drone bumps build_updated) is recomputed, the rest served
sqlite3 "$tmp/drone.sqlite" "UPDATE builds SET build_updated = build_updated + 1 WHERE build_number = 578"
run "$tmp/b.json" "$tmp/b.err"
check '[ "$(stat_of cache_hits "$tmp/b.err")" -eq 6 ]' "one changed build: 6 hits"
check '[ "$(stat_of blobs_read "$tmp/b.err")" -gt 0 ]' "the changed build's logs are read again"

# a changed rule set invalidates everything
mkdir "$tmp/rules" && cp "$root"/rules/*.yaml "$tmp/rules/"
printf '\n# changed\n' >> "$tmp/rules/host.yaml"
run "$tmp/r.json" "$tmp/r.err" --rules "$tmp/rules"
check '[ "$(stat_of cache_hits "$tmp/r.err")" -eq 0 ]' "changed rules: no hit"

# a changed --as-of is another variant: recomputed, not served
run "$tmp/a.json" "$tmp/a.err" --as-of 2026-06-13T06:14Z
check '[ "$(stat_of cache_hits "$tmp/a.err")" -eq 0 ]' "another review moment: no hit"
check 'grep -q "\"verdict\":[[:space:]]*\"running\"" "$tmp/a.json"' "as of 06:14 #612 is running"

# a damaged cache file (sqlite's header, then garbage) is reported and rebuilt
{ printf 'SQLite format 3\000'; head -c 4096 /dev/urandom; } > "$tmp/cache.sqlite"
run "$tmp/d.json" "$tmp/d.err"
check 'grep -q "cache ignored and rebuilt" "$tmp/d.json"' "a damaged cache is reported"
run "$tmp/d2.json" "$tmp/d2.err"
check '[ "$(stat_of cache_hits "$tmp/d2.err")" -eq 7 ]' "and works again after the rebuild"

# never an input
if (cd "$case_dir" && "$exe" analyze --db "$tmp/drone.sqlite" --repo cc/recipe-ci --builds 515..612 \
      --cache "$tmp/drone.sqlite" > "$tmp/x.out" 2> "$tmp/x.err"); then
  echo "FAIL: --cache naming the database must be refused"; fail=1
fi
check 'grep -q "is an input file" "$tmp/x.err"' "the refusal names the reason"

[ $fail -eq 0 ] && echo "ok: cache through the CLI"
exit $fail
