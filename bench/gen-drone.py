#!/usr/bin/env python3
"""gen-drone.py: writes a large synthetic Drone 2.x database for benchmarks.

Deterministic from --seed: the same seed and --builds give the same bytes
(the sqlite file itself may differ in page layout between sqlite versions;
its rows do not). Writes into OUT/:

  drone.sqlite        Drone 2.x schema (tests/drone/schema-2x.sql), N builds
                      across three repositories and four machines
  runs/<repo>/<n>/results.json   artifacts for the failed builds and a
                      quarter of the passing ones (schema 2)
  events.yaml         a handful of incidents and fixes over the period
  manifest.txt        one line per repository: slug, runs dir, first..last

What the logs look like (drone-schema.md section 2): a JSON array of
{"pos","out","time"} elements written by Go's encoding/json (compact, "<",
">", "&" as \\u003c \\u003e \\u0026, ESC as \\u001b), one line per element
with its "\\n", runner-go's trailing newline. Steps: clone, a lint step, an
image build (~35 KB, always passing), the harness step (tiers install,
upgrade, backup, restore, custom with pytest output, docker service tables,
database logs, ANSI colours, HTML and shell snippets with <>&), and a
report step. Sizes: ~100 KB of text per build on
average, and one build in ~400 carries a harness log near Drone's 5 MiB cap
(half of those truncated runner-go style: first pos > 0).

Rates: ~9% of builds fail (one to three failure signatures from the shipped
rule library's examples near the end of the harness log), ~1.5% error, ~1%
are killed; ~6% of passing harness logs contain a harmless near-miss (a
retried connection, a "no available server" while Traefik warms up), so a
grep over all logs sees hits outside failed builds, as on a real server.

Usage: gen-drone.py --builds N [--seed S] --out DIR
"""
import argparse
import json
import os
import random
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "..", "tests", "drone", "schema-2x.sql")

T0 = 1767225600  # 2026-01-01T00:00:00Z
MACHINES = ["ci-1", "ci-2", "ci-3", "ci-4"]
REPOS = [  # slug, share of builds, kind
    ("cc/recipe-ci", 0.5, "shared"),
    ("cc-recipes/ghost", 0.3, "recipe"),
    ("cc-recipes/wordpress", 0.2, "recipe"),
]
RECIPES = ["ghost", "wordpress", "nextcloud", "mumble", "hedgedoc", "gitea",
           "keycloak", "discourse", "matrix-synapse", "outline"]
TIERS = ["install", "upgrade", "backup", "restore", "custom"]
MAX_TEXT = 5 * 1024 * 1024  # Drone's per-step cap on message bytes

ESC = "\x1b"


