#!/usr/bin/env bash
# Generates data/population/{train,test}/*.pcap: the DNS traffic of a few
# hundred office clients between themselves and their recursive resolver,
# made by real DNS software in network namespaces this script creates and
# removes again. Nothing is routed outside them.
#
#   dnsae-pop-cli   clients 10.77.8.0/23 (train), 10.77.16.0/23 (test),
#                   fd77::8:0/112, fd77::16:0/112, all on one veth; dig -f -b ADDR
#   dnsae-pop-res   unbound 10.77.0.53, fd77::53 (iterating from a private root;
#                   corp.example and 77.10.in-addr.arpa as stub zones)
#                   10.77.250.1 towards the authoritative servers
#   dnsae-pop-auth  nsd 10.77.250.2: root, TLDs, co.uk/com.au/..., arpa
#                   knotd 10.77.250.3: ~3,000 registered domains, hosting and
#                   CDN zones, corp.example, reverse zones
#
# scripts/corpus/population-universe.py writes the zones and each split's
# query plan (who asks what, when, with which stub options). The queries are
# sent as fast as dig goes; scripts/corpus/population-retime.py then moves
# every exchange to its planned time in a 20-minute day (see the README).
#
# Usage: sudo scripts/corpus/gen-population.sh [OUTDIR]  (default data/population)
# Environment: POP_CLIENTS (300), POP_MINUTES (20), POP_DOMAINS (3200),
#              POP_RATE (browsing-rate multiplier, 0.55), POP_SECONDS (per-split
#              sending limit, 150), KEEP_LOGS=DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../data/population}
clients=${POP_CLIENTS:-300}
minutes=${POP_MINUTES:-20}
domains=${POP_DOMAINS:-3200}
rate=${POP_RATE:-0.55}
send_seconds=${POP_SECONDS:-150}
chunks=4
namespaces=(dnsae-pop-cli dnsae-pop-res dnsae-pop-auth)

