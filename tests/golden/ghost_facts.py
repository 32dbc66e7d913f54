#!/usr/bin/env python3
"""The ghost review's conclusions (scenario-ghost.md), asserted on live output
of `ciforensics analyze --demo --format json` at three review moments, so a
regenerated golden file can never quietly carry a wrong verdict."""
import json, os, subprocess, sys

exe = os.environ["CF_EXE"]
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)

def run(as_of):
    out = subprocess.run([exe, "analyze", "--demo", "--format", "json", "--as-of", as_of],
                         capture_output=True, text=True)
    check(out.returncode == 0, f"{as_of}: exit {out.returncode}: {out.stderr}")
    return json.loads(out.stdout)

def kinds(r):
    return [f["kind"] for f in r["findings"]]

r = run("2026-06-13T06:38Z")
verdicts = {b["number"]: b["verdict"] for b in r["builds"]}
expected = {515: "infra", 517: "infra", 519: "infra", 557: "infra", 578: "timing",
            585: "pass", 612: "pass"}
check(verdicts == expected, f"06:38 verdicts {verdicts} != {expected}")
check(r["verdict"]["operator_ready"] is True and r["verdict"]["build"] == 612,
      f"06:38 verdict {r['verdict']}")
by = {b["number"]: b for b in r["builds"]}
check(by[612]["genuine"] is True, "#612 genuine")
check(by[578]["load_elevated"] is True and by[578]["load"] == 4, "#578 load 4, elevated")
check(by[585]["load"] == 1, "#585 load 1")
for n in (519, 557, 578):
    check(any(x["rule"] == "swarm-vip-exhaustion" for x in by[n]["ruled_out"]),
          f"#{n}: VIP exhaustion ruled out (task table printed, no task in New)")
    check(by[n]["failed_tier"] == "upgrade", f"#{n} failed in upgrade")
for n in (515, 517):
    check(by[n]["failed_tier"] == "install", f"#{n} failed in install")
fm = [f for f in r["findings"] if f["kind"] == "failure-mode" and 578 in f["builds"]]
check(len(fm) == 1 and fm[0]["builds"] == [519, 557, 578] and fm[0]["class"] == "timing",
      "one failure-mode finding: #519 #557 #578, timing")
wt = [f for f in r["findings"] if f["kind"] == "wrong-target"]
check(len(wt) == 1 and wt[0]["builds"] == [585], "#585 is on the wrong target")
check("evidence-gap" not in kinds(r), "06:38: no evidence gap")
ls = [f for f in r["findings"] if f["kind"] == "load-sensitive"]
check(len(ls) == 1 and ls[0]["stats"].get("suggestive") is True, "load-sensitive, suggestive")
sp = [f for f in r["findings"] if f["kind"] == "stale-pr"]
check(len(sp) == 1 and sp[0]["prs"] == [5], "PR #5 stale, PR #4 not")
check("hygiene" in kinds(r) and "genuine-pass" in kinds(r), "hygiene and genuine-pass present")

r = run("2026-06-13T06:10Z")
check(r["verdict"]["operator_ready"] is False, "06:10 not operator-ready")
check("evidence-gap" in kinds(r), "06:10 evidence gap")
check(612 not in [b["number"] for b in r["builds"]], "06:10: #612 does not exist yet")

r = run("2026-06-13T06:20Z")  # the reviewer's F3 said no post-fix run: wrong
check("evidence-gap" not in kinds(r), "06:20: a post-fix run exists, no gap")
gp = [f for f in r["findings"] if f["kind"] == "genuine-pass"]
check(len(gp) == 1 and gp[0]["builds"] == [612], "06:20: #612 is the post-fix pass")

r = run("2026-06-13T06:14Z")
running = [b for b in r["builds"] if b["number"] == 612]
check(running and running[0]["verdict"] == "running", "06:14: #612 running")
check("evidence-gap" in kinds(r), "06:14: gap while #612 runs")

for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: ghost facts ({len(failures)} failures)")
sys.exit(1 if failures else 0)
