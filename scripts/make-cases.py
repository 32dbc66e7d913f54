#!/usr/bin/env python3
"""make-cases.py: writes the generated regression cases under corpus/.

Five small Drone worlds around situations the reference case (ghost-2026-06, written by
make-ghost-case.py) does not cover:

  registry-ratelimit    Docker Hub rate limits across recipes in one hour, then authenticated pulls
  recipe-deterministic  a recipe that fails the same way on the same sha, no event, normal load
  disk-full-scoped      disk full on ci-2 only, an incident scoped to ci-2, ci-1 not confounded
  timing-load           one sha run 20 times: failures at high load, passes at low load
  secret-teardown       leaked secrets, dirty teardown, stale PRs, a killed and a running build

Each case gets drone.sql, runs/, args (and events.yaml, prs.json, load.csv where used) and a
README; the expected report*.json/md already in a folder are kept (they are written by
`CF_UPDATE_GOLDEN=1 bash tests/golden/run_case.sh corpus/<case>` after a manual check).
Deterministic, standard library only; the machinery is in casegen.py.

Usage: scripts/make-cases.py [CASE ...] [--check-only] [--summary]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import casegen as C  # noqa: E402
from casegen import Run, ts, iso, hms, hexid, b36id, RED, RESET, ps_table  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")
CI_SHA = hexid("ci/commit/3")
CI_MSG = "harness: print the dockerd journal's last errors when a task is rejected"

DIGEST = lambda image: "%s@sha256:%s" % (image, hexid("img/" + image, 64))  # noqa: E731


def main_of(recipe, version, prev):
    return dict(sha=hexid("%s/main/%s" % (recipe, version)), pr=None, version=version, prev=prev)


def pr_of(recipe, pr, version, prev, prefix=None):
    sha = hexid("%s/pr%d/head" % (recipe, pr))
    if prefix:
        sha = prefix + sha[len(prefix):]
    return dict(sha=sha, pr=pr, version=version, prev=prev)


def args_lines(builds, extra, recipe=None, target=None, as_of=None):
    a = ["analyze", "--db", "drone.sqlite", "--repo", C.CI_SLUG, "--builds", builds]
    if recipe:
        a += ["--recipe", recipe]
    a += ["--runs", "runs"] + extra
    if target:
        a += ["--target", target]
    if as_of:
        a += ["--as-of", as_of]
    a += ["--format", "json"]
    return "\n".join(a) + "\n"


def converge_wait(log, S, recipe, services, timeout, until):
    log.line(S + 2.6, "Creating network %s_internal" % recipe,
             *["Creating service %s_%s" % (recipe, s) for s in services])
    log.line(S + 3.0, "[harness] waiting for %s to converge (timeout %d s)"
             % (", ".join("%s_%s" % (recipe, s) for s in services), timeout))
    k = 1
    while S + 3.0 + 60 * k < until:
        log.line(S + 3.0 + 60 * k, "[harness] converge: %s (%d s)" % (
            ", ".join("%s_%s %s" % (recipe, s, "1/1" if s in ("db", "redis") else "0/1") for s in services),
            60 * k))
        k += 1


# ===========================================================================
# 1. registry-ratelimit


RL_DAY = "2026-07-08"
RL_FIX = "2026-07-08T11:20Z"


def rl_pull_fail(image, lines, tag_line=None):
    """install tier: the harness pre-pulls an image and the registry refuses."""
    def w(log, S, run, step_start):
        log.line(S + 0.7, "[harness] pre-pulling images for %s" % run.recipe,
                 "[harness] docker pull %s" % image)
        t = S + 1.9
        if tag_line:
            log.line(t - 0.4, tag_line)
        log.mark("deciding", t)
        log.line(t, *lines)
        return t, "harness.images.PullError: docker pull %s exited 1" % image
    return w


def rl_deploy_rejected(image, services, journal, timeout=300):
    """install tier: abra deploys, the app task is Rejected `No such image`; the
    harness prints the dockerd journal's pull error and the task table."""
    def w(log, S, run, step_start):
        r = run.recipe
        log.line(S + 0.7, "[%s] abra app deploy %s --chaos --no-input" % (r, r))
        converge_wait(log, S, r, services, timeout, S + timeout + 3)
        end = S + timeout + 3.3
        log.line(end, RED + "FATA" + RESET + " deploy timed out")
        log.line(end + 0.3, "[harness] deploy did not converge; dockerd journal (last errors):")
        log.mark("deciding", end + 0.3)
        log.line(end + 0.3, *journal(run, step_start + end))
        app = b36id("%d/app" % run.number)
        rows = [(app, "%s_app.1" % r, DIGEST(image), run.machine,
                 "Ready", "Rejected 12 seconds ago", '"No such image: %s"' % image, "")]
        log.line(end + 0.6, "[harness] $ docker service ps --no-trunc %s_app" % r, *ps_table(rows))
        return end + 0.6, "harness.lifecycle.DeployError: abra app deploy exited 1: FATA deploy timed out"
    return w


def rl_upgrade_rejected(image, prev_image):
    """upgrade tier: the new wordpress task is Rejected `No such image`, swarm pauses."""
    def w(log, S, run, step_start):
        r, T = run.recipe, run.tested
        log.line(S + 0.7, "[%s] upgrade path: %s -> %s" % (r, T["prev"], T["version"]))
        log.line(S + 0.8, "[%s] abra app deploy %s %s --no-input --no-converge-checks" % (r, r, T["prev"]))
        log.line(S + 2.5, "Creating network %s_internal" % r, "Creating service %s_db" % r,
                 "Creating service %s_app" % r)
        log.line(S + 31.2, "[harness] base version running: %s_db 1/1, %s_app 1/1 tasks" % (r, r))
        log.line(S + 31.4, "[%s] abra app upgrade %s --chaos --no-input (-> %s)" % (r, r, T["sha"][:8]))
        log.line(S + 32.9, "Updating service %s_db (id: %s)" % (r, b36id("%d/svc/db" % run.number)),
                 "Updating service %s_app (id: %s)" % (r, b36id("%d/svc/app" % run.number)))
        new, old = b36id("%d/app/new" % run.number), b36id("%d/app/old" % run.number)
        log.line(S + 45.0, "[harness] $ docker service ps --no-trunc %s_app" % r, *ps_table([
            (new, "%s_app.1" % r, DIGEST(image), run.machine, "Shutdown", "Rejected 9 seconds ago",
             '"No such image: %s"' % image, ""),
            (old, " \\_ %s_app.1" % r, DIGEST(prev_image), run.machine, "Running", "Running 44 seconds ago",
             "", "")]))
        paused = "update paused due to failure or early termination of task %s" % new
        log.line(S + 46.1, "[harness] $ docker service inspect --format '{{.UpdateStatus.State}}: "
                 "{{.UpdateStatus.Message}}' %s_app" % r)
        log.line(S + 46.1, "paused: " + paused)
        log.mark("deciding", S + 47.0)
        log.line(S + 47.0, "!! upgrade op failed: %s_app UpdateStatus='paused' (%s)" % (r, paused))
        return S + 47.0, ("harness.lifecycle.UpgradeError: upgrade op failed: %s_app UpdateStatus='paused' (%s)"
                          % (r, paused))
    return w


def unhealthy_install(services=("app",), timeout=600, start_period="60s", fail_after=None):
    """install tier: the app never passes its healthcheck in time; swarm kills it
    (`dockerexec: unhealthy container`) and abra's monitor gives up (`FATA deploy failed`)."""
    def w(log, S, run, step_start):
        r = run.recipe
        after = fail_after if fail_after is not None else 128.0
        log.line(S + 0.7, "[%s] abra app deploy %s --chaos --no-input" % (r, r))
        converge_wait(log, S, r, services, timeout, S + after)
        t1, t2 = b36id("%d/app/1" % run.number), b36id("%d/app/2" % run.number)
        log.line(S + after, "[harness] %s_app: healthcheck start_period %s, interval 10s, retries 3" % (r, start_period))
        log.line(S + after + 0.4, "[harness] $ docker service ps --no-trunc %s_app" % r, *ps_table([
            (t2, "%s_app.1" % r, DIGEST(C.G.RECIPES.get(r, {}).get("image", "collabora/code:24.04.7.2.1")),
             run.machine, "Running", "Starting 2 seconds ago", "", ""),
            (t1, " \\_ %s_app.1" % r, DIGEST(C.G.RECIPES.get(r, {}).get("image", "collabora/code:24.04.7.2.1")),
             run.machine, "Shutdown", "Failed 4 seconds ago",
             '"task: non-zero exit (137): dockerexec: unhealthy container"', "")]))
        log.mark("deciding", S + after + 0.9)
        log.line(S + after + 0.9, RED + "FATA" + RESET + " deploy failed 🛑")
        return S + after + 0.9, "harness.lifecycle.DeployError: abra app deploy exited 1: FATA deploy failed"
    return w


