#!/usr/bin/env python3
"""make-ghost-case.py: writes the reference regression case corpus/ghost-2026-06/.

The case reconstructs the June 2026 ghost upgrade review (../shared/scenario-ghost.md):
a Drone 2.x sqlite database of the shared CI repository cc/recipe-ci holding builds
#509-#612 (the range under review is #515-#612), written as a diffable SQL text dump
(drone.sql), plus the recipe CI's run artifacts (runs/<build>/results.json and one
pytest JUnit file per tier that ran), the infrastructure events (events.yaml), the
recipe repository's pull requests (prs.json), the golden run's command line (args)
and a README saying what is real and what is reconstructed.

Everything is deterministic: no clock, no randomness (identifiers come from hashes of
fixed labels), so running it twice gives byte-identical files. Standard library only.
The built-in checks (loads, times, blob validity) run on every invocation; a failed
check aborts before anything is written.

Usage: scripts/make-ghost-case.py [--out DIR] [--check-only] [--summary]
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile

UTC = dt.timezone.utc
CI_SLUG = "cc/recipe-ci"
GIT = "https://git.coopcloud.example"
MACHINE = "ci-1"
RANGE = (515, 612)
FIRST_BUILD = 509           # builds #509-#514 precede the range (context for load)
BUILD_ID_OFFSET = 37        # build ids continue after a deleted repository's builds
STEP_ID_BASE = 1820         # step ids of the purged history come before ours
MIN_MARGIN = 60             # no stage starts/stops this close to a key moment

# ---------------------------------------------------------------------------
# small helpers


def ts(s):
    """'2026-06-12T08:12:05Z' -> Unix seconds."""
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def iso(t, frac=False):
    """Unix seconds (int or float) -> ISO 8601 UTC with Z."""
    d = dt.datetime.fromtimestamp(t, UTC)
    if frac:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % d.microsecond
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def hms(t):
    return dt.datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S")


def hexid(label, n=40):
    """A stable hex identifier (git sha, digest) derived from a label."""
    out = ""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (label, i)).encode()).hexdigest()
        i += 1
    return out[:n]


def b36id(label, n=25):
    """A stable swarm-style id (lower-case base 36, 25 chars)."""
    v = int(hashlib.sha256(label.encode()).hexdigest(), 16)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while len(s) < n:
        v, r = divmod(v, 36)
        s += digits[r]
    return s


def frac(label, lo, hi):
    """A stable number in [lo, hi) derived from a label."""
    v = int(hashlib.sha256(label.encode()).hexdigest()[:8], 16) / 2.0 ** 32
    return lo + (hi - lo) * v


def go_json(s):
    """A JSON string literal as Go's encoding/json writes it (HTML-safe escaping)."""
    out = json.dumps(s, ensure_ascii=False)
    return (out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def go_params(d):
    """build_params: Go-compact JSON object, keys sorted, or null."""
    if d is None:
        return "null"
    return "{" + ",".join("%s:%s" % (go_json(k), go_json(d[k])) for k in sorted(d)) + "}"


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


def table(rows, pad=3):
    """Align columns like Go's tabwriter (docker CLI tables): min width + padding."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.ljust(widths[i] + pad) if i < len(r) - 1 else c for i, c in enumerate(r)]
        out.append("".join(cells).rstrip())
    return out


ESC = "\x1b"
BOLD, GREEN, RED, YELLOW, CYAN, RESET = (ESC + "[1m", ESC + "[32m", ESC + "[31m",
                                         ESC + "[33m", ESC + "[36m", ESC + "[0m")

# ---------------------------------------------------------------------------
# Drone log blobs


class StepLog:
    """Collects a step's output the way runner-go's livelog does: every write
    becomes one element, split after each interior newline; `time` is whole
    seconds since the step started."""

    def __init__(self):
        self.elems = []      # (out, time)
        self.marks = {}      # name -> (pos, time)
        self.last_t = 0

    def write(self, t, text):
        it = int(t)
        assert it >= self.last_t, "log time went backwards: %r at %s" % (text, t)
        self.last_t = it
        start = 0
        while start < len(text):
            nl = text.find("\n", start)
            end = len(text) if nl < 0 else nl + 1
            self.elems.append((text[start:end], it))
            start = end

    def line(self, t, *lines):
        for ln in lines:
            self.write(t, ln + "\n")

    def mark(self, name, t):
        """Remember the line about to be written (1-based line = pos + 1)."""
        self.marks[name] = (len(self.elems), int(t))

    @property
    def t_end(self):
        return self.last_t

    def blob(self):
        if not self.elems:
            return "null\n"
        parts = ['{"pos":%d,"out":%s,"time":%d}' % (i, go_json(o), t)
                 for i, (o, t) in enumerate(self.elems)]
        return "[" + ",".join(parts) + "]\n"

# ---------------------------------------------------------------------------
# Drone 2.x sqlite schema (drone-schema.md section 1): the migrations in the
# order Drone applies them on a fresh install, so that ALTER TABLE appends the
# later columns exactly where a real database has them. The dump's DDL text is
# what sqlite itself stores after running these.

MIGRATIONS = [
    ("create-table-users", """CREATE TABLE IF NOT EXISTS users (
 user_id            INTEGER PRIMARY KEY AUTOINCREMENT
,user_login         TEXT COLLATE NOCASE
,user_email         TEXT
,user_admin         BOOLEAN
,user_machine       BOOLEAN
,user_active        BOOLEAN
,user_avatar        TEXT
,user_syncing       BOOLEAN
,user_synced        INTEGER
,user_created       INTEGER
,user_updated       INTEGER
,user_last_login    INTEGER
,user_oauth_token   TEXT
,user_oauth_refresh TEXT
,user_oauth_expiry  INTEGER
,user_hash          TEXT
,UNIQUE(user_login COLLATE NOCASE)
,UNIQUE(user_hash)
)"""),
    ("create-table-repos", """CREATE TABLE IF NOT EXISTS repos (
 repo_id                    INTEGER PRIMARY KEY AUTOINCREMENT
,repo_uid                   TEXT
,repo_user_id               INTEGER
,repo_namespace             TEXT
,repo_name                  TEXT
,repo_slug                  TEXT
,repo_scm                   TEXT
,repo_clone_url             TEXT
,repo_ssh_url               TEXT
,repo_html_url              TEXT
,repo_active                BOOLEAN
,repo_private               BOOLEAN
,repo_visibility            TEXT
,repo_branch                TEXT
,repo_counter               INTEGER
,repo_config                TEXT
,repo_timeout               INTEGER
,repo_trusted               BOOLEAN
,repo_protected             BOOLEAN
,repo_synced                INTEGER
,repo_created               INTEGER
,repo_updated               INTEGER
,repo_version               INTEGER
,repo_signer                TEXT
,repo_secret                TEXT
,UNIQUE(repo_slug)
,UNIQUE(repo_uid)
)"""),
    ("alter-table-repos-add-column-no-fork",
     "ALTER TABLE repos ADD COLUMN repo_no_forks BOOLEAN NOT NULL DEFAULT 0"),
    ("alter-table-repos-add-column-no-pulls",
     "ALTER TABLE repos ADD COLUMN repo_no_pulls BOOLEAN NOT NULL DEFAULT 0"),
    ("alter-table-repos-add-column-cancel-pulls",
     "ALTER TABLE repos ADD COLUMN repo_cancel_pulls BOOLEAN NOT NULL DEFAULT 0"),
    ("alter-table-repos-add-column-cancel-push",
     "ALTER TABLE repos ADD COLUMN repo_cancel_push BOOLEAN NOT NULL DEFAULT 0"),
    ("alter-table-repos-add-column-throttle",
     "ALTER TABLE repos ADD COLUMN repo_throttle INTEGER NOT NULL DEFAULT 0"),
    ("alter-table-repos-add-column-cancel-running",
     "ALTER TABLE repos ADD COLUMN repo_cancel_running BOOLEAN NOT NULL DEFAULT 0"),
    ("create-table-perms", """CREATE TABLE IF NOT EXISTS perms (
 perm_user_id  INTEGER
,perm_repo_uid TEXT
,perm_read     BOOLEAN
,perm_write    BOOLEAN
,perm_admin    BOOLEAN
,perm_synced   INTEGER
,perm_created  INTEGER
,perm_updated  INTEGER
,PRIMARY KEY(perm_user_id, perm_repo_uid)
)"""),
    ("create-index-perms-user", "CREATE INDEX IF NOT EXISTS ix_perms_user ON perms (perm_user_id)"),
    ("create-index-perms-repo", "CREATE INDEX IF NOT EXISTS ix_perms_repo ON perms (perm_repo_uid)"),
    ("create-table-builds", """CREATE TABLE IF NOT EXISTS builds (
 build_id            INTEGER PRIMARY KEY AUTOINCREMENT
,build_repo_id       INTEGER
,build_trigger       TEXT
,build_number        INTEGER
,build_parent        INTEGER
,build_status        TEXT
,build_error         TEXT
,build_event         TEXT
,build_action        TEXT
,build_link          TEXT
,build_timestamp     INTEGER
,build_title         TEXT
,build_message       TEXT
,build_before        TEXT
,build_after         TEXT
,build_ref           TEXT
,build_source_repo   TEXT
,build_source        TEXT
,build_target        TEXT
,build_author        TEXT
,build_author_name   TEXT
,build_author_email  TEXT
,build_author_avatar TEXT
,build_sender        TEXT
,build_deploy        TEXT
,build_params        TEXT
,build_started       INTEGER
,build_finished      INTEGER
,build_created       INTEGER
,build_updated       INTEGER
,build_version       INTEGER
,UNIQUE(build_repo_id, build_number)
)"""),
    ("create-index-builds-repo", "CREATE INDEX IF NOT EXISTS ix_build_repo ON builds (build_repo_id)"),
    ("create-index-builds-author", "CREATE INDEX IF NOT EXISTS ix_build_author ON builds (build_author)"),
    ("create-index-builds-sender", "CREATE INDEX IF NOT EXISTS ix_build_sender ON builds (build_sender)"),
    ("create-index-builds-ref", "CREATE INDEX IF NOT EXISTS ix_build_ref ON builds (build_repo_id, build_ref)"),
    ("create-index-build-incomplete", """CREATE INDEX IF NOT EXISTS ix_build_incomplete ON builds (build_status)
WHERE build_status IN ('pending', 'running')"""),
    ("alter-table-builds-add-column-debug",
     "ALTER TABLE builds ADD COLUMN build_debug BOOLEAN NOT NULL DEFAULT 0"),
    ("create-table-stages", """CREATE TABLE IF NOT EXISTS stages (
 stage_id          INTEGER PRIMARY KEY AUTOINCREMENT
,stage_repo_id     INTEGER
,stage_build_id    INTEGER
,stage_number      INTEGER
,stage_kind        TEXT
,stage_type        TEXT
,stage_name        TEXT
,stage_status      TEXT
,stage_error       TEXT
,stage_errignore   BOOLEAN
,stage_exit_code   INTEGER
,stage_limit       INTEGER
,stage_os          TEXT
,stage_arch        TEXT
,stage_variant     TEXT
,stage_kernel      TEXT
,stage_machine     TEXT
,stage_started     INTEGER
,stage_stopped     INTEGER
,stage_created     INTEGER
,stage_updated     INTEGER
,stage_version     INTEGER
,stage_on_success  BOOLEAN
,stage_on_failure  BOOLEAN
,stage_depends_on  TEXT
,stage_labels      TEXT
,UNIQUE(stage_build_id, stage_number)
,FOREIGN KEY(stage_build_id) REFERENCES builds(build_id) ON DELETE CASCADE
)"""),
    ("create-index-stages-build", "CREATE INDEX IF NOT EXISTS ix_stages_build ON stages (stage_build_id)"),
    ("create-index-stages-status", """CREATE INDEX IF NOT EXISTS ix_stage_in_progress ON stages (stage_status)
WHERE stage_status IN ('pending', 'running')"""),
    ("alter-table-stages-add-column-limit-repos",
     "ALTER TABLE stages ADD COLUMN stage_limit_repo INTEGER NOT NULL DEFAULT 0"),
    ("create-table-steps", """CREATE TABLE IF NOT EXISTS steps (
 step_id          INTEGER PRIMARY KEY AUTOINCREMENT
,step_stage_id    INTEGER
,step_number      INTEGER
,step_name        TEXT
,step_status      TEXT
,step_error       TEXT
,step_errignore   BOOLEAN
,step_exit_code   INTEGER
,step_started     INTEGER
,step_stopped     INTEGER
,step_version     INTEGER
,UNIQUE(step_stage_id, step_number)
,FOREIGN KEY(step_stage_id) REFERENCES stages(stage_id) ON DELETE CASCADE
)"""),
    ("create-index-steps-stage", "CREATE INDEX IF NOT EXISTS ix_steps_stage ON steps (step_stage_id)"),
    ("create-table-logs", """CREATE TABLE IF NOT EXISTS logs (
 log_id    INTEGER PRIMARY KEY
,log_data  BLOB
,FOREIGN KEY(log_id) REFERENCES steps(step_id) ON DELETE CASCADE
)"""),
    ("create-table-cron", """CREATE TABLE IF NOT EXISTS cron (
 cron_id          INTEGER PRIMARY KEY AUTOINCREMENT
,cron_repo_id     INTEGER
,cron_name        TEXT
,cron_expr        TEXT
,cron_next        INTEGER
,cron_prev        INTEGER
,cron_event       TEXT
,cron_branch      TEXT
,cron_target      TEXT
,cron_disabled    BOOLEAN
,cron_created     INTEGER
,cron_updated     INTEGER
,cron_version     INTEGER
,UNIQUE(cron_repo_id, cron_name)
,FOREIGN KEY(cron_repo_id) REFERENCES repos(repo_id) ON DELETE CASCADE
)"""),
    ("create-index-cron-repo", "CREATE INDEX IF NOT EXISTS ix_cron_repo ON cron (cron_repo_id)"),
    ("create-index-cron-next", "CREATE INDEX IF NOT EXISTS ix_cron_next ON cron (cron_next)"),
    ("create-table-secrets", """CREATE TABLE IF NOT EXISTS secrets (
 secret_id                INTEGER PRIMARY KEY AUTOINCREMENT
,secret_repo_id           INTEGER
,secret_name              TEXT
,secret_data              BLOB
,secret_pull_request      BOOLEAN
,secret_pull_request_push BOOLEAN
,UNIQUE(secret_repo_id, secret_name)
,FOREIGN KEY(secret_repo_id) REFERENCES repos(repo_id) ON DELETE CASCADE
)"""),
    ("create-index-secrets-repo", "CREATE INDEX IF NOT EXISTS ix_secret_repo ON secrets (secret_repo_id)"),
    ("create-index-secrets-repo-name",
     "CREATE INDEX IF NOT EXISTS ix_secret_repo_name ON secrets (secret_repo_id, secret_name)"),
    ("create-table-nodes", """CREATE TABLE IF NOT EXISTS nodes (
 node_id         INTEGER PRIMARY KEY AUTOINCREMENT
,node_uid        TEXT
,node_provider   TEXT
,node_state      TEXT
,node_name       TEXT
,node_image      TEXT
,node_region     TEXT
,node_size       TEXT
,node_os         TEXT
,node_arch       TEXT
,node_kernel     TEXT
,node_variant    TEXT
,node_address    TEXT
,node_capacity   INTEGER
,node_filter     TEXT
,node_labels     TEXT
,node_error      TEXT
,node_ca_key     TEXT
,node_ca_cert    TEXT
,node_tls_key    TEXT
,node_tls_cert   TEXT
,node_tls_name   TEXT
,node_paused     BOOLEAN
,node_protected  BOOLEAN
,node_created    INTEGER
,node_updated    INTEGER
,node_pulled     INTEGER
,UNIQUE(node_name)
)"""),
    ("alter-table-builds-add-column-cron",
     "ALTER TABLE builds ADD COLUMN build_cron TEXT NOT NULL DEFAULT ''"),
    ("create-table-org-secrets", """CREATE TABLE IF NOT EXISTS orgsecrets (
 secret_id                INTEGER PRIMARY KEY AUTOINCREMENT
,secret_namespace         TEXT COLLATE NOCASE
,secret_name              TEXT COLLATE NOCASE
,secret_type              TEXT
,secret_data              BLOB
,secret_pull_request      BOOLEAN
,secret_pull_request_push BOOLEAN
,UNIQUE(secret_namespace, secret_name)
)"""),
    ("alter-table-builds-add-column-deploy-id",
     "ALTER TABLE builds ADD COLUMN build_deploy_id NUMBER NOT NULL DEFAULT 0"),
    ("create-table-latest", """CREATE TABLE IF NOT EXISTS latest (
 latest_repo_id  INTEGER
,latest_build_id INTEGER
,latest_type     TEXT
,latest_name     TEXT
,latest_created  INTEGER
,latest_updated  INTEGER
,latest_deleted  INTEGER
,PRIMARY KEY(latest_repo_id, latest_type, latest_name)
)"""),
    ("create-index-latest-repo", "CREATE INDEX IF NOT EXISTS ix_latest_repo ON latest (latest_repo_id)"),
    ("create-table-templates", """CREATE TABLE IF NOT EXISTS templates (
 template_id        INTEGER PRIMARY KEY AUTOINCREMENT
,template_name      TEXT UNIQUE
,template_namespace TEXT COLLATE NOCASE
,template_data      BLOB
,template_created   INTEGER
,template_updated   INTEGER
,UNIQUE(template_name, template_namespace)
)"""),
    ("alter-table-steps-add-column-step-depends-on",
     "ALTER TABLE steps ADD COLUMN step_depends_on TEXT NOT NULL DEFAULT ''"),
    ("alter-table-steps-add-column-step-image",
     "ALTER TABLE steps ADD COLUMN step_image TEXT NOT NULL DEFAULT ''"),
    ("alter-table-steps-add-column-step-detached",
     "ALTER TABLE steps ADD COLUMN step_detached BOOLEAN NOT NULL DEFAULT FALSE"),
    ("create-table-cards", """CREATE TABLE IF NOT EXISTS cards (
 card_id     INTEGER PRIMARY KEY AUTOINCREMENT
,card_build  INTEGER
,card_stage  INTEGER
,card_step   INTEGER
,card_schema TEXT
,card_data   TEXT
)"""),
    ("create-index-cards-card_build", "CREATE INDEX IF NOT EXISTS ix_cards_build ON cards (card_build)"),
    ("create-index-cards-card_step", "CREATE INDEX IF NOT EXISTS ix_cards_step ON cards (card_step)"),
    ("drop-table-cards", "DROP TABLE IF EXISTS cards"),
    ("alter-table-steps-add-column-step_schema", "ALTER TABLE steps ADD COLUMN step_schema TEXT"),
    ("create-new-table-cards", """CREATE TABLE IF NOT EXISTS cards (
 card_id   INTEGER PRIMARY KEY
,card_data BLOB
,FOREIGN KEY (card_id) REFERENCES steps (step_id) ON DELETE CASCADE
)"""),
]

MIGRATION_TABLE = """CREATE TABLE IF NOT EXISTS migrations (
 name VARCHAR(255)
,UNIQUE(name)
)"""


class Blob(str):
    """A column value stored as a BLOB (written as CAST('...' AS BLOB))."""


def sql_value(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Blob):
        return "CAST(%s AS BLOB)" % sql_str(str(v))
    assert isinstance(v, str), v
    assert "\n" not in v and "\r" not in v, "text value with a newline: %r" % v[:60]
    return sql_str(v)


def write_dump(path, rows_by_table, sequences):
    """Write a `sqlite3 .dump`-style text dump: the schema as sqlite stores it
    after Drone's migrations, then the rows, then sqlite_sequence and indexes."""
    con = sqlite3.connect(":memory:")
    con.execute(MIGRATION_TABLE)
    for _, stmt in MIGRATIONS:
        con.execute(stmt)
    schema = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                         "WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
    # columns per table, to check every row's arity against the real schema
    cols = {}
    for typ, name, _, _ in schema:
        if typ == "table":
            cols[name] = [r[1] for r in con.execute("PRAGMA table_info(%s)" % name)]
    con.close()
    rows_by_table = dict(rows_by_table)
    rows_by_table["migrations"] = [(n,) for n, _ in MIGRATIONS]
    out = ["PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;"]
    for typ, name, _, sql in schema:
        if typ != "table" or name == "sqlite_sequence":
            continue
        out.append(sql + ";")
        for row in rows_by_table.pop(name, []):
            assert len(row) == len(cols[name]), "%s: %d values for %d columns" % (
                name, len(row), len(cols[name]))
            out.append("INSERT INTO %s VALUES(%s);" % (name, ",".join(sql_value(v) for v in row)))
    assert not rows_by_table, "rows for unknown tables: %s" % list(rows_by_table)
    out.append("DELETE FROM sqlite_sequence;")
    for name, seq in sequences:
        out.append("INSERT INTO sqlite_sequence VALUES(%s,%d);" % (sql_str(name), seq))
    for typ, name, _, sql in schema:
        if typ == "index":
            out.append(sql + ";")
    out.append("COMMIT;")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(out) + "\n")
    return cols

