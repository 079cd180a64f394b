"""SIP text helpers shared by the conform tests' Python targets (fault_*.py): compact header
names, comma-separated header values, tag and branch parameters."""
import re

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding"}


def split_commas(v):
    """A header value's comma-separated parts (commas inside quotes or <...> do not count), stripped;
    an empty last part is dropped."""
    out, depth, cur, quote = [], 0, "", False
    for ch in v:
        if ch == '"':
            quote = not quote
        if not quote and ch == "<":
            depth += 1
        if not quote and ch == ">":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def tag_of(v, missing=None):
    m = re.search(r";\s*tag=([^;>\s]+)", v or "")
    return m.group(1) if m else missing


def branch_of(via):
    m = re.search(r";\s*branch=([^;,\s]+)", via or "", re.I)
    return m.group(1) if m else ""
