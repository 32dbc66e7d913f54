#!/usr/bin/env python3
"""test_secrets.py: planted secrets never leave the program. Tokens,
passwords, bearer headers, a JWT, a PEM private key, credentialed URLs and
token query keys are planted in Drone logs (rule-hit lines and the error
lines of an unknown failure), Drone's error fields, build parameters, JUnit
failure messages and results.json, and in inputs that make the program fail
(so error messages are covered). Every output is checked: `analyze` md and
json (and --strict's messages), `show`, `builds`, `junit`, `rules scan` and
every error message. A results.json with no_secret_leak=false must become a
hygiene finding naming the build without quoting anything secret.
"""
import json
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
from cfhelp import REPO, analyze_args as _args, private_rules, check, copy_runs, finish, ghost_db, get_log, need_exe, rmtree, run, set_log, tmpdir  # noqa: E402,E501

need_exe()
T = tmpdir()
RULES = private_rules(os.path.join(T, "rules"))

# Each secret's value holds a marker no output may contain. Shapes follow
# docs/redaction.md: key names, Authorization headers, JWTs, PEM blocks,
# credentials in URLs, token query keys.
PW = "Hunt3r2PwQ9Zx"
GHP = "ghp_" + "K7mQ2xLp9RvT4wYz8BnC3dFg6HjS1aUe5iOo"
BEARER = "BearerV4lQ8mZk2Lp7Xw"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaS1ib3QiLCJuYW1lIjoiSldUU2VjcmV0In0."
       "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
PEM_BODY = "MIIEpAIBAAKCAQEA7PemK3yM4t3r1alQz9vX"
URLPW = "UrlPw5Vq7Lm3Xz"
AWS = "wJalrXUtnFEMI7K7MDENGbPxRfiCYQx9Zk2"
QTOK = "QueryTok9Lm3Wx7Pz"
DBPW = "DbP4ss8Nq2Rt"
SECRETS = {"password": PW, "ghp token": GHP, "bearer": BEARER, "jwt": JWT, "jwt signature": JWT.split(".")[2],
           "pem body": PEM_BODY, "url password": URLPW, "aws key": AWS, "query token": QTOK,
           "db password": DBPW}

PLANT = [
    "password=%s" % PW,
    "GITHUB_TOKEN=%s" % GHP,
    "Authorization: Bearer %s" % BEARER,
    "token %s" % JWT,
    "cloning https://deploy:%s@git.example.com/cc/recipe.git" % URLPW,
    "AWS_SECRET_ACCESS_KEY=%s" % AWS,
    "GET https://api.example.com/v1/x?access_token=%s&page=2" % QTOK,
    "DB_PASSWORD='%s'" % DBPW,
]


def analyze_args(*a, **k):
    if "--rules" not in k.get("extra", ()):
        k["rules"] = RULES
    return _args(*a, **k)


def leaks(blob):
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    return sorted(k for k, v in SECRETS.items() if v in text)


def no_leak(r, what):
    found = leaks(r.out + r.err)
    check(found == [], what + ": no secret in stdout or stderr", found)


# ---- the database: secrets in hit lines, error lines, error fields, params ----
db = ghost_db(os.path.join(T, "ghost.sqlite"))
log = json.loads(get_log(db, 519, "test"))
for e in log:  # the lines the rules hit in #519, and their neighbours
    if "ECONNREFUSED" in e["out"] or "update paused" in e["out"] or "UpdateStatus" in e["out"]:
        e["out"] = e["out"].rstrip("\n") + " " + " ".join(PLANT) + "\n"
log.append({"pos": len(log), "out": "-----BEGIN RSA PRIVATE KEY-----\n", "time": log[-1]["time"]})
log.append({"pos": len(log), "out": PEM_BODY + "\n", "time": log[-1]["time"]})
log.append({"pos": len(log), "out": "-----END RSA PRIVATE KEY-----\n", "time": log[-1]["time"]})
set_log(db, 519, "test", json.dumps(log).encode())

