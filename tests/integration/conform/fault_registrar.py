#!/usr/bin/env python3
"""A small RFC 3261 §10.3 registrar over UDP (bindings in memory) for the conformance tests, with one
fault switched on by --fault:

  none           behaves (the reference the registrar suite passes on)
  ignore_param   ignores a Contact's ;expires= parameter (the Expires header or the default wins)
  dup_refresh    a refresh or a new Call-ID adds the Contact again instead of updating the binding
  accept_cseq    takes an update whose CSeq is not greater than the stored one
  ignore_star    takes Contact: * as no Contact (a query), whatever else comes with it
  keep_rr        copies Record-Route from the REGISTER into its 200
  short_expires  accepts an expiry below its minimum as it is
  ignore_require answers 200 to a REGISTER with Require it does not support
  no_remove      ignores expires=0 on one Contact
  no_expires     lists its bindings in the 200 without ;expires=
  raw_aor        compares AORs as written (no %-unescaping of the user part)
  any_domain     takes an AOR of any domain (not only the Request-URI's)
  never_expire   keeps bindings past their expiry (with --proxy: INVITEs still reach them)
  low_q_only     (with --proxy) forwards an INVITE only to the binding of the lowest q

--proxy: INVITEs to a registered AOR are forwarded statelessly to every binding (404 without one);
without it, INVITEs get 501 (a pure registrar).

Usage: fault_registrar.py PORT [--fault NAME] [--proxy]
"""
import argparse
import re
import socket
import time

MIN_EXPIRES, MAX_EXPIRES, DEFAULT_EXPIRES = 2, 3600, 3600
from sipmsg import COMPACT, split_commas


def parse(data):
    head, _, _ = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        n = name.strip().lower()
        hdrs.append((COMPACT.get(n, n), value.strip(), line))
    return lines[0], hdrs


def values(hdrs, name):
    out = []
    for n, v, _ in hdrs:
        if n == name:
            out += split_commas(v)
    return out


def uri_of(contact):
    m = re.search(r"<([^>]*)>", contact)
    return (m.group(1) if m else contact.split(";")[0]).strip().lower()


def param(contact, name):
    rest = contact[contact.rfind(">") + 1:] if ">" in contact else contact[contact.find(";"):] if ";" in contact else ""
    for p in rest.split(";"):
        k, _, v = p.partition("=")
        if k.strip().lower() == name:
            return v.strip()
    return None


