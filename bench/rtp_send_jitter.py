#!/usr/bin/env python3
"""What a capture of RTP says about its senders: bench/media_streams.sh's judge, the same for every tool.

  rtp_send_jitter.py CAPTURE.pcap [SKIP_S]  ->  one JSON object

SKIP_S: leave out the capture's first SKIP_S seconds (starting a capture stalls the machine for a
moment: its ring buffer is allocated and mapped while the senders run).

Streams are told apart by source and destination address and port and SSRC (SIPp sends every stream
from one port to one port). Per stream, over the packets captured (the window):
  missing    sequence numbers skipped (A.3 over the window: highest - lowest + 1 - distinct): packets the
             sender numbered but that never reached the wire, or that it skipped;
  shortfall  packets short of one per ptime mark over the window (a stream that stalled or stopped);
  lateness   each packet's capture time against its mark: the RTP timestamp (8 kHz) anchored at the
             stream's median of (capture time - timestamp) over the window (the mark its packets keep,
             whatever the sender's phase); 0 for a packet on time or early; p50/p99/max over all
             packets of all streams (the criterion: what sipstorm's own send lateness measures);
  deviation  the same both ways (|capture time - mark|), p99: a packet sent ahead of its mark is
             jitter to the receiver too (SIPp's rtp_stream sends one about 18 ms early every ~28).
The capture is taken on the loopback interface, between the sender's sendmsg and the receiver.
"""
import json
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
        magic = 0xA1B2C3D4 if magic == 0xD4C3B2A1 else 0xA1B23C4D
    else:
        raise SystemExit(f"{path}: not a pcap file")
    scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
    linktype = struct.unpack(e + "I", data[20:24])[0]
    ip_at = {1: 14, 113: 16, 101: 0, 12: 0, 228: 0}.get(linktype)
    if ip_at is None:
        raise SystemExit(f"{path}: link type {linktype} not handled")
    p = 24
    while p + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(e + "IIII", data[p:p + 16])
        frame = data[p + 16:p + 16 + caplen]
        p += 16 + caplen
        ip = frame[ip_at:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        udp = ip[(ip[0] & 15) * 4:]
        if len(udp) < 20 or udp[8] >> 6 != 2:
            continue
        sport, dport = struct.unpack("!HH", udp[:4])
        _, pt, seq, ts, ssrc = struct.unpack("!BBHII", udp[8:20])
        if 72 <= (pt & 0x7F) <= 76:
            continue  # RTCP
        yield sec + frac * scale, (ip[12:16], sport, ip[16:20], dport, ssrc), seq, ts


def pct(sorted_values, q):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main():
    streams = {}
    t_first = t_last = None
    skip = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    t_start = None
    for t, key, seq, ts in packets(sys.argv[1]):
        t_start = t if t_start is None else t_start
        if t < t_start + skip:
            continue
        t_first = t if t_first is None else t_first
        t_last = t
        streams.setdefault(key, []).append((t, seq, ts))
    late_all, dev_all = [], []
    missing = shortfall = total = 0
    window = (t_last - t_first) if t_first is not None else 0.0
    marks = int(window / 0.020)
    for pk in streams.values():
        total += len(pk)
        # Unwrap sequence numbers and timestamps against the stream's first packet.
        s0, ts0 = pk[0][1], pk[0][2]
        ext = set()
        offsets = []
        for t, seq, ts in pk:
            ext.add(((seq - s0 + 32768) & 0xFFFF) - 32768)
            d = ((ts - ts0 + 2**31) & 0xFFFFFFFF) - 2**31
            offsets.append(t - d / 8000.0)
        missing += max(ext) - min(ext) + 1 - len(ext)
        # The stream's own span (it may start or end inside the window) against one packet per mark.
        first, last = pk[0][0], pk[-1][0]
        shortfall += max(0, int((last - first) / 0.020) + 1 - len(pk) - 1)
        shortfall += max(0, int((first - t_first) / 0.020) - 1) if first - t_first > 0.5 else 0
        shortfall += max(0, int((t_last - last) / 0.020) - 1) if t_last - last > 0.5 else 0
        base = sorted(offsets)[len(offsets) // 2]
        late_all.extend(max(0.0, o - base) for o in offsets)
        dev_all.extend(abs(o - base) for o in offsets)
    late_all.sort()
    dev_all.sort()
    print(json.dumps({
        "window_s": round(window, 3), "streams": len(streams), "packets": total,
        "packets_per_s": round(total / window, 1) if window > 0 else 0,
        "marks_per_stream": marks, "missing": missing, "shortfall": shortfall,
        "late_p50_ms": round(pct(late_all, 0.50) * 1e3, 3), "late_p99_ms": round(pct(late_all, 0.99) * 1e3, 3),
        "late_max_ms": round(late_all[-1] * 1e3, 3) if late_all else 0.0,
        "dev_p99_ms": round(pct(dev_all, 0.99) * 1e3, 3),
    }))


if __name__ == "__main__":
    main()
