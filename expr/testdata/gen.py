#!/usr/bin/env python3
"""Regenerates the expectations of eval.txt from a PostgreSQL 15 server.

Each case line is "s-expression | SQL expression [=> old expectation]"; the
SQL is run as `SELECT pg_typeof(x), x` with TimeZone=UTC and the line is
rewritten with "=> type: value" or "=> error CODE: message".
Usage: python3 testdata/gen.py testdata/eval.txt
"""
import subprocess, sys

def run(sql):
    p = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-XAtq", "-v", "VERBOSITY=verbose",
                        "-P", "null=NULL", "-F", "\x1f", "-c", "set timezone=UTC", "-c",
                        "select pg_typeof(%s), %s" % (sql, sql)], capture_output=True, text=True)
    if p.returncode != 0 or p.stderr.startswith("ERROR"):
        for l in p.stderr.splitlines():
            if l.startswith("ERROR:"):
                code, _, msg = l[len("ERROR:"):].strip().partition(": ")
                return "error %s: %s" % (code, msg)
        return "error ?: " + p.stderr.strip()
    typ, _, val = p.stdout.rstrip("\n").partition("\x1f")
    return "%s: %s" % (typ, val)

path = sys.argv[1]
out = []
for line in open(path):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#") or " | " not in line:
        out.append(line)
        continue
    src, _, rest = line.partition(" | ")
    sql = rest.split(" => ")[0]
    out.append("%s | %s => %s" % (src, sql, run(sql)))
open(path, "w").write("\n".join(out) + "\n")