# #613: a failed ghost build with no artifacts and no rule hit, so its error
# lines (and Drone's error fields) are quoted in the report
con = sqlite3.connect(db)
t = 1781334000
params = json.dumps({"RECIPE": "ghost", "PR": "4", "DB_PASSWORD": DBPW, "GITEA_TOKEN": GHP,
                     "DEPLOY_URL": "https://deploy:%s@git.example.com/x" % URLPW,
                     "HEADERS": "Authorization: Bearer %s" % BEARER})
cur = con.execute(
    "INSERT INTO builds (build_repo_id, build_trigger, build_number, build_status, build_error, build_event, "
    "build_after, build_ref, build_params, build_started, build_finished, build_created, build_updated, "
    "build_title, build_message) VALUES (1, 'bot', 613, 'failure', ?, 'custom', "
    "'d88f5801d88f5801d88f5801d88f5801d88f5801', 'refs/heads/main', ?, ?, ?, ?, ?, ?, ?)",
    ("error: clone failed: https://deploy:%s@git.example.com password=%s" % (URLPW, PW), params,
     t, t + 200, t - 5, t + 200, "deploy with token=%s" % QTOK, "Authorization: Bearer %s" % BEARER))
bid = cur.lastrowid
sg = con.execute(
    "INSERT INTO stages (stage_repo_id, stage_build_id, stage_number, stage_kind, stage_type, stage_name, "
    "stage_status, stage_error, stage_errignore, stage_exit_code, stage_machine, stage_started, stage_stopped, "
    "stage_created) VALUES (1, ?, 1, 'pipeline', 'docker', 'default', 'failure', ?, 0, 1, 'ci-1', ?, ?, ?)",
    (bid, "GITHUB_TOKEN=%s" % GHP, t, t + 200, t - 5)).lastrowid
st = con.execute(
    "INSERT INTO steps (step_stage_id, step_number, step_name, step_status, step_error, step_errignore, "
    "step_exit_code, step_started, step_stopped) VALUES (?, 1, 'test', 'failure', ?, 0, 1, ?, ?)",
    (sg, "Error: AWS_SECRET_ACCESS_KEY=%s rejected" % AWS, t, t + 200)).lastrowid
lines = ["+ ./harness run --recipe ghost"] + ["ERROR: deploy failed: %s" % p for p in PLANT] + [
    "Error: -----BEGIN OPENSSH PRIVATE KEY-----", PEM_BODY, "-----END OPENSSH PRIVATE KEY-----",
    "fatal: Authentication failed for 'https://deploy:%s@git.example.com/'" % URLPW,
    "Error: exit status 1"]
con.execute("INSERT INTO logs (log_id, log_data) VALUES (?, ?)",
            (st, json.dumps([{"pos": i, "out": x + "\n", "time": i} for i, x in enumerate(lines)]).encode()))
con.commit()
con.close()

# ---- run artifacts: JUnit messages, results.json fields, a false flag ----
runs = copy_runs(os.path.join(T, "runs"))
ju = os.path.join(runs, "519", "junit-upgrade.xml")
with open(ju, encoding="utf-8") as f:
    x = f.read()
x = x.replace('<failure message="', '<failure message="%s ' % " ".join(
    p.replace("&", "&amp;").replace("'", "&apos;") for p in PLANT), 1)
x = x.replace("</failure>", "\n%s\n-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----</failure>"
              % ("\n".join(p.replace("&", "&amp;") for p in PLANT), PEM_BODY), 1)
with open(ju, "w", encoding="utf-8") as f:
    f.write(x)
for n in ("519", "557"):
    rj = os.path.join(runs, n, "results.json")
    with open(rj) as f:
        res = json.load(f)
    res["lint"]["detail"] = " ".join(PLANT)
    res["skips"]["unintentional"] = ["password=%s" % PW]
    res["version"] = res["version"] + " token=" + QTOK
    if n == "557":
        res["flags"]["no_secret_leak"] = False
        res["flags"]["leaked"] = "GITHUB_TOKEN=%s" % GHP
    with open(rj, "w") as f:
        json.dump(res, f)