def journal_line(machine, when, text, level="error"):
    stamp = C.G.dt.datetime.fromtimestamp(when, C.G.UTC)
    return ('%s %s dockerd[912]: time="%s" level=%s msg="%s" module=node/agent/taskmanager'
            % (stamp.strftime("%b %d %H:%M:%S"), machine, iso(when, frac=True), level, text))


C.G.RECIPES.setdefault("collabora", dict(dur=(380, 460), version="1.6.0+24.04.7.2.1",
                                         image="collabora/code:24.04.7.2.1"))


def plan(recipe, n, skips=()):
    lo, hi = C.G.RECIPES[recipe]["dur"]
    return C.pass_plan(int(C.frac("dur/%s/%d" % (recipe, n), lo, hi)) * 0.5, skips)


def case_registry():
    wp_main = main_of("wordpress", "2.6.2+6.5.5-apache", "2.6.1+6.5.4-apache")
    wp12 = pr_of("wordpress", 12, "2.7.0+6.6.1-apache", "2.6.2+6.5.5-apache", prefix="7b1e04c2")
    nc = main_of("nextcloud", "8.0.1+29.0.4-apache", "8.0.0+29.0.3-apache")
    dc = main_of("discourse", "2.1.0+3.2.5", "2.0.3+3.2.4")
    mu = main_of("mumble", "0.3.1+v1.5.634", "0.3.0+v1.5.517")
    co = main_of("collabora", "1.6.0+24.04.7.2.1", "1.5.2+24.04.6.2.1")
    d = lambda hm: "%sT%s:00Z" % (RL_DAY, hm)  # noqa: E731

    def rl_journal(text):
        return lambda run, when: [journal_line(run.machine, int(when) - 41 + C.frac('jt%d' % run.number, 0.1, 0.9), 'pulling image failed" error="%s' % text)]

    nc_pull = rl_pull_fail("nextcloud:29.0.4-apache", [
        "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may "
        "increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"])
    mu_pull = rl_pull_fail("mumblevoip/mumble-server:v1.5.634", [
        "Error response from daemon: toomanyrequests: Too Many Requests. Please see "
        "https://docs.docker.com/docker-hub/download-rate-limit/"],
        tag_line="v1.5.634: Pulling from mumblevoip/mumble-server")
    dc_rej = rl_deploy_rejected("bitnami/discourse:3.2.5", ("db", "redis", "app"), rl_journal(
        "toomanyrequests: You have reached your unauthenticated pull rate limit. "
        "https://www.docker.com/increase-rate-limit"))
    nc_rej = rl_deploy_rejected("nextcloud:29.0.4-apache", ("db", "app"), rl_journal(
        "Error response from daemon: 429 Too Many Requests - Server message: toomanyrequests: "
        "You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"),
        timeout=240)

    def fail_plan(recipe, n, tier, writer, skips=()):
        p = plan(recipe, n, skips)
        p[tier] = ("fail", writer)
        return p

    runs = [
        Run(701, "wordpress", d("09:20"), wp_main, plan("wordpress", 701)),
        Run(702, "mumble", d("09:41"), mu, plan("mumble", 702, skips=("backup", "restore"))),
        Run(703, "nextcloud", d("10:02"), nc, fail_plan("nextcloud", 703, "install", nc_pull)),
        Run(704, "discourse", d("10:09"), dc, fail_plan("discourse", 704, "install", dc_rej)),
        Run(705, "wordpress", d("10:18"), wp12, fail_plan(
            "wordpress", 705, "upgrade", rl_upgrade_rejected("wordpress:6.6.1-apache", "wordpress:6.5.5-apache"))),
        Run(706, "collabora", d("10:25"), co, fail_plan("collabora", 706, "install", unhealthy_install())),
        Run(707, "mumble", d("10:33"), mu, fail_plan("mumble", 707, "install", mu_pull, skips=("backup", "restore"))),
        Run(708, "nextcloud", d("10:47"), nc, fail_plan("nextcloud", 708, "install", nc_rej)),
        Run(709, "nextcloud", d("11:31"), nc, plan("nextcloud", 709)),
        Run(710, "wordpress", d("11:38"), wp12, plan("wordpress", 710)),
        Run(711, "discourse", d("11:52"), dc, plan("discourse", 711)),
        Run(712, "mumble", d("12:10"), mu, plan("mumble", 712, skips=("backup", "restore"))),
    ]
    runs = C.build_all(runs, CI_SHA, CI_MSG)
    events = """\
# Docker Hub started refusing the CI host's anonymous pulls around 10:00Z; at 11:20Z the
# harness switched to authenticated pulls (ccci-bot's Docker Hub account on the mirror).
- at: %s
  kind: fix
  title: image pulls authenticated (ccci-bot Docker Hub account on the registry mirror)
  resolves: [registry-rate-limit, swarm-update-paused-no-such-image]
""" % RL_FIX
    prs = [
        C.gitea_pr("wordpress", 12, "chore: upgrade to 2.7.0+6.6.1-apache",
                   "Bumps WordPress to 6.6.1. `!testme` to run the CI.", wp12["sha"], "upgrade-6.6.1",
                   "open", "2026-07-07T15:02:11Z", iso(runs[9].finished + 1), comments=2),
        C.gitea_pr("wordpress", 11, "fix: php upload limits via config", "", hexid("wordpress/pr11/head"),
                   "fix-upload-limit", "closed", "2026-06-30T08:40:00Z", "2026-07-02T10:11:00Z",
                   closed="2026-07-02T10:11:00Z", merged="2026-07-02T10:11:00Z", comments=1),
    ]
    files = {"events.yaml": events, "prs.json": json.dumps(prs, indent=2) + "\n",
             "args": args_lines("701..712", ["--events", "events.yaml", "--prs", "prs.json"],
                                target="pr=12", as_of="2026-07-08T12:30Z")}
    return runs, files



# ===========================================================================
# 2. recipe-deterministic


def nc_upgrade_fail(body_lines, msg):
    """nextcloud upgrade tier: base deploy, the upgrade, then the recipe's own failure."""
    def w(log, S, run, step_start):
        r, T = run.recipe, run.tested
        log.line(S + 0.7, "[%s] upgrade path: %s -> %s" % (r, T["prev"], T["version"]))
        log.line(S + 0.8, "[%s] abra app deploy %s %s --no-input --no-converge-checks" % (r, r, T["prev"]))
        log.line(S + 2.5, "Creating network %s_internal" % r, "Creating service %s_db" % r,
                 "Creating service %s_cron" % r, "Creating service %s_app" % r)
        log.line(S + 58.2, "[harness] base version running: %s_db 1/1, %s_cron 1/1, %s_app 1/1 tasks" % (r, r, r))
        log.line(S + 58.4, "[%s] abra app upgrade %s --chaos --no-input (-> %s)" % (r, r, T["sha"][:8]))
        t = S + 60.1
        log.mark("deciding", t)
        for i, ln in enumerate(body_lines):
            log.line(t + 0.1 * i, ln)
        return t + 0.1 * len(body_lines), msg
    return w