# ---------------------------------------------------------------------------
# The world: repositories, commits, recipes

RECIPE_ORG = "cc-recipes"
CI_COMMITS = [
    # (time pushed, sha, message) of the CI repository's main branch
    (ts("2026-06-09T16:02:41Z"), hexid("ci/commit/1"),
     "harness: print docker service ps when a deploy does not converge"),
    (ts("2026-06-12T14:31:07Z"), hexid("ci/commit/2"),
     "harness: follow service logs during upgrade ops (#211)"),
]
CI_AUTHOR = ("maint-ro", "Ro Maintainer", "ro@coopcloud.example")

GHOST_MAIN = hexid("ghost/main/1.3.1")
PR4_SHA = "d88f5801" + hexid("ghost/pr4/head")[8:]
PR5_SHA = "d42d0f7c" + hexid("ghost/pr5/head")[8:]
PR3_SHA = hexid("ghost/pr3/head")

# what a ghost run tested
TESTED = {
    "main": dict(sha=GHOST_MAIN, pr=None, version="1.3.1+6.40.0-alpine",
                 prev="1.3.0+6.38.2-alpine", image="6.40.0-alpine", prev_image="6.38.2-alpine"),
    "pr5": dict(sha=PR5_SHA, pr=5, version="1.4.0+6.44.1-alpine",
                prev="1.3.1+6.40.0-alpine", image="6.44.1-alpine", prev_image="6.40.0-alpine"),
    "pr4": dict(sha=PR4_SHA, pr=4, version="1.4.0+6.44.1-alpine",
                prev="1.3.1+6.40.0-alpine", image="6.44.1-alpine", prev_image="6.40.0-alpine"),
}