[ "$(id -u)" -eq 0 ] || { echo "gen-population: must run as root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump nsd knotd unbound dig capinfos python3 node; do
  command -v "$tool" >/dev/null || { echo "gen-population: missing $tool (scripts/setup-debian.sh --test)" >&2; exit 1; }
done
[ -r /usr/share/dict/words ] || { echo "gen-population: /usr/share/dict/words missing (scripts/setup-debian.sh --test installs wamerican)" >&2; exit 1; }

# The checksum fixer lives beside this script (or, in older trees, in scripts/).
rewrite=$here/pcap-rewrite.mjs
[ -f "$rewrite" ] || rewrite=$here/../pcap-rewrite.mjs
[ -f "$rewrite" ] || { echo "gen-population: pcap-rewrite.mjs not found" >&2; exit 1; }

work=$(mktemp -d /tmp/dnsae-pop.XXXXXX)
log() { printf '[gen-population %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# cleanup, cleanup_stale, in_ns, wait_for, veth, make_namespaces; pids=()
# shellcheck source=lib-netns.sh
. "$here/lib-netns.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup_stale

# ---------------------------------------------------------------- universe
log "zones and query plans"
python3 "$here/population-universe.py" "$work/u" --domains "$domains" --clients "$clients" \
  --minutes "$minutes" --rate "$rate" --chunks "$chunks" >"$work/universe.txt"
cat "$work/universe.txt" >&2

# ---------------------------------------------------------------- topology
make_namespaces
veth dnsae-pop-cli p0 02:77:00:00:01:02 dnsae-pop-res q0 02:77:00:00:01:01
veth dnsae-pop-res q1 02:77:00:00:02:01 dnsae-pop-auth a0 02:77:00:00:02:02
in_ns dnsae-pop-res ip addr add 10.77.0.53/18 dev q0
in_ns dnsae-pop-res ip addr add fd77::53/64 dev q0 nodad
in_ns dnsae-pop-res ip addr add 10.77.250.1/24 dev q1
in_ns dnsae-pop-auth ip addr add 10.77.250.2/24 dev a0
in_ns dnsae-pop-auth ip addr add 10.77.250.3/24 dev a0
# Every client address of both splits on the one client interface; dig
# binds each query to its client's address (-b).
cut -f2 "$work/u/plan-train.tsv" "$work/u/plan-test.tsv" | sort -u >"$work/clients.txt"
awk '{ if (index($1, ":")) print "address add " $1 "/64 dev p0 nodad"; else print "address add " $1 "/18 dev p0" }' \
  "$work/clients.txt" >"$work/addrs.batch"
in_ns dnsae-pop-cli ip -batch "$work/addrs.batch"
log "$(wc -l <"$work/clients.txt") client addresses on dnsae-pop-cli"

# ---------------------------------------------------------------- servers
mkdir -p "$work/nsd" "$work/knot/db"
cat >"$work/nsd/nsd.conf" <<CONF
server:
    ip-address: 10.77.250.2
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$work/u/nsd"
    database: ""
    zonelistfile: "$work/nsd/zone.list"
    xfrdfile: "$work/nsd/xfrd.state"
    xfrdir: "$work/nsd"
    pidfile: "$work/nsd/nsd.pid"
    logfile: "$work/nsd/nsd.log"
    server-count: 1
    verbosity: 0
remote-control:
    control-enable: no
$(cat "$work/u/nsd-zones.conf")
CONF
in_ns dnsae-pop-auth nsd -d -c "$work/nsd/nsd.conf" 2>"$work/nsd/stderr.log" &
pids+=("$!")

cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot"
    listen: [ 10.77.250.3@53 ]
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
database:
    storage: "$work/knot/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$work/u/knot"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
$(cat "$work/u/knot-zones.conf")
CONF
in_ns dnsae-pop-auth knotd -c "$work/knot/knot.conf" 2>"$work/knot/knotd.log" &
pids+=("$!")
wait_for 80 sh -c "ip netns exec dnsae-pop-auth dig +time=1 +tries=1 @10.77.250.2 . SOA | grep -q 'status: NOERROR'" ||
  { tail -5 "$work/nsd/nsd.log" "$work/nsd/stderr.log" >&2; exit 1; }
# The last zone in knot's list answering means all of them loaded.
last_zone=$(tail -2 "$work/u/knot-zones.conf" | awk '/domain:/ {print $3}')
wait_for 240 sh -c "ip netns exec dnsae-pop-auth dig +time=1 +tries=1 @10.77.250.3 $last_zone SOA | grep -q 'status: NOERROR'" ||
  { tail -5 "$work/knot/knotd.log" >&2; exit 1; }
wait_for 40 sh -c "ip netns exec dnsae-pop-auth dig +time=1 +tries=1 @10.77.250.3 corp.example SOA | grep -q 'status: NOERROR'"
log "nsd and knotd serving ($(grep -c 'domain:' "$work/u/knot-zones.conf") knot zones)"

mkdir -p "$work/unbound"
printf '.  3600000 NS a.root-servers.net.\na.root-servers.net. 3600000 A 10.77.250.2\n' >"$work/unbound/root.hints"
{
  unbound_preamble "$work/unbound"
  cat <<CONF
    interface: 10.77.0.53
    interface: fd77::53
    outgoing-interface: 10.77.250.1
    access-control: 10.77.0.0/18 allow
    access-control: fd77::/64 allow
    do-ip6: yes
    prefer-ip6: no
    root-hints: "$work/unbound/root.hints"
    module-config: "iterator"
    harden-referral-path: no
    target-fetch-policy: "0 0 0 0 0"
    msg-cache-size: 32m
    rrset-cache-size: 64m
    outgoing-range: 256
    num-queries-per-thread: 512
    unblock-lan-zones: yes
    insecure-lan-zones: yes
    local-zone: "10.in-addr.arpa." nodefault
stub-zone:
    name: "corp.example"
    stub-addr: 10.77.250.3
stub-zone:
    name: "77.10.in-addr.arpa"
    stub-addr: 10.77.250.3
CONF
} >"$work/unbound/unbound.conf"

# ---------------------------------------------------------------- splits
# One run per split, each with a resolver started cold (another day).
run_split() {
  local split=$1 k cap tpid upid senders=()
  in_ns dnsae-pop-res unbound -d -c "$work/unbound/unbound.conf" 2>"$work/unbound/$split.log" &
  upid=$!
  pids+=("$upid")
  wait_for 80 sh -c "ip netns exec dnsae-pop-cli dig +time=1 +tries=1 @10.77.0.53 corp.example SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$work/unbound/$split.log" >&2; return 1; }
  # That probe came from the interface's first address, before the capture.
  cap=$work/$split-raw.pcap
  in_ns dnsae-pop-cli tcpdump -i p0 -s 262144 -U --immediate-mode -B 65536 -Z root -w "$cap" 'port 53' 2>"$work/$split-tcpdump.log" &
  tpid=$!
  pids+=("$tpid")
  wait_for 40 grep -q 'listening on' "$work/$split-tcpdump.log"
  log "$split: sending $(cat "$work/u"/batch-"$split"-*.txt | wc -l) queries from $chunks dig processes (at most ${send_seconds}s)"
  printf '+time=2 +tries=1\n' >"$work/.digrc"
  for ((k = 0; k < chunks; k++)); do
    HOME=$work timeout -s KILL "$send_seconds" ip netns exec dnsae-pop-cli dig -f "$work/u/batch-$split-$k.txt" >/dev/null 2>"$work/dig-$split-$k.log" &
    senders+=("$!")
    pids+=("$!")
  done
  for k in "${senders[@]}"; do wait "$k" || log "$split: a dig sender stopped early (status $?)"; done
  for ((k = 0; k < chunks; k++)); do grep -m3 . "$work/dig-$split-$k.log" | sed "s/^/  dig $split-$k: /" >&2 || true; done
  sleep 1
  kill -TERM "$tpid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$tpid" 2>/dev/null || break; sleep 0.25; done
  grep -E 'captured|dropped' "$work/$split-tcpdump.log" >&2 || true
  kill -TERM "$upid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$upid" 2>/dev/null || break; sleep 0.25; done
  log "$split: $(capinfos -c -M "$cap" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}') packets captured"
  # veth transmit offload leaves partial checksums: write wire values.
  node "$rewrite" fixcsum "$cap" "$work/$split-fixed.pcap" >/dev/null
  rm -f "$cap"
  rm -rf "${out:?}/$split"
  mkdir -p "$out/$split"
  python3 "$here/population-retime.py" "$work/$split-fixed.pcap" "$work/u/plan-$split.tsv" "$out/$split" \
    --epoch "${epoch[$split]}" --files 5 >&2
}

# 09:00 UTC on two different days (2024-03-12, 2024-03-14).
declare -A epoch=([train]=1710234000 [test]=1710406800)
mkdir -p "$out"
run_split train
run_split test
log "done: $(du -sh "$out/train" "$out/test" | tr '\n' ' ')"