def nc_occ_migration_fail():
    """main's upgrade: nextcloud's occ upgrade dies in a core migration (no rule knows it)."""
    def w(log, S, run, step_start):
        r = run.recipe
        inner = nc_upgrade_fail([
            "Updating service %s_app (id: %s)" % (r, b36id("%d/svc/app" % run.number)),
            "[harness] service %s_app converged (1/1 tasks running)" % r,
            "[%s] abra app cmd %s app run_occ 'upgrade --no-interaction'" % (r, r),
            "Setting log level to debug",
            "Turned on maintenance mode",
            "Updating database schema",
            "Exception: Database error when running migration 30000Date20240906095113 for app core",
            "An exception occurred while executing a query: SQLSTATE[42S21]: Column already exists: 1060 "
            "Duplicate column name 'metadata_etag'",
            "Update failed",
            "Maintenance mode is kept active",
            "Resetting log level",
        ], "harness.lifecycle.UpgradeError: occ upgrade exited 1 (Update failed)")
        return inner(log, S, run, step_start)
    return w


def nc_config_not_bumped():
    """PR #41's upgrade: the nginx config changed without its version bump (S51)."""
    def w(log, S, run, step_start):
        r = run.recipe
        return nc_upgrade_fail([
            "Updating service %s_db (id: %s)" % (r, b36id("%d/svc/db" % run.number)),
            RED + "FATA" + RESET + " failed to update config %s_nginx_conf_v3: Error response from daemon: rpc error: "
            "code = InvalidArgument desc = only updates to Labels are allowed" % r,
        ], "harness.lifecycle.UpgradeError: abra app upgrade exited 1")(log, S, run, step_start)
    return w


def nc_install_app_class_missing():
    """PR #42/#43 install: occ maintenance:install crashes on an app class (no rule knows it)."""
    def w(log, S, run, step_start):
        r = run.recipe
        log.line(S + 0.7, "[%s] abra app deploy %s --chaos --no-input" % (r, r))
        converge_wait(log, S, r, ("db", "cron", "app"), 600, S + 70)
        log.line(S + 71.0, "[harness] service %s_app converged (1/1 tasks running)" % r)
        log.line(S + 71.3, "[%s] abra app cmd %s app run_occ 'maintenance:install --admin-user ci-admin'" % (r, r))
        log.mark("deciding", S + 74.9)
        log.line(S + 74.9, 'PHP Fatal error:  Uncaught Error: Class "OCA\\Richdocuments\\AppInfo\\Application" '
                 "not found in /var/www/html/lib/private/AppFramework/Bootstrap/Coordinator.php:119",
                 "Stack trace:",
                 "#0 /var/www/html/lib/private/AppFramework/Bootstrap/Coordinator.php(90): "
                 "OC\\AppFramework\\Bootstrap\\Coordinator->registerApps(Array)",
                 "#1 {main}",
                 "  thrown in /var/www/html/lib/private/AppFramework/Bootstrap/Coordinator.php on line 119")
        return S + 75.0, "harness.lifecycle.InstallError: occ maintenance:install exited 255"
    return w


def case_recipe():
    nc_main = main_of("nextcloud", "9.0.0+30.0.0-apache", "8.0.1+29.0.4-apache")
    nc41 = pr_of("nextcloud", 41, "9.0.0+30.0.1-apache", "8.0.1+29.0.4-apache", prefix="4e1a9c07")
    nc42 = pr_of("nextcloud", 42, "8.1.0+29.0.5-apache", "8.0.1+29.0.4-apache")
    nc43 = pr_of("nextcloud", 43, "8.1.0+29.0.5-apache", "8.0.1+29.0.4-apache")
    wp = main_of("wordpress", "2.7.0+6.6.1-apache", "2.6.2+6.5.5-apache")
    mu = main_of("mumble", "0.3.1+v1.5.634", "0.3.0+v1.5.517")
    hd = main_of("hedgedoc", "1.4.0+1.9.9", "1.3.2+1.9.8")
    d = lambda hm: "2026-08-04T%s:00Z" % hm  # noqa: E731

    def fp(n, tier, w):
        p = plan("nextcloud", n)
        p[tier] = ("fail", w)
        return p

    runs = [
        Run(801, "nextcloud", d("08:05"), nc_main, fp(801, "upgrade", nc_occ_migration_fail())),
        Run(802, "wordpress", d("08:12"), wp, plan("wordpress", 802)),
        Run(803, "nextcloud", d("08:40"), nc41, fp(803, "upgrade", nc_config_not_bumped())),
        Run(804, "mumble", d("09:02"), mu, plan("mumble", 804, skips=("backup", "restore"))),
        Run(805, "nextcloud", d("09:30"), nc_main, fp(805, "upgrade", nc_occ_migration_fail())),
        Run(806, "nextcloud", d("10:15"), nc41, fp(806, "upgrade", nc_config_not_bumped())),
        Run(807, "nextcloud", d("10:50"), nc42, fp(807, "install", nc_install_app_class_missing())),
        Run(808, "nextcloud", d("11:20"), nc_main, fp(808, "upgrade", nc_occ_migration_fail())),
        Run(809, "hedgedoc", d("11:22"), hd, plan("hedgedoc", 809)),
        Run(810, "nextcloud", d("12:05"), nc43, fp(810, "install", nc_install_app_class_missing())),
        Run(811, "nextcloud", d("13:10"), nc41, fp(811, "upgrade", nc_config_not_bumped())),
        Run(812, "wordpress", d("13:12"), wp, plan("wordpress", 812)),
    ]
    runs = C.build_all(runs, CI_SHA, CI_MSG)
    by = {r.number: r for r in runs}
    prs = [
        C.gitea_pr("nextcloud", 43, "feat: enable richdocuments by default (alt)", "", nc43["sha"],
                   "richdocuments-alt", "open", "2026-08-03T16:20:00Z", iso(by[810].finished + 1)),
        C.gitea_pr("nextcloud", 42, "feat: enable richdocuments by default", "", nc42["sha"],
                   "richdocuments", "open", "2026-08-03T11:02:00Z", iso(by[807].finished + 1)),
        C.gitea_pr("nextcloud", 41, "chore: upgrade to 9.0.0+30.0.1-apache",
                   "Nextcloud 30.0.1; nginx: raise client_max_body_size. `!testme` to run the CI.",
                   nc41["sha"], "upgrade-30.0.1", "open", "2026-08-02T09:15:00Z", iso(by[811].finished + 1),
                   comments=3),
    ]
    files = {"prs.json": json.dumps(prs, indent=2) + "\n",
             "args": args_lines("801..812", ["--prs", "prs.json"], recipe="nextcloud", target="pr=41",
                                as_of="2026-08-04T14:00Z")}
    return runs, files


# ===========================================================================
# 3. disk-full-scoped


def dc_pull_disk_full(log, S, run, step_start):
    r = run.recipe
    img = C.G.RECIPES[r]["image"]
    log.line(S + 0.7, "[harness] pre-pulling images for %s" % r, "[harness] docker pull %s" % img,
             "3.2.5: Pulling from bitnami/discourse")
    layers = [hexid("layer/%d/%d" % (run.number, i), 12) for i in range(4)]
    log.line(S + 1.4, *["%s: Pulling fs layer" % x for x in layers])
    log.line(S + 29.0, *["%s: Pull complete" % x for x in layers[:2]])
    log.mark("deciding", S + 52.3)
    log.line(S + 52.3, "failed to register layer: write /var/lib/docker/overlay2/%s/diff/opt/bitnami/discourse/"
             "public/assets/application-%s.js.gz: no space left on device"
             % (hexid("ovl/%d" % run.number, 64), hexid("asset/%d" % run.number, 32)))
    return S + 52.3, "harness.images.PullError: docker pull %s exited 1" % img


def wp_backup_disk_full(log, S, run, step_start):
    """backup tier on ci-2: mysqld blocks on a full disk, the backup times out."""
    r = run.recipe
    log.line(S + 0.8, "[%s] seeding: created post 'ci-seed-%d'" % (r, run.number))
    log.line(S + 1.6, "[%s] abra app backup create %s --no-input" % (r, r))
    log.line(S + 2.0, "[harness] following service logs (%s_db)" % r)
    when = C.G.dt.datetime.fromtimestamp(step_start + S + 3, C.G.UTC)
    pre = "%s_db.1.%s@%s    | " % (r, b36id("%d/db" % run.number)[:12], run.machine)
    log.mark("deciding", S + 3.0)
    log.line(S + 3.0, pre + when.strftime("%Y-%m-%dT%H:%M:%S.") + "412087Z 14 [ERROR] [MY-000035] [Server] "
             "Disk is full writing './binlog.000002' (OS errno 28 - No space left on device). Waiting for "
             "someone to free space... Retry in 60 secs. Message reprinted in 600 secs.")
    log.line(S + 123.6, "[harness] backup-bot: mysqldump still running after 120 s; giving up")
    return S + 123.6, "harness.lifecycle.BackupError: abra app backup create timed out after 120 s"