# other recipes: typical wall time of a passing run (s), version, main image
RECIPES = {
    "discourse": dict(dur=(960, 1150), version="2.1.0+3.2.5", image="bitnami/discourse:3.2.5"),
    "nextcloud": dict(dur=(480, 620), version="8.0.1+29.0.4-apache", image="nextcloud:29.0.4-apache"),
    "wordpress": dict(dur=(260, 340), version="2.6.2+6.5.5-apache", image="wordpress:6.5.5-apache"),
    "mumble": dict(dur=(150, 200), version="0.3.1+v1.5.634", image="mumblevoip/mumble-server:v1.5.634"),
    "hedgedoc": dict(dur=(200, 260), version="1.4.0+1.9.9", image="quay.io/hedgedoc/hedgedoc:1.9.9"),
    "matrix-synapse": dict(dur=(320, 420), version="4.1.0+v1.110.0", image="matrixdotorg/synapse:v1.110.0"),
    "keycloak": dict(dur=(330, 420), version="10.0.2+25.0.1", image="quay.io/keycloak/keycloak:25.0.1"),
    "authentik": dict(dur=(420, 520), version="6.1.0+2024.6.1", image="ghcr.io/goauthentik/server:2024.6.1"),
    "peertube": dict(dur=(700, 900), version="1.2.0+v6.1.0", image="chocobozzz/peertube:v6.1.0-bookworm"),
    "gitea": dict(dur=(210, 280), version="3.3.0+1.22.0-rootless", image="gitea/gitea:1.22.0-rootless"),
    "n8n": dict(dur=(190, 250), version="1.2.0+1.47.1", image="n8nio/n8n:1.47.1"),
}
FILLER_ROTATION = ["nextcloud", "mumble", "wordpress", "hedgedoc", "gitea", "keycloak",
                   "matrix-synapse", "n8n", "authentik", "discourse", "mumble", "wordpress",
                   "peertube", "hedgedoc", "nextcloud", "gitea"]

# ghost builds: the scenario's table (#612's times are exact; the 06-12 times
# are reconstructed within that day)
GHOST = {
    515: dict(kind="l0", created="2026-06-12T08:12:05Z", pending=3, tested="main"),
    517: dict(kind="l0", created="2026-06-12T08:20:10Z", pending=4, tested="main"),
    519: dict(kind="l1", created="2026-06-12T09:05:20Z", pending=4, tested="main",
              install=68.4, refused=27.0, ip="10.0.4.23"),
    557: dict(kind="l1", created="2026-06-12T19:41:10Z", pending=5, tested="main",
              install=63.1, refused=25.0, ip="10.0.5.196"),
    578: dict(kind="l1", created="2026-06-13T02:58:30Z", pending=6, tested="pr5",
              install=57.8, refused=24.0, ip="10.0.5.196"),
    585: dict(kind="pass", created="2026-06-13T04:14:20Z", pending=4, tested="pr5",
              tiers=[53.2, 47.5, 5.3, 6.1, 3.2]),
    612: dict(kind="pass", created="2026-06-13T06:12:50Z", pending=12, tested="pr4",
              tiers=[51.0, 45.0, 5.0, 6.0, 3.0], clone=0),
}

# other recipes' builds placed to give the host load the scenario needs
# number: (recipe, created, duration or None (from the log), outcome)
FIXED = {
    509: ("mumble", "2026-06-12T07:41:12Z", 170, "pass"),
    510: ("hedgedoc", "2026-06-12T07:50:30Z", 231, "pass"),
    511: ("discourse", "2026-06-12T07:58:10Z", 1040, "pass"),
    512: ("wordpress", "2026-06-12T08:02:45Z", 520, "pass"),
    513: ("peertube", "2026-06-12T08:06:20Z", 1290, "pass"),
    514: ("nextcloud", "2026-06-12T08:09:05Z", 1150, "pass"),
    516: ("discourse", "2026-06-12T08:13:30Z", None, "vip"),
    518: ("authentik", "2026-06-12T08:21:00Z", 720, "pass"),
    520: ("gitea", "2026-06-12T09:05:26Z", 300, "pass"),
    521: ("hedgedoc", "2026-06-12T09:05:31Z", 280, "pass"),
    522: ("keycloak", "2026-06-12T09:05:36Z", 420, "pass"),
    523: ("matrix-synapse", "2026-06-12T09:05:41Z", 400, "pass"),
    524: ("mumble", "2026-06-12T09:05:45Z", 240, "pass"),
    555: ("discourse", "2026-06-12T19:30:00Z", 1150, "pass"),
    556: ("nextcloud", "2026-06-12T19:36:20Z", 760, "pass"),
    558: ("wordpress", "2026-06-12T19:41:30Z", 320, "pass"),
    574: ("peertube", "2026-06-13T02:44:00Z", 1300, "pass"),
    575: ("discourse", "2026-06-13T02:49:00Z", 1100, "pass"),
    576: ("nextcloud", "2026-06-13T02:53:00Z", 720, "pass"),
    577: ("keycloak", "2026-06-13T02:56:00Z", 400, "pass"),
    584: ("nextcloud", "2026-06-13T04:08:00Z", 900, "pass"),
    611: ("wordpress", "2026-06-13T06:05:10Z", 505, "pass"),
}
# filler windows: numbers spread evenly between two creation times
FILLERS = [
    (range(525, 555), "2026-06-12T09:40:00Z", "2026-06-12T19:05:00Z"),
    (range(559, 566), "2026-06-12T19:58:00Z", "2026-06-12T23:40:00Z"),
    (range(566, 574), "2026-06-13T00:10:00Z", "2026-06-13T02:20:00Z"),
    (range(579, 584), "2026-06-13T03:06:00Z", "2026-06-13T03:58:00Z"),
    (range(586, 611), "2026-06-13T04:18:00Z", "2026-06-13T05:50:00Z"),
]
FILLER_OUTCOME = {531: ("nextcloud", "ratelimit"), 569: ("discourse", "diskfull"),
                  606: ("wordpress", "manifest")}
# runs/ artifacts are kept for these other-recipe builds (not every build has them)
OTHER_RUNS = [516, 531, 569, 601, 606]

# ---------------------------------------------------------------------------
# Log text: pieces shared by every harness run

PYTEST_HEADER = [
    BOLD + "============================= test session starts ==============================" + RESET,
    "platform linux -- Python 3.11.9, pytest-8.2.2, pluggy-1.5.0 -- /usr/local/bin/python3",
    "cachedir: /tmp/pytest-cache",
    "rootdir: /drone/src",
    "configfile: pytest.ini",
    "plugins: timeout-2.3.1",
]
TIERS = ["install", "upgrade", "backup", "restore", "custom"]
RUNGS = {"install": "L1", "upgrade": "L2", "backup": "L3", "restore": "L3", "custom": "L4"}
CUSTOM_TESTS = [("test_homepage", 0.31), ("test_admin_login", 0.43), ("test_post_roundtrip", 0.26)]


def pytest_rule(text, colour):
    """A pytest summary line: text centred in '=' to 80 columns, coloured."""
    text = " " + text + " "
    left = (80 - len(text)) // 2
    right = 80 - len(text) - left
    return colour + "=" * left + text + "=" * right + RESET


def pytest_session(log, t, n_items):
    log.line(t, *PYTEST_HEADER)
    log.line(t, BOLD + "collecting ... " + RESET + "collected %d item%s" % (n_items, "" if n_items == 1 else "s"), "")


def pytest_passed(log, t, n, secs):
    log.line(t, "")
    log.line(t, pytest_rule("%d passed in %.2fs" % (n, secs), GREEN))


def clone_log(sha, t_secs=1):
    log = StepLog()
    log.line(0, "+ git init",
             "Initialized empty Git repository in /drone/src/.git/",
             "+ git remote add origin %s/%s.git" % (GIT, CI_SLUG),
             "+ git fetch origin +refs/heads/main:")
    log.line(t_secs, "From %s/%s" % (GIT, CI_SLUG),
             " * branch            main       -> FETCH_HEAD",
             " * [new branch]      main       -> origin/main",
             "+ git checkout %s -b main" % sha,
             "Already on 'main'")
    return log


def preamble(log, number, recipe, sha, pr, version, prev):
    log.line(0, "[harness] cc-ci harness 0.9.3 on %s (DRONE_BUILD_NUMBER=%d)" % (MACHINE, number),
             "[harness] recipe=%s ref=%s pr=%s" % (recipe, sha, pr if pr else "-"),
             "[harness] using registry mirror https://mirror.coopcloud.example (auth ******)",
             "[harness] fetching %s/%s/%s.git @ %s" % (GIT, RECIPE_ORG, recipe, sha[:8]),
             "[harness] recipe version %s (previous published: %s)" % (version, prev),
             "[harness] app %s: stack %s, domain %s.ci.coopcloud.example" % (recipe, recipe, recipe))


def lint_tier(log, t, recipe, secs=2.2):
    log.line(t, "[harness] ==> tier lint: start (abra recipe lint %s)" % recipe)
    rows = [("R001", "compose config has expected version", "error", "✅", "❌"),
            ("R002", "healthcheck enabled for all services", "warn", "✅", "❌"),
            ("R004", "all services have images", "error", "✅", "❌"),
            ("R007", "README.md metadata filled in", "warn", "✅", "❌"),
            ("R010", "has published catalogue version", "error", "✅", "❌"),
            ("R014", "only annotated tags used for recipe version", "error", "✅", "❌")]
    w = [4, 44, 8, 9, 7]
    def row(c):
        return "│ " + " │ ".join(c[i].ljust(w[i]) for i in range(5)) + " │"
    log.line(t + secs - 0.4,
             "┌" + "┬".join("─" * (x + 2) for x in w) + "┐",
             row(("REF", "RULE", "SEVERITY", "SATISFIED", "SKIPPED")),
             "├" + "┼".join("─" * (x + 2) for x in w) + "┤",
             *[row(r) for r in rows],
             "└" + "┴".join("─" * (x + 2) for x in w) + "┘")
    log.line(t + secs, "[harness] <== tier lint: pass (%.1f s)" % secs)
    return t + secs + 0.1


def teardown(log, t, recipe, volumes, secrets, lines_scanned):
    log.line(t, "[harness] teardown: abra app undeploy %s --no-input" % recipe)
    log.line(t + 6.2, "[harness] teardown: removing volumes %s" % " ".join(volumes))
    log.line(t + 7.9, "[harness] teardown: removing secrets %s" % " ".join(secrets))
    log.line(t + 8.4, "[harness] teardown: clean (0 stacks, 0 services, 0 volumes, 0 secrets left)",
             "[harness] secret scan: 0 leaks in %d lines" % lines_scanned)
    return t + 8.6


def results_lines(log, t, number, level, rungs):
    log.line(t, "[harness] results: level %d (%s)" % (level, ", ".join("%s %s" % kv for kv in rungs.items())),
             "[harness] wrote /drone/src/runs/%d/results.json" % number)


def ps_table(rows):
    return table([("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS")]
                 + rows)


def ghost_image(tag):
    return "ghost:%s@sha256:%s" % (tag, hexid("img/ghost/" + tag, 64))


MYSQL_IMAGE = "mysql:8.0.39@sha256:" + hexid("img/mysql/8.0.39", 64)


def mysql_line(t_abs, text, system=False):
    d = dt.datetime.fromtimestamp(t_abs, UTC)
    if system:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ 0 " % (int(frac("us%d" % t_abs, 0, 999999))) + text
    return d.strftime("%Y-%m-%d %H:%M:%S+00:00 [Note] [Entrypoint]: ") + text

# ---------------------------------------------------------------------------
# The ghost harness step


def svc_log_prefix(svc, task):
    return "%s.1.%s@%s    | " % (svc, task[:12], MACHINE)


def ghost_tier_start(log, t, tier, n_items=1):
    log.line(t, "[harness] ==> tier %s: start (pytest tests/ghost/test_%s.py)" % (tier, tier))
    pytest_session(log, t, n_items)


