#!/usr/bin/env python3
"""test_hostile.py: hostile inputs through the whole program ($CF_EXE), each
run under an address-space and CPU limit (cfhelp.run), so a hang or a
blow-up fails the test as a killed process, never as a timing assertion.

Expected, from DESIGN.md "Errors and bad input": unusable input (a bad
database, rules or events file, an empty range) exits 1 with one message
naming the file and place and nothing on stdout; one unreadable artifact or
log exits 0, lists the problem in input_problems and makes that build
`unknown` (exit 1 with --strict). Cases: XXE and billion-laughs JUnit, a
100 MB single-line log, invalid UTF-8 logs, a catastrophic-backtracking rule
on a long line, deeply nested JSON (results.json and a log blob), results.json
with wrong types, YAML alias bombs (rules and events), Drone databases with
missing tables, extra columns and orphan rows, and ranges of 0 and 10^9 builds.
"""
import json
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cfhelp import (REPO, analyze_args as _args, check, copy_runs, finish,  # noqa: E402
                    ghost_db, need_exe, one_line_error, private_rules, rmtree, run,
                    set_log, tmpdir)

need_exe()
T = tmpdir()
DB = ghost_db(os.path.join(T, "ghost.sqlite"))
RULES = private_rules(os.path.join(T, "rules"))


def analyze_args(*a, **k):
    """analyze over the private rules copy unless the test gives its own."""
    if "--rules" not in k.get("extra", ()):
        k["rules"] = RULES
    return _args(*a, **k)


def valid_utf8(data, what):
    """Whether data is valid UTF-8; says where it is not."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        print("  (%s: %s)" % (what, e))
        return False


def json_report(r, what):
    """stdout parsed as JSON (strict UTF-8), or None after a failed check."""
    try:
        return json.loads(r.out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        check(False, what + ": stdout is valid UTF-8 JSON", "%s; %r" % (e, r))
        return None


def build_of(rep, n):
    for b in rep["builds"]:
        if b["number"] == n:
            return b
    return None


def fresh_db(name, journal="delete"):
    """The ghost database as T/name/ghost.sqlite: the same base name in
    every variant, since reports name the database by its base name."""
    os.mkdir(os.path.join(T, name))
    return ghost_db(os.path.join(T, name, "ghost.sqlite"), journal)


def one_bad_artifact(what, runs, build, file_part, bug=None):
    """analyze over runs: exit 0, the problem listed for build naming
    file_part, the build unknown with an 'input unreadable' reason; with
    --strict exit 1, no stdout."""
    r = run(analyze_args(DB, runs))
    check(r.rc == 0, what + ": analyze exits 0", r)
    rep = json_report(r, what) if r.rc == 0 else None
    if rep:
        probs = [p for p in rep["input_problems"] if p["build"] == build]
        check(len(probs) >= 1 and file_part in probs[0]["file"],
              what + ": input_problems names the build and file", rep["input_problems"])
        b = build_of(rep, build)
        check(b is not None and b["verdict"] == "unknown" and
              any(x.startswith("input unreadable") for x in b["reasons"]),
              what + ": build #%d is unknown, input unreadable" % build,
              b and (b["verdict"], b["reasons"]), bug=bug)
    r = run(analyze_args(DB, runs, fmt="md"))
    check(r.rc == 0 and file_part in r.text.split("\n## ")[0] if r.rc == 0 else False,
          what + ": markdown exits 0 with the problem named", r)
    r = run(analyze_args(DB, runs, extra=["--strict"]))
    check(r.rc == 1 and r.out == b"" and file_part in r.etext,
          what + ": --strict exits 1, no report, problem on stderr", r)
    check(not any(ln.count(file_part) > 1 for ln in r.etext.split("\n")),
          what + ": --strict names the file once per message", r.etext)
    return rep


# ---- JUnit: XXE, parameter entities, billion laughs ----
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<testsuite name="s" tests="1"><testcase name="t" time="1"><failure message="&xxe;">&xxe;</failure></testcase></testsuite>
"""
PE = b"""<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<testsuite name="s"><testcase name="t"/></testsuite>
"""
EXTDTD = b"""<?xml version="1.0"?>
<!DOCTYPE testsuite SYSTEM "file:///etc/passwd">
<testsuite name="s" tests="1"><testcase name="t" time="1"><failure message="x">&ent;</failure></testcase></testsuite>
"""
ents = ['<!ENTITY l0 "lollollollollollollollollollol">'] + [
    '<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10) for i in range(1, 10)]
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE testsuite [\n%s\n]>\n'
          '<testsuite name="s"><testcase name="&l9;"/></testsuite>\n' % "\n".join(ents)).encode()