def aor_of(hdrs, raw):
    to = values(hdrs, "to")[0]
    u = uri_of(to)
    if not raw:
        u = re.sub(r"%([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), u)
    return u.split(";")[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--fault", default="none")
    ap.add_argument("--proxy", action="store_true")
    a = ap.parse_args()
    f = a.fault
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", a.port))
    bindings = {}  # aor -> list of dicts(uri, contact, expires_at, call_id, cseq)

    while True:
        data, src = sock.recvfrom(65535)
        try:
            start, hdrs = parse(data)
        except Exception:
            continue
        if start.startswith("SIP/2.0 "):  # a response to a forwarded INVITE: pop our Via
            vias = values(hdrs, "via")
            if len(vias) < 2 or "branch=z9hG4bKfr" not in vias[0]:
                continue
            m = re.match(r"SIP/2.0/UDP ([^;:]+):?(\d*)", vias[1])
            rp = re.search(r"rport=(\d+)", vias[1])
            dest = (m.group(1), int(rp.group(1)) if rp else int(m.group(2) or 5060))
            text = data.decode("latin-1")
            text = re.sub(r"(?im)^(via|v):[^\r\n]*branch=z9hG4bKfr[^\r\n]*\r\n", "", text, count=1)
            sock.sendto(text.encode("latin-1"), dest)
            continue
        parts = start.split(" ")
        if len(parts) < 3 or parts[2] != "SIP/2.0" or parts[0] == "ACK":
            continue
        method = parts[0]
        if method == "INVITE" and a.proxy:
            user = re.sub(r"^sips?:", "", parts[1].lower()).split("@")[0]
            now = time.time()
            found = []
            for aor_key, bl in bindings.items():
                if aor_key.split("@")[0].split(":")[-1] == user:
                    found += [b for b in bl if b["expires_at"] > now or f == "never_expire"]
            if f == "low_q_only" and found:
                found = [min(found, key=lambda b: b["q"])]
            if not found:
                vals = "\r\n".join(raw for n, v, raw in hdrs if n in ("via", "from", "to", "call-id", "cseq"))
                sock.sendto(("SIP/2.0 404 Not Found\r\n" + vals + "\r\nContent-Length: 0\r\n\r\n").encode("latin-1"), src)
                continue
            vals = "\r\n".join(raw for n, v, raw in hdrs if n in ("via", "from", "to", "call-id", "cseq"))
            sock.sendto(("SIP/2.0 100 Trying\r\n" + vals + "\r\nContent-Length: 0\r\n\r\n").encode("latin-1"), src)
            text = data.decode("latin-1")
            first_via = re.search(r"(?im)^(via|v):([^\r\n]*)", text).group(2).strip()
            if "rport" in first_via and "rport=" not in first_via:
                text = text.replace(first_via, first_via.replace("rport", "rport=%d" % src[1], 1)
                                    + ";received=" + src[0], 1)
            for i, b in enumerate(found):
                m = re.match(r"sips?:(?:[^@]*@)?([^:;>]+):?(\d*)", b["uri"])
                dest = (m.group(1), int(m.group(2) or 5060))
                out = re.sub(r"^INVITE [^ ]+", "INVITE " + b["uri"], text, count=1)
                out = out.replace("\r\n", "\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKfr%d%d\r\n"
                                  % (a.port, int(now * 1000) % 100000, i), 1)
                sock.sendto(out.encode("latin-1"), dest)
            continue

        def reply(code, reason, extra=()):
            out = ["SIP/2.0 %d %s" % (code, reason)]
            for n, v, raw in hdrs:
                if n in ("via", "from", "call-id", "cseq"):
                    out.append(raw)
                elif n == "to":
                    out.append(raw if "tag=" in v else raw + ";tag=reg1")
                elif n == "record-route" and f == "keep_rr":
                    out.append(raw)
            out += list(extra) + ["Content-Length: 0", "", ""]
            sock.sendto("\r\n".join(out).encode("latin-1"), src)

        if method != "REGISTER":
            reply(501 if method not in ("OPTIONS",) else 200, "Not Implemented" if method != "OPTIONS" else "OK")
            continue
        req = values(hdrs, "require")
        if req and f != "ignore_require":
            reply(420, "Bad Extension", ["Unsupported: " + ", ".join(req)])
            continue
        aor = aor_of(hdrs, f == "raw_aor")
        ruri_host = re.sub(r"^sips?:([^@]*@)?", "", parts[1].lower()).split(":")[0].split(";")[0]
        if aor.split("@")[-1].split(":")[0] != ruri_host and f != "any_domain":
            reply(404, "Not Found")
            continue
        call_id = values(hdrs, "call-id")[0] if values(hdrs, "call-id") else ""
        cseq = int(next((v for n, v, _ in hdrs if n == "cseq"), "0").split()[0])
        hexp = next((v for n, v, _ in hdrs if n == "expires"), None)
        contacts = values(hdrs, "contact")
        now = time.time()
        binds = [b for b in bindings.get(aor, []) if b["expires_at"] > now or f == "never_expire"]
        if "*" in contacts and f != "ignore_star":
            if len(contacts) > 1 or hexp is None or hexp.strip() != "0":
                reply(400, "Bad Request")
                continue
            bindings[aor] = []
            reply(200, "OK")
            continue
        if f == "ignore_star":
            contacts = [c for c in contacts if c != "*"]
        refused = False
        new = list(binds)
        for c in contacts:
            e = None if f == "ignore_param" else param(c, "expires")
            e = int(e) if e is not None and e.isdigit() else (int(hexp) if hexp and hexp.strip().isdigit() else DEFAULT_EXPIRES)
            if e != 0 and e < MIN_EXPIRES and f != "short_expires":
                e = MIN_EXPIRES
            e = min(e, MAX_EXPIRES)
            u = uri_of(c)
            old = next((b for b in new if b["uri"] == u), None)
            if old and f != "dup_refresh":
                if old["call_id"] == call_id and cseq <= old["cseq"] and f != "accept_cseq":
                    refused = True
                    break
                new.remove(old)
            if e == 0 and f != "no_remove":
                continue
            if e == 0:
                e = old["expires"] if old else DEFAULT_EXPIRES
            q = param(c, "q")
            new.append({"q": float(q) if q else 1.0, "uri": u, "contact": c.split(">")[0] + ">" if ">" in c else "<" + u + ">",
                        "expires_at": now + e, "expires": e, "call_id": call_id, "cseq": cseq})
        if refused:
            reply(500, "Server Internal Error", ["Retry-After: 1"])
            continue
        bindings[aor] = new
        reply(200, "OK", ["Contact: %s" % b["contact"] + (";q=%g" % b["q"] if b["q"] != 1.0 else ";q=1") + ("" if f == "no_expires" else ";expires=%d" % max(
            1, int(b["expires_at"] - now + 0.5))) for b in new])


if __name__ == "__main__":
    main()
