#!/usr/bin/env python3
"""A small transaction-stateful, record-routing RFC 3261 proxy over UDP for the conformance tests
(the next hop is the top Route after its own, else the Request-URI), with one fault switched on by
--fault:

  none                 behaves (the reference the proxy suite passes on)
  ignore_maxfwd        forwards a request with Max-Forwards 0
  no_decrement         passes Max-Forwards on unchanged
  no_loop_detect       never answers 482
  loop_on_spiral       any request carrying its own Via is a loop (482), even with a new Request-URI
  ignore_proxy_require forwards a request whose Proxy-Require it does not support
  no_rr                adds no Record-Route
  rr_no_lr             its Record-Route URI lacks ;lr
  reorder              reverses the order of repeated header lines (Via aside)
  change_body          adds a line to a request's body
  keep_route           leaves its own Route in the forwarded request
  no_strict_fix        does not undo a strict router's Request-URI rewrite
  forward_100          relays a downstream 100
  add_to_tag           rewrites the To tag of the responses it relays
  keep_via             relays responses with its own Via still on top
  cancel_new_branch    sends the downstream CANCEL with a branch of its own
  strip_rr_resp        removes Record-Route from the responses it relays
  drop_unknown_cancel  drops a CANCEL that matches no transaction
  forward_stray        relays a response that matches no client transaction
  no_ack               does not ACK a downstream non-2xx final response
  absorb_2xx_retx      relays only the first 2xx of a transaction

Usage: fault_proxy.py PORT [--fault NAME]
"""
import argparse
import hashlib
import re
import socket

from sipmsg import COMPACT, branch_of, split_commas, tag_of
IP = "127.0.0.1"


class Msg:
    pass


def parse(data):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    m = Msg()
    m.start = lines[0]
    m.lines = []  # [raw name, value]
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and m.lines:
            m.lines[-1][1] += " " + line.strip()
            continue
        if ":" not in line:
            return None
        name, value = line.split(":", 1)
        m.lines.append([name.strip(), value.strip()])
    m.body = body
    m.is_request = not m.start.startswith("SIP/")
    parts = m.start.split(" ", 2)
    if m.is_request:
        if len(parts) != 3:
            return None
        m.method, m.uri, _ = parts
    else:
        m.code = int(parts[1])
    return m


def key(name):
    n = name.lower()
    return COMPACT.get(n, n)


def get(m, name):
    for n, v in m.lines:
        if key(n) == name:
            return v
    return None


def values(m, name):
    out = []
    for n, v in m.lines:
        if key(n) == name:
            out += split_commas(v)
    return out


def remove(m, name):
    m.lines = [l for l in m.lines if key(l[0]) != name]


def serialize(m, fix_length=True):
    if fix_length:
        remove(m, "content-length")
        m.lines.append(["Content-Length", str(len(m.body))])
    head = m.start + "\r\n" + "".join(n + ": " + v + "\r\n" for n, v in m.lines)
    return head.encode("latin-1") + b"\r\n" + m.body


def uri_of(v):
    v = v.strip()
    if "<" in v:
        return v[v.index("<") + 1:v.index(">")]
    return v.split(";")[0]


def hostport(uri):
    mm = re.match(r"sips?:(?:[^@;>]*@)?([^;>?:]+)(?::(\d+))?", uri)
    return (mm.group(1), int(mm.group(2) or 5060)) if mm else None