def ghost_install_pass(log, I, dur, T):
    ghost_tier_start(log, I, "install")
    log.write(I + 0.6, "tests/ghost/test_install.py::test_install ")
    log.write(I + 0.6, "\n")
    log.line(I + 0.7, "[ghost] abra app deploy ghost --chaos --no-input (%s @ %s)" % (T["version"], T["sha"][:8]))
    log.line(I + 2.6, "Creating network ghost_internal", "Creating service ghost_db", "Creating service ghost_app")
    log.line(I + 3.0, "[harness] waiting for ghost_db, ghost_app to converge (timeout 300 s)")
    log.line(I + dur * 0.45, "[harness] converge: ghost_db 1/1, ghost_app 0/1 (%d s)" % int(dur * 0.45 - 3))
    log.line(I + dur - 6.1, "[harness] service ghost_db converged (1/1 tasks running)",
             "[harness] service ghost_app converged (1/1 tasks running)")
    log.line(I + dur - 1.3, "[harness] GET https://ghost.ci.coopcloud.example/ghost/api/admin/site/ -> 200 (0.41 s)")
    log.line(I + dur - 0.1, GREEN + "PASSED" + RESET)
    pytest_passed(log, I + dur - 0.1, 1, dur + 0.03)
    log.line(I + dur + 0.042, "[harness] <== tier install: pass (%.1f s)" % (dur + 0.042))
    return dict(name="install", status="pass", start=I, time=dur + 0.042,
                tests=[("test_install", "pass", dur, None)])


def ghost_upgrade_base(log, U, T):
    """Deploy the previous version and start following service logs."""
    ghost_tier_start(log, U, "upgrade")
    log.write(U + 0.6, "tests/ghost/test_upgrade.py::test_upgrade ")
    log.write(U + 0.6, "\n")
    log.line(U + 0.7, "[ghost] upgrade path: %s -> %s" % (T["prev"], T["version"]))
    log.line(U + 0.8, "[ghost] abra app deploy ghost %s --no-input --no-converge-checks" % T["prev"])
    log.line(U + 2.5, "Creating network ghost_internal", "Creating service ghost_db", "Creating service ghost_app")
    log.line(U + 3.0, "[harness] following service logs (ghost_db, ghost_app)")


def db(log, t, step_start, db_task, text, system=False):
    log.line(t, svc_log_prefix("ghost_db", db_task) + mysql_line(step_start + t, text, system))


def ghost_upgrade(log, U, T, number, step_start, ok, dur=None, refused=None, ip=None):
    """The upgrade tier: pass (ok) or the paused-update failure."""
    db_task = b36id("%d/db" % number)
    old_task = b36id("%d/app/old" % number)
    new_task = b36id("%d/app/new" % number)
    rep_task = b36id("%d/app/restart" % number)
    svc_db, svc_app = b36id("%d/svc/db" % number), b36id("%d/svc/app" % number)
    ghost_upgrade_base(log, U, T)
    db(log, U + 4.2, step_start, db_task, "Entrypoint script for MySQL Server 8.0.39-1.el9 started.")
    db(log, U + 4.3, step_start, db_task, "Switching to dedicated user 'mysql'")
    db(log, U + 4.4, step_start, db_task, "Entrypoint script for MySQL Server 8.0.39-1.el9 started.")
    db(log, U + 5.0, step_start, db_task, "Initializing database files")
    db(log, U + 5.4, step_start, db_task, "[System] [MY-013169] [Server] /usr/sbin/mysqld (mysqld 8.0.39) "
       "initializing of server in progress as process 80", system=True)
    log.line(U + 8.5, "[harness] base version running: ghost_db 1/1, ghost_app 1/1 tasks")
    log.line(U + 8.6, "[ghost] abra app upgrade ghost --chaos --no-input (-> %s)" % T["sha"][:8])
    log.line(U + 10.1, "Updating service ghost_db (id: %s)" % svc_db, "Updating service ghost_app (id: %s)" % svc_app)
    app = svc_log_prefix("ghost_app", new_task)
    if ok:
        db(log, U + 12.0, step_start, db_task, "Database files initialized")
        db(log, U + 12.1, step_start, db_task, "Starting temporary server")
        db(log, U + 13.5, step_start, db_task, "Temporary server started.")
        db(log, U + 13.9, step_start, db_task, "Creating database ghost")
        db(log, U + 14.0, step_start, db_task, "Creating user ghost")
        db(log, U + 15.2, step_start, db_task, "Stopping temporary server")
        db(log, U + 16.0, step_start, db_task, "Temporary server stopped")
        db(log, U + 16.1, step_start, db_task, "MySQL init process done. Ready for start up.")
        db(log, U + 17.0, step_start, db_task, "[System] [MY-010931] [Server] /usr/sbin/mysqld: ready for "
           "connections. Version: '8.0.39'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL "
           "Community Server - GPL.", system=True)
        hm = lambda t: dt.datetime.fromtimestamp(step_start + t, UTC).strftime("[%Y-%m-%d %H:%M:%S] ")
        log.line(U + 27.3, app + hm(U + 27.3) + "INFO Ghost is running in production...",
                 app + hm(U + 27.3) + "INFO Your site is now available on https://ghost.ci.coopcloud.example/",
                 app + hm(U + 27.3) + "INFO Ghost server started in 7.92s")
        log.line(U + dur - 7.0, "[harness] ghost_app UpdateStatus='completed' (update completed)")
        log.line(U + dur - 1.5, "[harness] GET https://ghost.ci.coopcloud.example/ghost/api/admin/site/ -> 200 (0.37 s)",
                 "[harness] site reports version %s" % T["image"].split("-")[0].rsplit(".", 1)[0])
        log.line(U + dur - 0.1, GREEN + "PASSED" + RESET)
        pytest_passed(log, U + dur - 0.1, 1, dur + 0.03)
        log.line(U + dur + 0.042, "[harness] <== tier upgrade: pass (%.1f s)" % (dur + 0.042))
        return dict(name="upgrade", status="pass", start=U, time=dur + 0.042,
                    tests=[("test_upgrade", "pass", dur, None)])
    R = U + refused
    db(log, R - 5.0, step_start, db_task, "Database files initialized")
    db(log, R - 4.9, step_start, db_task, "Starting temporary server")
    db(log, R - 4.0, step_start, db_task, "[System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.39) "
       "starting as process 121", system=True)
    stamp = dt.datetime.fromtimestamp(step_start + R, UTC).strftime("[%Y-%m-%d %H:%M:%S] ")
    log.mark("refused", R)
    log.line(R, app + stamp + "ERROR connect ECONNREFUSED %s:3306" % ip,
             app, app + "connect ECONNREFUSED %s:3306" % ip, app,
             app + '"Unknown database error"', app,
             app + "Error ID:", app + "    500", app,
             app + "Error Code: ", app + "    ECONNREFUSED", app,
             app + "----------------------------------------", app,
             app + "Error: connect ECONNREFUSED %s:3306" % ip,
             app + "    at /var/lib/ghost/versions/%s/node_modules/knex-migrator/lib/database.js:57:19"
             % T["image"].split("-")[0],
             app + "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)")
    db(log, R + 3.1, step_start, db_task, "Temporary server started.")
    db(log, R + 3.6, step_start, db_task, "Creating database ghost")
    log.line(R + 5.2, "[harness] ghost_app: task %s exited (1); waiting for swarm" % new_task[:12])
    log.mark("ps", R + 11.0)
    log.line(R + 11.0, "[harness] $ docker service ps --no-trunc ghost_app",
             *ps_table([
                 (rep_task, "ghost_app.1", ghost_image(T["image"]), MACHINE, "Running",
                  "Ready 1 second ago", "", ""),
                 (new_task, " \\_ ghost_app.1", ghost_image(T["image"]), MACHINE, "Shutdown",
                  "Failed 11 seconds ago", '"task: non-zero exit (1)"', ""),
                 (old_task, " \\_ ghost_app.1", ghost_image(T["prev_image"]), MACHINE, "Shutdown",
                  "Shutdown 19 seconds ago", "", ""),
             ]))
    paused = "update paused due to failure or early termination of task %s" % new_task
    log.line(R + 13.0, "[harness] $ docker service inspect --format '{{.UpdateStatus.State}}: "
             "{{.UpdateStatus.Message}}' ghost_app")
    log.mark("swarm_paused", R + 13.0)
    log.line(R + 13.0, "paused: " + paused)
    log.mark("paused", R + 14.0)
    log.line(R + 14.0, "!! upgrade op failed: ghost_app UpdateStatus='paused' (%s)" % paused)
    msg = "harness.lifecycle.UpgradeError: upgrade op failed: ghost_app UpdateStatus='paused' (%s)" % paused
    t = R + 14.3
    log.line(t, RED + "FAILED" + RESET, "",
             "=================================== FAILURES ===================================",
             RED + BOLD + "_________________________________ test_upgrade _________________________________" + RESET,
             "tests/ghost/test_upgrade.py:41: in test_upgrade",
             "    app.upgrade(to=recipe.head, wait=True)",
             "harness/lifecycle.py:212: in upgrade",
             "    raise UpgradeError(msg)",
             "E   " + msg,
             "=========================== short test summary info ============================",
             "FAILED tests/ghost/test_upgrade.py::test_upgrade - " + msg)
    secs = t - U + 0.3
    log.line(t + 0.1, pytest_rule("1 failed in %.2fs" % secs, RED))
    log.line(t + 0.3, "[harness] <== tier upgrade: fail (%.1f s)" % secs)
    body = ("tests/ghost/test_upgrade.py:41: in test_upgrade\n    app.upgrade(to=recipe.head, wait=True)\n"
            "harness/lifecycle.py:212: in upgrade\n    raise UpgradeError(msg)\nE   " + msg)
    return dict(name="upgrade", status="fail", start=U, time=secs,
                tests=[("test_upgrade", "fail", secs - 0.2, (msg, body))])


def ghost_install_timeout(log, I, T, number):
    ghost_tier_start(log, I, "install")
    log.write(I + 0.6, "tests/ghost/test_install.py::test_install ")
    log.write(I + 0.6, "\n")
    log.line(I + 0.7, "[ghost] abra app deploy ghost --chaos --no-input (%s @ %s)" % (T["version"], T["sha"][:8]))
    log.line(I + 2.8, "Creating network ghost_internal", "Creating service ghost_db", "Creating service ghost_app")
    log.line(I + 3.1, "[harness] waiting for ghost_db, ghost_app to converge (timeout 300 s)")
    for k in range(1, 5):
        log.line(I + 3.1 + 60 * k, "[harness] converge: ghost_db 1/1, ghost_app 0/1 (%d s)" % (60 * k))
    log.mark("fata", I + 303.3)
    log.line(I + 303.3, RED + "FATA" + RESET + " deploy timed out")
    log.line(I + 303.6, "[harness] deploy did not converge; task state:")
    app_task = b36id("%d/app" % number)
    db_task = b36id("%d/db" % number)
    log.mark("ps", I + 303.7)
    log.line(I + 303.7, "[harness] $ docker service ps --no-trunc ghost_app",
             *ps_table([(app_task, "ghost_app.1", ghost_image(T["image"]), "", "Running",
                         "New 5 minutes ago", "", "")]))
    log.line(I + 304.1, "[harness] $ docker service ps --no-trunc ghost_db",
             *ps_table([(db_task, "ghost_db.1", MYSQL_IMAGE, MACHINE, "Running",
                         "Running 5 minutes ago", "", "")]))
    msg = "harness.lifecycle.DeployError: abra app deploy exited 1: FATA deploy timed out"
    t = I + 304.4
    log.line(t, RED + "FAILED" + RESET, "",
             "=================================== FAILURES ===================================",
             RED + BOLD + "_________________________________ test_install _________________________________" + RESET,
             "tests/ghost/test_install.py:24: in test_install",
             "    app.deploy(timeout=meta.DEPLOY_TIMEOUT)",
             "harness/lifecycle.py:141: in deploy",
             "    raise DeployError(f\"abra app deploy exited {rc}: {last}\")",
             "E   " + msg,
             "=========================== short test summary info ============================",
             "FAILED tests/ghost/test_install.py::test_install - " + msg)
    secs = t - I + 0.3
    log.line(t + 0.1, pytest_rule("1 failed in %.2fs (0:05:04)" % secs, RED))
    log.line(t + 0.3, "[harness] <== tier install: fail (%.1f s)" % secs)
    body = ("tests/ghost/test_install.py:24: in test_install\n    app.deploy(timeout=meta.DEPLOY_TIMEOUT)\n"
            "harness/lifecycle.py:141: in deploy\n    raise DeployError(f\"abra app deploy exited {rc}: {last}\")\n"
            "E   " + msg)
    return dict(name="install", status="fail", start=I, time=secs,
                tests=[("test_install", "fail", secs - 0.2, (msg, body))])


