#!/usr/bin/env python3
"""test_live.py: ciforensics reading a Drone database that a server is
writing. A writer process (writer.py, busy timeout 3 s like a server)
appends builds while `analyze` (with and without --snapshot), `builds` and
`show` read, in WAL mode and in rollback-journal mode (Drone's default,
where a long read lock would make the server's writes fail). Checks:
  * the writer never fails (the reader holds no lock long);
  * every read exits 0, and the ghost range gives byte-for-byte the report
    of a quiet copy (appended builds are outside it in number, time and
    machine);
  * an open range sees only whole builds (each appended build with both of
    its steps and the same hits as its template #515);
  * the reader changes nothing: the rows that existed before are unchanged,
    only the writer's rows were added, integrity_check is ok, and on a quiet
    copy the file is byte-identical afterwards with no side files left.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
from cfhelp import (GHOST, REPO, VALGRIND, analyze_args as _args, check, finish, ghost_db, need_exe,  # noqa: E402
                    private_rules, rmtree, run, tmpdir)

need_exe()
T = tmpdir()
AS_OF = ["--as-of", "2026-06-13T06:38Z"]
RUNS = os.path.join(GHOST, "runs")
RULES = private_rules(os.path.join(T, "rules"))


def analyze_args(*a, **k):
    return _args(*a, rules=RULES, **k)
TABLES = ("repos", "builds", "stages", "steps", "logs")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def side_files(path):
    return sorted(x for x in (path + "-wal", path + "-shm", path + "-journal") if os.path.exists(x))


def snapshot_rows(path, limits=None):
    """{table: (max rowid, digest of rows with rowid <= limit)}."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    out = {}
    for t in TABLES:
        mx = db.execute("SELECT coalesce(max(rowid), 0) FROM %s" % t).fetchone()[0]
        lim = limits[t][0] if limits else mx
        h = hashlib.sha256()
        for row in db.execute("SELECT rowid, * FROM %s WHERE rowid <= ? ORDER BY rowid" % t, (lim,)):
            h.update(repr(row).encode())
        out[t] = (mx, h.hexdigest())
    db.close()
    return out


def count_new(path, before):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    n = {t: db.execute("SELECT count(*) FROM %s WHERE rowid > ?" % t, (before[t][0],)).fetchone()[0]
         for t in TABLES}
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    return n, mode, ok


def one_mode(journal):
    d = os.path.join(T, journal)
    os.mkdir(d)
    os.mkdir(os.path.join(d, "quiet"))
    db = ghost_db(os.path.join(d, "ghost.sqlite"), journal)
    quiet = os.path.join(d, "quiet", "ghost.sqlite")
    shutil.copyfile(db, quiet)

    # a quiet copy: the reference report, and the file untouched by the reader
    before = sha(quiet)
    ref = {}
    for fmt in ("json", "md"):
        for snap in ([], ["--snapshot"]):
            r = run(analyze_args(quiet, RUNS, fmt=fmt, extra=AS_OF + snap))
            check(r.rc == 0, "%s quiet copy: analyze %s %s exits 0" % (journal, fmt, snap), r)
            if fmt in ref:
                check(r.out == ref[fmt], "%s quiet copy: --snapshot gives the same %s report" % (journal, fmt),
                      "")
            ref[fmt] = r.out
    r = run(["show", "--db", quiet, "--repo", REPO, "519", "--format", "json"])
    check(r.rc == 0, "%s quiet copy: show exits 0" % journal, r)
    check(sha(quiet) == before, "%s quiet copy: byte-identical after reading" % journal, "")
    check(side_files(quiet) == [], "%s quiet copy: no side files left" % journal, side_files(quiet))
    ref515 = [b for b in json.loads(ref["json"])["builds"] if b["number"] == 515][0]

    # the live database
    rows0 = snapshot_rows(db)
    stop = os.path.join(d, "stop")
    res = os.path.join(d, "writer.json")
    # Under valgrind every read is ~30x slower: the writer pauses longer so
    # the open range stays a few hundred builds, and each read runs once.
    pause = "0.25" if VALGRIND else "0.002"
    w = subprocess.Popen([sys.executable, os.path.join(HERE, "writer.py"), db, stop, res,
                          "100000", pause])
    for _ in range(600):  # wait for the first commits (not a timing assert)
        n, _, _ = count_new(db, rows0)
        if n["builds"] >= 3 or w.poll() is not None:
            break
        time.sleep(0.05)
    reads = 0
    for snap in ([], ["--snapshot"]):
        tag = "%s live%s" % (journal, " --snapshot" if snap else "")
        for i in range(1 if VALGRIND else 3):
            r = run(analyze_args(db, RUNS, extra=AS_OF + snap))
            reads += 1
            check(r.rc == 0 and r.out == ref["json"],
                  "%s: analyze of the ghost range #%d is the quiet copy's report" % (tag, i), r)
        r = run(analyze_args(db, RUNS, fmt="md", extra=AS_OF + snap))
        check(r.rc == 0 and r.out == ref["md"], "%s: markdown is the quiet copy's report" % tag, r)
        r = run(analyze_args(db, RUNS, builds="515..", extra=snap))
        reads += 1
        check(r.rc == 0, "%s: open range 515.. exits 0" % tag, r)
        if r.rc == 0:
            rep = json.loads(r.text)
            new = [b for b in rep["builds"] if b["number"] >= 100000]
            check(len(new) >= 1, "%s: the open range sees appended builds" % tag, len(new))
            bad = [b["number"] for b in new if b["failed_step"] != "test" or
                   len(b["hits"]) != len(ref515["hits"]) or b["status"] != "failure"]
            check(bad == [], "%s: every appended build seen whole (steps, log, hits)" % tag, bad)
        r = run(["builds", "--db", db, "--repo", REPO, "--builds", "515..", "--format", "json"])
        check(r.rc == 0, "%s: builds exits 0" % tag, r)
        r = run(["show", "--db", db, "--repo", REPO, "100000", "--format", "json"])
        check(r.rc == 0 and "ci-live" in r.text, "%s: show of an appended build" % tag, r)
    open(stop, "w").close()
    w.wait(timeout=120)
    with open(res) as f:
        wr = json.load(f)
    print("%s: writer %d commits, longest transaction %.3f s, %d reads"
          % (journal, wr["commits"], wr["max_transaction_s"], reads))
    check(wr["failures"] == [], "%s: the writer never failed while ciforensics read" % journal, wr["failures"])
    check(wr["commits"] >= 3, "%s: the writer committed builds" % journal, wr["commits"])
    n, mode, ok = count_new(db, rows0)
    c = wr["commits"]
    check(n == {"repos": 0, "builds": c, "stages": c, "steps": 2 * c, "logs": 2 * c},
          "%s: only the writer's rows were added" % journal, (n, c))
    after = snapshot_rows(db, rows0)
    changed = [t for t in TABLES if after[t][1] != rows0[t][1]]
    check(changed == [], "%s: the rows that existed before are unchanged" % journal, changed)
    check(mode == journal and ok == "ok", "%s: journal mode kept, integrity ok" % journal, (mode, ok))


for j in ("wal", "delete"):
    one_mode(j)
rmtree(T)
finish()