# quadratic blow-up: one big entity referenced many times
QUAD = ('<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY a "%s">]>\n<testsuite name="s">'
        '<testcase name="t"><failure message="%s"/></testcase></testsuite>\n'
        % ("x" * 50000, "&a;" * 5000)).encode()

for name, body in [("xxe", XXE), ("pe", PE), ("laughs", LAUGHS), ("quadratic", QUAD)]:
    p = os.path.join(T, name + ".xml")
    with open(p, "wb") as f:
        f.write(body)
    for fmt in ([], ["--format", "json"]):
        r = run(["junit"] + fmt + [p], mem_mb=512, cpu_s=30)
        check(one_line_error(r, p) and "root:" not in r.etext,
              "junit %s %s: exit 1, one message naming the file" % (name, fmt), r)
# an external DTD is not loaded (no XML_PARSE_DTDLOAD): /etc/passwd never shows
p = os.path.join(T, "extdtd.xml")
with open(p, "wb") as f:
    f.write(EXTDTD)
r = run(["junit", "--format", "json", p], mem_mb=512, cpu_s=30)
check(r.rc in (0, 1) and b"root:" not in r.out + r.err, "junit external DTD: not loaded", r)

# the same documents as one build's artifact: that build only
for name, body in [("xxe", XXE), ("laughs", LAUGHS)]:
    runs = copy_runs(os.path.join(T, "runs-" + name))
    with open(os.path.join(runs, "519", "junit-upgrade.xml"), "wb") as f:
        f.write(body)
    one_bad_artifact("JUnit %s in runs/519" % name, runs, 519, "519/junit-upgrade.xml")
    # on a passing build too: an unreadable artifact makes no pass
    runs = copy_runs(os.path.join(T, "runs-pass-" + name))
    with open(os.path.join(runs, "612", "junit-custom.xml"), "wb") as f:
        f.write(body)
    one_bad_artifact("JUnit %s in runs/612 (a pass)" % name, runs, 612, "612/junit-custom.xml")

# ---- files in runs/ that are not regular files ----
# A FIFO blocks open() until a writer appears; a run folder is written by the
# CI harness, so a stray FIFO must be an input problem, not a hang.
runs = copy_runs(os.path.join(T, "runs-fifo"))
os.mkfifo(os.path.join(runs, "557", "junit-fifo.xml"))
r = run(analyze_args(DB, runs), wall_s=60)
check(r.rc == 0 and "557/junit-fifo.xml" in r.text,
      "a FIFO named *.xml in runs/557: an input problem, no hang", r)