def custom_500(path):
    def w(log, S, run, step_start):
        r = run.recipe
        log.line(S + 0.8, "[harness] GET https://%s.ci.coopcloud.example%s" % (r, path))
        log.mark("deciding", S + 1.9)
        log.line(S + 1.9, "[harness] GET https://%s.ci.coopcloud.example%s -> 500 (1.08 s)" % (r, path))
        return S + 1.9, ("AssertionError: GET https://%s.ci.coopcloud.example%s returned 500, expected 200"
                         % (r, path))
    return w


def nc_pdo_refused(log, S, run, step_start):
    r = run.recipe
    log.line(S + 0.7, "[%s] abra app deploy %s --chaos --no-input" % (r, r))
    converge_wait(log, S, r, ("db", "app"), 600, S + 40)
    log.line(S + 41.0, "[harness] service %s_app converged (1/1 tasks running)" % r)
    log.line(S + 41.3, "[%s] abra app cmd %s app run_occ 'maintenance:install --database mysql'" % (r, r))
    log.mark("deciding", S + 44.2)
    log.line(S + 44.2, "Error while trying to create admin user: Failed to connect to the database: "
             "An exception occurred in the driver: SQLSTATE[HY000] [2002] Connection refused")
    return S + 44.3, "harness.lifecycle.InstallError: occ maintenance:install exited 1"


def case_disk():
    wp7 = pr_of("wordpress", 7, "2.7.1+6.6.2-apache", "2.7.0+6.6.1-apache", prefix="a3c07e19")
    dc = main_of("discourse", "2.1.0+3.2.5", "2.0.3+3.2.4")
    nc = main_of("nextcloud", "8.0.1+29.0.4-apache", "8.0.0+29.0.3-apache")
    mu = main_of("mumble", "0.3.1+v1.5.634", "0.3.0+v1.5.517")
    hd = main_of("hedgedoc", "1.4.0+1.9.9", "1.3.2+1.9.8")
    gi = main_of("gitea", "3.3.0+1.22.0-rootless", "3.2.1+1.21.11-rootless")
    d = lambda hm: "2026-09-03T%s:00Z" % hm  # noqa: E731

    def fp(recipe, n, tier, w, skips=()):
        p = plan(recipe, n, skips)
        p[tier] = ("fail", w)
        return p

    runs = [
        Run(901, "wordpress", d("12:10"), wp7, plan("wordpress", 901), machine="ci-1"),
        Run(902, "gitea", d("12:31"), gi, plan("gitea", 902), machine="ci-2"),
        Run(903, "discourse", d("13:05"), dc, fp("discourse", 903, "install", dc_pull_disk_full), machine="ci-2"),
        Run(904, "nextcloud", d("13:12"), nc, fp("nextcloud", 904, "install", nc_pdo_refused), machine="ci-1"),
        Run(905, "wordpress", d("13:20"), wp7, fp("wordpress", 905, "backup", wp_backup_disk_full), machine="ci-2"),
        Run(906, "mumble", d("13:40"), mu, fp("mumble", 906, "custom", custom_500("/"), skips=("backup", "restore")),
            machine="ci-2"),
        Run(907, "hedgedoc", d("13:44"), hd, fp("hedgedoc", 907, "custom", custom_500("/new")), machine="ci-1"),
        Run(908, "wordpress", d("15:30"), wp7, plan("wordpress", 908), machine="ci-1"),
        Run(909, "discourse", d("15:41"), dc, plan("discourse", 909), machine="ci-2"),
        Run(910, "nextcloud", d("15:50"), nc, plan("nextcloud", 910), machine="ci-1"),
    ]
    runs = C.build_all(runs, CI_SHA, CI_MSG)
    events = """\
# ci-2's Docker data root filled up (images and volumes of earlier runs were never pruned).
- from: 2026-09-03T13:00Z
  to:   2026-09-03T15:05Z
  kind: incident
  title: /var/lib/docker on ci-2 at 100% (no space left on device)
  scope: {machines: [ci-2]}
- at: 2026-09-03T15:05Z
  kind: deploy
  title: docker system prune -af --volumes on ci-2 (61 GB freed), nightly prune timer enabled
  scope: {machines: [ci-2]}
"""
    files = {"events.yaml": events,
             "args": args_lines("901..910", ["--events", "events.yaml"], target="pr=7",
                                as_of="2026-09-03T16:30Z")}
    return runs, files



# ===========================================================================
# 4. timing-load

TL_SLOTS = "F4 P0 F3 P1 P0 F5 F4 P0 F3 P1 F4 P0 P0 F5 F3 P1 P0 F4 P0".split()
TL_FILLERS = ["discourse", "nextcloud", "peertube", "matrix-synapse", "authentik", "keycloak"]


def tl_load_value(runs, t):
    """node_load1 of ci-1 at t: every running stage (the measured build too) adds ~1.55."""
    n = sum(1 for r in runs if r.machine == "ci-1" and r.started <= t < r.finished)
    return 0.3 + 1.55 * n + C.frac("load/%d" % t, 0.0, 0.4)


def case_timing():
    co9 = pr_of("collabora", 9, "1.7.0+24.04.8.1.1", "1.6.0+24.04.7.2.1", prefix="5c0ffee1")
    runs, n = [], 1001
    t0 = ts("2026-10-05T06:00:00Z")
    for i, slot in enumerate(TL_SLOTS):
        start = t0 + i * 50 * 60
        k = int(slot[1])
        for j in range(k):
            recipe = TL_FILLERS[(i + j) % len(TL_FILLERS)]
            T = main_of(recipe, C.G.RECIPES[recipe]["version"], "0.9.0")
            runs.append(Run(n, recipe, iso(start - 360 + 75 * j), T, short=1000 + 40 * j))
            n += 1
        p = C.pass_plan(430)
        if slot[0] == "F":
            p["install"] = ("fail", unhealthy_install(start_period="60s", fail_after=128.0 + (i % 3)))
        runs.append(Run(n, "collabora", iso(start), co9, p))
        n += 1
    runs = C.build_all(runs, CI_SHA, CI_MSG)
    lo = min(r.started for r in runs) - 600
    hi = max(r.finished for r in runs) + 600
    lines = ["# node_load1 of the CI host (Prometheus node exporter, 60 s steps), exported as CSV",
             "time,value,machine"]
    for t in range(lo - lo % 60, hi, 60):
        lines.append("%s,%.2f,ci-1" % (iso(t), tl_load_value(runs, t)))
    files = {"load.csv": "\n".join(lines) + "\n",
             "args": args_lines("1001..%d" % runs[-1].number, ["--load", "load.csv"], recipe="collabora",
                                target="pr=9", as_of="2026-10-06T00:00Z"),
             "args-derived": args_lines("1001..%d" % runs[-1].number, [], recipe="collabora",
                                        target="pr=9", as_of="2026-10-06T00:00Z")}
    return runs, files


def check_timing(runs):
    """Failures must sit at higher derived and sampled load than every pass."""
    problems = []
    co = [r for r in runs if r.recipe == "collabora"]
    fl, pl, fs, ps = [], [], [], []
    for r in co:
        if r.code:
            _, t = C.mark_time(r, "deciding")
        else:
            t = (r.started + r.finished) // 2
        d, v = C.load_at(runs, t, r.number), tl_load_value(runs, t - t % 60)
        (fl if r.code else pl).append(d)
        (fs if r.code else ps).append(v)
    if len(fl) < 8 or len(pl) < 8:
        problems.append("%d failures, %d passes" % (len(fl), len(pl)))
    if min(fl) <= max(pl):
        problems.append("derived loads overlap: failures %s passes %s" % (fl, pl))
    if min(fs) <= max(ps):
        problems.append("sampled loads overlap")
    return problems


