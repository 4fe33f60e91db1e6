#!/usr/bin/env bash
# Generates the benign training captures in data/benign/ with real DNS
# software talking over veth links between network namespaces that this
# script creates and removes again. Nothing is routed outside them.
#
#   dnsae-cli  192.0.2.2      2001:db8:53:1::2   dig, kdig, knsupdate, nsupdate, dnsperf
#   dnsae-res  192.0.2.1      2001:db8:53:1::1   unbound (validating, no root hints)
#              192.0.2.17/.33 2001:db8:53:2::1/:3::1  (router for the other namespaces)
#   dnsae-auth 192.0.2.18     2001:db8:53:2::2   knotd: primary, DNSSEC signer, DDNS
#              192.0.2.49     2001:db8:53:4::1   (link to the secondary, NOTIFY/XFR)
#   dnsae-sec  192.0.2.34     2001:db8:53:3::2   nsd: secondary of knotd (and of named)
#              192.0.2.50     2001:db8:53:4::2
#   dnsae-mix  192.0.2.66     2001:db8:53:5::2   named: recursive and authoritative at once
#              192.0.2.68                        (a view: no recursion, server cookies required)
#              192.0.2.69                        (a view: recursive, server cookies required)
#              192.0.2.67     2001:db8:53:5::3   dnsmasq: forwarder with local names
#
# Captures (tcpdump, port 53, snaplen 262144, Ethernet):
#   client.pcap    everything the client namespace sends and receives while
#                  the functional workload runs (dig/kdig/updates/AXFR)
#   upstream.pcap  resolver -> authoritative queries (both phases)
#   transfer.pcap  the knotd <-> nsd link: NOTIFY, SOA polls, AXFR, IXFR
#   load.pcap      the client namespace during bounded dnsperf runs
#   mix.pcap       the named/dnsmasq namespace without the client's own
#                  exchanges: forwarding to unbound, NOTIFY and transfers
#                  between named, knotd and nsd
#
# Usage: sudo scripts/corpus/gen-benign-corpus.sh [OUTDIR]   (default data/benign)
# Environment: KEEP_LOGS=DIR copies the daemon logs and workload files there,
#              SKIP_VARIETY=1 skips gen-benign-variety.sh (OUTDIR/variety),
#              LOAD_PACKETS (default 24000) caps load.pcap,
#              CLIENT_PACKETS (default 12000) caps client.pcap.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../data/benign}
load_packets=${LOAD_PACKETS:-24000}
client_packets=${CLIENT_PACKETS:-12000}
snaplen=262144
namespaces=(dnsae-cli dnsae-res dnsae-auth dnsae-sec dnsae-mix)