def ghost_simple_tier(log, S, tier, dur, number, step_start):
    ghost_tier_start(log, S, tier)
    log.write(S + 0.6, "tests/ghost/test_%s.py::test_%s " % (tier, tier))
    log.write(S + 0.6, "\n")
    seed = "ci-seed-%d" % number
    if tier == "backup":
        log.line(S + 0.8, "[ghost] seeding: created post '%s'" % seed)
        log.line(S + 1.6, "[ghost] abra app backup create ghost --no-input")
        log.line(S + dur - 1.4, "[harness] backup created: ghost_%s.tar.gz (3.4 MiB)"
                 % dt.datetime.fromtimestamp(step_start + S + 1.6, UTC).strftime("%Y-%m-%d_%H-%M-%S"))
    else:
        log.line(S + 0.8, "[ghost] removing volumes ghost_content ghost_mysql (wipe before restore)")
        log.line(S + 1.9, "[ghost] abra app backup restore ghost --no-input")
        log.line(S + dur - 1.5, "[harness] service ghost_app converged (1/1 tasks running)")
        log.line(S + dur - 0.6, "[ghost] post '%s' present after restore" % seed)
    log.line(S + dur - 0.1, GREEN + "PASSED" + RESET)
    pytest_passed(log, S + dur - 0.1, 1, dur + 0.03)
    log.line(S + dur + 0.042, "[harness] <== tier %s: pass (%.1f s)" % (tier, dur + 0.042))
    return dict(name=tier, status="pass", start=S, time=dur + 0.042, tests=[("test_" + tier, "pass", dur, None)])


def ghost_custom(log, C, dur):
    ghost_tier_start(log, C, "custom", n_items=len(CUSTOM_TESTS))
    t = C + 0.02
    tests = []
    # the testcases take the whole tier: their sum is the tier's duration
    scale = dur / sum(x for _, x in CUSTOM_TESTS)
    for name, share in CUSTOM_TESTS:
        secs = round(share * scale, 3)
        log.write(t, "tests/ghost/test_custom.py::%s " % name)
        t += secs
        log.write(t, GREEN + "PASSED" + RESET + "\n")
        tests.append((name, "pass", secs, None))
    pytest_passed(log, C + dur + 0.03, len(tests), dur + 0.03)
    log.line(C + dur + 0.042, "[harness] <== tier custom: pass (%.1f s)" % (dur + 0.042))
    return dict(name="custom", status="pass", start=C, time=dur + 0.042, tests=tests)


def ghost_test_step(number, g, step_start):
    """The harness step of a ghost build: returns the log and what the run recorded."""
    T = TESTED[g["tested"]]
    log = StepLog()
    preamble(log, number, "ghost", T["sha"], T["pr"], T["version"], T["prev"])
    tiers = []
    t = 0.2
    if g["kind"] == "l0":
        tiers.append(ghost_install_timeout(log, t, T, number))
        failed = "install"
    elif g["kind"] == "l1":
        tiers.append(ghost_install_pass(log, t, g["install"], T))
        t = tiers[-1]["start"] + tiers[-1]["time"] + 0.1
        tiers.append(ghost_upgrade(log, t, T, number, step_start, ok=False,
                                   refused=g["refused"], ip=g["ip"]))
        failed = "upgrade"
    else:
        durs = g["tiers"]
        tiers.append(ghost_install_pass(log, t, durs[0], T))
        for tier, dur in zip(TIERS[1:], durs[1:]):
            t = tiers[-1]["start"] + tiers[-1]["time"] + (0.6 if tier == "custom" else 0.1)
            if tier == "upgrade":
                tiers.append(ghost_upgrade(log, t, T, number, step_start, ok=True, dur=dur))
            elif tier == "custom":
                tiers.append(ghost_custom(log, t, dur))
            else:
                tiers.append(ghost_simple_tier(log, t, tier, dur, number, step_start))
        failed = None
    t = tiers[-1]["start"] + tiers[-1]["time"] + 0.1
    ran = {x["name"] for x in tiers}
    for tier in TIERS:
        if tier not in ran:
            log.line(t, "[harness] skipping tier %s: unver (%s failed)" % (tier, failed))
            tiers.append(dict(name=tier, status="unver", start=None, time=None, tests=[]))
    tiers.sort(key=lambda x: TIERS.index(x["name"]))
    t = lint_tier(log, t + 0.1, "ghost")
    t = teardown(log, t, "ghost", ["ghost_content", "ghost_mysql"],
                 ["ghost_db_password_v1", "ghost_db_root_password_v1"], len(log.elems) + 12)
    rungs, level = ladder(tiers, lint="pass")
    results_lines(log, t, number, level, rungs)
    code = 1 if failed else 0
    log.line(t + 0.4, "[harness] exit %d" % code)
    return log, tiers, rungs, level, code


def ladder(tiers, lint, intentional=()):
    """Rung statuses and the level (highest rung with all below pass/intentional skip)."""
    st = {x["name"]: x["status"] for x in tiers}
    def rung(*names):
        s = [st[n] for n in names]
        for bad in ("fail", "unver"):
            if bad in s:
                return bad
        if all(x == "skip" for x in s):
            return "skip"
        return "pass"
    rungs = {"L1": rung("install"), "L2": rung("upgrade"), "L3": rung("backup", "restore"),
             "L4": rung("custom"), "L5": lint}
    level = 0
    for k in ["L1", "L2", "L3", "L4", "L5"]:
        if rungs[k] == "pass" or (rungs[k] == "skip" and k in intentional):
            level = int(k[1])
        else:
            break
    return rungs, level

# ---------------------------------------------------------------------------
# Other recipes' harness steps: shorter logs, the same banners

TIER_SHARE = {"install": 0.40, "upgrade": 0.33, "backup": 0.07, "restore": 0.08, "custom": 0.05}


def other_tier_pass(log, S, recipe, tier, dur, skip_reason=None):
    log.line(S, "[harness] ==> tier %s: start (pytest tests/%s/test_%s.py)" % (tier, recipe, tier))
    pytest_session(log, S, 1)
    log.write(S + 0.6, "tests/%s/test_%s.py::test_%s " % (recipe, tier, tier))
    if skip_reason:
        log.write(S + dur - 0.1, YELLOW + "SKIPPED" + RESET + " (%s)\n" % skip_reason)
        log.line(S + dur - 0.1, "", pytest_rule("1 skipped in %.2fs" % (dur + 0.03), YELLOW))
        log.line(S + dur + 0.042, "[harness] <== tier %s: skip (%.1f s)" % (tier, dur + 0.042))
        return dict(name=tier, status="skip", start=S, time=dur + 0.042,
                    tests=[("test_" + tier, "skip", dur, skip_reason)])
    log.write(S + 0.6, "\n")
    if tier in ("install", "upgrade"):
        log.line(S + 0.7, "[%s] abra app %s %s --chaos --no-input" % (
            recipe, "deploy" if tier == "install" else "upgrade", recipe))
        log.line(S + dur - 3.0, "[harness] service %s_app converged (1/1 tasks running)" % recipe)
    log.line(S + dur - 0.1, GREEN + "PASSED" + RESET)
    pytest_passed(log, S + dur - 0.1, 1, dur + 0.03)
    log.line(S + dur + 0.042, "[harness] <== tier %s: pass (%.1f s)" % (tier, dur + 0.042))
    return dict(name=tier, status="pass", start=S, time=dur + 0.042, tests=[("test_" + tier, "pass", dur, None)])


def other_tier_fail(log, S, recipe, tier, how, number):
    """A failing install/upgrade tier of another recipe, with real-world wording."""
    R = RECIPES[recipe]
    log.line(S, "[harness] ==> tier %s: start (pytest tests/%s/test_%s.py)" % (tier, recipe, tier))
    pytest_session(log, S, 1)
    log.write(S + 0.6, "tests/%s/test_%s.py::test_%s " % (recipe, tier, tier))
    log.write(S + 0.6, "\n")
    if how == "vip":
        log.line(S + 0.7, "[%s] abra app deploy %s --chaos --no-input" % (recipe, recipe))
        log.line(S + 2.9, "Creating network %s_internal" % recipe,
                 *["Creating service %s_%s" % (recipe, s) for s in ("db", "redis", "app", "sidekiq")])
        log.line(S + 3.2, "[harness] waiting for 4 services to converge (timeout 900 s)")
        for k in range(1, 15):
            log.line(S + 3.2 + 60 * k, "[harness] converge: %s_app 0/1, %s_sidekiq 0/1 (%d s)" % (recipe, recipe, 60 * k))
        end = S + 903.5
        log.line(end, RED + "FATA" + RESET + " deploy timed out")
        rows = [(b36id("%d/%s" % (number, s)), "%s_%s.1" % (recipe, s), R["image"], "", "Running",
                 "New 15 minutes ago", "", "") for s in ("app", "sidekiq")]
        log.line(end + 0.3, "[harness] $ docker service ps --no-trunc %s_app %s_sidekiq" % (recipe, recipe),
                 *ps_table(rows))
        msg = "harness.lifecycle.DeployError: abra app deploy exited 1: FATA deploy timed out"
    elif how == "ratelimit":
        img = R["image"]
        log.line(S + 0.7, "[harness] docker pull %s" % img)
        end = S + 2.4
        log.line(end, "Error response from daemon: toomanyrequests: You have reached your unauthenticated "
                 "pull rate limit. https://www.docker.com/increase-rate-limit")
        msg = "harness.images.PullError: docker pull %s exited 1" % img
    elif how == "diskfull":
        img = R["image"]
        log.line(S + 0.7, "[harness] docker pull %s" % img, "3.2.5: Pulling from bitnami/discourse")
        layers = [hexid("layer/%d/%d" % (number, i), 12) for i in range(5)]
        log.line(S + 1.5, *["%s: Pulling fs layer" % x for x in layers])
        log.line(S + 38.0, *["%s: Pull complete" % x for x in layers[:3]])
        end = S + 71.6
        log.line(end, "failed to register layer: write /var/lib/docker/overlay2/%s/diff/opt/bitnami/discourse/"
                 "vendor/bundle/ruby/3.2.0/gems/libv8-node-18.19.0.0-x86_64-linux/vendor/v8/x86_64-linux/"
                 "libv8/obj/libv8_monolith.a: no space left on device" % hexid("ovl/%d" % number, 64))
        msg = "harness.images.PullError: docker pull %s exited 1" % img
    elif how == "manifest":
        img = "wordpress:6.5.9-php8.3-apache"
        log.line(S + 0.7, "[%s] upgrade path: %s -> 2.7.0+6.5.9-php8.3-apache" % (recipe, R["version"]),
                 "[harness] docker pull %s" % img)
        end = S + 1.9
        log.line(end, "Error response from daemon: manifest for %s not found: manifest unknown: manifest unknown" % img)
        msg = "harness.images.PullError: docker pull %s exited 1" % img
    else:
        raise ValueError(how)
    t = end + 0.3
    log.line(t, RED + "FAILED" + RESET, "",
             "=================================== FAILURES ===================================",
             "E   " + msg,
             "=========================== short test summary info ============================",
             "FAILED tests/%s/test_%s.py::test_%s - %s" % (recipe, tier, tier, msg))
    secs = t - S + 0.3
    log.line(t + 0.1, pytest_rule("1 failed in %.2fs" % secs, RED))
    log.line(t + 0.3, "[harness] <== tier %s: fail (%.1f s)" % (tier, secs))
    return dict(name=tier, status="fail", start=S, time=secs, tests=[("test_" + tier, "fail", secs - 0.2, (msg, "E   " + msg))])


