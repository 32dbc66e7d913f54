"""cfhelp.py: shared helpers for the CLI-level hardening tests (tests/hostile,
tests/live, tests/secrets). Runs the built program ($CF_EXE) under resource
limits (address space and CPU time; under AddressSanitizer, which reserves
terabytes of shadow memory, an RSS limit through ASAN_OPTIONS instead), builds
Drone databases from the ghost reference case, and counts check results so a
script ends with one exit status. Pass/fail never depends on timing: a hang or
blow-up shows as the limit killing the program, which is a failure.
"""
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

EXE = os.environ.get("CF_EXE", "")
ROOT = os.environ.get("CF_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
GHOST = os.path.join(ROOT, "corpus", "ghost-2026-06")
REPO = "cc/recipe-ci"

_failures = []
_checks = 0
_xfails = []

# Known bugs in files this area does not own, reported with a reproducer
# (docs/hardening.md). A check marked bug="Bn" that fails is an expected
# failure; one that passes is an error ("XPASS"), so the marker must be
# removed when the bug is fixed (strict xfail). CF_XFAIL_STRICT=1 makes
# every expected failure fail, to see them all at once.
XFAIL_STRICT = os.environ.get("CF_XFAIL_STRICT") == "1"


def need_exe():
    if not EXE or not os.access(EXE, os.X_OK):
        print("CF_EXE is not set to the built ciforensics program; skipping")
        sys.exit(77)


def _is_asan(path):
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


# $CF_EXE is tests/run-program.sh; $CF_PROGRAM the binary it runs.
PROGRAM = os.environ.get("CF_PROGRAM", EXE)
ASAN = _is_asan(PROGRAM) if PROGRAM else False
# Under valgrind (CF_VALGRIND=1) the address-space limit cannot apply
# (valgrind maps its own large heap) and everything runs ~30x slower, so the
# CPU and wall limits are scaled; memory bounds are checked by the other builds.
VALGRIND = os.environ.get("CF_VALGRIND") == "1"


def check(cond, what, detail="", bug=None):
    """Record one assertion; print it on failure (with detail, shortened).
    bug names a known bug (strict expected failure, see above)."""
    global _checks
    _checks += 1
    d = detail if isinstance(detail, str) else repr(detail)
    if len(d) > 1500:
        d = d[:1500] + "...[%d more]" % (len(d) - 1500)
    if bug and not XFAIL_STRICT:
        if cond:
            _failures.append(what)
            print("XPASS [%s]: %s\n  known bug fixed? remove bug=%r" % (bug, what, bug))
        else:
            _xfails.append(what)
            print("XFAIL [%s]: %s\n  %s" % (bug, what, d.replace("\n", "\n  ")))
        return cond
    if not cond:
        _failures.append(what)
        print("FAIL: %s\n  %s" % (what, d.replace("\n", "\n  ")))
    return cond


def finish():
    print("%d checks, %d failed, %d known bugs (XFAIL)" % (_checks, len(_failures), len(_xfails)))
    sys.exit(1 if _failures else 0)


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err
        self.text = out.decode("utf-8", "replace")
        self.etext = err.decode("utf-8", "replace")

    def __repr__(self):
        return "rc=%s stdout=%r stderr=%r" % (self.rc, self.out[:600], self.err[:600])


def run(args, cwd=None, mem_mb=1536, cpu_s=120, fsize_mb=256, env=None, wall_s=600):
    """Run $CF_EXE args under limits; returns Result. A limit kill shows as a
    negative rc (signal) or rc from ASan's RSS check; both are failures to
    callers that expect 0 or 1. wall_s catches a process blocked without
    using CPU (e.g. opening a FIFO): it is killed and rc is "hung"."""
    e = dict(os.environ if env is None else env)
    if VALGRIND:
        cpu_s, wall_s = cpu_s * 30, wall_s * 30
    if ASAN:
        e["ASAN_OPTIONS"] = (e.get("ASAN_OPTIONS", "") +
                             ":hard_rss_limit_mb=%d" % (mem_mb * 2)).lstrip(":")

    def limits():
        if not ASAN and not VALGRIND:
            resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_mb << 20, fsize_mb << 20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    try:
        p = subprocess.run([EXE] + list(args), cwd=cwd, env=e, preexec_fn=limits,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=wall_s)
    except subprocess.TimeoutExpired as t:
        return Result("hung", t.stdout or b"", t.stderr or b"")
    return Result(p.returncode, p.stdout, p.stderr)


def tmpdir():
    d = tempfile.mkdtemp(prefix="cf-hard-")
    return d


def rmtree(d):
    shutil.rmtree(d, ignore_errors=True)


def ghost_db(path, journal="delete"):
    """The ghost case's Drone dump as an sqlite file at path."""
    with open(os.path.join(GHOST, "drone.sql"), encoding="utf-8") as f:
        sql = f.read()
    db = sqlite3.connect(path)
    db.executescript(sql)
    db.execute("PRAGMA journal_mode=%s" % journal).fetchall()
    db.commit()
    db.close()
    return path


def copy_runs(dst):
    """A private copy of the ghost case's runs/ folder (tests may edit it)."""
    shutil.copytree(os.path.join(GHOST, "runs"), dst)
    return dst


def step_id(db, build, step):
    r = db.execute(
        "SELECT st.step_id FROM builds b JOIN repos r ON r.repo_id = b.build_repo_id "
        "JOIN stages s ON s.stage_build_id = b.build_id "
        "JOIN steps st ON st.step_stage_id = s.stage_id "
        "WHERE r.repo_slug = ? AND b.build_number = ? AND st.step_name = ?",
        (REPO, build, step)).fetchone()
    assert r, "no step %s in build %s" % (step, build)
    return r[0]


def set_log(path, build, step, blob):
    """Replace the log of (build, step) in the database at path with blob."""
    db = sqlite3.connect(path)
    sid = step_id(db, build, step)
    db.execute("DELETE FROM logs WHERE log_id = ?", (sid,))
    db.execute("INSERT INTO logs (log_id, log_data) VALUES (?, ?)", (sid, blob))
    db.commit()
    db.close()


def get_log(path, build, step):
    db = sqlite3.connect(path)
    sid = step_id(db, build, step)
    r = db.execute("SELECT log_data FROM logs WHERE log_id = ?", (sid,)).fetchone()
    db.close()
    return bytes(r[0])


def private_rules(dst):
    """A copy of the shipped rules/ at dst: tests compare reports across
    runs, and the rule library must not change between them."""
    shutil.copytree(os.path.join(ROOT, "rules"), dst)
    return dst


def analyze_args(db, runs=None, fmt="json", builds="515..612", extra=(), rules=None):
    a = ["analyze", "--db", db, "--repo", REPO, "--builds", builds,
         "--recipe", "ghost", "--format", fmt]
    if rules:
        a += ["--rules", rules]
    if runs:
        a += ["--runs", runs]
    return a + list(extra)


def one_line_error(r, *needles):
    """rc 1, nothing on stdout, one line on stderr containing every needle."""
    lines = r.etext.strip("\n").split("\n")
    ok = (r.rc == 1 and r.out == b"" and len(lines) == 1 and
          all(n in r.etext for n in needles))
    return ok