# ---- analyze: md and json ----
A = dict(runs=runs, builds="515..613")
outs = {}
for fmt in ("json", "md"):
    r = run(analyze_args(db, fmt=fmt, **A) + ["--target", "pr=4"])
    check(r.rc == 0, "analyze %s exits 0" % fmt, r)
    no_leak(r, "analyze " + fmt)
    outs[fmt] = r
    check("[REDACTED]" in r.text, "analyze %s: redaction markers present (secrets were on quoted lines)" % fmt,
          "")
rep = json.loads(outs["json"].text) if outs["json"].rc == 0 else None
if rep:
    b613 = [b for b in rep["builds"] if b["number"] == 613]
    check(len(b613) == 1 and b613[0]["verdict"] == "unknown", "#613 is an unknown failure",
          b613 and b613[0]["verdict"])
    hyg = [f for f in rep["findings"] if f["kind"] == "hygiene"]
    check(len(hyg) == 1 and hyg[0]["builds"] == [557] and "#557" in json.dumps(hyg[0])
          and "no_secret_leak" in json.dumps(hyg[0]),
          "no_secret_leak=false: a hygiene finding naming #557", hyg)
    check(leaks(json.dumps(hyg)) == [], "the hygiene finding quotes no secret", "")
    b519 = [b for b in rep["builds"] if b["number"] == 519][0]
    check(any("[REDACTED]" in h["excerpt"] for h in b519["hits"]),
          "#519's hit excerpts keep the line with the secret redacted", [h["excerpt"] for h in b519["hits"]])
# bare hex is what commit shas look like: never redacted
check(all("d88f5801" in outs[f].text and "563def6e" in outs[f].text for f in outs),
      "commit shas are kept in both formats", "")
check("#557" in outs["md"].text and "no_secret_leak" in outs["md"].text,
      "markdown: the hygiene finding names #557", "")
# with an unreadable artifact holding a secret: input_problems and --strict
bad = os.path.join(runs, "531", "results.json")
os.makedirs(os.path.dirname(bad), exist_ok=True)
with open(bad, "w") as f:
    f.write('{"recipe": "ghost", "note": "password=%s Authorization: Bearer %s", "stages": [,,]}' % (PW, BEARER))
badx = os.path.join(runs, "531", "junit-bad.xml")
with open(badx, "w") as f:
    f.write('<testsuite name="password=%s"><testcase name="%s" <<< access_token=%s' % (PW, JWT, QTOK))
for fmt in ("json", "md"):
    r = run(analyze_args(db, fmt=fmt, **A))
    check(r.rc == 0, "analyze %s with malformed artifacts holding secrets exits 0" % fmt, r)
    no_leak(r, "analyze %s with malformed artifacts (input_problems)" % fmt)
r = run(analyze_args(db, **A) + ["--strict"])
check(r.rc == 1 and r.out == b"", "--strict with problems: exit 1, no report", r)
no_leak(r, "--strict messages")
os.remove(bad)
os.remove(badx)

# ---- show and builds ----
for fmt in ([], ["--format", "json"]):
    for n in ("519", "613"):
        r = run(["show", "--db", db, "--repo", REPO, n, "--runs", runs] + fmt)
        check(r.rc == 0, "show %s %s exits 0" % (n, fmt), r)
        no_leak(r, "show %s %s" % (n, fmt))
    r = run(["builds", "--db", db, "--repo", REPO, "--builds", "515..613"] + fmt)
    check(r.rc == 0, "builds %s exits 0" % fmt, r)
    no_leak(r, "builds %s" % fmt)
    if fmt:
        bs = [b for b in json.loads(r.text)["builds"] if b["number"] == 613]
        check(bs and "DB_PASSWORD" in json.dumps(bs[0].get("params")),
              "builds --format json: #613's params listed (keys kept, values redacted)", bs and bs[0].get("params"))

