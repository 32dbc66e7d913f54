#!/usr/bin/env bash
# bench.sh: times `ciforensics analyze` against the reviewer's alternative
# (sqlite3 dumping every log blob into ripgrep with the rule library's
# patterns) and against the floor (sqlite3 reading every blob to /dev/null),
# on one database written by gen-drone.py. Prints every run, then the
# figures (medians) last. Timing is wall clock and CPU (user + sys) from
# /usr/bin/time; peak memory is the largest maximum resident set size of
# the analyze processes. See docs/performance.md.
#
# Usage: bench/bench.sh DIR [RUNS]
#   DIR     output of gen-drone.py (drone.sqlite, runs/, events.yaml,
#           manifest.txt)
#   RUNS    runs of (a) and (c) (default 5); RUNS_B (environment, default
#           RUNS) runs of (b), which is slow
#   CF_EXE  the ciforensics binary (default build/analyzer/cli/ciforensics)
#   RG_ENGINE  ripgrep engine for (b) (default auto: PCRE2, because some
#           patterns use look-around)
set -euo pipefail

dir=${1:?usage: bench.sh DIR [RUNS]}
runs=${2:-5}
runs_b=${RUNS_B:-$runs}
root=$(cd "$(dirname "$0")/.." && pwd)
exe=$(realpath "${CF_EXE:-$root/build/analyzer/cli/ciforensics}")
engine=${RG_ENGINE:-auto}
db=$dir/drone.sqlite
for f in "$db" "$dir/manifest.txt" "$dir/events.yaml"; do
  [ -e "$f" ] || { echo "bench.sh: $f: missing (run gen-drone.py first)" >&2; exit 1; }
done
[ -x "$exe" ] || { echo "bench.sh: $exe: not built (set CF_EXE)" >&2; exit 1; }
for p in sqlite3 rg /usr/bin/time python3; do
  command -v "$p" >/dev/null || { echo "bench.sh: $p not found" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$exe" rules list --patterns > "$work/patterns.txt"
log=$dir/bench-$(date -u +%Y%m%dT%H%M%SZ).log

# run NAME CMD...: one timed run; appends "name wall cpu maxrss_kb" to
# $work/times. A command's own failure aborts the benchmark, except for rg's
# "no match" (exit 1).
run() {
  local name=$1; shift
  /usr/bin/time -o "$work/t" -f "%e %U %S %M %x" "$@" > "$work/out" 2> "$work/err" || true
  read -r wall user sys rss code < <(tail -n 1 "$work/t")
  if [ "$code" != 0 ] && ! { [ "$name" = b ] && [ "$code" = 1 ]; }; then
    echo "bench.sh: run $name failed (exit $code):" >&2
    cat "$work/err" >&2
    exit 1
  fi
  echo "$name $wall $(awk "BEGIN{print $user + $sys}") $rss" >> "$work/times"
}

# (a) one analyze per repository, whole range, JSON to /dev/null
analyze_all() {
  local wall=0 cpu=0 rss=0
  : > "$work/times.a"
  while read -r slug runsdir range; do
    ( cd "$dir" && run a "$exe" analyze --db drone.sqlite --repo "$slug" --builds "$range" \
        --runs "$runsdir" --events events.yaml --format json -o /dev/null --quiet )
    tail -n 1 "$work/times" >> "$work/times.a"
  done < "$dir/manifest.txt"
  # sum wall and cpu over the repositories, max rss; replace the per-repo lines
  python3 - "$work/times.a" >> "$work/times.sum" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
print("a %.3f %.3f %d" % (sum(float(r[1]) for r in rows), sum(float(r[2]) for r in rows),
                          max(int(r[3]) for r in rows)))
EOF
}

: > "$work/times"
: > "$work/times.sum"
echo "bench: $exe on $db ($runs runs, $runs_b of b; rg engine $engine)" | tee "$log"
# warm the page cache once so every variant reads from memory
sqlite3 "$db" "SELECT log_data FROM logs" > /dev/null
for i in $(seq 1 "$runs"); do
  before=$(wc -l < "$work/times.sum")
  analyze_all
  run c sh -c "sqlite3 '$db' 'SELECT log_data FROM logs' > /dev/null"
  tail -n 1 "$work/times" >> "$work/times.sum"
  if [ "$i" -le "$runs_b" ]; then
    # one log element per line (tr splits the JSON blob at each '}'), as a
    # reviewer would: a blob is one multi-megabyte line, on which PCRE2's
    # match limit stops rg for patterns of the ^(?!.*x).*y kind
    run b sh -c "sqlite3 '$db' 'SELECT log_data FROM logs' | tr '}' '\\n' | rg --engine $engine -c -f '$work/patterns.txt'"
    tail -n 1 "$work/times" >> "$work/times.sum"
  fi
  tail -n +"$((before + 1))" "$work/times.sum" | sed "s/^/run $i: /" | tee -a "$log"
done

python3 - "$work/times.sum" "$db" "$(wc -l < "$work/patterns.txt")" <<'EOF' | tee -a "$log"
import sqlite3, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
con = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True)
nb = con.execute("SELECT COUNT(*) FROM builds").fetchone()[0]
nf = con.execute("SELECT COUNT(*) FROM builds WHERE build_status <> 'success'").fetchone()[0]
blob = con.execute("SELECT SUM(LENGTH(log_data)) FROM logs").fetchone()[0]
med = {}
for k in "abc":
    rs = [r for r in rows if r[0] == k]
    if rs:  # RUNS_B=0 leaves b out
        med[k] = (statistics.median(float(r[1]) for r in rs),
                  statistics.median(float(r[2]) for r in rs), len(rs))
rss = max(int(r[3]) for r in rows if r[0] == "a") / 1024.0
print("figures: %d builds (%d not successful), %.2f GB of log blobs, %s patterns"
      % (nb, nf, blob / 1e9, sys.argv[3]))
names = {"a": "ciforensics analyze", "b": "sqlite3 | rg -c -f", "c": "sqlite3 > /dev/null"}
for k in sorted(med):
    print("  %s %-22s wall %8.2f s  cpu %8.2f s  (median of %d)" % (k, names[k], med[k][0], med[k][1], med[k][2]))
if "b" in med:
    print("  a/b wall %.3f  cpu %.3f" % (med["a"][0] / med["b"][0], med["a"][1] / med["b"][1]))
print("  a/c wall %.3f  cpu %.3f" % (med["a"][0] / med["c"][0], med["a"][1] / med["c"][1]))
print("  a peak RSS %.1f MiB" % rss)
EOF
echo "log: $log"
