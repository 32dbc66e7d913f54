#!/usr/bin/env python3
"""PR numbers repeat across recipe repositories. A PR target that builds of
two recipes test is refused without --recipe: exit 1, one message naming
the recipes; with --recipe the same run gives a report. A PR list holding
another repository's PR #4 (named by its URL) keeps only the reviewed
recipe's and says what it left out. The ghost case's database with one
mumble build re-labelled as testing a PR #4."""
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

# the ghost PR list plus mumble's PR #4 (another head): left out, said once
prs = json.load(open(os.path.join(GHOST, "prs.json")))
other = dict(prs[0], number=4, url="https://git.coopcloud.example/cc-recipes/mumble/pulls/4",
             html_url="https://git.coopcloud.example/cc-recipes/mumble/pulls/4",
             head=dict(prs[0]["head"], sha="0123456789abcdef0123456789abcdef01234567"))
mixed = os.path.join(T, "prs-mixed.json")
json.dump(prs + [other], open(mixed, "w"))
ref = run(base + ["--recipe", "ghost", "--prs", os.path.join(GHOST, "prs.json")])
r = run(base + ["--recipe", "ghost", "--prs", mixed])
if check(ref.rc == 0 and r.rc == 0, "with a mixed PR list: exit 0", (ref, r)):
    a, b = json.loads(ref.text), json.loads(r.text)
    check(b["verdict"] == a["verdict"], "mumble's PR #4 does not change ghost PR #4's verdict",
          (a["verdict"], b["verdict"]))
    check([w for w in b["warnings"] if "1 pull request of other repositories (mumble) left out"
           in w] != [], "the left-out PR is said in the warnings", b["warnings"])
rmtree(T)
finish()
