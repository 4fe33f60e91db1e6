#!/usr/bin/env bash
# Builds a benchmark capture of N real DNS packets with many flows: nsd in a
# network namespace of its own, driven by bounded dnsperf runs (UDP over
# IPv4 and IPv6, some TCP) from a second namespace, recorded with tcpdump.
# The live part aims at about N/2 packets; the captured packets are then
# repeated with other client addresses and per-exchange client ports
# (scripts/corpus/pcap-rewrite.mjs replicate) until the file holds exactly N.
#
# Usage: sudo scripts/bench/make-bench-capture.sh [OUT [N]]
#   OUT default /tmp/dnsae-bench.pcap, N default 1000000.
# Environment: BENCH_SECONDS (default 60) caps the live dnsperf phase.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/dnsae-bench.pcap}
target=${2:-1000000}
live_seconds=${BENCH_SECONDS:-60}
[[ "$target" =~ ^[0-9]+$ ]] && [ "$target" -gt 0 ] || { echo "make-bench-capture: N must be a positive integer" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "make-bench-capture: must run as root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump nsd dig dnsperf capinfos node; do
  command -v "$tool" >/dev/null || { echo "make-bench-capture: missing $tool (scripts/setup-debian.sh)" >&2; exit 1; }
done

namespaces=(dnsae-bench-srv dnsae-bench-cli)
work=$(mktemp -d /tmp/dnsae-bench.XXXXXX)
start=$SECONDS
log() { printf '[bench-capture %3ds] %s\n' $((SECONDS - start)) "$*" >&2; }
# cleanup, cleanup_stale, wait_for, veth, make_namespaces; pids=()
# shellcheck source=../corpus/lib-netns.sh
. "$here/../corpus/lib-netns.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
# Leftovers of an interrupted run.
cleanup_stale

# ---------------------------------------------------------------- topology
make_namespaces
veth dnsae-bench-cli b0 02:53:00:00:0b:02 dnsae-bench-srv b1 02:53:00:00:0b:01
ip netns exec dnsae-bench-srv ip addr add 198.51.100.53/24 dev b1
ip netns exec dnsae-bench-srv ip addr add 2001:db8:5e::53/64 dev b1 nodad
ip netns exec dnsae-bench-cli ip addr add 198.51.100.10/24 dev b0
ip netns exec dnsae-bench-cli ip addr add 2001:db8:5e::10/64 dev b0 nodad
# More client addresses: each dnsperf run binds one of them (-a).
for i in 11 12 13; do ip netns exec dnsae-bench-cli ip addr add "198.51.100.$i/24" dev b0; done
ip netns exec dnsae-bench-cli ip addr add 2001:db8:5e::11/64 dev b0 nodad

# ---------------------------------------------------------------- server
"$here/../corpus/gen-zones.sh" "$work/zones" >/dev/null
mkdir -p "$work/nsd"
cp "$work/zones/"*.zone "$work/nsd/"
cat >"$work/nsd/nsd.conf" <<CONF
server:
    ip-address: 198.51.100.53
    ip-address: 2001:db8:5e::53
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$work/nsd"
    database: ""
    zonelistfile: "$work/nsd/zone.list"
    xfrdfile: "$work/nsd/xfrd.state"
    xfrdir: "$work/nsd"
    pidfile: "$work/nsd/nsd.pid"
    logfile: "$work/nsd/nsd.log"
    server-count: 1
    tcp-count: 256
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: example.test.zone
zone:
    name: corp.test
    zonefile: corp.test.zone
zone:
    name: 2.0.192.in-addr.arpa
    zonefile: 2.0.192.in-addr.arpa.zone
CONF
ip netns exec dnsae-bench-srv nsd -d -c "$work/nsd/nsd.conf" 2>"$work/nsd/stderr" &
pids+=("$!")
wait_for 60 sh -c "ip netns exec dnsae-bench-cli dig +time=1 +tries=1 @198.51.100.53 example.test SOA | grep -q 'status: NOERROR'" ||
  { cat "$work/nsd/stderr" "$work/nsd/nsd.log" >&2 2>/dev/null; exit 1; }

# ---------------------------------------------------------------- capture
live=$work/live.pcap
ip netns exec dnsae-bench-cli tcpdump -i b0 -s 262144 -B 65536 -U -Z root -c "$target" -w "$live" 'port 53' 2>"$work/tcpdump.log" &
tcpdump_pid=$!
pids+=("$tcpdump_pid")
wait_for 40 grep -q 'listening on' "$work/tcpdump.log"

# Each query is one request and one response packet (TCP adds handshakes
# and ACKs). The live runs aim at about half of N: dnsperf reuses its
# sockets, so its traffic has few, long flows; the repeated half gives
# every UDP exchange its own client port, as traffic from many clients
# and resolvers has. -n and -l bound every run.
qfile=$work/zones/queries.txt
lines=$(wc -l <"$qfile")
passes=$(( (target / 4 + lines - 1) / lines ))
udp4=$(( passes * 6 / 10 + 1 )); udp6=$(( passes * 3 / 10 + 1 )); tcp4=$(( passes / 20 + 1 ))
log "dnsperf: $lines-query file, passes udp4=$udp4 udp6=$udp6 tcp=$tcp4, at most ${live_seconds}s"
perf() { timeout $((live_seconds + 15)) ip netns exec dnsae-bench-cli dnsperf -d "$qfile" -l "$live_seconds" -t 2 "$@"; }
perf -s 198.51.100.53 -a 198.51.100.11 -c 64 -n "$udp4" -q 200 >"$work/perf-udp4.txt" 2>&1 &
p1=$!
perf -s 2001:db8:5e::53 -a 2001:db8:5e::11 -f inet6 -c 32 -n "$udp6" -q 100 -e >"$work/perf-udp6.txt" 2>&1 &
p2=$!
perf -s 198.51.100.53 -a 198.51.100.12 -m tcp -c 16 -n "$tcp4" -q 50 -D >"$work/perf-tcp.txt" 2>&1 &
p3=$!
pids+=("$p1" "$p2" "$p3")
wait "$p1" "$p2" "$p3" || true
grep -h 'Queries completed\|Queries per second' "$work"/perf-*.txt >&2 || true

kill -TERM "$tcpdump_pid" 2>/dev/null || true
for _ in $(seq 1 40); do kill -0 "$tcpdump_pid" 2>/dev/null || break; sleep 0.25; done
grep -E 'captured|dropped' "$work/tcpdump.log" >&2 || true
captured=$(capinfos -c -M "$live" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
log "live capture: $captured packets"

# veth transmit offload leaves partial UDP/TCP checksums in the capture.
node "$here/../corpus/pcap-rewrite.mjs" fixcsum "$live" "$work/fixed.pcap" >/dev/null
rm -f "$live"
if [ "$captured" -ge "$target" ]; then
  mv "$work/fixed.pcap" "$out"
else
  log "repeating the live capture with other client addresses/ports up to $target packets"
  node "$here/../corpus/pcap-rewrite.mjs" replicate "$work/fixed.pcap" "$out" "$target" >/dev/null
fi
final=$(capinfos -c -M "$out" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
log "wrote $out: $final packets ($(du -h "$out" | cut -f1))"
echo "$final"