def other_test_step(number, recipe, outcome, step_secs, T):
    log = StepLog()
    preamble(log, number, recipe, T["sha"], T["pr"], T["version"], T["prev"])
    skips = {}
    if recipe == "mumble":
        skips = {"L3": "recipe has no backup configuration"}
    tiers = []
    t = 0.2
    budget = step_secs - 16.0       # lint, teardown and bookkeeping take ~16 s
    failed = None
    for tier in TIERS:
        if failed:
            log.line(t, "[harness] skipping tier %s: unver (%s failed)" % (tier, failed))
            tiers.append(dict(name=tier, status="unver", start=None, time=None, tests=[]))
            continue
        fail_here = ((outcome in ("vip", "ratelimit", "diskfull") and tier == "install")
                     or (outcome == "manifest" and tier == "upgrade"))
        if fail_here:
            tiers.append(other_tier_fail(log, t, recipe, tier, outcome, number))
            failed = tier
        elif tier in ("backup", "restore") and skips:
            tiers.append(other_tier_pass(log, t, recipe, tier, 0.8, skip_reason=skips["L3"]))
        else:
            tiers.append(other_tier_pass(log, t, recipe, tier, round(budget * TIER_SHARE[tier], 1)))
        t = tiers[-1]["start"] + tiers[-1]["time"] + 0.1
    t = lint_tier(log, t, recipe, secs=1.8)
    t = teardown(log, t, recipe, ["%s_data" % recipe], ["%s_secret_key_v1" % recipe], len(log.elems) + 12)
    rungs, level = ladder(tiers, lint="pass", intentional=tuple(skips))
    results_lines(log, t, number, level, rungs)
    code = 1 if failed else 0
    log.line(t + 0.4, "[harness] exit %d" % code)
    return log, tiers, rungs, level, code, skips


def report_step(number, recipe, pr, level, ok):
    log = StepLog()
    log.line(0, "+ ccci-report --run %d --upload" % number,
             "uploading runs/%d to https://ci.coopcloud.example/runs/%d/" % (number, number))
    if pr:
        log.line(1, "gitea: authenticated as ccci-bot (token ******)",
                 "posted result on %s/%s#%d: level %d %s" % (RECIPE_ORG, recipe, pr, level, "✅" if ok else "❌"))
    else:
        log.line(1, "no pull request for this run; dashboard updated (%s: level %d)" % (recipe, level))
    return log

# ---------------------------------------------------------------------------
# Assembling the builds


def ci_commit_at(t):
    sha, msg = None, None
    for when, s, m in CI_COMMITS:
        if when <= t:
            sha, msg = s, m
    return sha, msg


def other_tested(number, recipe):
    """What another recipe's run tested: main, or a PR head (about a third)."""
    R = RECIPES[recipe]
    major = int(R["version"].split(".")[0])
    prev = "%d.%s" % (major - 1 if major > 1 else major, R["version"].split(".", 1)[1]) \
        if major > 1 else "0.9.0+" + R["version"].split("+")[1]
    if FILLER_OUTCOME.get(number, ("", ""))[1] == "manifest":
        # the PR under test pins an image tag that does not exist
        return dict(sha=hexid("%s/pr-bad-tag" % recipe), pr=31, version="2.7.0+6.5.9-php8.3-apache",
                    prev=R["version"])
    if int(frac("pr?%d" % number, 0, 3)) == 0:
        pr = 2 + int(frac("prn%d" % number, 0, 40))
        return dict(sha=hexid("%s/pr%d" % (recipe, pr)), pr=pr, version=R["version"], prev=prev)
    return dict(sha=hexid("%s/main" % recipe), pr=None, version=R["version"], prev=prev)


def schedule():
    """number -> (recipe, created, duration or None, outcome)."""
    plan = {}
    for n, g in GHOST.items():
        plan[n] = ("ghost", ts(g["created"]), None, g["kind"])
    for n, v in FIXED.items():
        plan[n] = (v[0], ts(v[1]), v[2], v[3])
    k = 0
    for numbers, a, b in FILLERS:
        a, b = ts(a), ts(b)
        step = (b - a) / max(1, len(numbers) - 1)
        for i, n in enumerate(numbers):
            recipe, outcome = FILLER_OUTCOME.get(n, (FILLER_ROTATION[k % len(FILLER_ROTATION)], "pass"))
            k += 1
            created = int(a + i * step + frac("jit%d" % n, -90, 90))
            lo, hi = RECIPES[recipe]["dur"]
            dur = None if outcome != "pass" else int(frac("dur%d" % n, lo, hi))
            plan[n] = (recipe, created, dur, outcome)
    missing = [n for n in range(FIRST_BUILD, RANGE[1] + 1) if n not in plan]
    assert not missing, "no plan for builds %s" % missing
    return plan


class Build:
    pass