# A FIFO given as an input file: the database, the events file, a rule file.
# Nobody writes to it, so each must end in one clear message, not a hang.
fifo = os.path.join(T, "fifo")
os.mkfifo(fifo)
r = run(analyze_args(fifo), wall_s=60)
check(one_line_error(r, fifo, "not a regular file"), "a FIFO as --db: one clear message", r)
r = run(analyze_args(DB, extra=["--events", fifo]), wall_s=60)
check(r.rc == 1 and r.out == b"" and fifo in r.etext, "a FIFO as --events: an error, no hang", r)
fdir = private_rules(os.path.join(T, "rules-fifo"))
os.mkfifo(os.path.join(fdir, "zz-fifo.yaml"))
r = run(analyze_args(DB, extra=["--rules", fdir]), wall_s=60)
check(one_line_error(r, "zz-fifo.yaml"), "a FIFO among the rule files: one clear message", r)
runs = copy_runs(os.path.join(T, "runs-special"))
os.mkdir(os.path.join(runs, "557", "dir.xml"))
os.symlink("loop.xml", os.path.join(runs, "557", "loop.xml"))
os.symlink("/dev/zero", os.path.join(runs, "519", "zero.xml"))
r = run(analyze_args(DB, runs), wall_s=300)
check(r.rc == 0, "a directory, a symlink loop and /dev/zero named *.xml: exit 0", r)
rep = json_report(r, "special files") if r.rc == 0 else None
if rep:
    got = sorted("/".join(p["file"].split("/")[-2:]) for p in rep["input_problems"])
    check(got == ["519/zero.xml", "557/dir.xml", "557/loop.xml"],
          "special files: each one an input problem", rep["input_problems"])

# ---- results.json: deep nesting, wrong types ----
deep = b'{"recipe": "ghost", "stages": ' + b"[" * 200000 + b"]" * 200000 + b"}"
wrong_types = [
    b'{"recipe": 5, "pr": "four", "stages": 7, "level": "high", "flags": [1], "rungs": "x"}',
    b'{"recipe": "ghost", "stages": [{"name": 3, "status": {"a": 1}, "tests": "none"}]}',
    b'{"recipe": "ghost", "stages": [1, "two", null, [3]], "level": 1e308, "pr": -1e300}',
    b'{"recipe": "ghost", "finished": 12, "stages": {"install": 5, "upgrade": null}, "skips": 3}',
    b'[1, 2, 3]',
    b'"just a string"',
    b'{"recipe": "ghost", "stages": [], "level": 9223372036854775808, "pr": 1e400}',
    b'{"recipe": "gh\\u0000ost", "stages": [{"name": "install", "status": "pass", "tests": [{"name": null, "status": 1, "ms": "x"}]}]}',
]
for i, body in enumerate([deep] + wrong_types):
    runs = copy_runs(os.path.join(T, "runs-results-%d" % i))
    with open(os.path.join(runs, "519", "results.json"), "wb") as f:
        f.write(body)
    what = "results.json %s" % ("deep nesting" if i == 0 else "wrong types #%d" % i)
    r = run(analyze_args(DB, runs), cpu_s=60)
    check(r.rc == 0, what + ": analyze exits 0 (a problem for one build, not fatal)", r)
    rep = json_report(r, what) if r.rc == 0 else None
    if rep:
        b = build_of(rep, 519)
        probs = [p for p in rep["input_problems"] if p["build"] == 519]
        # deep nesting must be an input problem; wrong types either a problem or
        # ignored fields, but never a crash and never a verdict from garbage
        if i == 0 or i in (5, 6):
            check(len(probs) == 1 and "519/results.json" in probs[0]["file"] and
                  b["verdict"] == "unknown",
                  what + ": listed as an input problem, build unknown", (probs, b and b["verdict"]))
        else:
            check(b is not None and b["verdict"] in ("unknown", "timing", "infra", "recipe"),
                  what + ": build #519 still decided or unknown", b and b["verdict"])

# ---- logs in the database: 100 MB single line, invalid UTF-8, deep JSON ----
big = fresh_db("big.sqlite")
line = b"x" * (100 << 20)
set_log(big, 519, "test", b'[{"pos":0,"out":"' + line + b'","time":1}]')
del line
for fmt in ("json", "md"):
    r = run(analyze_args(big, fmt=fmt), mem_mb=1536, cpu_s=120)
    check(r.rc in (0, 1), "100 MB single-line log (%s): exit 0 or 1, not killed" % fmt, r)
    if r.rc == 1:
        check(r.out == b"" and "big.sqlite" in r.etext, "100 MB log: message names the database", r)
    elif fmt == "json":
        rep = json_report(r, "100 MB log")
        if rep:
            b = build_of(rep, 519)
            check(b["verdict"] == "unknown" and any(p["build"] == 519 for p in rep["input_problems"]),
                  "100 MB log: build #519 unknown with an input problem", (b["verdict"], rep["input_problems"]))
    check(len(r.out) < (4 << 20), "100 MB log (%s): report stays small" % fmt, len(r.out))