[ "$(id -u)" -eq 0 ] || { echo "gen-benign-corpus: must run as root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump knotd knotc nsd unbound named dnsmasq dig kdig knsupdate nsupdate dnsperf capinfos tshark mergecap node; do
  command -v "$tool" >/dev/null || { echo "gen-benign-corpus: missing $tool (scripts/setup-debian.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/dnsae-benign.XXXXXX)
log() { printf '[gen-benign %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# The helpers every corpus script shares (lib-netns.sh): cleanup (recorded PIDs, then whatever is
# left in our namespaces, then the namespaces), cleanup_stale, in_ns, wait_for, veth (fixed MACs,
# one segment per GSO packet); pids=().
# shellcheck source=lib-netns.sh
. "$here/lib-netns.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
# Client-side tools get a private HOME so ~/.digrc below bounds every dig.
cli() { HOME=$work timeout 120 ip netns exec dnsae-cli "$@"; }

# ---------------------------------------------------------------- topology
addr() { in_ns "$1" ip addr add "$3" dev "$2" ${4:-}; }

build_topology() {
  local ns
  for ns in "${namespaces[@]}"; do
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
  done
  veth dnsae-cli c0 02:53:00:00:01:02 dnsae-res r0 02:53:00:00:01:01
  veth dnsae-res r1 02:53:00:00:02:01 dnsae-auth a0 02:53:00:00:02:02
  veth dnsae-res r2 02:53:00:00:03:01 dnsae-sec s0 02:53:00:00:03:02
  veth dnsae-auth a1 02:53:00:00:04:01 dnsae-sec s1 02:53:00:00:04:02
  veth dnsae-res r3 02:53:00:00:05:01 dnsae-mix m0 02:53:00:00:05:02
  addr dnsae-cli c0 192.0.2.2/28;   addr dnsae-cli c0 2001:db8:53:1::2/64 nodad
  addr dnsae-res r0 192.0.2.1/28;   addr dnsae-res r0 2001:db8:53:1::1/64 nodad
  addr dnsae-res r1 192.0.2.17/28;  addr dnsae-res r1 2001:db8:53:2::1/64 nodad
  addr dnsae-res r2 192.0.2.33/28;  addr dnsae-res r2 2001:db8:53:3::1/64 nodad
  addr dnsae-auth a0 192.0.2.18/28; addr dnsae-auth a0 2001:db8:53:2::2/64 nodad
  addr dnsae-auth a1 192.0.2.49/28; addr dnsae-auth a1 2001:db8:53:4::1/64 nodad
  addr dnsae-sec s0 192.0.2.34/28;  addr dnsae-sec s0 2001:db8:53:3::2/64 nodad
  addr dnsae-sec s1 192.0.2.50/28;  addr dnsae-sec s1 2001:db8:53:4::2/64 nodad
  addr dnsae-res r3 192.0.2.65/28;  addr dnsae-res r3 2001:db8:53:5::1/64 nodad
  addr dnsae-mix m0 192.0.2.66/28;  addr dnsae-mix m0 2001:db8:53:5::2/64 nodad
  addr dnsae-mix m0 192.0.2.67/28;  addr dnsae-mix m0 2001:db8:53:5::3/64 nodad
  addr dnsae-mix m0 192.0.2.68/28;  addr dnsae-mix m0 192.0.2.69/28
  # Routes stay inside the documentation prefixes; no default route anywhere.
  in_ns dnsae-res sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  in_ns dnsae-cli ip route add 192.0.2.0/24 via 192.0.2.1
  in_ns dnsae-cli ip -6 route add 2001:db8:53::/48 via 2001:db8:53:1::1
  in_ns dnsae-auth ip route add 192.0.2.0/27 via 192.0.2.17
  in_ns dnsae-auth ip -6 route add 2001:db8:53:1::/64 via 2001:db8:53:2::1
  in_ns dnsae-auth ip -6 route add 2001:db8:53:3::/64 via 2001:db8:53:2::1
  in_ns dnsae-auth ip route add 192.0.2.64/28 via 192.0.2.17
  in_ns dnsae-auth ip -6 route add 2001:db8:53:5::/64 via 2001:db8:53:2::1
  in_ns dnsae-sec ip route add 192.0.2.0/28 via 192.0.2.33
  in_ns dnsae-sec ip route add 192.0.2.16/28 via 192.0.2.33
  in_ns dnsae-sec ip -6 route add 2001:db8:53:1::/64 via 2001:db8:53:3::1
  in_ns dnsae-sec ip -6 route add 2001:db8:53:2::/64 via 2001:db8:53:3::1
  in_ns dnsae-sec ip route add 192.0.2.64/28 via 192.0.2.33
  in_ns dnsae-sec ip -6 route add 2001:db8:53:5::/64 via 2001:db8:53:3::1
  in_ns dnsae-mix ip route add 192.0.2.0/24 via 192.0.2.65
  in_ns dnsae-mix ip -6 route add 2001:db8:53::/48 via 2001:db8:53:5::1
}

# ---------------------------------------------------------------- captures
# capture NAME NS FILTER COUNT IFACE...: one tcpdump per interface; the files
# are merged afterwards (mergecap keeps Ethernet when all inputs share it).
capture() {
  local name=$1 ns=$2 filter=$3 count=$4; shift 4
  local ifc
  for ifc in "$@"; do
    # --immediate-mode: without it libpcap hands packets over in blocks
    # (up to 1 s late), and the SIGTERM in stop_capture lost the last block;
    # -B (KiB) gives the per-packet writes room so bursts are not dropped.
    ip netns exec "$ns" tcpdump -i "$ifc" -s "$snaplen" -U --immediate-mode -B 32768 -Z root -c "$count" -w "$work/cap-$name-$ifc.pcap" "$filter" \
      2>"$work/cap-$name-$ifc.log" &
    pids+=("$!")
    echo "$!" >"$work/cap-$name-$ifc.pid"
    wait_for 40 grep -q 'listening on' "$work/cap-$name-$ifc.log"
  done
}

stop_capture() {
  local name=$1; shift
  local ifc p files=()
  # Late answers and retransmissions of the last exchange still arrive.
  sleep 1
  for ifc in "$@"; do
    p=$(cat "$work/cap-$name-$ifc.pid")
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    files+=("$work/cap-$name-$ifc.pcap")
  done
  if [ "${#files[@]}" -eq 1 ]; then
    cp "${files[0]}" "$work/$name-merged.pcap"
  else
    mergecap -F pcap -w "$work/$name-merged.pcap" "${files[@]}"
  fi
  # veth transmit offload leaves partial UDP/TCP checksums in the capture;
  # write the values a wire would carry.
  node "$here/pcap-rewrite.mjs" fixcsum "$work/$name-merged.pcap" "$out/$name.pcap" >/dev/null
  log "$name.pcap: $(capinfos -c -M "$out/$name.pcap" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}') packets"
}

# ---------------------------------------------------------------- servers
secret() { head -c 32 /dev/urandom | base64; }

start_knot() {
  mkdir -p "$work/knot/db" "$work/knot/zones"
  cp "$work/zones/"*.zone "$work/knot/zones/"
  cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot"
    identity: "auth1.dnsae.test"
    nsid: "auth1"
    edns-client-subnet: on
    answer-rotation: on
    listen: [ 192.0.2.18@53, 192.0.2.49@53, 2001:db8:53:2::2@53, 2001:db8:53:4::1@53 ]
database:
    storage: "$work/knot/db"
log:
  - target: stderr
    any: notice
key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: $xfr_secret
  - id: ddns-key
    algorithm: hmac-sha256
    secret: $ddns_secret
remote:
  - id: nsd
    address: [ 192.0.2.50@53 ]
    via: [ 192.0.2.49 ]
    key: xfr-key
  # named is a secondary of corp.test only; the NOTIFYs for example.test
  # (to named) and the reverse zone (to nsd) reach servers that do not serve
  # them and are answered with an error, as after a secondary is retired.
  - id: named
    address: [ 192.0.2.66@53 ]
  - id: nsd-unconfigured
    address: [ 192.0.2.50@53 ]
    via: [ 192.0.2.49 ]
acl:
  - id: xfr-secondary
    address: [ 192.0.2.50 ]
    key: xfr-key
    action: transfer
  - id: xfr-clients
    address: [ 192.0.2.0/28, 2001:db8:53:1::/64 ]
    action: transfer
  - id: ddns-clients
    address: [ 192.0.2.0/28, 2001:db8:53:1::/64 ]
    key: ddns-key
    action: update
  - id: xfr-named
    address: [ 192.0.2.66 ]
    action: transfer
policy:
  - id: ecdsa-nsec3
    algorithm: ecdsap256sha256
    nsec3: on
    nsec3-iterations: 0
    ksk-lifetime: 0
    zsk-lifetime: 0
    rrsig-lifetime: 14d
    rrsig-refresh: 7d
template:
  - id: default
    storage: "$work/knot/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: changes
    semantic-checks: on
zone:
  - domain: example.test
    dnssec-signing: on
    dnssec-policy: ecdsa-nsec3
    notify: [ nsd, named ]
    acl: [ xfr-secondary, xfr-clients, ddns-clients ]
  - domain: corp.test
    notify: [ nsd, named ]
    acl: [ xfr-secondary, xfr-clients, ddns-clients, xfr-named ]
  - domain: 2.0.192.in-addr.arpa
    notify: nsd-unconfigured
    acl: [ xfr-clients, ddns-clients ]
  - domain: 3.5.0.0.8.b.d.0.1.0.0.2.ip6.arpa
    acl: [ xfr-clients ]
CONF
  ip netns exec dnsae-auth knotd -c "$work/knot/knot.conf" 2>"$work/knot/knotd.log" &
  pids+=("$!")
  wait_for 60 in_ns dnsae-auth dig +time=1 +tries=1 +short @192.0.2.18 example.test SOA ||
    { tail -5 "$work/knot/knotd.log" >&2; return 1; }
  # Signing runs after the zone loads; unbound needs the DNSKEY set.
  wait_for 80 sh -c "ip netns exec dnsae-auth dig +time=1 +tries=1 +short @192.0.2.18 example.test DNSKEY | grep -q '^257 '"
}

start_nsd() {
  mkdir -p "$work/nsd"
  cat >"$work/nsd/nsd.conf" <<CONF
server:
    ip-address: 192.0.2.34
    ip-address: 192.0.2.50
    ip-address: 2001:db8:53:3::2
    ip-address: 2001:db8:53:4::2
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
    identity: "sec1.dnsae.test"
    nsid: "ascii_sec1"
    hide-version: no
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
key:
    name: xfr-key
    algorithm: hmac-sha256
    secret: "$xfr_secret"
pattern:
    name: from-knot
    request-xfr: 192.0.2.49 xfr-key
    allow-notify: 192.0.2.49 xfr-key
    provide-xfr: 192.0.2.0/28 NOKEY
    provide-xfr: 2001:db8:53:1::/64 NOKEY
    outgoing-interface: 192.0.2.50
pattern:
    name: from-named
    request-xfr: 192.0.2.66 NOKEY
    allow-notify: 192.0.2.66 NOKEY
    provide-xfr: 192.0.2.0/28 NOKEY
zone:
    name: home.test
    zonefile: "home.test.zone"
    include-pattern: from-named
zone:
    name: corp.test
    zonefile: "corp.test.zone"
    include-pattern: from-knot
zone:
    name: example.test
    zonefile: "example.test.zone"
    include-pattern: from-knot
CONF
  ip netns exec dnsae-sec nsd -d -c "$work/nsd/nsd.conf" 2>"$work/nsd/nsd.stderr" &
  pids+=("$!")
  # Serving both zones means the initial AXFR from knotd completed.
  wait_for 80 sh -c "ip netns exec dnsae-sec dig +time=1 +tries=1 @192.0.2.34 example.test SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$work/nsd/nsd.log" "$work/nsd/nsd.stderr" >&2; return 1; }
  wait_for 80 sh -c "ip netns exec dnsae-sec dig +time=1 +tries=1 @192.0.2.34 corp.test SOA | grep -q 'status: NOERROR'"
}

start_unbound() {
  mkdir -p "$work/unbound"
  in_ns dnsae-auth dig +noall +answer @192.0.2.18 example.test DNSKEY | awk '$5 == 257' >"$work/unbound/anchor.key"
  [ -s "$work/unbound/anchor.key" ] || { echo "gen-benign-corpus: no KSK published by knotd" >&2; return 1; }
  {
    unbound_preamble "$work/unbound"
    cat <<CONF
    interface: 192.0.2.1
    interface: 2001:db8:53:1::1
    access-control: 192.0.2.0/28 allow
    access-control: 2001:db8:53:1::/64 allow
    access-control: 192.0.2.64/28 allow
    access-control: 2001:db8:53:5::/64 allow
    do-ip6: yes
    do-not-query-localhost: yes
    module-config: "validator iterator"
    trust-anchor-file: "$work/unbound/anchor.key"
    identity: "res1.dnsae.test"
    nsid: "ascii_res1"
    hide-identity: no
    qname-minimisation: yes
    prefetch: yes
    minimal-responses: no
    cache-max-ttl: 600
    edns-buffer-size: 1232
    root-hints: ""
    # test. and the documentation reverse zones are RFC 6761/6303 default
    # local zones in unbound; lift them so the stubs below are used.
    local-zone: "test." nodefault
    local-zone: "2.0.192.in-addr.arpa." nodefault
    local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." nodefault
stub-zone:
    name: "example.test"
    stub-addr: 192.0.2.18
    stub-addr: 2001:db8:53:2::2
    stub-addr: 192.0.2.34
stub-zone:
    name: "corp.test"
    stub-addr: 192.0.2.34
    stub-addr: 2001:db8:53:3::2
    stub-addr: 192.0.2.18
stub-zone:
    name: "2.0.192.in-addr.arpa"
    stub-addr: 192.0.2.18
stub-zone:
    name: "3.5.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
    stub-addr: 2001:db8:53:2::2
stub-zone:
    name: "home.test"
    stub-addr: 192.0.2.66
    stub-addr: 2001:db8:53:5::2
stub-zone:
    name: "lan.test"
    stub-addr: 192.0.2.67
# Everything else goes to knotd, which refuses it: the resolver then
# answers SERVFAIL, the usual outcome for a broken delegation.
forward-zone:
    name: "."
    forward-addr: 192.0.2.18
CONF
  } >"$work/unbound/unbound.conf"
  ip netns exec dnsae-res unbound -d -c "$work/unbound/unbound.conf" 2>"$work/unbound/unbound.log" &
  pids+=("$!")
  wait_for 60 sh -c "ip netns exec dnsae-cli dig +time=1 +tries=1 @192.0.2.1 example.test SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$work/unbound/unbound.log" >&2; return 1; }
  # The AD bit proves the trust anchor and the signed chain work end to end.
  wait_for 20 sh -c "ip netns exec dnsae-cli dig +time=1 +tries=1 +dnssec @192.0.2.1 www.example.test A | grep -q 'flags:.* ad'"
}

# named in two roles at once, as on many office networks: authoritative
# for home.test (AA answers with RA set), recursive for everything else
# (forwarded to unbound), secondary of corp.test. Two more addresses are
# views that require server cookies (BADCOOKIE to a cookie client without
# a valid one), one recursive, one without recursion (REFUSED for names
# it does not serve).
start_named() {
  mkdir -p "$work/named"
  cp "$work/zones/home.test.zone" "$work/zones/static.test.zone" "$work/named/"
  cat >"$work/named/named.conf" <<CONF
key "ddns-key" { algorithm hmac-sha256; secret "$ddns_secret"; };
options {
    directory "$work/named";
    pid-file "$work/named/named.pid";
    listen-on port 53 { 192.0.2.66; 192.0.2.68; 192.0.2.69; };
    listen-on-v6 port 53 { 2001:db8:53:5::2; };
    forwarders { 192.0.2.1; 2001:db8:53:1::1; };
    forward only;
    dnssec-validation no;
    allow-query { any; };
    allow-recursion { 192.0.2.0/24; 2001:db8:53::/48; };
    server-id "mix1.dnsae.test";
    version "9.18";
    notify-delay 1;
    empty-zones-enable no;
    minimal-responses no-auth-recursive;
};
logging { channel errs { stderr; severity notice; }; category default { errs; }; category lame-servers { null; }; };
view "open" {
    match-destinations { !192.0.2.68; !192.0.2.69; any; };
    recursion yes;
    zone "home.test" {
        type primary; file "home.test.zone";
        allow-update { key ddns-key; };
        // nsd is the secondary; knotd, unbound and dnsmasq are stale
        // also-notify entries that answer with an error.
        also-notify { 192.0.2.34; 192.0.2.18; 192.0.2.1; 192.0.2.67; };
        allow-transfer { any; };
    };
    zone "static.test" { type primary; file "static.test.zone"; allow-transfer { none; }; };
    zone "corp.test" { type secondary; primaries { 192.0.2.18; }; file "corp.test.sec"; };
    // Its primary never answers: queries get SERVFAIL, as for an expired secondary.
    zone "broken.test" { type secondary; primaries { 192.0.2.79; }; file "broken.test.sec"; };
};
view "strict" {
    match-destinations { 192.0.2.69; };
    recursion yes;
    require-server-cookie yes;
    zone "home.test" { in-view "open"; };
    zone "static.test" { in-view "open"; };
};
view "closed" {
    match-destinations { any; };
    recursion no;
    require-server-cookie yes;
    zone "home.test" { in-view "open"; };
    zone "static.test" { in-view "open"; };
};
CONF
  named-checkconf "$work/named/named.conf"
  ip netns exec dnsae-mix named -f -u root -n 1 -c "$work/named/named.conf" 2>"$work/named/named.log" &
  pids+=("$!")
  wait_for 80 sh -c "ip netns exec dnsae-mix dig +time=1 +tries=1 @192.0.2.66 home.test SOA +norecurse | grep -q 'status: NOERROR'" ||
    { tail -5 "$work/named/named.log" >&2; return 1; }
}

# dnsmasq as the small-office forwarder: local names from its own
# configuration (authoritative answers, NXDOMAIN for unknown local names),
# everything else forwarded to unbound.
start_dnsmasq() {
  mkdir -p "$work/dnsmasq"
  ip netns exec dnsae-mix dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root \
    --bind-interfaces --listen-address=192.0.2.67 --listen-address=2001:db8:53:5::3 --except-interface=lo \
    --pid-file="$work/dnsmasq/dnsmasq.pid" --log-facility="$work/dnsmasq/dnsmasq.log" \
    --server=192.0.2.1 --local=/lan.test/ --domain=lan.test --cache-size=300 \
    --host-record=printer.lan.test,192.0.2.120 --host-record=nas.lan.test,192.0.2.121,2001:db8:53:5::121 \
    --host-record=tv.lan.test,192.0.2.122 --cname=media.lan.test,nas.lan.test \
    --txt-record=lan.test,"v=spf1 -all" --mx-host=lan.test,nas.lan.test,10 \
    --srv-host=_ipp._tcp.lan.test,printer.lan.test,631 --ptr-record=120.2.0.192.in-addr.arpa,printer.lan.test \
    2>"$work/dnsmasq/dnsmasq.stderr" &
  pids+=("$!")
  wait_for 40 sh -c "ip netns exec dnsae-mix dig +time=1 +tries=1 @192.0.2.67 printer.lan.test A | grep -q 'status: NOERROR'" ||
    { tail -5 "$work/dnsmasq/dnsmasq.stderr" "$work/dnsmasq/dnsmasq.log" >&2; return 1; }
}

# ---------------------------------------------------------------- workload
# dig batch lines built from the dnsperf query file with flags rotating so
# transports, address families and EDNS options all get exercised.
resolver_batch() {
  awk 'NR <= 400 {
    srv = (NR % 4 == 0) ? "2001:db8:53:1::1" : "192.0.2.1"
    f = ""
    if (NR % 3 == 0) f = f " +dnssec"
    if (NR % 5 == 0) f = f " +tcp"
    if (NR % 7 == 0) f = f " +nsid +cookie"
    if (NR % 11 == 0) f = f " +subnet=198.51.100.0/24"
    if (NR % 13 == 0) f = f " +noedns"
    if (NR % 17 == 0) f = f " +adflag +cdflag"
    printf "@%s %s %s%s\n", srv, $1, $2, f
  }' "$work/zones/queries.txt"
}

