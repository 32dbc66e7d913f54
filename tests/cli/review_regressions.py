#!/usr/bin/env python3
"""Regressions from an exploratory review (commit ffce52a), each on a small
generated Drone world (scripts/casegen.py, written to a temp dir):
a coverage.xml beside the JUnit files is noted, not an input problem; an
--as-of before every build is an error; a PR target no build tested says so;
a failing step without a log row or with an empty log is named; passes
without a load figure do not turn timing into recipe; a fix scoped to one
machine is not named for a run on another; a load finding across machines
gives no p-value, and the Mann-Whitney test is two-sided."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
from cfhelp import ROOT, check, finish, need_exe, one_line_error, rmtree, run, tmpdir  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts"))
import casegen as C  # noqa: E402

need_exe()
T = tmpdir()
CI_SHA = C.hexid("review-regressions/ci")
T0 = C.ts("2027-06-01T06:00:00Z")
STEP = 40 * 60  # builds 40 min apart: load windows never overlap


def tested(pr, label):
    return dict(sha=C.hexid("mumble/%s" % label), pr=pr, version="0.3.1+v1.5.634",
                prev="0.3.0+v1.5.517")


def fails(log, S, run, step_start):
    """A failing install tier whose error line no rule knows."""
    log.line(S + 0.7, "[harness] abra app deploy mumble --chaos --no-input")
    log.line(S + 20, "[harness] ERROR mumble_app widget frobnication did not settle after 90 s")
    return S + 20, "AssertionError: widget frobnication did not settle"


def mk(number, i, t, outcome="P", machine="ci-1", runs=True):
    tiers = C.pass_plan(90)
    if outcome == "F":
        tiers["install"] = ("fail", fails)
    return C.Run(number, "mumble", C.iso(T0 + i * STEP), t, tiers, machine=machine, runs=runs)


def case(name, runs, files=None, sql=()):
    """Write the case; returns (folder, runs by number). files(runs by number)
    gives the extra files; sql edits the database."""
    runs = C.build_all(runs, CI_SHA, "harness: review fixtures")
    by = {r.number: r for r in runs}
    out = os.path.join(T, name)
    probs = C.write_case(out, runs, files(by) if files else {}, 100, 5000,
                         "2027-01-01T00:00:00Z")
    assert not probs, probs
    con = sqlite3.connect(os.path.join(out, "drone.sqlite"))
    with open(os.path.join(out, "drone.sql"), encoding="utf-8") as f:
        con.executescript(f.read())
    for q in sql:
        con.execute(*q)
    con.commit()
    con.close()
    return out, by


def test_log(number):
    return ("SELECT st.step_id FROM steps st JOIN stages s ON st.step_stage_id = s.stage_id "
            "JOIN builds b ON s.stage_build_id = b.build_id "
            "WHERE b.build_number = %d AND st.step_name = 'test'" % number)


def analyze(out, builds, *extra):
    r = run(["analyze", "--db", os.path.join(out, "drone.sqlite"), "--repo", C.CI_SLUG,
             "--builds", builds, "--runs", os.path.join(out, "runs"), "--format", "json"] +
            list(extra))
    try:
        return r, json.loads(r.text) if r.rc == 0 else None
    except ValueError:
        return r, None


def build(doc, n):
    return [b for b in doc["builds"] if b["number"] == n][0]


def load_csv(by, loads):
    """node_load1 rows: loads[n] over build n's window (+-5 min), 0.8 between,
    for each machine that has a figure."""
    rows = ["time,value,machine"]
    lo = min(r.started for r in by.values()) - 1800
    hi = max(r.finished for r in by.values()) + 1800
    for m in sorted({by[n].machine for n in loads}):
        for t in range(lo - lo % 60, hi, 60):
            v = 0.8
            for n, load in loads.items():
                r = by[n]
                if r.machine == m and r.started - 300 <= t < r.finished + 300:
                    v = load
            rows.append("%s,%.2f,%s" % (C.iso(t), v, m))
    return "\n".join(rows) + "\n"


# ---- a..d: one pass with a coverage.xml, a failure without a log row, one with an empty log
main = tested(None, "main")
out, by = case("basics", [mk(101, 0, main), mk(102, 1, main, "F", runs=False),
                          mk(103, 2, main, "F", runs=False)],
               sql=[("DELETE FROM logs WHERE log_id = (%s)" % test_log(102),),
                    ("UPDATE logs SET log_data = CAST('[]' AS BLOB) WHERE log_id = (%s)"
                     % test_log(103),)])
with open(os.path.join(out, "runs", "101", "coverage.xml"), "w") as f:
    f.write('<?xml version="1.0" ?>\n<coverage version="7.5.3" line-rate="0.915">'
            '<sources><source>/drone/src/tests</source></sources><packages/></coverage>\n')
r, doc = analyze(out, "101..103", "--target", "pr=99")
if check(doc is not None, "basics: a JSON report", r):
    b = build(doc, 101)
    check(b["verdict"] == "pass" and b.get("genuine") is True and
          not [p for p in doc["input_problems"] if "coverage.xml" in p["file"]] and
          [n for n in b.get("notes", []) if "coverage.xml: not a JUnit report" in n],
          "a: coverage.xml beside the JUnit files: still a genuine pass, no input problem, "
          "a note that it is not a JUnit report",
          (b["verdict"], b.get("genuine"), b["reasons"], b.get("notes"), doc["input_problems"]))
    v = doc["verdict"]
    check("no build in the range tested it" in v["reason"] and
          [f for f in doc["findings"] if f["kind"] == "evidence-gap" and
           f["title"] == "No build in the range tested PR #99"],
          "c: --target pr=99 that no build tested: the verdict and an evidence gap say so",
          (v, [(f["kind"], f["title"]) for f in doc["findings"]]))
    unclassified = " ".join(f["text"] for f in doc["findings"] if f["kind"] == "unclassified")
    b = build(doc, 102)
    check(b["verdict"] == "unknown" and "log of step test not in database" in b["reasons"] and
          "#102: log of step test not in database" in unclassified,
          "d: a failing step without a log row: unknown, said in the reasons and the "
          "unclassified finding names #102", (b["verdict"], b["reasons"], unclassified))
    b = build(doc, 103)
    check(b["verdict"] == "unknown" and "log of step test is empty (no output)" in b["reasons"] and
          "#103: log of step test is empty (no output)" in unclassified,
          "d: a failing step with an empty log: unknown, said in the reasons and the "
          "unclassified finding names #103", (b["verdict"], b["reasons"], unclassified))

r = run(["analyze", "--db", os.path.join(out, "drone.sqlite"), "--repo", C.CI_SLUG,
         "--builds", "101..103", "--as-of", "2027-05-01T00:00Z", "--format", "json"])
check(one_line_error(r, "--as-of", "none of the 3 builds in the range existed yet"),
      "b: --as-of before every build: exit 1, one line naming --as-of", r)

# ---- e: failures at elevated load on ci-1 above every ci-1 pass; #206, a pass on ci-2 that
# the load file does not cover, must not turn them into recipe (#205: a calm failure, so the
# sha also reproduces the same way)
pr = tested(5, "pr5")
plan_e = [(201, "P", 1.0), (202, "F", 5.0), (203, "P", 1.1), (204, "F", 4.8), (205, "F", 1.05)]
runs = [mk(n, i, pr, o) for i, (n, o, _) in enumerate(plan_e)] + [mk(206, 5, pr, "P", "ci-2")]
out, by = case("load-uncovered", runs,
               lambda by: {"load.csv": load_csv(by, {n: v for n, _, v in plan_e})})
csv = os.path.join(out, "load.csv")
for builds, extra in (("201..205", ""), ("201..206", " with a pass without a load figure")):
    r, doc = analyze(out, builds, "--load", csv)
    if check(doc is not None, "e: a JSON report (%s)" % builds, r):
        got = {n: (build(doc, n)["verdict"], build(doc, n)["reasons"]) for n in (202, 204)}
        ok = all(v == "timing" for v, _ in got.values())
        if extra:
            ok = ok and all([x for x in rs if "without one" in x] for _, rs in got.values())
        check(ok, "e: failures above every ci-1 pass stay timing%s" % extra, got)

# ---- f: a fix scoped to ci-1 at 06:30; target PR #7 passes on ci-1 before and after it,
# then on ci-2
pr7 = tested(7, "pr7")
events = ("- at: %s\n  kind: fix\n  title: docker daemon restarted on ci-1\n"
          "  scope: {machines: [ci-1]}\n  resolves: [timing]\n" % C.iso(T0 + STEP - 600))
out, by = case("scoped-fix", [mk(301, 0, pr7), mk(302, 1, pr7), mk(303, 2, pr7, machine="ci-2")],
               lambda by: {"events.yaml": events})
for builds, newest, named in (("301..303", 303, False), ("301..302", 302, True)):
    r, doc = analyze(out, builds, "--events", os.path.join(out, "events.yaml"),
                     "--target", "pr=7")
    if check(doc is not None, "f: a JSON report (%s)" % builds, r):
        v = doc["verdict"]
        check(v["build"] == newest and v["operator_ready"] and
              ("after the fix" in v["reason"]) == named,
              "f: newest run #%d on %s: the ci-1 fix is %snamed in the bottom line"
              % (newest, by[newest].machine, "" if named else "not "), v)

# ---- g: load-sensitive findings. sha g1: failures on ci-1, passes on ci-2 (4 vs 4);
# g2: 3 failures vs 4 passes on ci-1; g3: 4 vs 4 on ci-1
runs, loads, i = [], {}, 0
for label, pr_n, plan_g in (
        ("g1", 11, [("F", "ci-1", 5.0), ("P", "ci-2", 1.0)] * 4),
        ("g2", 12, [("F", "ci-1", 5.0), ("P", "ci-1", 1.0)] * 3 + [("P", "ci-1", 1.2)]),
        ("g3", 13, [("F", "ci-1", 5.0), ("P", "ci-1", 1.0)] * 4)):
    t = tested(pr_n, label)
    for o, m, v in plan_g:
        runs.append(mk(401 + i, i, t, o, m))
        loads[401 + i] = v + 0.1 * (i % 3)
        i += 1
out, by = case("load-findings", runs, lambda by: {"load.csv": load_csv(by, loads)})
r, doc = analyze(out, "401..%d" % (400 + i), "--load", os.path.join(out, "load.csv"))
if check(doc is not None, "g: a JSON report", r):
    found = {}
    for f in doc["findings"]:
        if f["kind"] == "load-sensitive":
            found[by[f["builds"][0]].tested["pr"]] = f
    g1, g2, g3 = found.get(11), found.get(12), found.get(13)
    check(g1 and g1["stats"].get("test") is None and g1["stats"].get("machines_differ") is True
          and "machine and load cannot be told apart" in g1["text"],
          "g: failures on ci-1, passes on ci-2 (4 vs 4): suggestive, machines differ, no test", g1)
    check(g2 and g2["stats"].get("test") is None and "p_two_sided" not in g2["stats"] and
          "p_one_sided" not in g2["stats"],
          "g: 3 failures vs 4 passes on one machine: no p-value (two-sided minimum 2/35)", g2)
    check(g3 and g3["stats"].get("test") == "mann-whitney" and "p_two_sided" in g3["stats"],
          "g: 4 vs 4 on one machine: a two-sided p-value", g3)

# ---- h: two stages with a step of the same name (amd64 and arm64 pipelines): the ghost
# case's #578 (timing) gains a second stage whose passing `test` step printed Docker's
# daemon error. Only the failed stage's step decides; the steps are told apart by stage.
from cfhelp import GHOST, REPO, ghost_db  # noqa: E402
db = ghost_db(os.path.join(T, "two-stages.sqlite"))
con = sqlite3.connect(db)
bid, sid = con.execute("SELECT b.build_id, s.stage_id FROM builds b JOIN stages s ON "
                       "s.stage_build_id = b.build_id WHERE b.build_number = 578").fetchone()
con.execute("INSERT INTO stages SELECT 990001, stage_repo_id, stage_build_id, 2, stage_kind, "
            "stage_type, 'arm64', 'success', '', 0, 0, stage_limit, stage_os, 'arm64', "
            "stage_variant, stage_kernel, 'ci-arm-1', stage_started, stage_stopped, stage_created, "
            "stage_updated, stage_version, stage_on_success, stage_on_failure, stage_depends_on, "
            "stage_labels, stage_limit_repo FROM stages WHERE stage_id = ?", (sid,))
con.execute("INSERT INTO steps SELECT 990002, 990001, 1, 'test', 'success', '', 0, 0, "
            "step_started, step_stopped, step_version, step_depends_on, step_image, "
            "step_detached, step_schema FROM steps WHERE step_stage_id = ? AND step_name = 'test'",
            (sid,))
blob = json.dumps([{"pos": 0, "out": "Cannot connect to the Docker daemon at "
                    "unix:///var/run/docker.sock. Is the docker daemon running?\n", "time": 1}])
con.execute("INSERT INTO logs (log_id, log_data) VALUES (990002, CAST(? AS BLOB))", (blob,))
con.commit()
con.close()
r = run(["analyze", "--db", db, "--repo", REPO, "--builds", "578..578", "--runs",
         os.path.join(GHOST, "runs"), "--as-of", "2026-06-13T06:38Z", "--format", "json"])
doc = json.loads(r.text) if r.rc == 0 else None
if check(doc is not None, "h: a JSON report", r):
    b = build(doc, 578)
    check(b["verdict"] == "timing" and b["failed_step"] == "default/test",
          "h: the failed stage's step decides (timing), named default/test", b)
    daemon = [h for h in b["hits"] if h["step"] == "arm64/test"]
    check(daemon and not any(h.get("deciding") for h in daemon),
          "h: the other stage's arm64/test hit is context, not deciding", b["hits"])
rmtree(T)
finish()