r = run(["show", "--db", big, "--repo", REPO, "519", "--format", "json"], mem_mb=1536)
check(r.rc in (0, 1) and len(r.out) < (4 << 20), "show over the 100 MB log: bounded", r)
os.remove(big)

# a 4.9 MiB single line (under Drone's cap): analysed, excerpts bounded
mid = fresh_db("mid.sqlite")
set_log(mid, 519, "test", b'[{"pos":0,"out":"Error: ' + b"y" * (49 << 17) +
        b' ECONNREFUSED 10.0.0.1:3306\\n","time":1}]')
r = run(analyze_args(mid), mem_mb=1536)
check(r.rc == 0, "4.9 MiB single line: analyze exits 0", r)
check(len(r.out) < (1 << 20), "4.9 MiB single line: the report stays small (excerpts cut)", len(r.out))
os.remove(mid)

utf = fresh_db("utf8.sqlite")
bad_bytes = (b'[{"pos":0,"out":"Error: \xff\xfe\xc3 \xed\xa0\x80 surrogate \xf4\x90\x80\x80 '
             b'overlong \xc0\xaf ECONNREFUSED 10.0.5.196:3306\\n","time":1},'
             b'{"pos":1,"out":"lone escapes \\ud800 \\udfff \\u0000 nul\\n","time":2},'
             b'{"pos":2,"out":"update paused due to failure or early termination of task \xe2\x82\\n","time":3}]')
set_log(utf, 519, "test", bad_bytes)
for fmt in ("json", "md"):
    r = run(analyze_args(utf, fmt=fmt))
    check(r.rc == 0, "invalid UTF-8 log (%s): exit 0" % fmt, r)
    ok = valid_utf8(r.out, fmt)
    check(ok, "invalid UTF-8 log (%s): output is valid UTF-8" % fmt)
    if ok and fmt == "json":
        rep = json_report(r, "invalid UTF-8 log")
        if rep:
            check(build_of(rep, 519) is not None, "invalid UTF-8 log: build #519 reported", "")
# valid UTF-8, cut to an excerpt: the cut must fall between characters
mb = fresh_db("multibyte.sqlite")
set_log(mb, 519, "test", json.dumps([
    {"pos": 0, "out": "Error: connect ECONNREFUSED 10.0.5.196:3306 " + "\u00fc" * 3000 + "\n", "time": 1},
    {"pos": 1, "out": "Error: connect ECONNREFUSED 10.0.5.196:3306 x" + "\u00fc" * 3000 + "\n", "time": 1},
    {"pos": 2, "out": "update paused due to failure or early termination of task x" + "\u00e9" * 3000 + "\n",
     "time": 2}]).encode())
for fmt in ("json", "md"):
    r = run(analyze_args(mb, fmt=fmt))
    ok = valid_utf8(r.out, fmt)
    check(r.rc == 0 and ok, "long lines of 2-byte characters (%s): excerpts cut between characters" % fmt,
          r.rc)
r = run(["show", "--db", utf, "--repo", REPO, "519"])
check(r.rc == 0, "invalid UTF-8 log: show exits 0", r)
check(valid_utf8(r.out, "show"), "invalid UTF-8 log: show output is valid UTF-8")
os.remove(utf)