auth_batch() {
  awk 'NR % 3 == 1 {
    srv = (NR % 2 == 0) ? "192.0.2.18" : ((NR % 5 == 0) ? "2001:db8:53:2::2" : "192.0.2.34")
    f = " +norecurse"
    if (NR % 4 == 1) f = f " +dnssec"
    if (NR % 10 == 1) f = f " +tcp"
    printf "@%s %s %s%s\n", srv, $1, $2, f
  }' "$work/zones/queries.txt"
  cat <<'B'
@192.0.2.18 example.org A +norecurse
@192.0.2.18 example.com MX
@192.0.2.34 example.net A +norecurse
@2001:db8:53:2::2 invalid SOA
@192.0.2.18 version.bind TXT CH
@192.0.2.18 id.server TXT CH
@192.0.2.34 version.server TXT CH
@192.0.2.34 hostname.bind TXT CH
@192.0.2.18 example.test DNSKEY +dnssec +multi
@192.0.2.18 example.test NSEC3PARAM +dnssec
@192.0.2.18 example.test CDS +dnssec
@192.0.2.18 nothere.example.test A +dnssec
@192.0.2.18 www020.example.test MX +dnssec
@192.0.2.18 example.test ANY +tcp
@192.0.2.34 example.test ANY
@192.0.2.18 big.example.test TXT +bufsize=512
@192.0.2.18 big.example.test TXT
@192.0.2.34 big.example.test TXT +noedns
@2001:db8:53:2::2 huge.example.test TXT
@192.0.2.18 huge.example.test TXT +tcp
@192.0.2.18 medium.example.test TXT +noedns
@192.0.2.18 medium.example.test TXT +ignore +noedns
@192.0.2.18 a.b.c.alias.example.test A
@192.0.2.18 host.wild.example.test A +dnssec
@192.0.2.18 example.test SOA +nsid +cookie +expire
@192.0.2.34 corp.test SOA +nsid +expire
@192.0.2.34 corp.test SOA +tcp +expire
@192.0.2.18 example.test SOA +opcode=status
@192.0.2.18 example.test SOA +header-only
@192.0.2.18 corp.test SOA +edns=1
@192.0.2.18 example.test TYPE65280
@192.0.2.18 18.2.0.192.in-addr.arpa PTR
@192.0.2.18 -x 2001:db8:53::2a
@192.0.2.18 -x 192.0.2.77 +tcp
@192.0.2.18 _sip._udp.example.test SRV +dnssec
@192.0.2.18 example.test NAPTR
@192.0.2.18 office.example.test LOC
@192.0.2.18 oldbox.example.test HINFO
@192.0.2.18 svc.example.test SVCB
@192.0.2.18 example.test HTTPS +dnssec
@192.0.2.18 _443._tcp.www020.example.test TLSA
@192.0.2.18 _http._tcp.example.test URI
@192.0.2.18 example.test CAA
@192.0.2.18 api011.example.test SSHFP
B
}