def make_builds():
    plan = schedule()
    builds = []
    for n in range(FIRST_BUILD, RANGE[1] + 1):
        recipe, created, dur, outcome = plan[n]
        b = Build()
        b.number, b.recipe, b.created, b.outcome = n, recipe, created, outcome
        b.pending = GHOST[n]["pending"] if recipe == "ghost" else 4 + int(frac("pend%d" % n, 0, 6))
        b.started = created + b.pending
        b.clone_secs = GHOST.get(n, {}).get("clone", 1)
        b.ci_sha, b.ci_msg = ci_commit_at(created)
        test_start = b.started + b.clone_secs
        if recipe == "ghost":
            g = GHOST[n]
            T = TESTED[g["tested"]]
            log, tiers, rungs, level, code = ghost_test_step(n, g, test_start)
            skips = {}
        else:
            T = other_tested(n, recipe)
            lo, hi = RECIPES[recipe]["dur"]
            step_secs = (dur or (lo + hi) // 2) - b.clone_secs - 3
            log, tiers, rungs, level, code, skips = other_test_step(n, recipe, outcome, step_secs, T)
        test_secs = int(log.elems and max(t for _, t in log.elems)) + 1
        if recipe != "ghost" and dur:
            assert test_secs <= step_secs, "build %d: log longer than its step" % n
            test_secs = step_secs
        b.tested, b.tiers, b.rungs, b.level, b.code, b.skips = T, tiers, rungs, level, code, skips
        b.marks = log.marks
        b.test_start, b.test_stop = test_start, test_start + test_secs
        finished = {612: ts("2026-06-13T06:15:10Z")}.get(n, b.test_stop + 3)
        b.finished = finished
        b.status = "success" if code == 0 else "failure"
        b.logs = [("clone", "success", 0, b.started, b.started + b.clone_secs,
                   clone_log(b.ci_sha, b.clone_secs), "drone/git:latest", "null"),
                  ("test", b.status, code, b.test_start, b.test_stop, log,
                   "git.coopcloud.example/cc/recipe-ci-runner:2026.06.1", '["clone"]'),
                  ("report", "success", 0, b.test_stop, finished,
                   report_step(n, recipe, T["pr"], level, code == 0),
                   "git.coopcloud.example/cc/recipe-ci-runner:2026.06.1", '["test"]')]
        params = {"RECIPE": recipe, "REF": T["sha"]}
        if T["pr"]:
            params["PR"] = str(T["pr"])
        b.params = params
        builds.append(b)
    return builds


def db_rows(builds):
    repo_created = ts("2026-03-02T10:14:55Z")
    last = builds[-1]
    avatar = "https://git.coopcloud.example/avatars/" + hexid("avatar/" + CI_AUTHOR[0], 32)
    rows = {"repos": [(1, "87", 1, "cc", "recipe-ci", CI_SLUG, "git", "%s/%s.git" % (GIT, CI_SLUG),
                       "git@git.coopcloud.example:%s.git" % CI_SLUG, "%s/%s" % (GIT, CI_SLUG),
                       1, 0, "public", "main", last.number, ".drone.yml", 120, 1, 0,
                       last.created, repo_created, last.created, last.number + 3,
                       "dummy-repo-signer-NEVER-READ-THIS-COLUMN", "dummy-repo-secret-NEVER-READ-THIS-COLUMN",
                       0, 0, 0, 0, 0, 0)],
            "builds": [], "stages": [], "steps": [], "logs": [], "latest": []}
    step_id = STEP_ID_BASE
    stage_id = FIRST_BUILD + BUILD_ID_OFFSET - 2   # stage ids trail build ids (two config-error builds)
    for b in builds:
        b.build_id = b.number + BUILD_ID_OFFSET
        stage_id += 1
        b.stage_id = stage_id
        rows["builds"].append((
            b.build_id, 1, "ccci-bot", b.number, 0, b.status, "", "custom", "",
            "%s/%s/commit/%s" % (GIT, CI_SLUG, b.ci_sha), 0, "", b.ci_msg, b.ci_sha, b.ci_sha,
            "refs/heads/main", "", "main", "main", CI_AUTHOR[0], CI_AUTHOR[1], CI_AUTHOR[2], avatar,
            "ccci-bot", "", Blob(go_params(b.params)), b.started, b.finished, b.created, b.finished, 3,
            0, "", 0))
        rows["stages"].append((
            stage_id, 1, b.build_id, 1, "pipeline", "docker", "default", b.status, "", 0, 0, 0,
            "linux", "amd64", "", "", MACHINE, b.started, b.finished, b.created, b.finished, 4,
            1, 0, Blob("null"), Blob("null"), 0))
        b.step_ids = {}
        for num, (name, status, code, start, stop, log, image, deps) in enumerate(b.logs, 1):
            step_id += 1
            b.step_ids[name] = step_id
            rows["steps"].append((step_id, stage_id, num, name, status, "", 0, code, start, stop, 3,
                                  Blob(deps), image, 0, ""))
            rows["logs"].append((step_id, Blob(log.blob())))
    rows["latest"].append((1, last.build_id, "branch", "main", builds[0].created, last.created, 0))
    seqs = [("repos", 1), ("builds", last.build_id), ("stages", stage_id), ("steps", step_id)]
    return rows, seqs

# ---------------------------------------------------------------------------
# Run artifacts: results.json (schema 2) and pytest JUnit XML per tier that ran


def xml_attr(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", "&#10;"))


def xml_text(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def junit_xml(b, tier):
    start = b.test_start + tier["start"]
    fails = sum(1 for t in tier["tests"] if t[1] == "fail")
    skips = sum(1 for t in tier["tests"] if t[1] == "skip")
    cases = []
    for name, status, secs, extra in tier["tests"]:
        head = '<testcase classname="tests.%s.test_%s" name="%s" time="%.3f"' % (
            b.recipe.replace("-", "_"), tier["name"], name, secs)
        if status == "pass":
            cases.append(head + " />")
        elif status == "skip":
            cases.append(head + '><skipped type="pytest.skip" message="%s">%s</skipped></testcase>' % (
                xml_attr(extra), xml_text("tests/%s/test_%s.py:12: %s" % (b.recipe, tier["name"], extra))))
        else:
            msg, body = extra
            cases.append(head + '><failure message="%s">%s</failure></testcase>' % (xml_attr(msg), xml_text(body)))
    return ('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" '
            'failures="%d" skipped="%d" tests="%d" time="%.3f" timestamp="%s" hostname="%s">%s'
            '</testsuite></testsuites>\n' % (fails, skips, len(tier["tests"]), tier["time"],
                                             iso(start, frac=True), hexid("host/%d" % b.number, 12),
                                             "".join(cases)))


def results_json(b):
    stages = []
    for x in b.tiers:
        stages.append({"name": x["name"], "status": x["status"],
                       "tests": [{"name": n, "status": s, "ms": int(round(secs * 1000))}
                                 for n, s, secs, _ in x["tests"]]})
    doc = {"recipe": b.recipe, "version": b.tested["version"], "pr": b.tested["pr"],
           "ref": b.tested["sha"][:8], "run_id": b.number, "finished": iso(b.finished),
           "stages": stages, "level": b.level, "rungs": b.rungs,
           "lint": {"status": "pass", "detail": "", "rules_failed": []},
           "skips": {"intentional": dict(b.skips), "unintentional": []},
           "flags": {"clean_teardown": True, "no_secret_leak": True}}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_runs(out, builds):
    wanted = set(GHOST) | set(OTHER_RUNS)
    for b in builds:
        if b.number not in wanted:
            continue
        d = os.path.join(out, "runs", str(b.number))
        os.makedirs(d)
        with open(os.path.join(d, "results.json"), "w", encoding="utf-8") as f:
            f.write(results_json(b))
        for x in b.tiers:
            if x["status"] != "unver":
                with open(os.path.join(d, "junit-%s.xml" % x["name"]), "w", encoding="utf-8") as f:
                    f.write(junit_xml(b, x))


EVENTS_YAML = """\
# Infrastructure events of the ghost review (scenario-ghost.md, "Infrastructure events").
- from: 2026-06-12T00:00Z
  to:   2026-06-13T00:00Z
  kind: incident
  title: IPAM-fix operations running concurrently with CI (host under load)
- at: 2026-06-13T05:38Z
  kind: fix
  title: proxy network widened from /24 to /16 (10.10.0.0/16)
  resolves: [swarm-vip-exhaustion]
"""


def gitea_pr(number, title, body, sha, branch, state, created, updated, closed=None, merged=None,
             comments=0):
    repo = "%s/ghost" % RECIPE_ORG
    base_sha = hexid("ghost/main/1.3.1")
    return {
        "id": 3100 + number, "url": "%s/%s/pulls/%d" % (GIT, repo, number), "number": number,
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


def prs_json(builds):
    by = {b.number: b for b in builds}
    # a PR's updated_at is the bot's last result comment (the report step)
    upd4 = iso(by[612].logs[2][3] + 1)
    upd5 = iso(by[585].logs[2][3] + 1)
    prs = [
        gitea_pr(5, "probe: 1.4.0+6.44.1-alpine upgrade path (do not merge)",
                 "Throwaway branch to probe the upgrade tier on the CI host. Close when #4 has a verdict.",
                 PR5_SHA, "probe-upgrade-6.44", "open", "2026-06-13T02:55:31Z", upd5,
                 comments=4),
        gitea_pr(4, "chore: upgrade to 1.4.0+6.44.1-alpine",
                 "Bumps Ghost to 6.44.1 and the recipe to 1.4.0. `!testme` to run the CI.",
                 PR4_SHA, "upgrade-1.4.0", "open", "2026-06-11T17:48:02Z", upd4,
                 comments=2),
        gitea_pr(3, "chore: upgrade to 1.4.0+6.43.0-alpine",
                 "Superseded by #4 (6.44.1 fixes the admin login regression).",
                 PR3_SHA, "upgrade-1.4.0-rc", "closed", "2026-06-08T09:12:40Z", "2026-06-11T17:50:19Z",
                 closed="2026-06-11T17:50:19Z", comments=3),
    ]
    return json.dumps(prs, indent=2) + "\n"


ARGS = ["analyze", "--db", "drone.sqlite", "--repo", CI_SLUG, "--builds", "515..612",
        "--recipe", "ghost", "--runs", "runs", "--events", "events.yaml", "--prs", "prs.json",
        "--target", "pr=4", "--as-of", "2026-06-13T06:38Z", "--format", "json"]

# ---------------------------------------------------------------------------
# Checks: the scenario's facts must hold in what we write

EXPECTED_LOAD = {515: 3, 517: 4, 519: 5, 557: 3, 578: 4, 585: 1, 612: 0}


def load_at(builds, t, exclude):
    return sum(1 for b in builds if b.number != exclude and b.started <= t < b.finished)


def key_moments(b):
    """(failing moment or middle of the stage, {mark: (line, unix time)})."""
    marks = {k: (pos + 1, b.test_start + tt) for k, (pos, tt) in b.marks.items()}
    if b.outcome == "l0":
        return b.test_start + b.marks["fata"][1], marks
    if b.outcome == "l1":
        return b.test_start + b.marks["paused"][1], marks
    return (b.started + b.finished) // 2, marks


def check(builds):
    by = {b.number: b for b in builds}
    problems = []
    def want(cond, what):
        if not cond:
            problems.append(what)
    for n, expected in EXPECTED_LOAD.items():
        b = by[n]
        fm, marks = key_moments(b)
        want(load_at(builds, fm, n) == expected,
             "#%d: load %d at %s, want %d" % (n, load_at(builds, fm, n), iso(fm), expected))
        moments = [fm] + [v[1] for v in marks.values()]
        for o in builds:
            if o.number == n:
                continue
            for edge in (o.started, o.finished):
                for m in moments:
                    want(abs(edge - m) >= MIN_MARGIN or n == 612,
                         "#%d: #%d starts/stops %+d s from %s" % (n, o.number, edge - m, iso(m)))
        if b.outcome == "l1":
            want(marks["paused"][1] - marks["refused"][1] == 14,
                 "#%d: ECONNREFUSED -> paused is %d s" % (n, marks["paused"][1] - marks["refused"][1]))
    for t in range(by[585].started, by[585].finished):
        if load_at(builds, t, 585) != 1:
            problems.append("#585: load %d at %s" % (load_at(builds, t, 585), iso(t)))
            break
    want(max(load_at(builds, t, 612) for t in range(by[612].started, by[612].finished)) <= 1,
         "#612: load above 1 during the run")
    day0, day1 = ts("2026-06-12T00:00:00Z"), ts("2026-06-13T00:00:00Z")
    for n in (515, 517, 519, 557):
        fm, _ = key_moments(by[n])
        want(day0 <= by[n].started and by[n].finished < day1 and day0 <= fm < day1,
             "#%d not inside 2026-06-12" % n)
    fm578, _ = key_moments(by[578])
    want(abs(fm578 - ts("2026-06-13T03:00:00Z")) < 180, "#578 fails at %s, want ~03:00Z" % iso(fm578))
    want(iso(by[585].started).startswith("2026-06-13T04:14"), "#585 starts %s" % iso(by[585].started))
    b = by[612]
    want(iso(b.started) == "2026-06-13T06:13:02Z" and iso(b.finished) == "2026-06-13T06:15:10Z",
         "#612 window %s..%s" % (iso(b.started), iso(b.finished)))
    tiers = {x["name"]: x for x in b.tiers}
    def edge(name, end):
        x = tiers[name]
        return hms(int(b.test_start + x["start"] + (x["time"] if end else 0)))
    want(edge("install", False) == "06:13:02" and edge("install", True) == "06:13:53", "#612 install")
    want(edge("upgrade", True) == "06:14:38", "#612 upgrade ends %s" % edge("upgrade", True))
    want(edge("backup", True) == "06:14:43", "#612 backup ends %s" % edge("backup", True))
    want(edge("restore", True) == "06:14:49", "#612 restore ends %s" % edge("restore", True))
    want(edge("custom", False) == "06:14:50" and edge("custom", True) == "06:14:53",
         "#612 custom %s-%s" % (edge("custom", False), edge("custom", True)))
    want(b.level == 5 and by[585].level == 5, "passes must be level 5")
    for n, lvl in ((515, 0), (517, 0), (519, 1), (557, 1), (578, 1)):
        want(by[n].level == lvl, "#%d level %d, want %d" % (n, by[n].level, lvl))
    nums = [x.number for x in builds if RANGE[0] <= x.number <= RANGE[1]]
    want(nums == list(range(RANGE[0], RANGE[1] + 1)), "range not contiguous")
    want(all(x.created < y.created for x, y in zip(builds, builds[1:])), "creation order != number order")
    for x in builds:
        want(x.created < x.started <= x.test_start < x.test_stop <= x.finished,
             "#%d: times out of order" % x.number)
        for name, _, _, start, stop, log, _, _ in x.logs:
            want(log.last_t <= stop - start, "#%d %s: log time %d beyond step (%d s)"
                 % (x.number, name, log.last_t, stop - start))
    return problems


def check_dump(path, builds):
    """Load the dump the way the test driver will and query it."""
    con = sqlite3.connect(":memory:")
    with open(path, encoding="utf-8") as f:
        con.executescript(f.read())
    problems = []
    n = con.execute("SELECT count(*) FROM builds b JOIN repos r ON r.repo_id = b.build_repo_id "
                    "WHERE r.repo_slug = ? AND b.build_number BETWEEN ? AND ?", (CI_SLUG,) + RANGE).fetchone()[0]
    if n != RANGE[1] - RANGE[0] + 1:
        problems.append("dump: %d builds in range" % n)
    for (blob_type, blob) in con.execute("SELECT typeof(log_data), log_data FROM logs"):
        if blob_type != "blob":
            problems.append("dump: log_data stored as %s" % blob_type)
            break
        text = bytes(blob).decode("utf-8")
        if not text.endswith("]\n"):
            problems.append("dump: blob without runner-go's trailing newline")
        for i, e in enumerate(json.loads(text)):
            if list(e) != ["pos", "out", "time"] or e["pos"] != i:
                problems.append("dump: element %d malformed" % i)
                break
    t = con.execute("SELECT typeof(build_params) FROM builds LIMIT 1").fetchone()[0]
    if t != "blob":
        problems.append("dump: build_params stored as %s" % t)
    by = {b.number: b for b in builds}
    fm, _ = key_moments(by[578])
    q = ("SELECT count(*) FROM stages s JOIN builds b ON b.build_id = s.stage_build_id "
         "WHERE s.stage_machine = 'ci-1' AND s.stage_started <= ? AND s.stage_stopped > ? "
         "AND b.build_number <> 578")
    got = con.execute(q, (fm, fm)).fetchone()[0]
    if got != 4:
        problems.append("dump: %d concurrent stages at #578's failing moment" % got)
    con.close()
    return problems

# ---------------------------------------------------------------------------
# Summary (for the README and for whoever tunes the schedule)


def summary_rows(builds):
    by = {b.number: b for b in builds}
    rows = []
    for n in sorted(GHOST):
        b = by[n]
        fm, marks = key_moments(b)
        rows.append(dict(b=b, fm=fm, marks=marks, load=load_at(builds, fm, n)))
    return rows


def print_summary(builds):
    for r in summary_rows(builds):
        b = r["b"]
        print("#%d %-4s created %s started %s finished %s test-step %s level %d load %d at %s  marks %s" % (
            b.number, b.outcome, iso(b.created), hms(b.started), hms(b.finished), hms(b.test_start),
            b.level, r["load"], iso(r["fm"]),
            ", ".join("%s=line %d @%s" % (k, v[0], hms(v[1])) for k, v in sorted(r["marks"].items()))))
    loads = sorted(load_at(builds, key_moments(b)[0], b.number) for b in builds
                   if RANGE[0] <= b.number <= RANGE[1])
    print("median load over the range's builds: %s" % loads[len(loads) // 2])
    for b in builds:
        if b.recipe != "ghost" and b.outcome != "pass":
            print("#%d %s %s %s..%s" % (b.number, b.recipe, b.outcome, iso(b.started), hms(b.finished)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "corpus", "ghost-2026-06"))
    ap.add_argument("--check-only", action="store_true", help="build and check, write nothing")
    ap.add_argument("--summary", action="store_true", help="print key times, lines and loads")
    a = ap.parse_args()
    builds = make_builds()
    if a.summary:
        print_summary(builds)
    problems = check(builds)
    if problems:
        for p in problems:
            print("make-ghost-case: check failed: " + p, file=sys.stderr)
        return 1
    if a.check_only:
        return 0
    out = os.path.normpath(a.out)
    tmp = tempfile.mkdtemp(prefix=".ghost-case-", dir=os.path.dirname(out))
    try:
        rows, seqs = db_rows(builds)
        write_dump(os.path.join(tmp, "drone.sql"), rows, seqs)
        problems = check_dump(os.path.join(tmp, "drone.sql"), builds)
        if problems:
            for p in problems:
                print("make-ghost-case: check failed: " + p, file=sys.stderr)
            return 1
        write_runs(tmp, builds)
        with open(os.path.join(tmp, "events.yaml"), "w", encoding="utf-8") as f:
            f.write(EVENTS_YAML)
        with open(os.path.join(tmp, "prs.json"), "w", encoding="utf-8") as f:
            f.write(prs_json(builds))
        with open(os.path.join(tmp, "args"), "w", encoding="utf-8") as f:
            f.write("\n".join(ARGS) + "\n")
        with open(os.path.join(tmp, "README.md"), "w", encoding="utf-8") as f:
            f.write(case_readme(builds))
        # keep files other tools put in the case (expected report.json/report.md)
        if os.path.isdir(out):
            for keep in ("report.json", "report.md"):
                if os.path.exists(os.path.join(out, keep)):
                    shutil.copy2(os.path.join(out, keep), os.path.join(tmp, keep))
            shutil.rmtree(out)
        os.rename(tmp, out)
        os.chmod(out, 0o755)
    finally:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp)
    return 0


VERDICTS = {
    515: ("infra", "install never converged: app task stuck in `New 5 minutes ago` with an empty NODE "
                   "(possible VIP exhaustion), inside the IPAM-fix incident window"),
    517: ("infra", "same as #515"),
    519: ("infra", "MySQL-timing failure (ECONNREFUSED during MySQL's first-boot temporary server, swarm "
                   "paused the update), but inside the IPAM-fix incident window at high load"),
    557: ("infra", "same failure mode as #519, inside the incident window"),
    578: ("timing", "same failure mode (DB refused -> update paused); outside the incident window, and the "
                    "proxy fix resolves VIP exhaustion, not a paused update"),
    585: ("pass", "genuine level-5 pass, but it tested PR #5 (`d42d0f7c`), not the target PR #4, and ran "
                  "84 min before the proxy fix (05:38Z): no verdict for PR #4"),
    612: ("pass", "genuine post-fix level-5 pass of PR #4 (`d88f5801`); tiers in order inside "
                  "06:13:02-06:15:10Z; PR #4 is operator-ready"),
}


def case_readme(builds):
    by = {b.number: b for b in builds}
    L = []
    L.append("""# ghost-2026-06: the ghost upgrade review (June 2026)

The reference regression case: the situation of `scenario-ghost.md` (the manual review of
PR #4 of the `ghost` recipe), rebuilt as tool inputs. **Generated** by
`scripts/make-ghost-case.py` (deterministic, standard-library Python); edit the generator,
never these files, then run it again and commit both:

    python3 scripts/make-ghost-case.py            # rewrite this folder (keeps report.json/.md)
    python3 scripts/make-ghost-case.py --summary  # also print key times, lines and loads
    python3 scripts/make-ghost-case.py --check-only

The generator refuses to write anything if one of its checks fails: the loads below, #612's tier
times, the range being contiguous and in creation order, step logs fitting their steps, and,
after loading the dump into sqlite, every log blob being valid runner-go JSON stored as a BLOB
and 4 stages running on `ci-1` at #578's failing moment.

| file | what |
| --- | --- |
| `drone.sql` | SQL text dump of a Drone 2.x sqlite database (schema after every v2.25 migration, `sqlite3 .dump` layout). The test driver builds `drone.sqlite` from it (`sqlite3_exec`; by hand: `sqlite3 drone.sqlite < drone.sql`). |
| `runs/<build>/` | the recipe CI's artifacts: `results.json` (schema 2) and `junit-<tier>.xml` (one pytest file per tier that ran; `unver` tiers have none). All 7 ghost builds, plus #516 #531 #569 #601 #606 of other recipes. |
| `events.yaml` | the scenario's two infrastructure events, verbatim. |
| `prs.json` | the recipe repository's pull requests (Gitea API list shape): #3 closed, #4 open (target), #5 open (probe). |
| `args` | the golden run's command line, one argument per line, paths relative to this folder. |
| `report.json`, `report.md` | the expected output (added once the analyzer produces it; the generator keeps them). |

## From the review (real)

* Build numbers #515 #517 #519 #557 #578 #585 #612 of recipe `ghost`, their outcomes and levels
  (#515 #517 level 0; #519 #557 level 1; #578 upgrade failure; #585 success; #612 level 5).
* #578 at about 03:00Z and #585 at 04:14Z on 2026-06-13, both testing PR #5 (`d42d0f7c`); #612
  triggered by `!testme` at 06:12:48Z, started 06:13:02Z, finished 06:15:10Z, testing PR #4
  (`d88f5801`), with JUnit tiers install ending 06:13:53 (51 s), upgrade 06:14:38, backup
  06:14:43, restore 06:14:49, custom 06:14:50-06:14:53, then lint.
* PR #3 closed; PR #4 "chore: upgrade to 1.4.0+6.44.1-alpine" (head `d88f5801`); PR #5 (head
  `d42d0f7c`), a probe artifact.
* The harness line `!! upgrade op failed: ghost_app UpdateStatus='paused' (...)`, the level-0
  symptom (tasks stuck in `New`), `clean_teardown`/`no_secret_leak` true on every run.
* The events: IPAM-fix incident window [2026-06-12T00:00Z, 2026-06-13T00:00Z); proxy fix at
  2026-06-13T05:38Z resolving `swarm-vip-exhaustion`.

## Reconstructed (plausible, not from the review)

* The CI repository slug `cc/recipe-ci` on `git.coopcloud.example`, its two commits
  (`build_after` is the CI repository's commit, never the recipe sha), the bot `ccci-bot`, the
  machine `ci-1`, step names `clone`/`test`/`report`, images, ids (build ids are numbers + 37,
  step ids start at 1821), the full 40-hex shas behind the review's 8-hex prefixes, the recipe's
  main-branch sha `%s` tested on 2026-06-12 (no PR: `pr` null, no `PR` param), versions.
* Exact times of the 2026-06-12 builds and of #578, and every log line other than the one
  above: wording follows `real-signatures.md` (abra `FATA deploy timed out`, swarm's `update
  paused due to failure or early termination of task <id>`, `task: non-zero exit (1)`, Ghost's
  `ERROR connect ECONNREFUSED <ip>:3306` / `Unknown database error` / `Error Code: ECONNREFUSED`,
  MySQL entrypoint notes, Docker Hub's rate limit, `no space left on device`, `manifest unknown`).
* Builds #509-#514 (before the range, kept so that the host is busy at #515) and the other
  recipes' 91 builds in the range, with four failures of their own: #516 discourse (deploy timed
  out, tasks in `New`, same incident), #531 nextcloud (Docker Hub rate limit), #569 discourse
  (disk full while pulling), #606 wordpress (upgrade to a tag whose manifest does not exist).
* The load: concurrent stages on `ci-1`, placed so the figures below hold. The median over the
  range's builds (each at its failing moment, passes at the middle of their stage) is 0.

Drone details worth knowing: every build is a `custom` event on `refs/heads/main`;
`build_params` is a BLOB of Go-compact JSON (`{"PR":"4","RECIPE":"ghost","REF":"d88f5801..."}`,
keys sorted; main-branch runs have no `PR`); logs are runner-go blobs (`[{"pos","out","time"}]`
with Go's escaping and a trailing newline); pytest prints a test id and its `PASSED` in two
writes, so those lines span two elements and line numbers (pos + 1) skip; ANSI colour and the
`******` mask appear in harmless places; `repo_signer`/`repo_secret` hold dummy strings the tool
must never read (`dummy-repo-...-NEVER-READ-THIS-COLUMN`).

## The ghost builds: facts the analyzer should find

Times UTC; "line" is the 1-based line (pos + 1) in the `test` step's log; the failing moment is
the test step's start plus the log `time` of the line; load = other stages running on `ci-1`.
""" % GHOST_MAIN)
    L.append("| build | started - finished | tested | level | failing moment | key lines | load |")
    L.append("| --- | --- | --- | --- | --- | --- | --- |")
    for r in summary_rows(builds):
        b, m = r["b"], r["marks"]
        tested = ("PR #%d `%s`" % (b.tested["pr"], b.tested["sha"][:8]) if b.tested["pr"]
                  else "main `%s`" % b.tested["sha"][:8])
        window = "%s %s - %s" % (iso(b.started)[5:10], hms(b.started), hms(b.finished))
        if b.outcome == "l0":
            fm = iso(r["fm"])
            keys = "`FATA deploy timed out` line %d (%s); task table with `New 5 minutes ago` line %d" % (
                m["fata"][0], hms(m["fata"][1]), m["ps"][0] + 2)
        elif b.outcome == "l1":
            fm = iso(r["fm"])
            keys = ("`ERROR connect ECONNREFUSED %s:3306` line %d (%s); `Failed ... task: non-zero exit (1)` "
                    "line %d; `update paused due to ...` line %d; `!! upgrade op failed` line %d (%s)" % (
                        GHOST[b.number]["ip"], m["refused"][0], hms(m["refused"][1]), m["ps"][0] + 3,
                        m["swarm_paused"][0], m["paused"][0], hms(m["paused"][1])))
        else:
            fm = "- (pass; middle of stage %s)" % hms(r["fm"])
            keys = "tier banners; all tiers pass"
        L.append("| #%d | %s | %s | %d | %s | %s | %d |" % (b.number, window, tested, b.level, fm, keys,
                                                             r["load"]))
    b = by[612]
    L.append("")
    L.append("#612's JUnit tiers (suite timestamp + time): " + "; ".join(
        "%s %s-%s" % (x["name"], hms(int(b.test_start + x["start"])), hms(int(b.test_start + x["start"] + x["time"])))
        for x in b.tiers) + ". #585 ran with exactly one other stage on `ci-1` throughout; #612 with at most one "
        "(#611 until %s), none at its middle." % hms(by[611].finished))
    L.append("")
    L.append("## Expected verdicts")
    L.append("")
    L.append("| build | verdict | why |")
    L.append("| --- | --- | --- |")
    for n in sorted(VERDICTS):
        L.append("| #%d | %s | %s |" % (n, VERDICTS[n][0], VERDICTS[n][1]))
    L.append("""
Expected findings, in the review's terms: the upgrade failures are MySQL timing (swarm update
paused after `ECONNREFUSED`), not VIP exhaustion (no task in `New` in their task tables); #585
is pre-fix and on the wrong target; a post-fix run on the target exists as of 06:38Z (#612,
started 06:13:02Z, before the reviewer's 06:20Z check, so F3 "no post-fix run" was wrong); the
timing failure is load-sensitive only suggestively (same sha `d42d0f7c`: failed #578 at load 4,
passed #585 at load 1); PR #5 is stale; teardown and secret flags are clean on all 7 runs; #612
is a genuine level-5 pass and PR #4 is operator-ready.
""")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