deepdb = fresh_db("deep.sqlite")
set_log(deepdb, 519, "test", b"[" * 1000000 + b"]" * 1000000)
set_log(deepdb, 557, "test", b'[{"pos":0,"out":' + b'{"a":' * 300000 + b"1" + b"}" * 300000 + b',"time":0}]')
ref = run(analyze_args(DB))
check(ref.rc == 0, "reference analyze of the ghost database exits 0", ref)
ref_verdicts = {b["number"]: b["verdict"] for b in json.loads(ref.text)["builds"]}
r = run(analyze_args(deepdb), cpu_s=60)
check(r.rc == 0, "deeply nested log blobs: analyze exits 0", r)
rep = json_report(r, "deep log") if r.rc == 0 else None
if rep:
    for n in (519, 557):
        b = build_of(rep, n)
        check(b["verdict"] == "unknown" and any(p["build"] == n for p in rep["input_problems"]),
              "deeply nested log blob: #%d unknown with an input problem" % n,
              (b["verdict"], rep["input_problems"]))
    others = {b["number"]: b["verdict"] for b in rep["builds"] if b["number"] not in (519, 557)}
    check(all(ref_verdicts[n] == v for n, v in others.items()),
          "deeply nested log blobs: other builds unaffected", others)
r = run(analyze_args(deepdb, extra=["--strict"]))
check(r.rc == 1 and r.out == b"", "deeply nested log blobs with --strict: exit 1, no report", r)
os.remove(deepdb)

# ---- catastrophic backtracking rule on a long line ----
rdir = os.path.join(T, "rules-backtrack")
shutil.copytree(RULES, rdir)
with open(os.path.join(rdir, "zz-hostile.yaml"), "w") as f:
    f.write("""- id: hostile-backtrack
  title: exponential backtracking on a line of a's
  class: recipe
  match:
    - '^(a|aa)+$'
    - '(x+x+)+y'
  examples:
    match:
      - 'aaaa'
      - 'xxy'
    no_match:
      - '%s'
      - '%s'
""" % ("a" * 5000 + "b", "x" * 5000))
bt = fresh_db("backtrack.sqlite")
set_log(bt, 519, "test", json.dumps([{"pos": i, "out": ("a" * 20000 + "b" if i % 2 else "x" * 20000) + "\n",
                                      "time": i} for i in range(40)]).encode())
r = run(analyze_args(bt, extra=["--rules", rdir]), cpu_s=120)
check(r.rc == 0, "backtracking rule over long lines: analyze exits 0 within the CPU limit", r)
rep = json_report(r, "backtracking") if r.rc == 0 else None
if rep:
    check("hostile-backtrack" in r.text and "limit" in r.text,
          "backtracking rule: the report says the rule hit its match limit",
          [x for x in r.text.split("\n") if "limit" in x][:5])
r = run(["rules", "test", "--rules", rdir], cpu_s=120)
check(r.rc in (0, 1) and "hostile-backtrack" in r.text + r.etext,
      "rules test with a backtracking rule: finishes and names the rule", r)
os.remove(bt)

# ---- YAML alias bombs: rules and events ----
bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((c,) * 2 + (p,) * 9)
    for p, c in zip("abcdefgh", "bcdefghi"))
rbomb = os.path.join(T, "rules-bomb")
os.mkdir(rbomb)
with open(os.path.join(rbomb, "bomb.yaml"), "w") as f:
    f.write("- id: bomb\n  title: t\n  class: infra\n  match: &m ['x']\n  examples: {match: *m, no_match: ['y']}\n" + "# " + bomb.replace("\n", "\n# ") + "\n")
with open(os.path.join(rbomb, "bomb2.yaml"), "w") as f:
    f.write(bomb)
for action in ("test", "lint", "list"):
    r = run(["rules", action, "--rules", rbomb], mem_mb=512, cpu_s=30)
    check(r.rc == 1 and r.out == b"" and "bomb" in r.etext and ":" in r.etext,
          "rules %s over YAML aliases: exit 1, message names file and line" % action, r)
r = run(analyze_args(DB, extra=["--rules", rbomb]), mem_mb=512, cpu_s=30)
check(one_line_error(r, "bomb"), "analyze --rules with YAML aliases: exit 1, one message", r)
ev = os.path.join(T, "events-bomb.yaml")
with open(ev, "w") as f:
    f.write(bomb + "- kind: incident\n")