updates() {
  local i
  {
    printf 'server 192.0.2.18\nzone example.test.\n'
    for ((i = 1; i <= 12; i++)); do
      printf 'update add dyn%02d.example.test. 300 A 192.0.2.%d\n' "$i" $((200 + i))
      printf 'update add dyn%02d.example.test. 300 TXT "lease=%d"\n' "$i" $((3600 * i))
      (( i % 4 == 0 )) && printf 'send\n'
    done
    printf 'update delete dyn03.example.test. A\nsend\n'
    printf 'zone corp.test.\n'
    for ((i = 1; i <= 6; i++)); do
      printf 'update add laptop%02d.corp.test. 600 A 198.51.100.%d\n' "$i" $((150 + i))
      printf 'send\n'
    done
    printf 'update delete laptop02.corp.test. A\nsend\n'
  } >"$work/knsupdate.txt"
  cli knsupdate -t 3 -r 1 -y "hmac-sha256:ddns-key:$ddns_secret" "$work/knsupdate.txt"
  # nsupdate over TCP, IPv6, with a prerequisite section.
  cat >"$work/nsupdate.txt" <<U
server 2001:db8:53:2::2
zone corp.test.
prereq nxdomain kiosk.corp.test.
update add kiosk.corp.test. 600 AAAA 2001:db8:53:100::10
send
prereq yxdomain kiosk.corp.test.
update add kiosk.corp.test. 600 TXT "lobby"
send
U
  cli nsupdate -v -t 3 -y "hmac-sha256:ddns-key:$ddns_secret" "$work/nsupdate.txt"
  # Refused variants: unsigned update to the primary, any update to the secondary.
  printf 'server 192.0.2.18\nzone example.test.\nupdate add rogue.example.test. 60 A 192.0.2.250\nsend\n' >"$work/u-nokey.txt"
  cli knsupdate -t 2 -r 0 "$work/u-nokey.txt" || true
  printf 'server 192.0.2.34\nzone corp.test.\nupdate add rogue.corp.test. 60 A 198.51.100.250\nsend\n' >"$work/u-sec.txt"
  cli knsupdate -t 2 -r 0 "$work/u-sec.txt" || true
}

