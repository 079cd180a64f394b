#!/usr/bin/env python3
"""fault_uac.py TARGET_PORT LOCAL_PORT CALLS [--fault NAME]: a reference UAC (RFC 3261 §17.1) for
`sipstorm conform --role uac`. It places CALLS INVITEs at once to 127.0.0.1:TARGET_PORT and runs each
call's client transactions: Timer A doubling without a cap, stop at a 1xx, Timer B 32 s; an ACK with
the INVITE's branch and the response's To for a non-2xx; for a 2xx an ACK with a new branch to the
Contact, then a BYE (Timer E doubling capped at T2, T2 after a 1xx, Timer F 32 s). Each --fault
breaks one behaviour:
  timer_a_cap     Timer A capped at T2           no_stop_1xx    INVITE copies go on after a 1xx
  never_give_up   no Timer B or F                timer_e_nocap  BYE copies double past T2
  timer_e_1xx     BYE copies keep doubling after a 1xx (no T2)
  ack_branch      the ACK for a non-2xx has a branch of its own
  ack2xx_branch   the ACK for a 2xx reuses the INVITE's branch
  ack2xx_ruri     the ACK for a 2xx goes to the INVITE's Request-URI, not the Contact
"""
import argparse
import random
import re
import select
import socket
import time

T1, T2, T64 = 0.5, 4.0, 32.0

ap = argparse.ArgumentParser()
ap.add_argument("target_port", type=int)
ap.add_argument("local_port", type=int)
ap.add_argument("calls", type=int)
ap.add_argument("--fault", default="")
ap.add_argument("--linger", type=float, default=80.0, help="seconds to run")
a = ap.parse_args()
F = a.fault
dst = ("127.0.0.1", a.target_port)
me = "127.0.0.1:%d" % a.local_port
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", a.local_port))


def rnd():
    return "%08x" % random.getrandbits(32)


def header(msg, name):
    m = re.search(r"^%s[ \t]*:[ \t]*(.*)$" % re.escape(name), msg, re.M | re.I)
    return m.group(1).strip() if m else ""


class Client:
    """A client transaction: sends `msg`, retransmits it, stops on a final response."""

    def __init__(self, msg, invite, now):
        self.msg, self.invite = msg, invite
        self.interval, self.next = T1, now + T1
        self.start, self.done, self.proceeding = now, False, False
        sock.sendto(msg.encode(), dst)

    def tick(self, now):
        if self.done:
            return
        if now - self.start >= T64 and F != "never_give_up":
            self.done = True  # Timer B / F
            return
        if now < self.next:
            return
        if self.invite and self.proceeding and F != "no_stop_1xx":
            return
        sock.sendto(self.msg.encode(), dst)
        if self.invite:
            self.interval = min(self.interval * 2, T2) if F == "timer_a_cap" else self.interval * 2
        elif self.proceeding and F != "timer_e_1xx":
            self.interval = T2
        else:
            self.interval = self.interval * 2 if F == "timer_e_nocap" else min(self.interval * 2, T2)
        self.next = now + self.interval


class Call:
    def __init__(self, n, now):
        self.cid, self.tag, self.branch = "fu-%d-%s" % (n, rnd()), rnd(), "z9hG4bK" + rnd()
        self.ruri = "sip:service@127.0.0.1:%d" % a.target_port
        self.common = ("Max-Forwards: 70\r\nFrom: <sip:fault@%s>;tag=%s\r\n" % (me, self.tag) +
                       "Call-ID: %s\r\n" % self.cid)
        inv = ("INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\n%sTo: <%s>\r\n"
               "CSeq: 1 INVITE\r\nContact: <sip:fault@%s>\r\nContent-Length: 0\r\n\r\n"
               % (self.ruri, me, self.branch, self.common, self.ruri, me))
        self.inv = Client(inv, True, now)
        self.bye = None

    def on_response(self, msg, now):
        code = int(msg.split(" ", 2)[1])
        method = header(msg, "CSeq").split()[-1].upper()
        to = header(msg, "To")
        if method == "BYE" and self.bye:
            if code < 200:
                self.bye.proceeding = True
            else:
                self.bye.done = True
            return
        if method != "INVITE":
            return
        if code < 200:
            self.inv.proceeding = True
            return
        self.inv.done = True
        if code >= 300:  # §17.1.1.3
            br = "z9hG4bK" + rnd() if F == "ack_branch" else self.branch
            sock.sendto(("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\n%sTo: %s\r\n"
                         "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                         % (self.ruri, me, br, self.common, to)).encode(), dst)
            return
        m = re.search(r"<([^>]*)>", header(msg, "Contact"))
        target = m.group(1) if m and F != "ack2xx_ruri" else self.ruri
        br = self.branch if F == "ack2xx_branch" else "z9hG4bK" + rnd()
        sock.sendto(("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\n%sTo: %s\r\n"
                     "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                     % (target, me, br, self.common, to)).encode(), dst)
        if self.bye is None:
            bye = ("BYE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\n%sTo: %s\r\n"
                   "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n" % (target, me, rnd(), self.common, to))
            self.bye = Client(bye, False, now)

    def tick(self, now):
        self.inv.tick(now)
        if self.bye:
            self.bye.tick(now)


now = time.monotonic()
calls = {}
for n in range(a.calls):
    c = Call(n, now)
    calls[c.cid] = c
end = now + a.linger
while time.monotonic() < end:
    r, _, _ = select.select([sock], [], [], 0.01)
    now = time.monotonic()
    if r:
        data, _ = sock.recvfrom(65535)
        msg = data.decode(errors="replace")
        c = calls.get(header(msg, "Call-ID"))
        if c and msg.startswith("SIP/2.0 "):
            c.on_response(msg, now)
        elif c:  # a request in the dialog (none expected): 200 it
            pass
    for c in calls.values():
        c.tick(now)
