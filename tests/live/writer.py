#!/usr/bin/env python3
"""writer.py DB STOPFILE RESULT [FIRST_NUMBER [PAUSE_S]]: plays a live Drone server
for tests/live. Until STOPFILE exists it appends one finished failed build
(build, stage, step and log rows, copied from the ghost case's #515) per
transaction, with a busy timeout of 3 s as a server would have, and records
every commit and every failure. Writes {"commits": N, "failures": [...],
"numbers": [...]} to RESULT. The appended builds run on machine ci-live and
are created a month after the ghost case, so they cannot change the load or
the review moment of the ghost range. PAUSE_S (default 0.002) is the pause
between commits."""
import json
import os
import sqlite3
import sys
import time

db_path, stop, result = sys.argv[1], sys.argv[2], sys.argv[3]
number = int(sys.argv[4]) if len(sys.argv) > 4 else 100000
pause = float(sys.argv[5]) if len(sys.argv) > 5 else 0.002
T0 = 1783900000  # 2026-07-13, after the ghost case

db = sqlite3.connect(db_path, timeout=3.0, isolation_level=None)
tmpl = db.execute(
    "SELECT l.log_data FROM builds b JOIN stages s ON s.stage_build_id = b.build_id "
    "JOIN steps st ON st.step_stage_id = s.stage_id JOIN logs l ON l.log_id = st.step_id "
    "WHERE b.build_number = 515 AND st.step_name = 'test'").fetchone()[0]
commits, failures, numbers, max_wait = 0, [], [], 0.0
while not os.path.exists(stop) and commits < 5000:
    t = T0 + commits * 600
    try:
        t_begin = time.monotonic()
        db.execute("BEGIN IMMEDIATE")
        cur = db.execute(
            "INSERT INTO builds (build_repo_id, build_trigger, build_number, build_status, build_error, "
            "build_event, build_after, build_ref, build_params, build_started, build_finished, "
            "build_created, build_updated) VALUES (1, 'bot', ?, 'failure', '', 'custom', "
            "'feedfacefeedfacefeedfacefeedfacefeedface', 'refs/heads/main', "
            "'{\"RECIPE\":\"ghost\",\"REF\":\"feedface\"}', ?, ?, ?, ?)",
            (number, t, t + 300, t - 10, t + 300))
        bid = cur.lastrowid
        cur = db.execute(
            "INSERT INTO stages (stage_repo_id, stage_build_id, stage_number, stage_kind, stage_type, "
            "stage_name, stage_status, stage_errignore, stage_exit_code, stage_machine, stage_started, "
            "stage_stopped, stage_created) VALUES (1, ?, 1, 'pipeline', 'docker', 'default', 'failure', "
            "0, 1, 'ci-live', ?, ?, ?)", (bid, t, t + 300, t - 10))
        sg = cur.lastrowid
        for k, (name, status) in enumerate((("clone", "success"), ("test", "failure"))):
            cur = db.execute(
                "INSERT INTO steps (step_stage_id, step_number, step_name, step_status, step_error, "
                "step_errignore, step_exit_code, step_started, step_stopped) "
                "VALUES (?, ?, ?, ?, '', 0, ?, ?, ?)",
                (sg, k + 1, name, status, 0 if status == "success" else 1, t + k, t + 300))
            data = tmpl if name == "test" else b'[{"pos":0,"out":"Cloning\\n","time":0}]'
            db.execute("INSERT INTO logs (log_id, log_data) VALUES (?, ?)", (cur.lastrowid, data))
        db.execute("COMMIT")
        max_wait = max(max_wait, time.monotonic() - t_begin)  # reported, never asserted
        commits += 1
        numbers.append(number)
        number += 1
    except sqlite3.Error as e:
        failures.append("build %d: %s" % (number, e))
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
    time.sleep(pause)
db.close()
with open(result, "w") as f:
    json.dump({"commits": commits, "failures": failures, "numbers": numbers,
               "max_transaction_s": round(max_wait, 3)}, f)
