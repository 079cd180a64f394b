#!/usr/bin/env python3
"""A small RFC 3261 UAS over UDP for the conformance tests, with one fault switched on by --fault:

  none          behaves (the reference the uas suite passes on)
  no_to_tag     never puts a To tag in a response
  ignore_cancel never answers a CANCEL
  no_2xx_retx   sends its 2xx once, never again while the ACK is missing
  wrong_via     answers to the packet's source, copying the Via without received/rport
  via_order     copies the Via values in reverse order
  hang_on_nul   stops answering anything once a datagram with a NUL byte arrives (a hung target)

Usage: fault_uas.py PORT [--fault NAME] [--ring SECONDS] [--refuse CODE]
(--refuse: INVITEs get CODE instead of a 2xx after the ringing)
"""
import argparse
import random
import re
import select
import socket
import time

from sipmsg import COMPACT, branch_of, split_commas, tag_of
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"
T1, T2 = 0.5, 4.0


class Msg:
    pass


def parse(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    text = head.decode("latin-1")
    lines = text.split("\r\n")
    m = Msg()
    m.start = lines[0]
    m.headers = []  # (lower name, value, raw name)
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and m.headers:
            n, v, r = m.headers[-1]
            m.headers[-1] = (n, v + " " + line.strip(), r)
            continue
        if ":" not in line:
            return None
        name, value = line.split(":", 1)
        name = name.strip()
        m.headers.append((COMPACT.get(name.lower(), name.lower()), value.strip(), name))
    m.body = body
    parts = m.start.split(" ")
    m.is_request = not m.start.startswith("SIP/")
    if m.is_request:
        if len(parts) != 3:
            return m  # judged below
        m.method, m.uri, m.version = parts
    return m


def values(m, name):
    out = []
    for n, v, _ in m.headers:
        if n == name:
            out += split_commas(v)
    return out


def first(m, name):
    for n, v, _ in m.headers:
        if n == name:
            return v
    return None


def big_receive_buffer(sock):
    """A busy CI machine must not drop the cases' datagrams while this process waits for a core:
    4 MB, past net.core.rmem_max where allowed (SO_RCVBUFFORCE, as root)."""
    for opt in (getattr(socket, "SO_RCVBUFFORCE", 33), socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, 4 << 20)
            return
        except OSError:
            pass


class Uas:
    def __init__(self, port, fault, ring, refuse=0):
        self.refuse = refuse
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        big_receive_buffer(self.sock)
        self.sock.bind(("127.0.0.1", port))
        self.fault, self.ring = fault, ring
        self.timers = []  # (when, fn)
        self.txns = {}  # (branch, method) -> dict
        self.dialogs = {}  # (call-id, our tag) -> dict
        self.port = port

    def at(self, when, fn):
        self.timers.append((when, fn))

    # -- responses -------------------------------------------------------------------------
    def response(self, req, code, reason, tag=None, extra=(), body=b""):
        vias = values(req, "via")
        if self.fault == "via_order":
            vias = vias[::-1]
        if vias and self.fault != "wrong_via":
            top = vias[0]
            if re.search(r";\s*rport(?=;|$)", top):
                top = re.sub(r";\s*rport(?=;|$)", ";rport=%d" % req.src[1], top)
            top += ";received=" + req.src[0]
            vias[0] = top
        lines = ["SIP/2.0 %d %s" % (code, reason)] + ["Via: " + v for v in vias]
        lines.append("From: " + (first(req, "from") or ""))
        to = first(req, "to") or ""
        if tag and code > 100 and not tag_of(to) and self.fault != "no_to_tag":
            to += ";tag=" + tag
        lines += ["To: " + to, "Call-ID: " + (first(req, "call-id") or ""), "CSeq: " + (first(req, "cseq") or "")]
        lines += list(extra)
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def dest(self, req):
        if self.fault == "wrong_via":
            return req.src
        top = (values(req, "via") or [""])[0]
        if re.search(r";\s*rport", top):
            return req.src
        mt = re.match(r"SIP\s*/\s*2\.0\s*/\s*\w+\s+([^;:\s]+)(?::(\d+))?", top)
        port = int(mt.group(2)) if mt and mt.group(2) else 5060
        return (req.src[0], port)

    def send(self, req, data):
        self.sock.sendto(data, self.dest(req))

    # -- requests --------------------------------------------------------------------------
    def refusal(self, m):
        if not hasattr(m, "method"):
            return 400, "Bad Request", ()
        if m.version != "SIP/2.0":
            return 505, "Version Not Supported", ()
        for h in ("via", "from", "to", "call-id", "cseq"):
            if first(m, h) is None:
                return 400, "Bad Request", ()
        cseq = first(m, "cseq").split()
        if len(cseq) != 2 or not cseq[0].isdigit() or int(cseq[0]) > 2**31 - 1 or cseq[1] != m.method:
            return 400, "Bad Request", ()
        cl = first(m, "content-length")
        if cl is not None and (not cl.isdigit() or int(cl) > len(m.body)):
            return 400, "Bad Request", ()
        if m.uri.startswith("<"):
            return 400, "Bad Request", ()
        host = re.sub(r"^[a-z]+:(?:[^@;>]*@)?", "", m.uri, flags=re.I).split(";")[0]
        if not host.startswith("[") and host.count(":") > 1 and self.fault != "lax_ipv6":
            return 400, "Bad Request", ()  # an IPv6 reference without brackets (RFC 3261 §25.1)
        for h in ("to", "from"):
            if first(m, h).count('"') % 2:
                return 400, "Bad Request", ()
        if m.method == "ACK":
            return None
        scheme = m.uri.split(":", 1)[0].lower()
        if scheme not in ("sip", "sips", "tel"):
            return 416, "Unsupported URI Scheme", ()
        if m.method != "CANCEL":
            req = [t for t in values(m, "require") if t and t.lower() != "100rel"]
            if req:
                return 420, "Bad Extension", ("Unsupported: " + ", ".join(req),)
        if m.method == "INVITE" and m.body and (first(m, "content-type") or "").lower() != "application/sdp":
            return 415, "Unsupported Media Type", ("Accept: application/sdp",)
        return None

    def on_request(self, m):
        bad = self.refusal(m)
        tag = "%08x" % random.getrandbits(32)
        if bad:
            self.send(m, self.response(m, bad[0], bad[1], tag, bad[2]))
            return
        branch = branch_of(values(m, "via")[0])
        key = (branch, "INVITE" if m.method == "ACK" else m.method)
        if m.method == "ACK":
            t = self.txns.get(key)
            if t:
                t["acked"] = True
            for d in self.dialogs.values():
                if d["call_id"] == first(m, "call-id") and d["ours"] == tag_of(first(m, "to")):
                    d["acked"] = True
            return
        if key in self.txns and self.txns[key].get("last"):
            if m.method == "CANCEL" and self.fault == "ignore_cancel":
                return
            self.send(m, self.txns[key]["last"])  # a retransmission
            return
        call_id, cseq = first(m, "call-id"), int(first(m, "cseq").split()[0])
        to_tag = tag_of(first(m, "to"))
        if m.method == "OPTIONS" and not to_tag:
            self.final(m, key, 200, "OK", tag, ("Allow: " + ALLOW, "Accept: application/sdp"))
            return
        if m.method in ("SUBSCRIBE", "REFER", "REGISTER", "MESSAGE", "PUBLISH", "NOTIFY", "UPDATE", "PRACK") and not to_tag:
            self.final(m, key, 405, "Method Not Allowed", tag, ("Allow: " + ALLOW,))
            return
        if m.method not in ("INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "INFO", "SUBSCRIBE", "REFER", "REGISTER",
                            "MESSAGE", "PUBLISH", "NOTIFY", "UPDATE", "PRACK"):
            self.final(m, key, 501, "Not Implemented", tag)
            return
        if m.method == "CANCEL":
            if self.fault == "ignore_cancel":
                return
            inv = self.txns.get((branch, "INVITE"))
            if not inv or inv["call_id"] != call_id:
                self.final(m, key, 481, "Call/Transaction Does Not Exist", tag)
                return
            self.final(m, key, 200, "OK", inv["tag"])
            if inv["code"] < 200:
                inv["dialog"]["gone"] = True
                self.invite_final(inv, 487, "Request Terminated")
            return
        if to_tag:
            d = self.dialogs.get((call_id, to_tag))
            if not d or d.get("gone"):
                self.final(m, key, 481, "Call/Transaction Does Not Exist", tag)
                return
            if cseq <= d["remote_cseq"] and m.method != "ACK":
                self.final(m, key, 500, "Server Internal Error", to_tag)
                return
            if m.method == "INVITE" and d["inv"]["code"] < 200:
                self.final(m, key, 500, "Server Internal Error", to_tag, ("Retry-After: 5",))
                return
            d["remote_cseq"] = cseq
            if m.method == "BYE":
                d["gone"] = True
            self.final(m, key, 200, "OK", to_tag)
            return
        if m.method in ("BYE", "INFO"):
            self.final(m, key, 481, "Call/Transaction Does Not Exist", tag)
            return
        # A new INVITE: merged (§8.2.2.2) when another branch of it is still going.
        for t in self.txns.values():
            if t.get("method") == "INVITE" and t["call_id"] == call_id and t["cseq"] == cseq and \
                    t["from_tag"] == tag_of(first(m, "from")) and t["code"] < 200:
                self.final(m, key, 482, "Loop Detected", tag)
                return
        d = {"call_id": call_id, "ours": tag, "remote_cseq": cseq, "acked": False}
        inv = {"method": "INVITE", "req": m, "tag": tag, "call_id": call_id, "cseq": cseq, "code": 0,
               "from_tag": tag_of(first(m, "from")), "dialog": d, "acked": False}
        d["inv"] = inv
        self.txns[key] = inv
        self.dialogs[(call_id, tag)] = d
        self.send(m, self.response(m, 100, "Trying"))
        rr = ["Record-Route: " + v for n, v, _ in m.headers if n == "record-route"]
        contact = "Contact: <sip:uas@127.0.0.1:%d>" % self.port
        inv["last"] = self.response(m, 180, "Ringing", tag, rr + [contact])
        inv["code"] = 180
        self.send(m, inv["last"])
        self.at(time.monotonic() + self.ring, lambda: self.answer(inv, rr + [contact]))

    def final(self, m, key, code, reason, tag, extra=()):
        data = self.response(m, code, reason, tag, extra)
        self.txns[key] = {"last": data, "call_id": first(m, "call-id"), "code": code, "cseq": 0}
        self.send(m, data)

    def answer(self, inv, extra):
        if inv["code"] >= 200:
            return
        if self.refuse:
            inv["dialog"]["gone"] = True
            self.invite_final(inv, self.refuse, "Busy Here" if self.refuse == 486 else "Refused")
            return
        sdp = b"v=0\r\no=uas 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
        inv["code"] = 200
        inv["last"] = self.response(inv["req"], 200, "OK", inv["tag"], list(extra) + ["Content-Type: application/sdp"], sdp)
        self.send(inv["req"], inv["last"])
        if self.fault != "no_2xx_retx":
            self.retransmit(inv, T1, time.monotonic() + 64 * T1, lambda: inv["dialog"]["acked"])

    def invite_final(self, inv, code, reason):
        inv["code"] = code
        inv["last"] = self.response(inv["req"], code, reason, inv["tag"])
        self.send(inv["req"], inv["last"])
        self.retransmit(inv, T1, time.monotonic() + 64 * T1, lambda: inv["acked"])

    def retransmit(self, inv, gap, give_up, acked):
        def fire():
            if acked() or time.monotonic() >= give_up:
                return
            self.send(inv["req"], inv["last"])
            self.retransmit(inv, min(gap * 2, T2), give_up, acked)
        self.at(time.monotonic() + gap, fire)

    def serve(self):
        while True:
            now = time.monotonic()
            due = [t for t in self.timers if t[0] <= now]
            self.timers = [t for t in self.timers if t[0] > now]
            for _, fn in sorted(due, key=lambda t: t[0]):
                fn()
            wait = min([t[0] for t in self.timers], default=now + 0.2) - time.monotonic()
            r, _, _ = select.select([self.sock], [], [], max(0.0, min(wait, 0.2)))
            if not r:
                continue
            data, src = self.sock.recvfrom(65535)
            if self.fault == "hang_on_nul" and b"\0" in data:
                while True:
                    time.sleep(60)
            m = parse(data)
            if m is None or not m.is_request:
                continue
            m.src = src
            try:
                self.on_request(m)
            except (ValueError, IndexError, KeyError):
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--fault", default="none")
    ap.add_argument("--ring", type=float, default=1.0)
    ap.add_argument("--refuse", type=int, default=0)
    a = ap.parse_args()
    Uas(a.port, a.fault, a.ring, a.refuse).serve()


if __name__ == "__main__":
    main()