# ---- junit ----
for fmt in ([], ["--format", "json"]):
    r = run(["junit"] + fmt + [ju])
    check(r.rc == 0 and "test_upgrade" in r.text, "junit %s exits 0" % fmt, r)
    no_leak(r, "junit %s" % fmt)

# ---- rules scan over a plain text log ----
scan = os.path.join(T, "step.log")
with open(scan, "w") as f:
    f.write("\n".join(lines + ["Error: connect ECONNREFUSED 10.0.5.196:3306 " + " ".join(PLANT),
                               "update paused due to failure or early termination of task x " + PLANT[2]]) + "\n")
r = run(["rules", "scan", scan])
check(r.rc in (0, 1), "rules scan exits 0 or 1", r)
no_leak(r, "rules scan")

# ---- error messages that quote their input ----
errs = []
p = os.path.join(T, "ev-bad.yaml")
with open(p, "w") as f:
    f.write("- kind: incident\n  title: password=%s\n  from: Authorization: Bearer %s: [\n" % (PW, BEARER))
errs.append(("events with a syntax error", analyze_args(db, extra=["--events", p])))
p = os.path.join(T, "ev-bad2.yaml")
with open(p, "w") as f:
    f.write("- kind: token=%s\n  at: password=%s\n" % (QTOK, PW))
errs.append(("events with bad values", analyze_args(db, extra=["--events", p])))
p = os.path.join(T, "load-bad.csv")
with open(p, "w") as f:
    f.write("time,value\n2026-06-12T09:00Z,1\npassword=%s,GITHUB_TOKEN=%s\n" % (PW, GHP))
errs.append(("load CSV with a bad row", analyze_args(db, extra=["--load", p])))
p = os.path.join(T, "prs-bad.json")
with open(p, "w") as f:
    f.write('[{"number": "password=%s", "head": {"sha": "Authorization: Bearer %s"}}, ,]' % (PW, BEARER))
errs.append(("PR list with a syntax error", analyze_args(db, extra=["--prs", p])))
p = os.path.join(T, "bad.xml")
with open(p, "w") as f:
    f.write('<testsuite name="password=%s"><testcase name="x" time="GITHUB_TOKEN=%s"/><oops %s' % (PW, GHP, JWT))
errs.append(("junit of a malformed file", ["junit", p]))
rd = os.path.join(T, "rules-bad")
os.mkdir(rd)
with open(os.path.join(rd, "bad.yaml"), "w") as f:
    f.write("- id: password=%s\n  title: Authorization: Bearer %s\n  class: token=%s\n  match: ['(']\n"
            % (PW, BEARER, QTOK))
errs.append(("rules test of a bad rule", ["rules", "test", "--rules", rd]))
errs.append(("analyze with a bad rule", analyze_args(db, extra=["--rules", rd])))
errs.append(("an unknown repo given as a credentialed URL",
             ["analyze", "--db", db, "--repo", "https://deploy:%s@git.example.com/cc/x" % URLPW, "--builds", "1..2"]))
errs.append(("a bad --as-of holding a secret", analyze_args(db, extra=["--as-of", "token=%s" % QTOK])))
errs.append(("a database path holding a secret",
             analyze_args(os.path.join(T, "password=%s" % PW, "db.sqlite"))))
errs.append(("show of a build number holding a secret",
             ["show", "--db", db, "--repo", REPO, "access_token=%s" % QTOK]))
errs.append(("an unknown option holding a secret", ["analyze", "--password=%s" % PW]))
# a valid --target whose ref looks like a secret: echoed in the report, redacted
r = run(analyze_args(db, extra=["--target", "ref=password=%s" % PW]))
check(r.rc in (0, 1), "a --target holding a secret: exit 0 or 1", r)
no_leak(r, "a --target holding a secret")
for what, args in errs:
    r = run(args)
    check(r.rc == 1 and r.err != b"", what + ": exit 1 with a message", r)
    no_leak(r, what)

rmtree(T) if not os.environ.get("CF_KEEP_TMP") else print("kept", T)
finish()