def go_escape(s):
    """The inside of a Go encoding/json string for s."""
    e = json.dumps(s, ensure_ascii=False)[1:-1]
    return (e.replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029"))


# Failure signatures: match examples of the shipped rules (rules/*.yaml),
# copied here so the database does not change when the library does.
SIGNATURES = [
    "FATA deploy timed out \U0001f7e0",
    "FATA ghost (/root/.abra/recipes/ghost) has locally unstaged changes? please commit/remove your changes before proceeding",
    "[2026-06-12 14:03:11] ERROR connect ECONNREFUSED 10.0.5.196:3306",
    "[2026-06-12 14:05:40] ERROR Migration lock was never released or currently a migration is running.",
    "KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?",
    "Error: connect ETIMEDOUT 10.0.5.196:3306",
    "ERROR 2003 (HY000): Can't connect to MySQL server on 'db' (111)",
    "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/run/mysqld/mysqld.sock' (2)",
    "ERROR 2006 (HY000): MySQL server has gone away",
    "Error: ER_CON_COUNT_ERROR: Too many connections",
    "SQLSTATE[HY000] [1045] Access denied for user 'ghost'@'10.0.5.12' (using password: YES)",
    "<h1>Error establishing a database connection</h1>",
    "FATAL:  the database system is starting up",
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
    "OOM kill signaled by host operating system",
    "write /var/lib/docker/tmp/GetImageBlob123: no space left on device",
    "socket.gaierror: [Errno -3] Temporary failure in name resolution",
    "dial tcp 10.0.1.7:3306: connect: no route to host",
    "level=debug msg=\"'502 Bad Gateway' caused by: dial tcp 10.0.1.7:2368: connect: connection refused\"",
    "acme: error: 400 :: urn:ietf:params:acme:error:connection :: 203.0.113.7: Timeout during connect (likely firewall problem)",
    "failed to update config ghost_config_v2: Error response from daemon: rpc error: code = InvalidArgument desc = only updates to Labels are allowed",
    "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version",
    "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
    "Error response from daemon: manifest for ghost:6.99-alpine not found: manifest unknown: manifest unknown",
    "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": net/http: TLS handshake timeout",
    "time=\"2026-06-12T10:01:02Z\" level=error msg=\"Failed allocation for service ysv1ijs8mbmf\" error=\"could not find an available IP while allocating VIP\" module=node",
    "docker: Error response from daemon: no available IPv4 addresses on this network's address pools: proxy (r2d2c3po4e5f).",
    "network \"proxy\" is declared as external, but could not be found. You need to create a swarm-scoped network before the stack is deployed",
    "q1w2e3r4t5y6    \\_ ghost_app.1   ghost:6.44   ci-1   Shutdown   Failed 1 minute ago   \"task: non-zero exit (137): dockerexec: unhealthy container\"",
    "k3j2h1g0f9e8   ghost_app.1   ghost:5.2      Running   Pending 3 minutes ago   \"no suitable node (insufficient resources on 1 node)\"",
    "Error response from daemon: rpc error: code = Unknown desc = update out of sequence",
    "Operation continuing in background.",
]
# Harmless lines that resemble signatures (a retry that then succeeded).
NEAR_MISSES = [
    "waiting for db: connect ECONNREFUSED 10.0.5.196:3306 (attempt 1/30, retrying)",
    "traefik: no available server (warming up)",
    "mysqladmin: connect to server at 'db' failed, retrying",
]

GREEN, RED, YELLOW, BOLD, RESET = (ESC + "[32m", ESC + "[31m", ESC + "[33m",
                                   ESC + "[1m", ESC + "[0m")


class Log:
    """One step's log: Go-escaped elements, text size bounded by MAX_TEXT."""

    def __init__(self):
        self.parts = []
        self.pos = 0
        self.text = 0

    def add(self, esc_text, nbytes, t):
        # esc_text is already Go-escaped and has no "\n"; Drone keeps it.
        self.parts.append('{"pos":%d,"out":"%s\\n","time":%d}' % (self.pos, esc_text, t))
        self.pos += 1
        self.text += nbytes + 1

    def line(self, s, t):
        self.add(go_escape(s), len(s.encode()), t)

    def blob(self, drop_to=None):
        parts = self.parts
        if drop_to is not None:  # runner-go keeps the tail
            parts = parts[drop_to:]
        if not parts:
            return b"null\n"
        return ("[" + ",".join(parts) + "]\n").encode()


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        r = self.r
        # pre-escaped pools: (escaped text, byte length); variable parts are
        # digits and hex, which need no escaping
        def pool(lines):
            return [(go_escape(s), len(s.encode())) for s in lines]
        self.pytest = pool([
            "tests/test_%s.py::test_%s PASSED" % (a, b)
            for a in ("install", "upgrade", "backup", "restore", "custom", "lint")
            for b in ("homepage", "admin_login", "post_roundtrip", "healthcheck",
                      "smtp", "volumes", "secrets", "env", "config", "cron")])
        self.noise = pool([
            "Step 3/12 : RUN apk add --no-cache curl bash && rm -rf /var/cache/apk/*",
            "curl -fsS http://app:2368/ghost/api/admin/site/ | grep -q '<title>' && echo ok",
            GREEN + "✔" + RESET + " volume ghost_content created",
            "docker service ps --no-trunc --format '{{.Name}} {{.CurrentState}}' ghost_app",
            "ID             NAME          IMAGE                  NODE   DESIRED STATE   CURRENT STATE",
            "[entrypoint] waiting for database to be ready",
            "2026-06-12T10:00:01.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.39) starting as process 1",
            "INFO  [alembic.runtime.migration] Running upgrade 3f2a -> 9c1d, add index",
            "GET /ghost/api/admin/posts/?limit=15&page=1 200 38ms",
            "<a href=\"/signin\">Sign in</a> &middot; <a href=\"/about\">About</a>",
            YELLOW + "WARN" + RESET + " abra: using latest tag for recipe, no --chaos given",
            "npm notice New minor version of npm available! 10.2.4 -> 10.8.1",
            "   Compiling serde v1.0.203",
            "Downloading https://files.pythonhosted.org/packages/pytest-8.2.0-py3-none-any.whl (339 kB)",
            "\u2502 app   \u2502 running \u2502 1/1 \u2502 ghost:5.87.1-alpine \u2502",
            BOLD + "==>" + RESET + " checking secrets: db_password (v1) ok",
            "[notice] A new release of pip is available: 23.0.1 -> 24.0",
            "Progress: 10%\r" + "Progress: 55%\r" + "Progress: 100%",
        ])
        self.sigs = pool(SIGNATURES)
        self.near = pool(NEAR_MISSES)

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    # ---- step logs ----

    def clone_log(self, sha, ref):
        log = Log()
        for s in ("+ git init", "Initialized empty Git repository in /drone/src/.git/",
                  "+ git fetch origin +%s:" % ref,
                  "From https://git.coopcloud.example/cc/recipe-ci",
                  " * branch            %s -> FETCH_HEAD" % sha[:12],
                  "+ git checkout %s -b main" % sha,
                  "Switched to a new branch 'main'"):
            log.line(s, 0)
        return log

    def lint_log(self, recipe, fail_sig=None):
        log = Log()
        r = self.r
        log.line(BOLD + "abra recipe lint " + recipe + RESET, 0)
        for i in range(r.randint(8, 20)):
            log.line("R%03d %-40s %s" % (i, "compose files are valid", GREEN + "pass" + RESET), 1)
        if fail_sig:
            log.add(fail_sig[0], fail_sig[1], 2)
        return log

    def harness_log(self, target_bytes, fail_tier=None, sigs=(), near=False):
        """The recipe harness step: tiers, each with noise and pytest lines;
        with fail_tier, the log stops there after the signatures."""
        log = Log()
        r = self.r
        t = 0
        noise, pytest = self.noise, self.pytest
        per_tier = max(2000, target_bytes // len(TIERS))
        for tier in TIERS:
            log.line("[harness] ==> tier %s: start (pytest -q tests/test_%s.py)" % (tier, tier), t)
            goal = log.text + per_tier
            near_at = goal - per_tier // 2 if near and tier == "install" else -1
            while log.text < goal and log.text < MAX_TEXT - 4096:
                k = r.random()
                if k < 0.55:
                    e, n = noise[int(k * 1000) % len(noise)]
                    log.add(e, n, t)
                elif k < 0.8:
                    e, n = pytest[int(k * 10000) % len(pytest)]
                    log.add(e, n, t)
                elif k < 0.9:
                    s = "%s  ghost_app.1  ghost:5.87.1-alpine  %s  Running  Running %d seconds ago" % (
                        self.hexs(12), MACHINES[int(k * 100) % 4], int(k * 1000) % 60)
                    log.add(s, len(s), t)
                else:
                    s = "2026-06-12T10:%02d:%02d.%06dZ 8 [Note] [MY-010914] Aborted connection %d to db: 'ghost' host: '10.0.5.%d' (Got an error reading communication packets)" % (
                        t // 60 % 60, t % 60, r.getrandbits(19), r.getrandbits(16), r.getrandbits(7))
                    log.add(s, len(s), t)
                if near_at >= 0 and log.text >= near_at:
                    e, n = self.near[r.randrange(len(self.near))]
                    log.add(e, n, t)
                    near_at = -1
                if r.random() < 0.02:
                    t += r.randint(1, 5)
            if tier == fail_tier:
                for e, n in sigs:
                    log.add(e, n, t)
                log.line(RED + "FAILED" + RESET + " tests/test_%s.py::test_%s - AssertionError" % (tier, tier), t)
                log.line("[harness] <== tier %s: fail (%d.0 s)" % (tier, t), t)
                return log, t
            log.line("[harness] <== tier %s: pass (%d.0 s)" % (tier, t), t)
        log.line(GREEN + "===== 42 passed in %d.01s =====" % t + RESET, t)
        return log, t

    def build_log(self, target_bytes):
        """An image build (docker build / npm / pip output), always passing."""
        log = Log()
        r = self.r
        t = 0
        noise = self.noise
        n = 0
        while log.text < target_bytes:
            n += 1
            k = r.random()
            if k < 0.3:
                s = "#%d [app %d/12] RUN npm ci --omit=dev && npm cache clean --force" % (n, n % 12 + 1)
                log.add(go_escape(s), len(s), t)
            elif k < 0.6:
                s = "#%d sha256:%s %d.%dMB / %d.%dMB %d.%ds" % (
                    n, self.hexs(64), n % 97, n % 10, 97, 3, t, n % 10)
                log.add(s, len(s), t)
            else:
                e, m = noise[int(k * 1000) % len(noise)]
                log.add(e, m, t)
            if r.random() < 0.05:
                t += 1
        log.line("#%d DONE %d.0s" % (n + 1, t), t)
        return log, t

    def report_log(self, number):
        log = Log()
        log.line("+ python3 harness/report.py --run %d" % number, 0)
        log.line("results.json written (schema 2)", 0)
        return log


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--builds", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if a.builds < 1 or a.builds > 1000000:
        sys.exit("gen-drone.py: --builds must be 1..1000000")
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "drone.sqlite")
    if os.path.exists(path):
        os.unlink(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    with open(SCHEMA) as f:
        db.executescript(f.read())
    g = Gen(a.seed)
    r = g.r

    repo_rows = []
    for i, (slug, _share, _kind) in enumerate(REPOS, 1):
        ns, name = slug.split("/")
        repo_rows.append((i, str(100 + i), 1, ns, name, slug, "git",
                          "https://git.coopcloud.example/%s.git" % slug, "",
                          "https://git.coopcloud.example/" + slug, 1, 0, "public",
                          "main", 0, ".drone.yml", 120, 1, 0, T0, T0, T0, 1,
                          "NEVER-READ", "NEVER-READ"))
    db.executemany("INSERT INTO repos (repo_id, repo_uid, repo_user_id, repo_namespace, "
                   "repo_name, repo_slug, repo_scm, repo_clone_url, repo_ssh_url, "
                   "repo_html_url, repo_active, repo_private, repo_visibility, "
                   "repo_branch, repo_counter, repo_config, repo_timeout, repo_trusted, "
                   "repo_protected, repo_synced, repo_created, repo_updated, "
                   "repo_version, repo_signer, repo_secret) VALUES (%s)"
                   % ",".join("?" * 25), repo_rows)

    counters = [0] * len(REPOS)
    first_time = [None] * len(REPOS)
    now = T0
    step_id = stage_id = 0
    stats = {"builds": 0, "failed": 0, "error": 0, "killed": 0, "log_text": 0,
             "blob_bytes": 0, "big": 0, "steps": 0}
    runs_root = os.path.join(a.out, "runs")
    busy_until = {m: T0 for m in MACHINES}

    for b in range(1, a.builds + 1):
        x = r.random()
        ri = 0 if x < REPOS[0][1] else (1 if x < REPOS[0][1] + REPOS[1][1] else 2)
        slug, _, kind = REPOS[ri]
        counters[ri] += 1
        number = counters[ri]
        now += r.randint(60, 420)
        machine = MACHINES[r.randrange(len(MACHINES))]
        recipe = RECIPES[r.randrange(len(RECIPES))] if kind == "shared" else slug.split("/")[1]
        sha = g.hexs(40)
        pr = r.randint(1, 60) if r.random() < 0.4 else None
        if kind == "shared":
            event, ref = "custom", "refs/heads/main"
            params = json.dumps({"RECIPE": recipe, "REF": sha[:8]} if pr is None else
                                {"RECIPE": recipe, "REF": sha[:8], "PR": str(pr)},
                                separators=(",", ":"))
        elif pr is not None:
            event, ref, params = "pull_request", "refs/pull/%d/head" % pr, "{}"
        else:
            event, ref, params = "push", "refs/heads/main", "{}"

        y = r.random()
        status = "success"
        if y < 0.09:
            status = "failure"
        elif y < 0.105:
            status = "error"
        elif y < 0.115:
            status = "killed"
        big = r.random() < 0.0025
        # harness text: lognormal around ~90 KB, capped below 5 MiB
        target = int(min(MAX_TEXT - 8192, r.lognormvariate(10.85, 0.6)))
        if big:
            target = MAX_TEXT + 200000  # runs into the cap
        fail_tier = None
        sigs = []
        fail_lint = False
        if status == "failure":
            if r.random() < 0.1:
                fail_lint = True
            else:
                fail_tier = TIERS[min(4, int(r.expovariate(0.8)))]
                for _ in range(r.choice((1, 1, 1, 2, 3))):
                    sigs.append(g.sigs[r.randrange(len(g.sigs))])
        elif status in ("error", "killed"):
            fail_tier = TIERS[r.randrange(len(TIERS))]
        near = status == "success" and r.random() < 0.06

        started = max(now, busy_until[machine]) + r.randint(2, 20)
        t = started
        steps = []  # (name, status, exit, start, stop, blob, image)

        def add_step(name, log, dur, st, code, image, drop_to=None):
            nonlocal t
            blob = log.blob(drop_to)
            steps.append((name, st, code, t, t + dur, blob, image))
            stats["log_text"] += log.text
            stats["blob_bytes"] += len(blob)
            t += dur

        add_step("clone", g.clone_log(sha, ref), 1, "success", 0, "drone/git:latest")
        lint_sig = g.sigs[r.randrange(len(g.sigs))] if fail_lint else None
        add_step("lint", g.lint_log(recipe, lint_sig), r.randint(2, 6),
                 "failure" if fail_lint else "success", 1 if fail_lint else 0,
                 "git.coopcloud.example/cc/abra:0.9")
        if not fail_lint:
            blog, bdur = g.build_log(int(r.lognormvariate(10.3, 0.5)))
            add_step("build", blog, bdur + 3, "success", 0, "plugins/docker:20")
            hlog, dur = g.harness_log(target, fail_tier, sigs, near)
            drop = None
            if big:
                stats["big"] += 1
                if r.random() < 0.5:  # runner-go: drop the oldest lines
                    drop = len(hlog.parts) // 10
            hstat = "success"
            code = 0
            if status == "failure":
                hstat, code = "failure", 1
            elif status == "killed":
                hstat, code = "killed", 130
            elif status == "error":
                hstat, code = "error", 2
            add_step("test", hlog, dur + 5, hstat, code,
                     "git.coopcloud.example/cc/recipe-ci-runner:2026.06.1", drop)
            if status == "success":
                add_step("report", g.report_log(number), 2, "success", 0,
                         "git.coopcloud.example/cc/recipe-ci-runner:2026.06.1")
        finished = t
        busy_until[machine] = finished
        if first_time[ri] is None:
            first_time[ri] = started

        db.execute("INSERT INTO builds (build_repo_id, build_trigger, build_number, "
                   "build_parent, build_status, build_error, build_event, build_action, "
                   "build_link, build_timestamp, build_title, build_message, build_before, "
                   "build_after, build_ref, build_source_repo, build_source, build_target, "
                   "build_author, build_author_name, build_author_email, build_author_avatar, "
                   "build_sender, build_deploy, build_params, build_started, build_finished, "
                   "build_created, build_updated, build_version) VALUES (%s)"
                   % ",".join("?" * 30),
                   (ri + 1, "ccci-bot" if kind == "shared" else "@hook", number, 0, status,
                    "", event, "", "https://git.coopcloud.example/%s/commit/%s" % (slug, sha),
                    0, "", "recipe update %d" % number, g.hexs(40), sha, ref, "", "main",
                    "main", "maint-ro", "Ro Maintainer", "ro@coopcloud.example", "",
                    "ccci-bot", "", params.encode(), started, finished, now, finished, 3))
        build_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        stage_id += 1
        db.execute("INSERT INTO stages (stage_id, stage_repo_id, stage_build_id, stage_number, "
                   "stage_kind, stage_type, stage_name, stage_status, stage_error, "
                   "stage_errignore, stage_exit_code, stage_limit, stage_os, stage_arch, "
                   "stage_variant, stage_kernel, stage_machine, stage_started, stage_stopped, "
                   "stage_created, stage_updated, stage_version, stage_on_success, "
                   "stage_on_failure, stage_depends_on, stage_labels) VALUES (%s)"
                   % ",".join("?" * 26),
                   (stage_id, ri + 1, build_id, 1, "pipeline", "docker", "default", status,
                    "", 0, 0 if status == "success" else 1, 0, "linux", "amd64", "", "",
                    machine, started, finished, now, finished, 4, 1, 0, b"null", b"null"))
        for k, (name, st, code, s0, s1, blob, image) in enumerate(steps, 1):
            step_id += 1
            stats["steps"] += 1
            db.execute("INSERT INTO steps (step_id, step_stage_id, step_number, step_name, "
                       "step_status, step_error, step_errignore, step_exit_code, "
                       "step_started, step_stopped, step_version, step_depends_on, "
                       "step_image, step_detached, step_schema) VALUES (%s)"
                       % ",".join("?" * 15),
                       (step_id, stage_id, k, name, st, "", 0, code, s0, s1, 3, b"null",
                        image, 0, ""))
            db.execute("INSERT INTO logs (log_id, log_data) VALUES (?, ?)", (step_id, blob))

        stats["builds"] += 1
        if status == "failure":
            stats["failed"] += 1
        elif status in ("error", "killed"):
            stats[status] += 1
        if status != "success" or r.random() < 0.25:
            write_results(runs_root, slug, number, recipe, pr, sha, finished, status,
                          fail_tier)

    for i in range(len(REPOS)):
        db.execute("UPDATE repos SET repo_counter = ? WHERE repo_id = ?", (counters[i], i + 1))
    db.commit()
    db.close()
    write_events(a.out, now, r)
    with open(os.path.join(a.out, "manifest.txt"), "w") as f:
        for i, (slug, _, _) in enumerate(REPOS):
            if counters[i]:
                f.write("%s runs/%s 1..%d\n" % (slug, slug.replace("/", "_"), counters[i]))
    print("gen-drone: %(builds)d builds (%(failed)d failed, %(error)d error, "
          "%(killed)d killed), %(steps)d steps, %(big)d near-cap logs, "
          "%(log_text)d bytes of log text, %(blob_bytes)d bytes of blobs" % stats)


def write_results(root, slug, number, recipe, pr, sha, finished, status, fail_tier):
    d = os.path.join(root, slug.replace("/", "_"), str(number))
    os.makedirs(d, exist_ok=True)
    stages = []
    seen_fail = False
    for tier in TIERS:
        if seen_fail:
            st = "unver"
        elif tier == fail_tier and status != "success":
            st, seen_fail = "fail", True
        else:
            st = "pass"
        stages.append({"name": tier, "status": st,
                       "tests": [] if st == "unver" else
                       [{"name": "test_" + tier, "status": st, "ms": 1000}]})
    rungs = {"L1": stages[0]["status"], "L2": stages[1]["status"],
             "L3": stages[2]["status"] if stages[3]["status"] == "pass" else stages[3]["status"],
             "L4": stages[4]["status"], "L5": "pass"}
    level = 0
    for k in ("L1", "L2", "L3", "L4", "L5"):
        if rungs[k] != "pass":
            break
        level += 1
    res = {"recipe": recipe, "version": "1.0.0+1.0", "pr": pr, "ref": sha[:8],
           "run_id": number,
           "finished": __import__("time").strftime("%Y-%m-%dT%H:%M:%SZ",
                                                   __import__("time").gmtime(finished)),
           "stages": stages, "level": level, "rungs": rungs,
           "lint": {"status": "pass", "detail": "", "rules_failed": []},
           "skips": {"intentional": {}, "unintentional": []},
           "flags": {"clean_teardown": True, "no_secret_leak": True}}
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")


def write_events(out, end, r):
    import time
    def iso(t):
        return time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(t))
    span = max(3600, end - T0)
    with open(os.path.join(out, "events.yaml"), "w") as f:
        f.write("# generated by bench/gen-drone.py\n")
        for i in range(6):
            s = T0 + int(span * (i + 0.3) / 6)
            f.write("- from: %s\n  to:   %s\n  kind: incident\n  title: host ci-%d under load (%d)\n"
                    "  scope: {machines: [ci-%d]}\n" % (iso(s), iso(s + 7200), i % 4 + 1, i, i % 4 + 1))
        f.write("- at: %s\n  kind: fix\n  title: proxy network widened\n"
                "  resolves: [swarm-vip-exhaustion]\n" % iso(T0 + span // 2))
        f.write("- at: %s\n  kind: fix\n  title: docker daemon upgraded\n"
                "  resolves: [infra]\n" % iso(T0 + span * 3 // 4))


if __name__ == "__main__":
    main()