# ===========================================================================
# 5. secret-teardown
#
# Planted secrets (all invented): the report must contain none of them.
SECRETS = {
    "git_url_password": "Zq4vT9mWc2Lp8Rx1",
    "env_db_password": "Hu7pW3xq9ZtLmB4s",
    "env_secret_key": "kX2c9VbN7mQ4wE6rT8yU1iO3pA5sD0fG",
    "jwt": ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaS1ib3QiLCJyZWFsbSI6ImNpIn0."
            "c2lnbmF0dXJlLXBsYW50ZWQtZm9yLWNpZm9yZW5zaWNz"),
    "gitea_token": "8f14e45fceea167a5a36dedd4bea2543a1b2c3d4",
    "github_token": "ghp_" + "R8x2Lq7Vn4Tz9Kc1Wm5Pb3Jd6Hs0Gf2Ya8Ue",
    "admin_password": "Vk3!rT9#qL2m",
}


def hd_fetch_403(log, S, run, step_start):
    """install: abra fetches the recipe through a credentialed URL and gets 403."""
    r = run.recipe
    log.line(S + 0.7, "[%s] abra recipe fetch %s" % (r, r))
    log.line(S + 0.9, "[harness] ERROR deploy env: GIT_PASSWORD=%s CMD_SESSION_SECRET=%s"
             % (SECRETS["admin_password"], SECRETS["env_secret_key"]))
    log.mark("deciding", S + 2.4)
    log.line(S + 2.4, "fatal: unable to access 'https://ccci-bot:%s@git.coopcloud.example/cc-recipes/%s.git/': "
             "The requested URL returned error: 403" % (SECRETS["git_url_password"], r))
    log.line(S + 2.5, RED + "FATA" + RESET + " unable to clone %s: exit status 128" % r)
    return S + 2.5, "harness.lifecycle.DeployError: abra recipe fetch exited 1"


def ak_db_refused(log, S, run, step_start):
    """install: authentik's server cannot reach postgres yet; the harness dumps the task env."""
    r = run.recipe
    log.line(S + 0.7, "[%s] abra app deploy %s --chaos --no-input" % (r, r))
    converge_wait(log, S, r, ("db", "redis", "server", "worker"), 600, S + 95)
    pre = "%s_server.1.%s@%s    | " % (r, b36id("%d/server" % run.number)[:12], run.machine)
    log.mark("deciding", S + 96.0)
    log.line(S + 96.0, pre + '{"event": "PostgreSQL connection failed, retrying... (connection to server at '
             '\\"db\\" (10.0.7.12), port 5432 failed: Connection refused)", "level": "info", "logger": '
             '"authentik.lib.config"}')
    log.line(S + 96.2, pre + "django.db.utils.OperationalError: connection to server at \"db\" (10.0.7.12), port "
             "5432 failed: Connection refused (dsn: postgresql://authentik:%s@db:5432/authentik)"
             % SECRETS["env_db_password"])
    log.line(S + 97.0, "[harness] %s_server failed to start; task env (docker service inspect):" % r,
             "  AUTHENTIK_POSTGRESQL__HOST=db",
             "  AUTHENTIK_POSTGRESQL__USER=authentik",
             "  AUTHENTIK_POSTGRESQL__PASSWORD=%s" % SECRETS["env_db_password"],
             "  AUTHENTIK_SECRET_KEY=%s" % SECRETS["env_secret_key"],
             "  AUTHENTIK_ERROR_REPORTING__ENABLED=false")
    log.line(S + 97.4, RED + "FATA" + RESET + " deploy failed 🛑")
    return S + 97.4, "harness.lifecycle.DeployError: abra app deploy exited 1: FATA deploy failed"


def kc_custom_502(log, S, run, step_start):
    """custom: the admin API answers 502; the request carried a bearer token and a query token."""
    r = run.recipe
    host = "%s.ci.coopcloud.example" % r
    log.line(S + 0.8, "[harness] POST https://%s/realms/master/protocol/openid-connect/token -> 200 (0.31 s)" % host)
    log.line(S + 1.1, "> GET /admin/realms/ci/users HTTP/1.1", "> Host: %s" % host,
             "> Authorization: Bearer %s" % SECRETS["jwt"], "> User-Agent: python-requests/2.32.3",
             "< HTTP/1.1 502 Bad Gateway", "< Content-Length: 11")
    log.mark("deciding", S + 1.3)
    log.line(S + 1.3, "requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: "
             "https://%s/admin/realms/ci/users?access_token=%s" % (host, SECRETS["jwt"]))
    log.line(S + 1.6, "[harness] ERROR screenshot upload failed: fatal: Authentication failed for "
             "'https://x-access-token:%s@github.com/coop-cloud-ci/screenshots.git/'" % SECRETS["github_token"])
    log.line(S + 1.8, "[harness] ERROR gitea status update failed: 401 Unauthorized (request header "
             "Authorization: token %s)" % SECRETS["gitea_token"])
    return S + 1.8, "requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://%s/admin/realms/ci/users" % host


def dirty_teardown(leftover_volume, in_use_secret, service):
    def w(log, t, run):
        r = run.recipe
        log.line(t, "[harness] teardown: abra app undeploy %s --no-input" % r)
        log.line(t + 5.1, "[harness] teardown: removing volumes %s_data %s" % (r, leftover_volume))
        log.line(t + 5.9, "Error response from daemon: remove %s: volume is in use - [%s]"
                 % (leftover_volume, hexid("ctr/%d" % run.number, 64)))
        log.line(t + 6.3, "[harness] teardown: removing secrets %s" % in_use_secret)
        log.line(t + 6.6, "Error response from daemon: rpc error: code = InvalidArgument desc = secret '%s' is in "
                 "use by the following service: %s" % (in_use_secret, service))
        log.line(t + 7.0, "[harness] teardown: NOT clean (1 volume, 1 secret left: %s, %s)" % (leftover_volume, in_use_secret),
                 "[harness] secret scan: 0 leaks in %d lines" % (len(log.elems) + 12))
        return t + 7.2
    return w


def leaky_teardown(n_leaks):
    def w(log, t, run):
        t = C.clean_teardown(log, t, run)
        log.line(t, "[harness] secret scan: %d leak%s found in the step log (values withheld); "
                 "flags.no_secret_leak=false" % (n_leaks, "" if n_leaks == 1 else "s"))
        return t + 0.1
    return w


def env_dump(log, t):
    """a debug env dump at the start of the harness (authentik pass)."""
    log.line(t, "[harness] DEBUG environment:", "  ABRA_DIR=/root/.abra", "  DRONE_BUILD_EVENT=custom",
             "  GITEA_TOKEN=%s" % SECRETS["gitea_token"], "  CI_ADMIN_PASSWORD='%s'" % SECRETS["admin_password"])
    return t + 0.1