# Queries to named and dnsmasq with flag variants a stub or forwarder
# sends: RD on and off, DO, CD, AD, TCP, IPv6, no EDNS.
mix_batch() {
  local names=(www.home.test/A nas.home.test/AAAA home.test/MX home.test/NS nosuch.home.test/A printer.home.test/AAAA
    lb.home.test/A cam.home.test/A _ipp._tcp.home.test/SRV static.test/TXT www.static.test/A desk012.corp.test/A
    nohost.corp.test/A www.example.test/A pool.example.test/A set07.example.test/A set13.example.test/A
    keys.example.test/TXT nosuch.example.test/AAAA www.broken.test/A www.example.org/A big.example.test/TXT)
  local flags=("" "+norecurse" "+dnssec" "+cdflag" "+adflag" "+tcp" "+noedns" "+dnssec +cdflag" "+norecurse +dnssec")
  local i=0 nt
  for nt in "${names[@]}"; do
    for f in "${flags[@]}"; do
      i=$((i + 1))
      case $((i % 5)) in
        0) srv=2001:db8:53:5::2 ;; 1|2) srv=192.0.2.66 ;; 3) srv=192.0.2.67 ;; 4) srv=2001:db8:53:5::3 ;;
      esac
      printf '@%s %s %s %s\n' "$srv" "${nt%/*}" "${nt#*/}" "$f"
    done
  done
  local dm=(printer.lan.test/A nas.lan.test/AAAA media.lan.test/A lan.test/MX lan.test/TXT _ipp._tcp.lan.test/SRV
    nosuch.lan.test/A tv.lan.test/AAAA -x/192.0.2.120 www.home.test/A)
  for nt in "${dm[@]}"; do
    for f in "" "+norecurse" "+dnssec" "+tcp" "+noedns"; do
      if [ "${nt%/*}" = -x ]; then printf '@192.0.2.67 -x %s %s\n' "${nt#*/}" "$f"; else printf '@192.0.2.67 %s %s %s\n' "${nt%/*}" "${nt#*/}" "$f"; fi
    done
  done
  # The cookie-checking view: the first answer to a cookie client is
  # BADCOOKIE, the retry with the server cookie gets the answer (or REFUSED
  # for names outside its zones); clients without cookies are not checked.
  cat <<'B'
