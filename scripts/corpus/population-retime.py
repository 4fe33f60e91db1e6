#!/usr/bin/env python3
"""Moves each captured DNS exchange to its planned time.

    population-retime.py CAPTURE PLAN OUTDIR --epoch SECONDS [--files N]

CAPTURE is the client-side capture of gen-population.sh (classic pcap,
Ethernet), made while dig sent PLAN's queries as fast as it could. Each UDP
query is matched to the next unused plan entry with the same client address,
name and type (dig sends one client's queries in plan order); its packet
time becomes EPOCH + the planned time. The response keeps its measured
delay after the query: it is found by client address, client port and DNS
ID. A TCP connection (the retry after a truncated answer) keeps its measured
offsets from the UDP query that preceded it from the same client.

Only the pcap record timestamps change, and the record order (sorted by the
new times). Frame bytes are written as captured. Packets are spread over N
files by the planned minute of their exchange, so a query and its response
are always in the same file.
"""
import argparse
import collections
import struct
import sys

QTYPES = {"A": 1, "NS": 2, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33, "SVCB": 64, "HTTPS": 65}


def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(f"population-retime: {path}: not a little-endian classic pcap")
    nano = magic == 0xA1B23C4D
    if struct.unpack_from("<I", data, 20)[0] != 1:
        sys.exit(f"population-retime: {path}: not Ethernet")
    off, recs = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack_from("<IIII", data, off)
        if off + 16 + incl > len(data):
            break
        recs.append((sec + frac / (1e9 if nano else 1e6), orig, data[off + 16: off + 16 + incl]))
        off += 16 + incl
    return recs


def ip_addr(b, v):
    if v == 4:
        return ".".join(str(x) for x in b)
    words = [f"{x:x}" for x in struct.unpack(">8H", b)]
    # Compressed like the plan's addresses (fd77::8:1): longest zero run.
    best, cur, bs, cs = 0, 0, -1, -1
    for i, w in enumerate(words):
        if w == "0":
            if cur == 0:
                cs = i
            cur += 1
            if cur > best:
                best, bs = cur, cs
        else:
            cur = 0
    if best >= 2:
        return ":".join(words[:bs]) + "::" + ":".join(words[bs + best:])
    return ":".join(words)


def parse(frame):
    """(proto, client, cport, is_query, dns_payload) or None."""
    if len(frame) < 14:
        return None
    et = struct.unpack_from(">H", frame, 12)[0]
    if et == 0x0800:
        ihl = (frame[14] & 15) * 4
        proto = frame[23]
        src, dst = ip_addr(frame[26:30], 4), ip_addr(frame[30:34], 4)
        l4 = 14 + ihl
    elif et == 0x86DD:
        proto = frame[20]
        src, dst = ip_addr(frame[22:38], 6), ip_addr(frame[38:54], 6)
        l4 = 54
    else:
        return None
    if proto not in (6, 17) or len(frame) < l4 + 8:
        return None
    sport, dport = struct.unpack_from(">HH", frame, l4)
    to_server = dport == 53
    client, cport = (src, sport) if to_server else (dst, dport)
    if proto == 17:
        return ("udp", client, cport, to_server, frame[l4 + 8:])
    return ("tcp", client, cport, to_server, b"")


def question(msg):
    """(id, qname, qtype) of a DNS message, or None."""
    if len(msg) < 12:
        return None
    mid, _, qd = struct.unpack_from(">HHH", msg, 0)
    if qd < 1:
        return (mid, None, None)
    off, labels = 12, []
    while off < len(msg):
        n = msg[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0:
            return (mid, None, None)
        labels.append(msg[off + 1: off + 1 + n].decode("latin1").lower())
        off += 1 + n
    if off + 4 > len(msg):
        return (mid, None, None)
    return (mid, ".".join(labels), struct.unpack_from(">H", msg, off)[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("plan")
    ap.add_argument("outdir")
    ap.add_argument("--epoch", type=int, required=True)
    ap.add_argument("--files", type=int, default=3)
    a = ap.parse_args()

    pending = collections.defaultdict(collections.deque)
    duration = 0.0
    for line in open(a.plan):
        t, addr, name, qt, _ = line.rstrip("\n").split("\t")
        pending[(addr, name.lower(), QTYPES[qt])].append(float(t))
        duration = max(duration, float(t))
    planned = sum(len(v) for v in pending.values())

    exch = {}        # (client, port, id) -> (captured time, planned time)
    last = {}        # client -> (captured time, planned time) of its latest query
    tcp = {}         # (client, port) -> anchor
    out = []         # (new time, anchor planned time, seq, orig, frame)
    stats = collections.Counter()
    for seq, (ct, orig, frame) in enumerate(read_pcap(a.capture)):
        p = parse(frame)
        if p is None:
            stats["not_dns_transport"] += 1
            continue
        proto, client, cport, to_server, payload = p
        if proto == "udp":
            q = question(payload)
            if q is None:
                stats["udp_short"] += 1
                continue
            mid, qname, qtype = q
            if to_server:
                dq = pending.get((client, qname, qtype))
                if not dq:
                    stats["query_not_in_plan"] += 1
                    continue
                anchor = (ct, dq.popleft())
                exch[(client, cport, mid)] = anchor
                last[client] = anchor
                stats["queries"] += 1
            else:
                anchor = exch.get((client, cport, mid))
                if anchor is None:
                    stats["response_without_query"] += 1
                    continue
                stats["responses"] += 1
        else:
            anchor = tcp.get((client, cport)) or last.get(client)
            if anchor is None:
                stats["tcp_without_query"] += 1
                continue
            tcp[(client, cport)] = anchor
            stats["tcp_segments"] += 1
        out.append((anchor[1] + (ct - anchor[0]), anchor[1], seq, orig, frame))
    stats["planned_not_sent"] = sum(len(v) for v in pending.values())
    out.sort(key=lambda r: (r[0], r[2]))

    minutes = int(duration // 60) + 1
    per = -(-minutes // a.files)
    files = []
    for k in range(a.files):
        f = open(f"{a.outdir}/population-{k + 1:02d}.pcap", "wb")
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        files.append(f)
    counts = [0] * a.files
    for t, at, _, orig, frame in out:
        k = min(int(at // 60) // per, a.files - 1)
        ts = a.epoch + t
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        if usec >= 1000000:
            sec, usec = sec + 1, usec - 1000000
        files[k].write(struct.pack("<IIII", sec, usec, len(frame), orig))
        files[k].write(frame)
        counts[k] += 1
    for f in files:
        f.close()
    print(f"population-retime: planned {planned} queries; " + ", ".join(f"{k}={v}" for k, v in sorted(stats.items()))
          + f"; files " + " ".join(str(c) for c in counts))


if __name__ == "__main__":
    main()
