#!/usr/bin/env python3
"""Raw TCP peers for tcp_faults.sh.

server PORT MODE: accepts connections on 127.0.0.1:PORT and, once a whole INVITE arrived,
  close   closes the connection (FIN),
  reset   resets it (SO_LINGER 0),
  silent  keeps it open and never answers.
client PORT: checks sipstorm serve's framing with OPTIONS requests (answered 200 statelessly) and
  exits 0 when every check passed, printing what failed otherwise.
"""
import select
import socket
import struct
import sys
import time


def options(n, body=b""):
    return (b"OPTIONS sip:serve@127.0.0.1 SIP/2.0\r\n"
            b"Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-raw-%d\r\n"
            b"From: <sip:raw@127.0.0.1>;tag=raw%d\r\n"
            b"To: <sip:serve@127.0.0.1>\r\n"
            b"Call-ID: raw-%d@127.0.0.1\r\n"
            b"CSeq: 1 OPTIONS\r\n"
            b"Max-Forwards: 70\r\n"
            b"Content-Length: %d\r\n\r\n" % (n, n, n, len(body))) + body


def read_responses(s, want, timeout=3.0):
    """Reads until `want` SIP responses arrived; returns (count, eof)."""
    data, count, end = b"", 0, time.time() + timeout
    while count < want and time.time() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
        if not r:
            break
        chunk = s.recv(65536)
        if not chunk:
            return count, True
        data += chunk
        count = data.count(b"SIP/2.0 200")
    return count, False


def is_closed(s, timeout=2.0):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
        if r:
            try:
                if not s.recv(65536):
                    return True
            except ConnectionResetError:
                return True
    return False


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def client(port):
    failures = []

    def check(ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    a = connect(port)
    a.sendall(options(1) + options(2))
    check(read_responses(a, 2)[0] == 2, "two messages in one segment: two answers")

    b = connect(port)
    for byte in options(3):
        b.send(bytes([byte]))
        time.sleep(0.0005)
    check(read_responses(b, 1)[0] == 1, "a message split byte by byte: one answer")

    a.sendall(b"\r\n\r\n")
    a.settimeout(2)
    check(a.recv(16) == b"\r\n", "CRLFCRLF keep-alive: CRLF pong")
    a.sendall(b"\r\n" + options(4))
    check(read_responses(a, 1)[0] == 1, "a CRLF before a start line is ignored")

    c = connect(port)
    c.sendall(b"OPTIONS sip:serve@127.0.0.1 SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n")
    check(is_closed(c), "no Content-Length: connection closed")
    d = connect(port)
    d.sendall(options(5, b"x" * 5000))
    check(is_closed(d), "larger than --max-message: connection closed")
    a.sendall(options(6))
    check(read_responses(a, 1)[0] == 1, "the other connections are undisturbed")

    # A slow client: 300 requests, then nothing read for a second while the answers queue up.
    e = connect(port)
    e.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    e.sendall(b"".join(options(100 + i) for i in range(300)))
    time.sleep(1)
    check(read_responses(e, 300, timeout=10)[0] == 300, "a slow reader gets all 300 answers")
    a.sendall(options(7))
    check(read_responses(a, 1)[0] == 1, "... and did not hold up the others")
    return 1 if failures else 0


def server(port, mode):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(128)
    conns = {}
    while True:
        r, _, _ = select.select([ls] + list(conns), [], [], 1)
        for s in r:
            if s is ls:
                c, _ = ls.accept()
                conns[c] = b""
                continue
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                del conns[s]
                s.close()
                continue
            conns[s] += chunk
            if b"INVITE" in conns[s] and b"\r\n\r\n" in conns[s]:
                if mode == "close":
                    del conns[s]
                    s.close()
                elif mode == "reset":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    del conns[s]
                    s.close()
                # silent: keep it, answer nothing


if __name__ == "__main__":
    if sys.argv[1] == "client":
        sys.exit(client(int(sys.argv[2])))
    server(int(sys.argv[2]), sys.argv[3])
