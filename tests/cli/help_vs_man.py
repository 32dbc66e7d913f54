#!/usr/bin/env python3
"""`--help` of every subcommand matches the man page (docs/ciforensics.1):
every long option a subcommand's help lists is documented in the man page,
and every option the man page gives `analyze` is in `analyze --help`."""
import os, re, subprocess, sys

exe = os.environ["CF_EXE"]
man = open(os.path.join(os.environ["CF_SOURCE_ROOT"], "docs", "ciforensics.1")).read()
man_text = man.replace("\\-", "-")
failures = []

def help_of(*args):
    r = subprocess.run([exe, *args, "--help"], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout:
        failures.append(f"{' '.join(args)} --help: exit {r.returncode}, stdout empty={not r.stdout}")
    return r.stdout

opt = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
for cmd in ("analyze", "builds", "show", "rules", "junit"):
    for o in sorted(set(opt.findall(help_of(cmd)))):
        if o == "--help":
            continue
        if o not in man_text:
            failures.append(f"{cmd} --help lists {o}, the man page does not")

section = man_text.split(".SH ANALYZE OPTIONS")[1].split(".SH ")[0]
analyze_help = help_of("analyze")
for o in sorted(set(opt.findall(section))):
    if o not in analyze_help:
        failures.append(f"the man page gives analyze {o}, analyze --help does not")

top = subprocess.run([exe, "--help"], capture_output=True, text=True).stdout
for cmd in ("analyze", "builds", "show", "rules", "junit"):
    if cmd not in top:
        failures.append(f"ciforensics --help does not name {cmd}")
    if f".B ciforensics {cmd}" not in man:
        failures.append(f"the man page synopsis lacks {cmd}")

for f in failures:
    print("FAIL:", f)
print(f"{'ok' if not failures else 'FAILED'}: help vs man ({len(failures)} problems)")
sys.exit(1 if failures else 0)
