#!/usr/bin/env python3
"""Writes a pcap of one G.711 (PCMU) RTP stream with known gaps and arrival-time perturbations, and
prints what a receiver must measure from it, computed here from the file by RFC 3550's formulas.

  rtp_reference.py OUT.pcap  ->  {"packets": N, "expected": E, "lost": L, "jitter_ms": J, "jitter_max_ms": M}

Packet k (k = 0 .. count-1) carries sequence number SEQ0 + k and timestamp TS0 + 160 k (20 ms of
8 kHz audio); the sequence numbers in DROPPED are left out (losses, A.3: expected - received); each
packet's capture time is its 20 ms mark plus an offset drawn from [0, MAX_OFFSET_MS) with a fixed
seed (the replay's timing, so the receiver's transit times vary by that much). The jitter is A.8's
running estimate J += (|D| - J) / 16 over the packets in arrival order, at the last packet, and its
maximum; in ms (RTP units / 8).
"""
import json
import random
import struct
import sys

COUNT = 500           # 10 s of audio
SEQ0 = 65400          # the sequence numbers wrap during the stream
TS0 = 0xFFFF0000      # so does the timestamp
MAX_OFFSET_MS = 15.0  # below the 20 ms spacing: no reordering
# Single losses, a burst of three, and one at the wrap; none in the first packets (the receiver's
# probation) or the last (a loss at the end is not seen by anybody).
DROPPED = {10, 57, 58, 59, 135, 136, 200, 333, 334, 335, 336, 401, 402, 470}
SEED = 12

def ip_checksum(header: bytes) -> int:
    s = sum(struct.unpack("!10H", header))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

def frame(payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", 30000, 30002, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return ip + udp

def main() -> None:
    rng = random.Random(SEED)
    packets = []  # (capture time in s, seq, ts)
    for k in range(COUNT):
        offset_ms = rng.uniform(0, MAX_OFFSET_MS)  # drawn for every k, so DROPPED changes nothing else
        if k in DROPPED:
            continue
        packets.append((k * 0.020 + offset_ms / 1000, (SEQ0 + k) & 0xFFFF, (TS0 + 160 * k) & 0xFFFFFFFF))
    packets.sort()  # capture order = send order = arrival order
    base = 1_700_000_000
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 101))  # ns timestamps, raw IP
        for t, seq, ts in packets:
            rtp = struct.pack("!BBHII", 0x80, 0, seq, ts, 0x5EED) + bytes([0xFF]) * 160
            data = frame(rtp)
            ns = round(t * 1e9)
            f.write(struct.pack("<IIII", base + ns // 1_000_000_000, ns % 1_000_000_000, len(data), len(data)))
            f.write(data)
    # A.8 over arrival times in RTP units (8 kHz), with timestamps unwrapped.
    jitter = jitter_max = 0.0
    prev = None
    first_ts = packets[0][2]
    for t, _, ts in packets:
        transit = t * 8000 - ((ts - first_ts) & 0xFFFFFFFF)
        if prev is not None:
            jitter += (abs(transit - prev) - jitter) / 16
            jitter_max = max(jitter_max, jitter)
        prev = transit
    expected = COUNT  # first and last packets are there
    print(json.dumps({"packets": len(packets), "expected": expected, "lost": expected - len(packets),
                      "jitter_ms": jitter / 8, "jitter_max_ms": jitter_max / 8}))

if __name__ == "__main__":
    main()
