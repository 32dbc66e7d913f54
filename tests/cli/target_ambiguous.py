#!/usr/bin/env python3
"""A PR target that builds of two recipes test (PR numbers repeat across
recipe repositories) is refused without --recipe: exit 1, one message
naming both recipes; with --recipe the same run gives a report. The ghost
case's database with one mumble build re-labelled as testing a PR #4."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
from cfhelp import (GHOST, REPO, check, finish, ghost_db, need_exe, one_line_error,  # noqa: E402
                    rmtree, run, tmpdir)

need_exe()
T = tmpdir()
db = ghost_db(os.path.join(T, "ghost.sqlite"))
con = sqlite3.connect(db)
n = con.execute("UPDATE builds SET build_params = CAST(? AS BLOB) WHERE build_number = 509",
                (json.dumps({"RECIPE": "mumble", "PR": "4",
                             "REF": "53804b27ba61d54ac4483d65688d7bb827ccb2cc"}),)).rowcount
con.commit()
con.close()
check(n == 1, "fixture: build #509 re-labelled", n)
base = ["analyze", "--db", db, "--repo", REPO, "--builds", "505..612",
        "--runs", os.path.join(GHOST, "runs"), "--target", "pr=4",
        "--as-of", "2026-06-13T06:38Z", "--format", "json"]
r = run(base)
check(one_line_error(r, "--target pr=4: builds of 3 recipes test a PR #4 (ghost, matrix-synapse, mumble)", "--recipe"),
      "an ambiguous PR target: exit 1, one message naming both recipes", r)
r = run(base + ["--recipe", "ghost"])
check(r.rc == 0 and json.loads(r.text)["target"] is not None,
      "with --recipe ghost: a report for the ghost PR #4", r)
rmtree(T)
finish()