r = run(analyze_args(DB, extra=["--events", ev]), mem_mb=512, cpu_s=30)
check(one_line_error(r, "events-bomb.yaml"), "analyze --events alias bomb: exit 1, one message", r)
ev2 = os.path.join(T, "events-alias.yaml")
with open(ev2, "w") as f:
    f.write("- &e {kind: incident, title: t, from: 2026-06-12T00:00Z, to: 2026-06-13T00:00Z}\n- *e\n")
r = run(analyze_args(DB, extra=["--events", ev2]), mem_mb=512, cpu_s=30)
check(one_line_error(r, "events-alias.yaml", ":1"), "analyze --events with an anchor: exit 1 naming line 1", r)
ev3 = os.path.join(T, "events-deep.yaml")
with open(ev3, "w") as f:
    f.write("[" * 100000 + "]" * 100000 + "\n")
r = run(analyze_args(DB, extra=["--events", ev3]), mem_mb=512, cpu_s=30)
check(one_line_error(r, "events-deep.yaml"), "analyze --events deeply nested: exit 1, one message", r)

# ---- Drone databases: missing tables, extra columns, orphans, non-databases ----
for table in ("builds", "stages", "steps", "logs", "repos"):
    p = fresh_db("missing-%s.sqlite" % table)
    db = sqlite3.connect(p)
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("DROP TABLE %s" % table)
    db.commit()
    db.close()
    r = run(analyze_args(p))
    check(one_line_error(r, p, table), "database without table %s: exit 1, one message naming it" % table, r)
    r = run(["builds", "--db", p, "--repo", REPO])
    check(r.rc == 1 and r.out == b"" and p in r.etext, "builds over a database without %s: exit 1" % table, r)

p = fresh_db("extra.sqlite")
db = sqlite3.connect(p)
for t, c in (("builds", "build_zzz"), ("stages", "stage_zzz"), ("steps", "step_zzz"),
             ("repos", "repo_zzz"), ("logs", "log_zzz")):
    db.execute("ALTER TABLE %s ADD COLUMN %s TEXT DEFAULT 'extra'" % (t, c))
db.execute("CREATE TABLE unrelated (x)")
db.commit()
db.close()
r = run(analyze_args(p))
check(r.rc == 0 and r.out == ref.out, "extra columns and tables: the same report", r)
p = fresh_db("orphans.sqlite")
db = sqlite3.connect(p)
db.executescript("""
INSERT INTO stages (stage_id, stage_repo_id, stage_build_id, stage_number, stage_name, stage_status,
  stage_machine, stage_started, stage_stopped) VALUES (90001, 1, 99999, 1, 'default', 'failure', 'ci-1',
  1781254900, 1781255200);
INSERT INTO steps (step_id, step_stage_id, step_number, step_name, step_status, step_started, step_stopped)
  VALUES (90001, 90001, 1, 'test', 'failure', 1781254900, 1781255200),
         (90002, 88888, 1, 'test', 'failure', 1781254900, 1781255200);
INSERT INTO logs (log_id, log_data) VALUES (90001, '[{"pos":0,"out":"orphan ECONNREFUSED\\n","time":0}]'),
  (90002, 'garbage'), (99999, '[[[[');
INSERT INTO builds (build_id, build_repo_id, build_number, build_status, build_event, build_after, build_ref,
  build_started, build_finished, build_created) VALUES (99998, 424242, 530, 'failure', 'push', 'f00d',
  'refs/heads/main', 1781254900, 1781255200, 1781254900);
""")
db.commit()
db.close()
r = run(analyze_args(p))
check(r.rc == 0 and r.out == ref.out, "orphan stages, steps, logs and builds of unknown repos: the same report",
      r)