class Proxy:
    def __init__(self, port, fault):
        self.port, self.fault = port, fault
        self.me = "%s:%d" % (IP, port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((IP, port))
        self.server = {}  # upstream branch -> txn (INVITE)
        self.client = {}  # (our branch, method) -> txn

    def send(self, data, addr):
        try:
            self.s.sendto(data, addr)
        except OSError as e:  # a next hop that does not resolve (downstream.invalid): dropped
            print("cannot send to", addr, repr(e), flush=True)

    def is_me(self, uri):
        hp = hostport(uri)
        return hp == (IP, self.port)

    def reply(self, req, addr, code, reason, extra=()):
        m = Msg()
        m.start = "SIP/2.0 %d %s" % (code, reason)
        m.lines = [[n, v] for n, v in req.lines if key(n) in ("via", "from", "to", "call-id", "cseq")]
        if code > 100:
            for l in m.lines:
                if key(l[0]) == "to" and not tag_of(l[1]):
                    l[1] += ";tag=px" + hashlib.md5(get(req, "call-id").encode()).hexdigest()[:8]
        m.lines += [list(e) for e in extra]
        m.body = b""
        data = serialize(m)
        self.send(data, addr)
        return data

    def compute_branch(self, m):
        cseq = (get(m, "cseq") or "").split()
        h = hashlib.md5("|".join([m.uri, get(m, "call-id") or "", tag_of(get(m, "from"), ""), tag_of(get(m, "to"), ""),
                                  cseq[0] if cseq else "", m.method]).encode()).hexdigest()
        return "z9hG4bKpx" + h[:16]

    def on_request(self, m, addr):
        top_branch = branch_of(get(m, "via"))
        if m.method == "ACK":
            t = self.server.get(top_branch)
            if t is not None and t.get("final", 0) >= 300:
                return  # the ACK of our non-2xx answer: hop by hop
        elif m.method != "CANCEL" and top_branch in self.server:
            t = self.server[top_branch]
            if t.get("last"):
                self.send(t["last"], t["up"])
            return
        if m.method == "OPTIONS" and self.is_me(m.uri) and not get(m, "route"):
            self.reply(m, addr, 200, "OK")
            return
        mf = get(m, "max-forwards")
        if mf is not None and mf.strip() == "0" and self.fault != "ignore_maxfwd":
            if m.method != "ACK":
                self.reply(m, addr, 483, "Too Many Hops")
            return
        # §16.4: a strict router put our URI in the Request-URI: the last Route is the real one.
        routes = values(m, "route")
        if self.is_me(m.uri) and routes and self.fault != "no_strict_fix":
            m.uri = uri_of(routes[-1])
            routes = routes[:-1]
            self.set_routes(m, routes)
        if routes and self.is_me(uri_of(routes[0])):
            routes = routes[1:]
            if self.fault != "keep_route":
                self.set_routes(m, routes)
        pr = values(m, "proxy-require")
        if pr and self.fault != "ignore_proxy_require" and m.method not in ("ACK", "CANCEL"):
            self.reply(m, addr, 420, "Bad Extension", [("Unsupported", ", ".join(pr))])
            return
        # §16.3(4): our own Via again is a loop if the branch we would compute now is the one in it.
        if m.method not in ("ACK", "CANCEL") and self.fault != "no_loop_detect":
            mine = self.compute_branch(m)
            for v in values(m, "via"):
                if self.me in v.split(";")[0] and (branch_of(v) == mine or self.fault == "loop_on_spiral"):
                    self.reply(m, addr, 482, "Loop Detected")
                    return
        if m.method == "CANCEL":
            t = self.server.get(top_branch)
            if t is not None:
                self.reply(m, addr, 200, "OK")
                if t.get("final"):
                    return
                fwd = t["fwd"]
                c = Msg()
                c.start = "CANCEL %s SIP/2.0" % fwd.uri
                br = t["branch"] if self.fault != "cancel_new_branch" else "z9hG4bKpxcancel" + t["branch"][-8:]
                c.lines = [["Via", "SIP/2.0/UDP %s;branch=%s" % (self.me, br)], ["Max-Forwards", "70"]]
                c.lines += [[n, v] for n, v in fwd.lines if key(n) == "route"]
                c.lines += [[n, v] for n, v in fwd.lines if key(n) in ("from", "to", "call-id")]
                c.lines.append(["CSeq", get(fwd, "cseq").split()[0] + " CANCEL"])
                c.body = b""
                self.client[(br, "CANCEL")] = t
                self.send(serialize(c), t["down"])
                return
            if self.fault == "drop_unknown_cancel":
                return
        self.forward(m, addr, routes)

    def set_routes(self, m, routes):
        at = next((i for i, l in enumerate(m.lines) if key(l[0]) == "route"), None)
        remove(m, "route")
        if routes:
            m.lines.insert(at if at is not None else 1, ["Route", ", ".join(routes)])

    def forward(self, m, addr, routes):
        nxt = hostport(uri_of(routes[0]) if routes else m.uri)
        if nxt is None:
            self.reply(m, addr, 416, "Unsupported URI Scheme")
            return
        up_branch = branch_of(get(m, "via"))
        branch = self.compute_branch(m)
        m.start = "%s %s SIP/2.0" % (m.method, m.uri)
        mf = get(m, "max-forwards")
        if mf is None:
            m.lines.insert(0, ["Max-Forwards", "70"])
        elif self.fault != "no_decrement" and mf.strip() != "0":
            for l in m.lines:
                if key(l[0]) == "max-forwards":
                    l[1] = str(int(l[1]) - 1)
        if m.method == "INVITE" and self.fault != "no_rr":
            rr = "<sip:%s%s>" % (self.me, "" if self.fault == "rr_no_lr" else ";lr")
            at = next((i for i, l in enumerate(m.lines) if key(l[0]) == "record-route"), 0)
            m.lines.insert(at, ["Record-Route", rr])
        if self.fault == "reorder":
            names = [key(n) for n, _ in m.lines]
            for name in set(names):
                idx = [i for i, x in enumerate(names) if x == name]
                if len(idx) > 1 and name != "via":
                    vals = [m.lines[i] for i in idx][::-1]
                    for i, l in zip(idx, vals):
                        m.lines[i] = l
        if self.fault == "change_body" and m.body:
            m.body += b"a=changed\r\n"
        m.lines.insert(0, ["Via", "SIP/2.0/UDP %s;branch=%s" % (self.me, branch)])
        data = serialize(m)
        if m.method == "INVITE":
            t = {"up": addr, "branch": branch, "down": nxt, "fwd": m, "final": 0, "last": None}
            self.server[up_branch] = t
            self.client[(branch, "INVITE")] = t
            t["last"] = self.reply(m.orig, addr, 100, "Trying")
        elif m.method != "ACK":
            self.client[(branch, m.method)] = {"up": addr, "final": 0}
        self.send(data, nxt)

    def on_response(self, m, addr):
        vias = values(m, "via")
        if not vias or self.me not in vias[0].split(";")[0]:
            return
        method = (get(m, "cseq") or " ").split()[-1]
        t = self.client.get((branch_of(vias[0]), method))
        if t is None:
            if self.fault == "forward_stray" and len(vias) > 1:
                self.relay(m, hostport("sip:" + vias[1].split()[1].split(";")[0]))
            return
        if method == "CANCEL":
            return  # hop by hop
        if m.code == 100 and self.fault != "forward_100":
            return
        if method == "INVITE" and m.code >= 300 and self.fault != "no_ack":
            a = Msg()
            fwd = t["fwd"]
            a.start = "ACK %s SIP/2.0" % fwd.uri
            a.lines = [["Via", "SIP/2.0/UDP %s;branch=%s" % (self.me, t["branch"])], ["Max-Forwards", "70"]]
            a.lines += [[n, v] for n, v in fwd.lines if key(n) == "route"]
            a.lines += [[n, v] for n, v in fwd.lines if key(n) in ("from", "call-id")]
            a.lines += [[n, v] for n, v in m.lines if key(n) == "to"]
            a.lines.append(["CSeq", get(fwd, "cseq").split()[0] + " ACK"])
            a.body = b""
            self.send(serialize(a), t["down"])
        if t["final"] and m.code >= 300:
            if t.get("last"):
                self.send(t["last"], t["up"])
            return
        if m.code >= 200 and t["final"] and self.fault == "absorb_2xx_retx":
            return
        if m.code >= 200 and not t["final"]:
            t["final"] = m.code
        t["last"] = self.relay(m, t["up"])

    def relay(self, m, addr):
        if self.fault != "keep_via":
            for i, l in enumerate(m.lines):
                if key(l[0]) == "via":
                    rest = split_commas(l[1])[1:]
                    if rest:
                        l[1] = ", ".join(rest)
                    else:
                        del m.lines[i]
                    break
        if self.fault == "add_to_tag":
            for l in m.lines:
                if key(l[0]) == "to":
                    l[1] = re.sub(r";\s*tag=[^;>\s]+", "", l[1]) + ";tag=pxrewritten"
        if self.fault == "strip_rr_resp":
            remove(m, "record-route")
        data = serialize(m, fix_length=False)
        self.send(data, addr)
        return data

    def serve(self):
        while True:
            data, addr = self.s.recvfrom(65535)
            m = parse(data)
            if m is None:
                continue
            try:
                if m.is_request:
                    m.orig = parse(data)
                    self.on_request(m, addr)
                else:
                    self.on_response(m, addr)
            except Exception as e:  # noqa: BLE001 -- one bad message must not stop the proxy
                print("error:", repr(e), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--fault", default="none")
    a = ap.parse_args()
    Proxy(a.port, a.fault).serve()


if __name__ == "__main__":
    main()
