"""casegen.py: shared machinery for the generated regression cases (scripts/make-cases.py).

A case is a small Drone 2.x world: the shared CI repository cc/recipe-ci running the cc-ci
harness for several recipes on one or more machines. This module turns a list of `Run`
descriptions (what a build tested, when, on which machine, and what each tier did) into the
files of a case folder: the Drone SQL text dump with runner-go log blobs, runs/<build>/
(results.json schema 2 + one pytest JUnit file per tier that ran), prs.json, args.

The low-level pieces (time and id helpers, runner-go log writer, the Drone schema and dump
writer, pytest/harness formatting, the level ladder) are imported from
scripts/make-ghost-case.py, the generator of the reference case, so both write the same
dialect; that script is not changed by this one. Everything is deterministic: no clock, no
randomness; identifiers come from hashes of fixed labels. Standard library only.
"""

import importlib.util
import json
import os
import shutil
import sqlite3
import tempfile

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("make_ghost_case", os.path.join(_here, "make-ghost-case.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

# re-exported from the ghost generator
ts, iso, hms, hexid, b36id, frac = G.ts, G.iso, G.hms, G.hexid, G.b36id, G.frac
go_params, table, StepLog, Blob = G.go_params, G.table, G.StepLog, G.Blob
BOLD, GREEN, RED, YELLOW, RESET = G.BOLD, G.GREEN, G.RED, G.YELLOW, G.RESET
pytest_rule, pytest_session, pytest_passed = G.pytest_rule, G.pytest_session, G.pytest_passed
ps_table, ladder, TIERS = G.ps_table, G.ladder, G.TIERS
CI_SLUG, GIT, RECIPE_ORG, CI_AUTHOR = G.CI_SLUG, G.GIT, G.RECIPE_ORG, G.CI_AUTHOR
RUNNER_IMAGE = "git.coopcloud.example/cc/recipe-ci-runner:2026.06.1"


class Run:
    """One Drone build of cc/recipe-ci.

    number, recipe, created ('...Z'), machine; tested = dict(sha, pr, version, prev);
    tiers = {tier: spec} where spec is ("pass", secs), ("skip", reason, secs) or
    ("fail", writer) with writer(log, S, run) -> (end offset, failure message) writing the
    tier's own lines from offset S; tiers after a failure are unver. state: "done",
    ("killed", secs into the test step) or ("running", secs into the test step as of the
    dump). flags: results.json flags; extra_pre: writer(log, t) -> t for lines before the
    tiers (env dumps); teardown: writer(log, t, run) -> t replacing the clean teardown;
    runs: whether runs/<n>/ artifacts are written; pending: seconds from creation to start;
    short: a context build (only its stage matters, for load) with a short log of that many
    seconds and no artifacts.
    """

    def __init__(self, number, recipe, created, tested, tiers=None, machine="ci-1", state="done",
                 flags=None, extra_pre=None, teardown=None, runs=True, pending=None, short=None):
        self.number, self.recipe, self.created = number, recipe, ts(created)
        self.tested, self.tiers_spec, self.machine, self.state = tested, tiers or {}, machine, state
        self.flags = flags or {"clean_teardown": True, "no_secret_leak": True}
        self.extra_pre, self.teardown_fn, self.write_runs = extra_pre, teardown, runs
        self.pending = pending if pending is not None else 3 + int(frac("pend%d" % number, 0, 5))
        self.marks = {}
        self.short = short  # seconds: a context build whose test step log is kept short




def pass_plan(total, skips=()):
    """Tier durations for a passing harness step of about `total` seconds."""
    share = {"install": 0.40, "upgrade": 0.33, "backup": 0.07, "restore": 0.08, "custom": 0.05}
    budget = total - 14.0
    return {t: (("skip", "recipe has no backup configuration", 0.8) if t in skips
                else ("pass", round(budget * share[t], 1))) for t in TIERS}


def preamble(log, run):
    T = run.tested
    log.line(0, "[harness] cc-ci harness 0.9.3 on %s (DRONE_BUILD_NUMBER=%d)" % (run.machine, run.number),
             "[harness] recipe=%s ref=%s pr=%s" % (run.recipe, T["sha"], T["pr"] if T["pr"] else "-"),
             "[harness] fetching %s/%s/%s.git @ %s" % (GIT, RECIPE_ORG, run.recipe, T["sha"][:8]),
             "[harness] recipe version %s (previous published: %s)" % (T["version"], T["prev"]),
             "[harness] app %s: stack %s, domain %s.ci.coopcloud.example" % (run.recipe, run.recipe, run.recipe))


def fail_block(log, t, S, recipe, tier, msg, body=None):
    """pytest's failure report after a tier's own failure lines; returns the tier dict."""
    body = body or ("E   " + msg)
    log.line(t, RED + "FAILED" + RESET, "",
             "=================================== FAILURES ===================================",
             RED + BOLD + pytest_rule_plain("test_" + tier) + RESET,
             *body.split("\n"),
             "=========================== short test summary info ============================",
             "FAILED tests/%s/test_%s.py::test_%s - %s" % (recipe, tier, tier, msg))
    secs = t - S + 0.3
    log.line(t + 0.1, pytest_rule("1 failed in %.2fs" % secs, RED))
    log.line(t + 0.3, "[harness] <== tier %s: fail (%.1f s)" % (tier, secs))
    return dict(name=tier, status="fail", start=S, time=secs,
                tests=[("test_" + tier, "fail", secs - 0.2, (msg, body))])


def pytest_rule_plain(text):
    text = " " + text + " "
    left = (80 - len(text)) // 2
    return "_" * left + text + "_" * (80 - len(text) - left)


def tier_start(log, S, recipe, tier):
    log.line(S, "[harness] ==> tier %s: start (pytest tests/%s/test_%s.py)" % (tier, recipe, tier))
    pytest_session(log, S, 1)
    log.write(S + 0.6, "tests/%s/test_%s.py::test_%s " % (recipe, tier, tier))
    log.write(S + 0.6, "\n")


def clean_teardown(log, t, run):
    r = run.recipe
    log.line(t, "[harness] teardown: abra app undeploy %s --no-input" % r)
    log.line(t + 5.1, "[harness] teardown: removing volumes %s_data" % r)
    log.line(t + 6.3, "[harness] teardown: removing secrets %s_secret_key_v1" % r)
    log.line(t + 6.8, "[harness] teardown: clean (0 stacks, 0 services, 0 volumes, 0 secrets left)",
             "[harness] secret scan: 0 leaks in %d lines" % (len(log.elems) + 12))
    return t + 7.0


def harness_step(run, step_start):
    """The `test` step: returns (log, tiers, rungs, level, exit code, stop offset or None)."""
    log = StepLog()
    preamble(log, run)
    if run.short:
        # context builds (they only occupy the machine): the tiers' lines are left out
        log.line(1, "[harness] (tier output omitted: %s is context in this case)" % run.recipe)
        log.line(run.short, "[harness] results: level 5 (L1 pass, L2 pass, L3 pass, L4 pass, L5 pass)",
                 "[harness] exit 0")
        return log, [], None, 5, 0, None
    t = 0.2
    if run.extra_pre:
        t = run.extra_pre(log, t)
    tiers, failed = [], None
    limit = run.state[1] if isinstance(run.state, tuple) else None
    for tier in TIERS:
        if failed:
            log.line(t, "[harness] skipping tier %s: unver (%s failed)" % (tier, failed))
            tiers.append(dict(name=tier, status="unver", start=None, time=None, tests=[]))
            continue
        spec = run.tiers_spec[tier]
        if spec[0] == "pass":
            tiers.append(G.other_tier_pass(log, t, run.recipe, tier, spec[1]))
        elif spec[0] == "skip":
            tiers.append(G.other_tier_pass(log, t, run.recipe, tier, spec[2], skip_reason=spec[1]))
        else:
            tier_start(log, t, run.recipe, tier)
            end, msg = spec[1](log, t, run, step_start)
            tiers.append(fail_block(log, end + 0.3, t, run.recipe, tier, msg))
            failed = tier
        t = tiers[-1]["start"] + tiers[-1]["time"] + 0.1
        if limit is not None and t > limit:
            break
    if limit is not None:
        # killed or still running: the log (if any) ends at `limit`
        log.elems = [e for e in log.elems if e[1] <= limit]
        return log, tiers, None, None, None, limit
    t = G.lint_tier(log, t, run.recipe, secs=1.8)
    t = (run.teardown_fn or clean_teardown)(log, t, run)
    intentional = tuple(G.RUNGS[x["name"]] for x in tiers if x["status"] == "skip")
    rungs, level = ladder(tiers, lint="pass", intentional=intentional)
    G.results_lines(log, t, run.number, level, rungs)
    code = 1 if failed else 0
    log.line(t + 0.4, "[harness] exit %d" % code)
    return log, tiers, rungs, level, code, None


def clone_log(machine_unused, sha):
    return G.clone_log(sha)


def report_log(run, level, ok):
    log = StepLog()
    log.line(0, "+ ccci-report --run %d --upload" % run.number,
             "uploading runs/%d to https://ci.coopcloud.example/runs/%d/" % (run.number, run.number))
    if run.tested["pr"]:
        log.line(1, "gitea: authenticated as ccci-bot (token ******)",
                 "posted result on %s/%s#%d: level %d %s" % (RECIPE_ORG, run.recipe, run.tested["pr"],
                                                             level, "✅" if ok else "❌"))
    else:
        log.line(1, "no pull request for this run; dashboard updated (%s: level %d)" % (run.recipe, level))
    return log


def build_all(runs, ci_sha, ci_msg):
    """Assemble every run: times, steps, logs. Mutates and returns the runs, sorted."""
    runs = sorted(runs, key=lambda r: r.number)
    for r in runs:
        r.started = r.created + r.pending
        r.ci_sha, r.ci_msg = ci_sha, ci_msg
        r.test_start = r.started + 1
        log, tiers, rungs, level, code, limit = harness_step(r, r.test_start)
        r.log, r.tiers, r.rungs, r.level, r.code = log, tiers, rungs, level, code
        r.marks = log.marks
        clone = ("clone", "success", 0, r.started, r.test_start, clone_log(r.machine, ci_sha),
                 "drone/git:latest", "null")
        if r.state == "done":
            r.test_stop = r.test_start + int(max(t for _, t in log.elems)) + 1
            r.finished = r.test_stop + 3
            r.status = "success" if code == 0 else "failure"
            r.steps = [clone,
                       ("test", r.status, code, r.test_start, r.test_stop, log, RUNNER_IMAGE, '["clone"]'),
                       ("report", "success", 0, r.test_stop, r.finished, report_log(r, level, code == 0),
                        RUNNER_IMAGE, '["test"]')]
        elif r.state[0] == "killed":
            r.test_stop = r.finished = r.test_start + int(limit)
            r.status = "killed"
            r.steps = [clone,
                       ("test", "killed", 130, r.test_start, r.test_stop, log, RUNNER_IMAGE, '["clone"]'),
                       ("report", "skipped", 0, 0, 0, None, RUNNER_IMAGE, '["test"]')]
        else:  # running: Drone writes a step's log row only when the step ends
            r.test_stop = r.finished = 0
            r.status = "running"
            r.steps = [clone,
                       ("test", "running", 0, r.test_start, 0, None, RUNNER_IMAGE, '["clone"]'),
                       ("report", "pending", 0, 0, 0, None, RUNNER_IMAGE, '["test"]')]
        params = {"RECIPE": r.recipe, "REF": r.tested["sha"]}
        if r.tested["pr"]:
            params["PR"] = str(r.tested["pr"])
        r.params = params
    return runs


def db_rows(runs, id_offset, step_base, repo_created):
    last = runs[-1]
    avatar = "https://git.coopcloud.example/avatars/" + hexid("avatar/" + CI_AUTHOR[0], 32)
    rows = {"repos": [(1, "87", 1, "cc", "recipe-ci", CI_SLUG, "git", "%s/%s.git" % (GIT, CI_SLUG),
                       "git@git.coopcloud.example:%s.git" % CI_SLUG, "%s/%s" % (GIT, CI_SLUG),
                       1, 0, "public", "main", last.number, ".drone.yml", 120, 1, 0,
                       last.created, ts(repo_created), last.created, last.number + 3,
                       "dummy-repo-signer-NEVER-READ-THIS-COLUMN", "dummy-repo-secret-NEVER-READ-THIS-COLUMN",
                       0, 0, 0, 0, 0, 0)],
            "builds": [], "stages": [], "steps": [], "logs": [], "latest": []}
    step_id = step_base
    for r in runs:
        r.build_id = r.number + id_offset
        r.stage_id = r.build_id - 1
        upd = r.finished or r.started
        rows["builds"].append((
            r.build_id, 1, "ccci-bot", r.number, 0, r.status, "", "custom", "",
            "%s/%s/commit/%s" % (GIT, CI_SLUG, r.ci_sha), 0, "", r.ci_msg, r.ci_sha, r.ci_sha,
            "refs/heads/main", "", "main", "main", CI_AUTHOR[0], CI_AUTHOR[1], CI_AUTHOR[2], avatar,
            "ccci-bot", "", Blob(go_params(r.params)), r.started, r.finished, r.created, upd, 3,
            0, "", 0))
        rows["stages"].append((
            r.stage_id, 1, r.build_id, 1, "pipeline", "docker", "default", r.status, "", 0,
            130 if r.status == "killed" else 0, 0, "linux", "amd64", "", "", r.machine, r.started,
            r.finished, r.created, upd, 4, 1, 0, Blob("null"), Blob("null"), 0))
        for num, (name, status, code, start, stop, log, image, deps) in enumerate(r.steps, 1):
            step_id += 1
            rows["steps"].append((step_id, r.stage_id, num, name, status, "", 0, code, start, stop, 3,
                                  Blob(deps), image, 0, ""))
            if log is not None:
                rows["logs"].append((step_id, Blob(log.blob())))
    rows["latest"].append((1, last.build_id, "branch", "main", runs[0].created, last.created, 0))
    seqs = [("repos", 1), ("builds", last.build_id), ("stages", last.stage_id), ("steps", step_id)]
    return rows, seqs


def load_at(runs, t, exclude):
    """Derived load as the analyzer computes it: other stages running on the machine at t."""
    me = [r for r in runs if r.number == exclude][0]
    n = 0
    for r in runs:
        if r.number == exclude or r.machine != me.machine:
            continue
        stop = r.finished if r.finished else None
        if r.started <= t and (stop is None or stop > t):
            n += 1
    return n


def mark_time(run, name):
    """(1-based line, absolute time) of a mark in the test step."""
    pos, t = run.marks[name]
    return pos + 1, run.test_start + t


def junit_xml(run, tier):
    start = run.test_start + tier["start"]
    fails = sum(1 for t in tier["tests"] if t[1] == "fail")
    skips = sum(1 for t in tier["tests"] if t[1] == "skip")
    cases = []
    for name, status, secs, extra in tier["tests"]:
        head = '<testcase classname="tests.%s.test_%s" name="%s" time="%.3f"' % (
            run.recipe.replace("-", "_"), tier["name"], name, secs)
        if status == "pass":
            cases.append(head + " />")
        elif status == "skip":
            cases.append(head + '><skipped type="pytest.skip" message="%s">%s</skipped></testcase>' % (
                G.xml_attr(extra), G.xml_text("tests/%s/test_%s.py:12: %s" % (run.recipe, tier["name"], extra))))
        else:
            msg, body = extra
            cases.append(head + '><failure message="%s">%s</failure></testcase>' % (
                G.xml_attr(msg), G.xml_text(body)))
    return ('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" '
            'failures="%d" skipped="%d" tests="%d" time="%.3f" timestamp="%s" hostname="%s">%s'
            '</testsuite></testsuites>\n' % (fails, skips, len(tier["tests"]), tier["time"],
                                             iso(start, frac=True), hexid("host/%d" % run.number, 12),
                                             "".join(cases)))


def results_json(run):
    stages = [{"name": x["name"], "status": x["status"],
               "tests": [{"name": n, "status": s, "ms": int(round(secs * 1000))}
                         for n, s, secs, _ in x["tests"]]} for x in run.tiers]
    intentional = {G.RUNGS[x["name"]]: x["tests"][0][3] for x in run.tiers if x["status"] == "skip"}
    doc = {"recipe": run.recipe, "version": run.tested["version"], "pr": run.tested["pr"],
           "ref": run.tested["sha"][:8], "run_id": run.number, "finished": iso(run.finished),
           "stages": stages, "level": run.level, "rungs": run.rungs,
           "lint": {"status": "pass", "detail": "", "rules_failed": []},
           "skips": {"intentional": intentional, "unintentional": []},
           "flags": dict(run.flags)}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def gitea_pr(recipe, number, title, body, sha, branch, state, created, updated, closed=None,
             merged=None, comments=0, base_sha=None):
    repo = "%s/%s" % (RECIPE_ORG, recipe)
    base_sha = base_sha or hexid("%s/main" % recipe)
    return {
        "id": 4100 + number, "url": "%s/%s/pulls/%d" % (GIT, repo, number), "number": number,
        "user": {"id": 42, "login": "maint-ro", "full_name": "Ro Maintainer"},
        "title": title, "body": body, "labels": [], "milestone": None, "assignee": None,
        "assignees": None, "state": state, "is_locked": False, "comments": comments,
        "html_url": "%s/%s/pulls/%d" % (GIT, repo, number),
        "diff_url": "%s/%s/pulls/%d.diff" % (GIT, repo, number),
        "patch_url": "%s/%s/pulls/%d.patch" % (GIT, repo, number),
        "mergeable": state == "open", "merged": merged is not None, "merged_at": merged,
        "merge_commit_sha": None, "merged_by": None, "allow_maintainer_edit": False,
        "base": {"label": "main", "ref": "main", "sha": base_sha, "repo_id": 311},
        "head": {"label": branch, "ref": branch, "sha": sha, "repo_id": 311},
        "merge_base": base_sha, "due_date": None,
        "created_at": created, "updated_at": updated, "closed_at": closed,
    }


def check_dump(path, runs):
    """Load the dump as the test driver does; every log blob must be runner-go JSON."""
    con = sqlite3.connect(":memory:")
    with open(path, encoding="utf-8") as f:
        con.executescript(f.read())
    problems = []
    for (blob_type, blob) in con.execute("SELECT typeof(log_data), log_data FROM logs"):
        if blob_type != "blob":
            problems.append("dump: log_data stored as %s" % blob_type)
            break
        for i, e in enumerate(json.loads(bytes(blob).decode("utf-8"))):
            if list(e) != ["pos", "out", "time"] or e["pos"] != i:
                problems.append("dump: element %d malformed" % i)
                break
    n = con.execute("SELECT count(*) FROM builds").fetchone()[0]
    if n != len(runs):
        problems.append("dump: %d builds, want %d" % (n, len(runs)))
    con.close()
    return problems


def write_case(out, runs, files, id_offset, step_base, repo_created, keep=("report",)):
    """Write the case folder atomically: drone.sql, runs/, and `files` (name -> text).
    Expected reports (report*.json/md) already in the folder are kept."""
    out = os.path.normpath(out)
    parent = os.path.dirname(out)
    tmp = tempfile.mkdtemp(prefix=".case-", dir=parent)
    try:
        rows, seqs = db_rows(runs, id_offset, step_base, repo_created)
        G.write_dump(os.path.join(tmp, "drone.sql"), rows, seqs)
        problems = check_dump(os.path.join(tmp, "drone.sql"), runs)
        if problems:
            return problems
        for r in runs:
            if not r.write_runs or r.state != "done" or r.short:
                continue
            d = os.path.join(tmp, "runs", str(r.number))
            os.makedirs(d)
            with open(os.path.join(d, "results.json"), "w", encoding="utf-8") as f:
                f.write(results_json(r))
            for x in r.tiers:
                if x["status"] != "unver":
                    with open(os.path.join(d, "junit-%s.xml" % x["name"]), "w", encoding="utf-8") as f:
                        f.write(junit_xml(r, x))
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        if os.path.isdir(out):
            for name in sorted(os.listdir(out)):
                if any(name.startswith(k) for k in keep) and (name.endswith(".json") or name.endswith(".md")):
                    shutil.copy2(os.path.join(out, name), os.path.join(tmp, name))
            shutil.rmtree(out)
        os.rename(tmp, out)
        os.chmod(out, 0o755)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp)
    return []