p = fresh_db("many-stages.sqlite")
db = sqlite3.connect(p)
# a build with 20000 stages: above the per-build row bound
db.execute("CREATE TEMP TABLE n(i)")
db.executemany("INSERT INTO n VALUES (?)", [(i,) for i in range(20000)])
db.execute("""INSERT INTO stages (stage_repo_id, stage_build_id, stage_number, stage_name, stage_status,
  stage_machine, stage_started, stage_stopped)
  SELECT 1, (SELECT build_id FROM builds WHERE build_number = 557), 100 + i, 's' || i, 'success', 'ci-1',
  1781254900, 1781255200 FROM n""")
db.commit()
db.close()
r = run(analyze_args(p), cpu_s=120)
check(r.rc in (0, 1), "a build with 20000 stages: exit 0 or 1, not killed", r)
if r.rc == 0:
    rep = json_report(r, "20000 stages")
    if rep:
        b = build_of(rep, 557)
        check(any(p["build"] == 557 and "557" in p["problem"] for p in rep["input_problems"]),
              "a build with 20000 stages: listed in input_problems", rep["input_problems"])
        check(b["verdict"] == "unknown" and any("input unreadable" in x for x in b["reasons"]),
              "a build with 20000 stages: that build unknown, input unreadable",
              (b["verdict"], b["reasons"]))
        check(all(ref_verdicts[x["number"]] == x["verdict"] for x in rep["builds"] if x["number"] != 557),
              "a build with 20000 stages: other builds unaffected", "")
else:
    check(r.out == b"" and "557" in r.etext, "a build with 20000 stages: message names the build", r)

for name, body in (("empty.sqlite", b""), ("text.sqlite", b"hello, not a database\n"),
                   ("header.sqlite", b"SQLite format 3\x00" + b"\xff" * 4080),
                   ("zeros.sqlite", b"\x00" * 8192)):
    p = os.path.join(T, name)
    with open(p, "wb") as f:
        f.write(body)
    r = run(analyze_args(p))
    check(one_line_error(r, p), "%s: exit 1, one message naming it" % name, r)
    with open(p, "rb") as f:
        check(f.read() == body, "%s: not written to" % name, "")
r = run(analyze_args(os.path.join(T, "absent.sqlite")))
check(one_line_error(r, "absent.sqlite"), "absent database: exit 1, one message", r)
check(not os.path.exists(os.path.join(T, "absent.sqlite")), "absent database: not created", "")
r = run(analyze_args(T))
check(one_line_error(r, T), "a directory as database: exit 1, one message", r)

# ---- ranges ----
r = run(analyze_args(DB, builds="0..0"))
check(one_line_error(r, REPO), "--builds 0..0: exit 1, one message, nothing on stdout", r)
check("0..0" in r.etext or "#0" in r.etext, "--builds 0..0: the message names the range", r)
r = run(analyze_args(DB, builds="700..800"))
check(one_line_error(r), "--builds 700..800 (no builds there): exit 1, one message", r)
r = run(analyze_args(DB, builds="1..1000000000"), cpu_s=120)
check(r.rc == 0, "--builds 1..1000000000: exit 0", r)
rep = json_report(r, "1..10^9") if r.rc == 0 else None
if rep:
    check(len(rep["builds"]) == len(json.loads(ref.text)["builds"]),
          "--builds 1..1000000000: the same builds as 515..612", len(rep["builds"]))
for bad in ("612..515", "-1..5", "1..99999999999999999999999", "a..b", "..", "5..x", ""):
    r = run(analyze_args(DB, builds=bad))
    check(one_line_error(r, bad) or (r.rc == 1 and r.out == b"" and "--builds" in r.etext),
          "--builds %s: exit 1 with a message" % bad, r)
r = run(["builds", "--db", DB, "--repo", REPO, "--builds", "1..1000000000", "--format", "json"])
check(r.rc == 0 and len(json.loads(r.text)["builds"]) >= 98, "builds 1..10^9: lists every build", r)
r = run(["show", "--db", DB, "--repo", REPO, "1000000000"])
check(one_line_error(r, "1000000000"), "show of an absent build: exit 1, one message", r)

rmtree(T)
finish()
