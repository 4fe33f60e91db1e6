#!/usr/bin/env python3
# The other half of check-fanout-hash.sh (run by it, in the router namespace): N AF_PACKET sockets on
# one interface joined to one PACKET_FANOUT group of the given mode; for every UDP or TCP port-53
# flow seen, which members got its packets to port 53 and which got those from it.
#   fanout-members.py IFACE MODE SECONDS [MEMBERS]
import select, socket, struct, sys, time

ETH_P_ALL, SOL_PACKET, PACKET_FANOUT = 3, 263, 18
iface, mode, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
members = int(sys.argv[4]) if len(sys.argv) > 4 else 4
socks = []
for _ in range(members):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setsockopt(SOL_PACKET, PACKET_FANOUT, 0x5353 | (mode << 16))
    s.setblocking(False)
    socks.append(s)
print('ready', flush=True)
seen = {}
end = time.time() + secs
while time.time() < end:
    ready, _, _ = select.select(socks, [], [], 0.2)
    for s in ready:
        while True:
            try:
                data = s.recv(65535)
            except BlockingIOError:
                break
            if len(data) < 38 or data[12:14] != b'\x08\x00' or data[23] not in (6, 17):
                continue
            ihl = (data[14] & 15) * 4
            src, dst = socket.inet_ntoa(data[26:30]), socket.inet_ntoa(data[30:34])
            sp, dp = struct.unpack('!HH', data[14 + ihl:18 + ihl])
            if 53 not in (sp, dp):
                continue
            key = (data[23],) + tuple(sorted([(src, sp), (dst, dp)]))
            seen.setdefault(key, {}).setdefault('to' if dp == 53 else 'from', set()).add(socks.index(s))
for proto, name in ((17, 'udp'), (6, 'tcp')):
    both = [k for k, v in seen.items() if k[0] == proto and 'to' in v and 'from' in v]
    whole = [k for k in both if len(seen[k]['to'] | seen[k]['from']) == 1]
    used = sorted({m for k in both for m in seen[k]['to']})
    print(f'{name}: {len(both)} flows seen both ways, {len(whole)} of them on one member each; members used: {used}')