@192.0.2.68 www.home.test A +badcookie
@192.0.2.68 www.home.test A +nocookie
@192.0.2.68 nas.home.test AAAA +badcookie +norecurse
@192.0.2.68 nosuch.home.test A +badcookie
@192.0.2.68 www.example.test A +badcookie
@192.0.2.68 www.example.test A +nocookie
@192.0.2.68 www.example.test A +nocookie +norecurse
@192.0.2.68 static.test TXT +nocookie +tcp
@192.0.2.68 www.home.test A +cookie=0011223344556677 +badcookie
@192.0.2.68 home.test SOA +cookie=00112233445566778899aabbccddeeff0011223344556677 +badcookie
@192.0.2.69 www.example.test A +badcookie
@192.0.2.69 pool.example.test A +badcookie +dnssec
@192.0.2.69 nosuch.example.test A +badcookie
@192.0.2.69 www.home.test A +badcookie
@192.0.2.69 www.example.test AAAA +nocookie
@192.0.2.69 set05.example.test A +cookie=8899aabbccddeeff +badcookie
@192.0.2.69 keys.example.test TXT +badcookie +tcp
@2001:db8:53:5::2 www.example.test A +cookie=8899aabbccddeeff0011223344556677 +badcookie
@192.0.2.66 home.test SOA +header-only
@192.0.2.66 home.test SOA +edns=1
@192.0.2.66 home.test SOA +opcode=status
@192.0.2.66 home.test SOA +opcode=iquery
@192.0.2.66 home.test AXFR
@192.0.2.66 static.test AXFR
@192.0.2.66 home.test IXFR=2024060101
@192.0.2.66 id.server TXT CH
@192.0.2.67 lan.test SOA +opcode=status
@192.0.2.67 lan.test SOA +header-only
@192.0.2.1 example.test SOA +opcode=status
@192.0.2.1 example.test SOA +header-only
@192.0.2.1 www.example.test A +norecurse
@192.0.2.1 nosuch.example.test A +norecurse
@192.0.2.34 example.test SOA +opcode=iquery
@192.0.2.34 example.test SOA +header-only
@192.0.2.18 example.test SOA +opcode=iquery
@192.0.2.18 www.example.test A
@192.0.2.18 nosuch.example.test A
@192.0.2.34 nosuch.corp.test A
@192.0.2.34 www.example.test A +cdflag
@192.0.2.18 pool.example.test A +dnssec
@192.0.2.34 set16.example.test A
@192.0.2.34 set11.example.test A +norecurse
@192.0.2.18 www.home.test A
B
}