def case_secret():
    hd15 = pr_of("hedgedoc", 15, "1.5.0+1.10.0", "1.4.0+1.9.9", prefix="0d5e11a7")
    hd16 = pr_of("hedgedoc", 16, "1.4.1+1.9.9", "1.4.0+1.9.9")
    ak = main_of("authentik", "6.1.0+2024.6.1", "6.0.2+2024.4.3")
    kc = main_of("keycloak", "10.0.2+25.0.1", "10.0.1+25.0.0")
    d = lambda hm: "2026-11-10T%s:00Z" % hm  # noqa: E731
    leak = {"clean_teardown": True, "no_secret_leak": False}
    dirty = {"clean_teardown": False, "no_secret_leak": True}

    def fp(recipe, n, tier, w):
        p = plan(recipe, n)
        p[tier] = ("fail", w)
        return p

    runs = [
        Run(1101, "hedgedoc", d("08:02"), hd15, fp("hedgedoc", 1101, "install", hd_fetch_403), flags=leak,
            teardown=leaky_teardown(1)),
        Run(1102, "authentik", d("08:20"), ak, fp("authentik", 1102, "install", ak_db_refused),
            flags={"clean_teardown": False, "no_secret_leak": False},
            teardown=dirty_teardown("authentik_database", "authentik_db_password_v1", "authentik_worker")),
        Run(1103, "authentik", d("09:05"), ak, plan("authentik", 1103), flags=leak, extra_pre=env_dump,
            teardown=leaky_teardown(2)),
        Run(1104, "keycloak", d("09:31"), kc, plan("keycloak", 1104), flags=dirty,
            teardown=dirty_teardown("keycloak_postgres", "keycloak_admin_password_v2", "keycloak_app")),
        Run(1105, "hedgedoc", d("09:58"), hd16, plan("hedgedoc", 1105)),
        Run(1106, "keycloak", d("10:20"), kc, fp("keycloak", 1106, "custom", kc_custom_502), flags=leak,
            teardown=leaky_teardown(3)),
        Run(1107, "hedgedoc", d("10:44"), hd15, plan("hedgedoc", 1107), state=("killed", 70.0)),
        Run(1108, "hedgedoc", d("11:03"), hd15, plan("hedgedoc", 1108)),
        Run(1109, "hedgedoc", d("11:40"), hd15, plan("hedgedoc", 1109), state=("running", 40.0)),
    ]
    runs = C.build_all(runs, CI_SHA, CI_MSG)
    by = {r.number: r for r in runs}
    prs = [
        C.gitea_pr("hedgedoc", 16, "fix: healthcheck uses wget (curl removed upstream)", "", hd16["sha"],
                   "healthcheck-wget", "open", "2026-11-09T17:30:00Z", iso(by[1105].finished + 1)),
        C.gitea_pr("hedgedoc", 15, "chore: upgrade to 1.5.0+1.10.0", "HedgeDoc 1.10.0. `!testme`.",
                   hd15["sha"], "upgrade-1.10.0", "open", "2026-11-08T10:00:00Z", iso(by[1109].created),
                   comments=4),
        C.gitea_pr("hedgedoc", 14, "docs: README badges", "", hexid("hedgedoc/pr14/head"), "readme-badges",
                   "closed", "2026-10-20T12:00:00Z", "2026-10-22T08:00:00Z", closed="2026-10-22T08:00:00Z",
                   merged="2026-10-22T08:00:00Z"),
        C.gitea_pr("hedgedoc", 9, "wip: s3 uploads", "Parked until the minio recipe is stable.",
                   hexid("hedgedoc/pr9/head"), "s3-uploads", "open", "2026-08-14T09:12:00Z",
                   "2026-09-02T16:45:00Z", comments=6),
    ]
    files = {"prs.json": json.dumps(prs, indent=2) + "\n",
             "args": args_lines("1101..1109", ["--prs", "prs.json"], target="pr=15", as_of="2026-11-10T12:00Z")}
    return runs, files


CASES = {
    "timing-load": case_timing,
    "secret-teardown": case_secret,
    "recipe-deterministic": case_recipe,
    "disk-full-scoped": case_disk,
    "registry-ratelimit": case_registry,
}


def summary(name, runs):
    print("== %s" % name)
    for r in runs:
        fm = ""
        if "deciding" in r.marks:
            line, t = C.mark_time(r, "deciding")
            fm = "deciding line %d at %s load %d" % (line, iso(t), C.load_at(runs, t, r.number))
        elif r.state == "done" and r.code == 0:
            mid = (r.started + r.finished) // 2
            fm = "mid %s load %d" % (iso(mid), C.load_at(runs, mid, r.number))
        print("#%d %-10s %-9s %s %s..%s %s level %s pr %s %s" % (
            r.number, r.recipe, r.status, r.machine, iso(r.started), hms(r.finished) if r.finished else "-",
            r.tested["sha"][:8], r.level, r.tested["pr"], fm))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("--check-only", action="store_true")
    ap.add_argument("--summary", action="store_true")
    a = ap.parse_args()
    names = a.cases or list(CASES)
    rc = 0
    for name in names:
        runs, files = CASES[name]()
        problems = CHECKS.get(name, lambda r: [])(runs)
        if a.summary:
            summary(name, runs)
        if problems:
            for p in problems:
                print("make-cases: %s: check failed: %s" % (name, p), file=sys.stderr)
            rc = 1
            continue
        if a.check_only:
            continue
        files = dict(files)
        files["README.md"] = README[name](runs)
        problems = C.write_case(os.path.join(CORPUS, name), runs, files, id_offset=40, step_base=3100,
                                repo_created="2026-03-02T10:14:55Z")
        for p in problems:
            print("make-cases: %s: %s" % (name, p), file=sys.stderr)
            rc = 1
    return rc


CHECKS = {"timing-load": check_timing}

REGEN = """Generated by `scripts/make-cases.py` (deterministic, standard-library Python; shared
machinery in `scripts/casegen.py`, which reuses the log/schema writers of
`make-ghost-case.py`). Edit the generator, never these files, then run it again:

    python3 scripts/make-cases.py %s            # rewrite this folder (keeps report*.json/.md)
    python3 scripts/make-cases.py %s --summary  # also print key lines, times and loads

The expected reports were written with `CF_UPDATE_GOLDEN=1 bash tests/golden/run_case.sh
corpus/%s` only after every verdict and finding was checked by hand against the table below.
"""

COMMON_INVENTED = """* Invented: the builds, times, shas, PR numbers and titles, machine names, ids and digests,
  the harness's own lines (`[harness] ...`, the pytest layout of the reference case), and the
  Drone rows (custom builds of `cc/recipe-ci` on `refs/heads/main`, `build_params` BLOBs,
  runner-go log blobs; `repo_secret`/`repo_signer` hold dummies the tool must never read)."""


