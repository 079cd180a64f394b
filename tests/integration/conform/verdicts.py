#!/usr/bin/env python3
"""verdicts.py RESULT.json: prints 'ID verdict' per case, sorted (for comparing runs)."""
import json
import sys

r = json.load(open(sys.argv[1]))
for c in sorted(r["conform"]["cases"], key=lambda c: c["id"]):
    print(c["id"], c["verdict"])