# Dynamic updates with every outcome a server gives: accepted, refused
# (zone without updates, update to a secondary), not authorized (no or
# wrong key), not implemented (a forwarder), and failed prerequisites
# (YXDOMAIN, YXRRSET, NXDOMAIN, NXRRSET), over UDP and TCP.
mix_updates() {
  local key="hmac-sha256:ddns-key:$ddns_secret" bad="hmac-sha256:ddns-key:$(secret)"
  cat >"$work/u-named.txt" <<U
server 192.0.2.66
zone home.test.
update add laptop.home.test. 600 A 192.0.2.170
send
prereq nxdomain laptop.home.test.
update add laptop.home.test. 600 TXT "again"
send
prereq yxrrset laptop.home.test. AAAA
update add laptop.home.test. 600 TXT "v6"
send
prereq nxrrset laptop.home.test. A
update add laptop.home.test. 600 TXT "v4"
send
prereq yxdomain tablet.home.test.
update delete tablet.home.test.
send
prereq yxdomain laptop.home.test.
update add phone.home.test. 600 A 192.0.2.171
send
update delete pc03.home.test. A
send
U
  cli nsupdate -t 3 -y "$key" "$work/u-named.txt" || true
  printf 'server 2001:db8:53:5::2\nzone home.test.\nupdate add tablet.home.test. 600 AAAA 2001:db8:53:5::172\nsend\n' >"$work/u-named6.txt"
  cli nsupdate -v -t 3 -y "$key" "$work/u-named6.txt" || true
  printf 'server 192.0.2.66\nzone static.test.\nupdate add new.static.test. 60 A 192.0.2.161\nsend\n' >"$work/u-static.txt"
  cli nsupdate -t 3 "$work/u-static.txt" || true
  cli nsupdate -t 3 -y "$key" "$work/u-static.txt" || true
  # DHCP-client style updates (prerequisite: the name is free) to a zone
  # that takes none: refused over UDP and over TCP.
  local h
  for h in ws01 ws02 ws03; do
    printf 'server 192.0.2.66\nzone static.test.\nprereq nxdomain %s.static.test.\nupdate add %s.static.test. 1200 A 192.0.2.%d\nsend\n' \
      "$h" "$h" $((180 + ${h#ws})) >"$work/u-dhcp-$h.txt"
    cli nsupdate -t 3 "$work/u-dhcp-$h.txt" || true
    cli nsupdate -v -t 3 "$work/u-dhcp-$h.txt" || true
  done
  printf 'server 192.0.2.66\nzone corp.test.\nupdate add x.corp.test. 60 A 198.51.100.240\nsend\n' >"$work/u-named-sec.txt"
  cli nsupdate -t 3 -y "$key" "$work/u-named-sec.txt" || true
  printf 'server 192.0.2.66\nzone home.test.\nupdate add rogue.home.test. 60 A 192.0.2.250\nsend\n' >"$work/u-named-bad.txt"
  cli nsupdate -t 3 "$work/u-named-bad.txt" || true
  cli nsupdate -t 3 -y "$bad" "$work/u-named-bad.txt" || true
  printf 'server 192.0.2.67\nzone lan.test.\nupdate add x.lan.test. 60 A 192.0.2.251\nsend\n' >"$work/u-dnsmasq.txt"
  cli knsupdate -t 2 -r 0 "$work/u-dnsmasq.txt" || true
  printf 'server 192.0.2.1\nzone example.test.\nupdate add x.example.test. 60 A 192.0.2.252\nsend\n' >"$work/u-unbound.txt"
  cli knsupdate -t 2 -r 0 "$work/u-unbound.txt" || true
  # knsupdate stops at the first failed send, so one file per case.
  local n=0 body
  for body in 'prereq nxdomain www.example.test.\nupdate add www.example.test. 300 TXT "x"' \
    'prereq yxdomain nothere.example.test.\nupdate add nothere.example.test. 300 A 192.0.2.253' \
    'prereq yxrrset www.example.test. MX\nupdate delete www.example.test. A' \
    'prereq nxrrset www.example.test. A\nupdate add www.example.test. 300 TXT "y"'; do
    n=$((n + 1))
    printf "server 192.0.2.18\nzone example.test.\n$body\nsend\n" >"$work/u-knot-prereq$n.txt"
    cli knsupdate -t 3 -r 0 -y "$key" "$work/u-knot-prereq$n.txt" || true
  done
  printf 'server 192.0.2.18\nzone 2.0.192.in-addr.arpa.\nupdate add 170.2.0.192.in-addr.arpa. 600 PTR laptop.home.test.\nsend\n' >"$work/u-knot-ptr.txt"
  cli knsupdate -t 3 -r 0 -y "$key" "$work/u-knot-ptr.txt" || true
  printf 'server 192.0.2.18\nzone corp.test.\nupdate add y.corp.test. 60 A 198.51.100.241\nsend\n' >"$work/u-knot-bad.txt"
  cli knsupdate -t 2 -r 0 -y "$bad" "$work/u-knot-bad.txt" || true
}

mix_workload() {
  mix_batch >"$work/mix.batch"
  log "named/dnsmasq batch: $(wc -l <"$work/mix.batch") queries"
  cli dig -f "$work/mix.batch" >"$work/mix.txt" 2>&1 || true
  # The same names again through kdig (no cookies, other EDNS defaults).
  awk '$1 !~ /^@192.0.2.68/ && $0 !~ /opcode|header-only|cookie|AXFR|IXFR|-x/ && NR % 4 == 1 {print}' "$work/mix.batch" |
    while read -r srv name type rest; do cli kdig "$srv" "$name" "$type" $rest >/dev/null 2>&1 || true; done
  log "named updates"
  mix_updates >"$work/mix-updates.txt" 2>&1 || log "some named updates failed"
  # named's NOTIFYs for the change reach nsd (accepted) and knotd (refused);
  # nsd then fetches home.test by IXFR/AXFR.
  wait_for 40 sh -c "ip netns exec dnsae-cli dig +time=1 +tries=1 +short @192.0.2.34 laptop.home.test A | grep -q 192.0.2.170" || true
  cli dig @192.0.2.34 home.test SOA +norecurse >/dev/null || true
}

functional_workload() {
  printf '+time=2 +tries=2\n' >"$work/.digrc"
  resolver_batch >"$work/resolver.batch"
  auth_batch >"$work/auth.batch"
  log "resolver batch: $(wc -l <"$work/resolver.batch") queries"
  cli dig -f "$work/resolver.batch" >"$work/pass1.txt" 2>&1 || true
  log "authoritative batch: $(wc -l <"$work/auth.batch") queries"
  cli dig -f "$work/auth.batch" >"$work/auth.txt" 2>&1 || true
  # Misses and failures through the resolver: NXDOMAIN, NODATA, SERVFAIL.
  cli dig @192.0.2.1 nosuch.example.test A +dnssec >/dev/null || true
  cli dig @192.0.2.1 www020.example.test NAPTR >/dev/null || true
  cli dig @192.0.2.1 www.example.org A >/dev/null || true
  cli dig @192.0.2.1 big.example.test TXT +bufsize=512 >/dev/null || true
  cli dig @2001:db8:53:1::1 huge.example.test TXT >/dev/null || true
  # Several queries on one TCP connection, then EDNS options dig lacks.
  cli dig @192.0.2.18 +tcp +keepopen +norecurse www.example.test A mail.example.test MX example.test NS \
    example.test SOA api.example.test AAAA >/dev/null || true
  cli dig @192.0.2.18 +tcp +keepopen +keepalive +norecurse alias.example.test CNAME example.test MX \
    big.example.test TXT example.test DNSKEY >/dev/null || true
  cli kdig @192.0.2.18 +tcp +keepopen +padding=128 www020.example.test A mail001.example.test AAAA \
    example.test TXT shop019.example.test A >/dev/null || true
  cli dig @2001:db8:53:2::2 +tcp +keepalive +nsid +cookie example.test SOA >/dev/null || true
  cli kdig @192.0.2.1 +padding +subnet=2001:db8:aa::/56 +nsid www.example.test AAAA >/dev/null || true
  cli kdig @192.0.2.18 +ednsopt=65001:c0ffee +expire corp.test SOA >/dev/null || true
  cli kdig @192.0.2.34 +alignment=64 +dnssec corp.test NS >/dev/null || true
  cli kdig @192.0.2.18 +nocrypto +dnssec +tcp example.test DNSKEY >/dev/null || true
  cli kdig -6 @2001:db8:53:3::2 +bufsize=4096 big.example.test TXT >/dev/null || true
  cli kdig @192.0.2.18 +ignore +bufsize=1232 huge.example.test TXT >/dev/null || true
  log "dynamic updates"
  updates >/dev/null 2>&1 || log "some updates failed (see $work/knsupdate.txt)"
  # Secondary catches up by IXFR after the NOTIFYs; give it a bounded moment.
  wait_for 40 sh -c "ip netns exec dnsae-cli dig +time=1 +tries=1 +short @192.0.2.34 kiosk.corp.test TXT | grep -q lobby" || true
  log "zone transfers to the client"
  cli dig @192.0.2.18 example.test AXFR >/dev/null || true
  cli dig @192.0.2.34 corp.test AXFR >/dev/null || true
  cli dig @2001:db8:53:2::2 2.0.192.in-addr.arpa AXFR >/dev/null || true
  cli dig @192.0.2.18 corp.test IXFR=1 >/dev/null || true
  cli kdig @192.0.2.18 corp.test IXFR=2 >/dev/null || true
  cli dig @192.0.2.18 example.org AXFR >/dev/null || true
  # A later round of changes: another NOTIFY/IXFR cycle on the transfer link.
  printf 'server 192.0.2.18\nzone example.test.\nupdate delete dyn05.example.test.\nupdate add late.example.test. 300 AAAA 2001:db8:53::beef\nsend\nzone corp.test.\nupdate delete laptop04.corp.test. A\nsend\n' >"$work/knsupdate2.txt"
  cli knsupdate -t 3 -r 1 -y "hmac-sha256:ddns-key:$ddns_secret" "$work/knsupdate2.txt" >/dev/null 2>&1 || log "late update failed"
  mix_workload
  # Second pass: answers now come from the resolver's cache.
  cli dig -f "$work/resolver.batch" >"$work/pass2.txt" 2>&1 || true
}

# Bounded in query count (-n passes over the file) and time (-l seconds).
load_workload() {
  local q=$work/zones/queries.txt
  cli dnsperf -s 192.0.2.1 -d "$q" -n 8 -l 20 -c 16 -Q 3000 -t 2 >"$work/perf1.txt" 2>&1 || true
  cli dnsperf -s 2001:db8:53:1::1 -f inet6 -d "$q" -n 3 -l 10 -c 4 -Q 2000 -D -e -t 2 >"$work/perf2.txt" 2>&1 || true
  cli dnsperf -s 192.0.2.18 -d "$q" -n 4 -l 10 -c 8 -Q 3000 -D -t 2 >"$work/perf3.txt" 2>&1 || true
  cli dnsperf -s 192.0.2.34 -m tcp -d "$q" -n 2 -l 10 -c 4 -Q 1000 -t 2 >"$work/perf4.txt" 2>&1 || true
  cli dnsperf -s 2001:db8:53:2::2 -f inet6 -m tcp -d "$q" -n 1 -l 10 -c 2 -Q 500 -e -t 2 >"$work/perf5.txt" 2>&1 || true
  grep -h 'Queries sent\|Queries completed' "$work"/perf*.txt >&2 || true
}

# ---------------------------------------------------------------- main
cleanup_stale
mkdir -p "$out"
"$here/gen-zones.sh" "$work/zones" >&2
xfr_secret=$(secret)
ddns_secret=$(secret)

log "building namespaces"
build_topology
# Transfer link capture starts before any server so the first AXFR is in it.
capture transfer dnsae-sec 'port 53' 20000 s1
start_knot
log "knotd serving, signed"
# The resolver namespace also routes client<->server packets; keep only
# the resolver's own upstream queries.
capture upstream dnsae-res 'port 53 and (host 192.0.2.17 or host 192.0.2.33 or host 2001:db8:53:2::1 or host 2001:db8:53:3::1)' 20000 r1 r2
start_nsd
log "nsd serving both zones"
capture client dnsae-cli 'port 53' "$client_packets" c0
capture mix dnsae-mix 'port 53 and not host 192.0.2.2 and not host 2001:db8:53:1::2' 20000 m0
start_named
start_dnsmasq
log "named and dnsmasq serving"
start_unbound
log "unbound resolving"

functional_workload
stop_capture client c0

log "load phase"
capture load dnsae-cli 'port 53' "$load_packets" c0
load_workload
stop_capture load c0
stop_capture upstream r1 r2
stop_capture transfer s1
stop_capture mix m0

log "summary (README table rows)"
count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }
for f in client upstream transfer load mix; do
  p=$out/$f.pcap
  printf '| `%s` | %s | %s | %s | %s | %s | %s | %s |\n' "$f.pcap" \
    "$(capinfos -c -M "$p" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')" \
    "$(du -k "$p" | cut -f1)" "$(count "$p" 'udp.port==53')" "$(count "$p" 'tcp.port==53')" \
    "$(count "$p" 'tcp.port==53 && tcp.len>0')" "$(count "$p" ipv6)" \
    "$(tshark -r "$p" -Y dns -T fields -e dns.id 2>/dev/null | tr ',' '\n' | grep -c .)"
done

# The variety captures (zone transfers of thousands of records, error
# answers to odd headers, more client stacks) in their own namespaces:
# data/benign/variety/{train,test} beside the files above.
if [ -z "${SKIP_VARIETY:-}" ]; then
  "$here/gen-benign-variety.sh" "$out/variety"
fi
