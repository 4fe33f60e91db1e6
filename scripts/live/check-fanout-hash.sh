#!/bin/bash
# Whether the kernel's PACKET_FANOUT_HASH sends both directions of a flow to one fanout member, as a
# multi-worker live sensor needs. Three network namespaces: a client, a router, a DNS-port echo
# server; the router's interface toward the client sees queries coming in and answers going out
# (forwarded), four AF_PACKET sockets in one fanout group capture it (fanout-members.py). Root.
#   bash scripts/live/check-fanout-hash.sh [MODE]     # MODE: 0 PACKET_FANOUT_HASH (default), 1 LB, ...
set -u
here=$(cd "$(dirname "$0")" && pwd)
P=dnsae-fanout-$$
cleanup() { for n in c r s; do ip netns del "$P-$n" 2>/dev/null; done; }
trap cleanup EXIT
for n in c r s; do ip netns add "$P-$n"; done
ip link add c0 netns "$P-c" type veth peer name r0 netns "$P-r"
ip link add s0 netns "$P-s" type veth peer name r1 netns "$P-r"
ip -n "$P-c" addr add 10.53.1.2/24 dev c0 && ip -n "$P-c" link set c0 up && ip -n "$P-c" link set lo up && ip -n "$P-c" route add default via 10.53.1.1
ip -n "$P-r" addr add 10.53.1.1/24 dev r0 && ip -n "$P-r" addr add 10.53.2.1/24 dev r1 && ip -n "$P-r" link set r0 up && ip -n "$P-r" link set r1 up
ip netns exec "$P-r" sysctl -qw net.ipv4.ip_forward=1
ip -n "$P-s" addr add 10.53.2.2/24 dev s0 && ip -n "$P-s" link set s0 up && ip -n "$P-s" link set lo up && ip -n "$P-s" route add default via 10.53.2.1
# Echo servers on UDP and TCP port 53, each bounded in time.
timeout 12 ip netns exec "$P-s" python3 -c "
import socket, threading
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 53)); u.settimeout(10)
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(('0.0.0.0', 53)); t.listen(64); t.settimeout(10)
def tcp():
    try:
        while True:
            c, _ = t.accept(); c.settimeout(1)
            try: c.sendall(c.recv(2048))
            except Exception: pass
            c.close()
    except Exception: pass
threading.Thread(target=tcp, daemon=True).start()
try:
    while True:
        d, a = u.recvfrom(2048); u.sendto(d, a)
except Exception: pass" &
out=$(mktemp)
timeout 12 ip netns exec "$P-r" python3 "$here/fanout-members.py" r0 "${1:-0}" 8 > "$out" &
sleep 1
# 300 UDP exchanges and 100 TCP connections, each from its own source port.
timeout 8 ip netns exec "$P-c" python3 -c "
import socket
for i in range(300):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 20000 + i)); s.settimeout(0.2)
    s.sendto(b'\x12\x34\x01\x00' + b'x' * 26, ('10.53.2.2', 53))
    try: s.recvfrom(100)
    except Exception: pass
    s.close()
for i in range(100):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', 30000 + i)); s.settimeout(1)
    try:
        s.connect(('10.53.2.2', 53)); s.sendall(b'\x00\x1e' + b'x' * 30); s.recv(100)
    except Exception: pass
    s.close()
"
wait
grep -v '^ready' "$out"
rm -f "$out"