def facts_table(runs, recipe=None, extra=None):
    L = ["| build | recipe | machine | tested | status | key line (log time) | load |",
         "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in runs:
        if recipe and r.recipe != recipe:
            continue
        tested = ("PR #%d `%s`" % (r.tested["pr"], r.tested["sha"][:8]) if r.tested["pr"]
                  else "main `%s`" % r.tested["sha"][:8])
        if "deciding" in r.marks:
            line, t = C.mark_time(r, "deciding")
            key, load = "test:%d (%s)" % (line, iso(t)), C.load_at(runs, t, r.number)
        elif r.state == "done" and r.code == 0:
            mid = (r.started + r.finished) // 2
            key, load = "- (pass; middle %s)" % hms(mid), C.load_at(runs, mid, r.number)
        else:
            key, load = "-", "-"
        if extra:
            load = "%s / %s" % (load, extra(r))
        L.append("| #%d | %s | %s | %s | %s | %s | %s |" % (r.number, r.recipe, r.machine, tested, r.status,
                                                          key, load))
    return "\n".join(L)


def verdict_table(v):
    L = ["| build | verdict | why |", "| --- | --- | --- |"]
    for n in sorted(v):
        L.append("| #%d | %s | %s |" % (n, v[n][0], v[n][1]))
    return "\n".join(L)


def readme(name, title, intro, real, runs, verdicts, findings, defects, recipe=None, extra=None,
           load_note="load = other stages running on the same machine (derived, as the analyzer counts them)"):
    return "\n".join([
        "# %s: %s" % (name, title), "", intro.strip(), "", REGEN % (name, name, name),
        "## What is real and what is invented", "", real.strip(), COMMON_INVENTED, "",
        "## Facts the analyzer should find", "",
        "Times UTC; lines are 1-based (Drone pos + 1) in the `test` step; the key line is the"
        " line the case was built around (the deciding rule's hit may be a neighbouring line of"
        " the same block); load is taken at that line's time (passes: the middle of the build);"
        " %s." % load_note, "",
        facts_table(runs, recipe, extra), "",
        "## Expected verdicts", "", verdict_table(verdicts), "",
        "## Expected findings", "", findings.strip(), "",
        "## Tool defects the goldens currently encode", "", defects.strip(), ""])


def readme_registry(runs):
    return readme(
        "registry-ratelimit", "Docker Hub rate limits across recipes, then authenticated pulls",
        """
Within one hour (2026-07-08 10:00-10:51Z) five builds of four recipes fail on the one CI host
because Docker Hub refuses anonymous pulls; at 11:20Z a `fix` event switches the harness to
authenticated pulls and resolves the two registry rules. The target, wordpress PR #12, failed
its upgrade tier in the rate-limited hour (task `Rejected` with `No such image`, swarm paused
the update) and passed after the fix. A collabora failure in the same hour is a healthcheck
timing failure that the fix must NOT resolve. Args: the whole range #701-#712 (no `--recipe`),
`--events`, `--prs` (wordpress PRs), `--target pr=12`, as of 12:30Z.
""",
        """
* Real wordings (`real-signatures.md` S31, S32, S56, S57, S03, S25, S26, S70, S71): Docker Hub's
  `toomanyrequests: You have reached your pull rate limit. You may increase the limit by
  authenticating and upgrading: https://www.docker.com/increase-rate-limit` (#703, older
  wording), `toomanyrequests: You have reached your unauthenticated pull rate limit.
  https://www.docker.com/increase-rate-limit` inside dockerd's `msg="pulling image failed"
  error=...` journal line (#704), the same behind `429 Too Many Requests - Server message:`
  (#708), the task Err `No such image: <image>` of a Rejected task, swarm's `update paused due
  to failure or early termination of task <id>`, `task: non-zero exit (137): dockerexec:
  unhealthy container`, abra's `FATA deploy timed out` / `FATA deploy failed`.
* Reworded variant the rules have not seen: #707 `Error response from daemon: toomanyrequests:
  Too Many Requests. Please see https://docs.docker.com/docker-hub/download-rate-limit/`.
""", runs, {
            701: ("pass", "genuine level-5 pass of wordpress main (`c232df3f`), before the fix: wrong target for PR #12"),
            702: ("pass", "genuine level-5 pass of mumble (L3 intentionally skipped)"),
            703: ("infra", "`toomanyrequests` on `docker pull` (registry-rate-limit), before the fix that resolves it"),
            704: ("infra", "dockerd journal `pulling image failed` with `toomanyrequests`, task Rejected `No such image`; abra's deploy timeout (timing) is a consequence; before the fix"),
            705: ("infra", "upgrade: new task Rejected `No such image`, update paused (swarm-update-paused-no-such-image), before the fix that resolves it"),
            706: ("timing", "collabora killed by its healthcheck (`dockerexec: unhealthy container`, `FATA deploy failed`); the fix resolves registry rules only, so it does not confound this failure"),
            707: ("infra", "reworded `toomanyrequests: Too Many Requests` on `docker pull`, before the fix"),
            708: ("infra", "`429 Too Many Requests - Server message: toomanyrequests` in the journal line, before the fix"),
            709: ("pass", "genuine post-fix pass"),
            710: ("pass", "genuine post-fix level-5 pass of the target PR #12 (`7b1e04c2`): operator-ready"),
            711: ("pass", "genuine post-fix pass"),
            712: ("pass", "genuine post-fix pass (L3 intentionally skipped)"),
        }, """
* verdict: PR #12 operator-ready on #710 (genuine level-5 pass 18 min after the fix, head unchanged).
* failure-mode: the install failures #703 #704 #707 #708 share tier `install` and rule
  `registry-rate-limit` (infra). #705 (upgrade) and #706 (timing) stand alone.
* event-relative: the fix resolves the deciding rules of #703 #704 #705 #707 #708 (not #706);
  #701 passed before it.
* wrong-target: #701 tested wordpress main, not PR #12, and ran before the fix.
* genuine-pass #710; hygiene clean on all 12 runs. No load-sensitive finding (no sha both
  passed and failed other than by infra), no stale PR (#11 is merged).
""", """
* None found: every verdict and finding above is what the tool reports.
""")


def readme_recipe(runs):
    return readme(
        "recipe-deterministic", "a recipe that fails the same way, with and without a rule",
        """
Recipe nextcloud, 2026-08-04, at normal load and with no infrastructure event. Three shas fail
deterministically: main (`01fba82c`) fails its upgrade tier three times in `occ upgrade` with a
core-migration error no rule knows; PR #41 (`4e1a9c07`, the target) fails its upgrade tier three
times because its nginx config changed without a version bump (`only updates to Labels are
allowed`, rule `recipe-config-version-not-bumped`); PRs #42 and #43 (different shas) each fail
their install tier once with the same PHP fatal error no rule knows. Other recipes' passes
share the host. Args: `--recipe nextcloud`, `--prs`, `--target pr=41`, as of 14:00Z.
""",
        """
* Real wordings (`real-signatures.md` S51): swarmkit's `only updates to Labels are allowed`
  as the docker CLI shows it (`rpc error: code = InvalidArgument desc = ...`), behind abra's
  `FATA failed to update config <name>: Error response from daemon:`.
* Invented: the Nextcloud `occ upgrade` output (`Exception: Database error when running
  migration 30000Date20240906095113 for app core`, `SQLSTATE[42S21]: Column already exists:
  1060 Duplicate column name 'metadata_etag'`, `Update failed`, `Maintenance mode is kept
  active`) and the PHP fatal error (`Uncaught Error: Class "OCA\\Richdocuments\\AppInfo\\Application"
  not found in .../Coordinator.php:119`), worded after Nextcloud's and PHP's usual formats.
""", runs, {
            801: ("recipe", "no rule; the same sha `01fba82c` failed the same way (tier upgrade, same fingerprint) 3 times outside every event, at least once not at elevated load (reproduction rule; confidence low)"),
            803: ("recipe", "recipe-config-version-not-bumped in the upgrade tier, and reproduced 3 times on `4e1a9c07` (high)"),
            805: ("recipe", "as #801"),
            806: ("recipe", "as #803"),
            807: ("unknown", "no rule; PR #42's sha failed only once, so nothing reproduces it"),
            808: ("recipe", "as #801 (this run at load 1, elevated: the reproduction still has two calm runs)"),
            810: ("unknown", "as #807 for PR #43; same fingerprint as #807"),
            811: ("recipe", "as #803; the target's newest finished run, so PR #41 is not operator-ready"),
        }, """
* verdict: PR #41 is not operator-ready (its newest run #811 failed, recipe).
* failure-mode: #803 #806 #811 (upgrade, `recipe-config-version-not-bumped`, recipe).
* failure-mode (DESIGN.md "Findings": same tier and fingerprint): #801 #805 #808 (upgrade,
  fingerprint `Exception: Database error when running migration #Date# for app core`).
* unclassified: #807 #810 grouped by their shared fingerprint (the PHP fatal error).
* stale-pr: #42 and #43 open, tested in the range, not the target. Hygiene clean on all 8 runs.
""", """
* None now. (Earlier goldens lacked the failure-mode finding for #801 #805 #808, which share a
  tier and fingerprint but no rule; fixed in `analyzer/analysis/findings.c`.)
""")


def readme_disk(runs):
    return readme(
        "disk-full-scoped", "disk full on one machine; an incident scoped to it",
        """
Two CI machines. On 2026-09-03 the Docker data root of `ci-2` fills up; an incident event
covers [13:00Z, 15:05Z) with `scope: {machines: [ci-2]}`, and a `deploy` event (information
only) records the prune at 15:05Z. On ci-2 three builds fail in the window: two with disk
wordings, one (mumble, custom tier) with an HTTP 500 that says nothing about disk. On ci-1, in
the same window, a nextcloud install fails on a database refusal (timing) and a hedgedoc custom
test fails with an HTTP 500: neither may be confounded by the ci-2 incident. The target,
wordpress PR #7, passed on ci-1 before, failed its backup tier on ci-2 in the window, and passed
on ci-1 after. Args: `--events`, `--target pr=7`, as of 16:30Z (no `--recipe`).
""",
        """
* Real wordings (`real-signatures.md` S63, S65, S66, S83): `failed to register layer: write
  ...: no space left on device`, MySQL's `Disk is full writing './binlog.000002' (OS errno 28 -
  No space left on device). Waiting for someone to free space... Retry in 60 secs. Message
  reprinted in 600 secs.` (the MySQL 8 form with `[MY-000035]`, a variant of S66's wording:
  `OS errno 28` instead of `Errcode: 28`), `SQLSTATE[HY000] [2002] Connection refused`.
""", runs, {
            901: ("pass", "genuine pass of the target on ci-1, before the incident"),
            902: ("pass", "genuine pass on ci-2 before the incident"),
            903: ("infra", "disk full while extracting an image layer on ci-2, inside the ci-2 incident (hit + window: high)"),
            904: ("timing", "ci-1: `SQLSTATE[HY000] [2002] Connection refused` (php-pdo-connection-refused); the ci-2 incident does not apply to ci-1"),
            905: ("infra", "ci-2: MySQL blocked on a full disk during the backup, inside the incident (high)"),
            906: ("infra", "ci-2: no rule decides the HTTP 500, but the failing moment is inside the incident that applies to ci-2 (medium)"),
            907: ("unknown", "ci-1: the same kind of HTTP 500 with no rule; the ci-2 incident does not apply, so nothing decides it"),
            908: ("pass", "genuine level-5 pass of PR #7 on ci-1 after the window: operator-ready"),
            909: ("pass", "genuine pass on ci-2 after the prune"),
            910: ("pass", "genuine pass on ci-1"),
        }, """
* verdict: PR #7 operator-ready on #908 (no fix event applies, so the newest finished run decides).
* event-relative: the ci-2 incident confounds #903 #905 #906 and nothing on ci-1.
* unclassified: #907 alone. genuine-pass #908. Hygiene clean on all 10 runs.
* No failure-mode finding: no two failures share tier and deciding rule (#903 install, #905
  backup) or fingerprint among unknowns.
""", """
* **Rule choice on one line.** #903's line matches both `registry-layer-no-space` and
  `host-disk-full`; the tool picks `host-disk-full` (rule id order at the same line), not the
  more specific rule. Same class, so the verdict is right.
* (Fixed: #907's fingerprint was the bare pytest marker `FAILED`; the build's fingerprint is
  now its first error line with at least two words. `mysql-disk-full` now also knows MySQL 8's
  `(OS errno 28 - ...)` wording.)
""")


def readme_timing(runs):
    def sampled(r):
        if "deciding" in r.marks:
            t = C.mark_time(r, "deciding")[1]
        elif r.state == "done" and r.code == 0:
            t = (r.started + r.finished) // 2
        else:
            return "-"
        return "%.2f" % tl_load_value(runs, t - t % 60)
    return readme(
        "timing-load", "a load-sensitive healthcheck failure over 19 runs",
        """
One sha, collabora PR #9 (`5c0ffee1`), run 19 times on `ci-1` on 2026-10-05, every 50 minutes.
Nine runs start while 3-5 other recipes' builds occupy the host: collabora's first boot outlasts
its 60 s healthcheck start period, swarm kills the task (`dockerexec: unhealthy container`) and
abra gives up (`FATA deploy failed`). Ten runs start on a quiet host (0-1 other builds) and pass
at level 5. The other builds are context only (short logs, no artifacts). `args` reads host
load from `load.csv` (node_load1 every 60 s: 0.3 + 1.55 per running stage, the build itself
included, + up to 0.4 deterministic noise); `args-derived` derives it from concurrent Drone
stages. Both with `--recipe collabora --target pr=9`, as of 2026-10-06T00:00Z.
""",
        """
* Real wordings (`real-signatures.md` S25, S26, S71): `task: non-zero exit (137): dockerexec:
  unhealthy container` in the task table, abra's `FATA deploy failed`.
* Invented: the load figures and their schedule (made so that every failure sits above every
  pass in both load measures; the generator checks it).
""", runs, {n: v for n, v in [(r.number, ("timing", "abra-deploy-failed-unhealthy (timing) in the install tier, at elevated load (high)")
                                         if r.code else ("pass", "genuine level-5 pass at low load"))
                                        for r in runs if r.recipe == "collabora"]},
        """
* verdict: PR #9 operator-ready on #1057 (its newest run, a genuine level-5 pass) even though
  the sha is load-sensitive: readiness is defined by the newest finished run.
* failure-mode: the nine install failures, rule `abra-deploy-failed-unhealthy` (timing); rival
  `abra-deploy-timeout` not observable.
* load-sensitive for `5c0ffee1` with real statistics: 9 failures vs 10 passes. With `load.csv`
  the loads have no ties, so the test is exact: complete separation gives U = 90 and one-sided
  p = 1/C(19,9) = 1.08e-05. With derived load (integers 3-5 vs 0-1, ties) it is the normal
  approximation with tie and continuity corrections: U = 90, p = 8.52e-05.
* genuine-pass #1057; hygiene clean on all 19 runs.
""", """
* None found.
""", recipe="collabora", extra=sampled,
        load_note="load = derived (other stages on ci-1) / sampled (load.csv at the nearest minute)")


def readme_secret(runs):
    secrets = "\n".join("  * %s" % k for k in SECRETS)
    return readme(
        "secret-teardown", "leaked secrets, dirty teardown, stale PRs, killed and running builds",
        """
2026-11-10 on `ci-1`: hedgedoc PR #15 is the target. Logs carry planted secrets in places the
report quotes (error lines of unknown failures, rule-hit excerpts): a credentialed git URL, a
password and a secret key in an env dump, a bearer JWT in an `Authorization:` header and as an
`access_token=` query, a Gitea token behind `Authorization: token`, a GitHub token as URL
userinfo, a database DSN with its password. results.json flags `no_secret_leak=false` on four
runs and `clean_teardown=false` on two (teardown left a volume and a secret in use). #1107 was
killed by the server (exit 130), #1109 is still running at the review moment. PR #16 is open
and tested in the range; PR #9 is open and idle since 2026-09-02. Args: `--prs`,
`--target pr=15`, as of 12:00Z (no `--recipe`).

Planted secret values (all invented; `SECRETS` in the generator); none may appear in
report.json or report.md, not even 6-character pieces of them (checked when the goldens were
written):

""" + secrets,
        """
* Real wordings (`real-signatures.md` S52, S93, S110): `secret '<name>' is in use by the
  following service: <svc>`, PostgreSQL's `connection to server at "db" (<ip>), port 5432
  failed: Connection refused`, Drone's `killed` status with exit code 130; git's `fatal: unable to
  access '<url>': The requested URL returned error: 403`, Python requests' `HTTPError: 502
  Server Error: Bad Gateway for url: <url>`.
* Invented: every secret value, the env dumps, the DSN suffix on authentik's error line.
""", runs, {
            1101: ("unknown", "no rule knows a 403 on the recipe fetch; its error lines are quoted with the URL password, env password and session secret redacted"),
            1102: ("timing", "postgres-connect-refused in the install tier (authentik's server booted before postgres listened); the DSN's password is redacted in the excerpt"),
            1103: ("pass", "genuine pass (no_secret_leak=false: a debug env dump printed a token and a password)"),
            1104: ("pass", "genuine pass (clean_teardown=false)"),
            1105: ("pass", "genuine pass of PR #16: wrong target"),
            1106: ("unknown", "no rule knows the 502 from keycloak's admin API; error lines quoted with JWT, GitHub token and Gitea token redacted"),
            1107: ("cancelled", "killed by the server (step exit 130, Drone status killed)"),
            1108: ("pass", "genuine level-5 pass of PR #15: the newest finished run on the target, operator-ready"),
            1109: ("running", "not finished at the review moment (no log row yet, stage not stopped)"),
        }, """
* verdict: PR #15 operator-ready on #1108 (#1109 is still running and does not count; #1107 was
  cancelled).
* hygiene: flags false on #1101 #1102 #1103 #1104 #1106, each named with the flag, no secret quoted.
* stale-pr: #16 (open, tested in #1105, not the target) and #9 (open, idle 69 days).
* wrong-target: #1105 (PR #16). genuine-pass #1108.
* unclassified: #1101 and #1106 (different fingerprints). No failure-mode finding.
""", """
* None now. (Earlier, the Markdown report was redacted once more after formatting, and the
  redactor took the closing `.**` of #1101's unclassified title as part of a value; every
  input-derived string is now redacted before it is formatted, and no second pass runs.)
""")


README = {"registry-ratelimit": readme_registry, "recipe-deterministic": readme_recipe,
          "disk-full-scoped": readme_disk, "timing-load": readme_timing, "secret-teardown": readme_secret}

if __name__ == "__main__":
    sys.exit(main())
