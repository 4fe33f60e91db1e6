#!/usr/bin/env bash
# Generates the benign variety captures in data/benign/variety/{train,test}:
# the ordinary traffic the main workload (gen-benign-corpus.sh) does not
# carry, made by real DNS software between two network namespaces that this
# script creates and removes again. Nothing is routed outside them.
#
#   dnsaehyb-cli  192.0.2.130, .140, 2001:db8:5300::130   dig, kdig, drill, busybox nslookup,
#                                                          host, nslookup, delv, getent (glibc stub),
#                                                          nsupdate, knsupdate
#   dnsaehyb-srv  192.0.2.131  2001:db8:5300::131          nsd 4.6 (authoritative)
#                 192.0.2.132  2001:db8:5300::132          knotd 3.2 (authoritative, DDNS, journal)
#                 192.0.2.133  2001:db8:5300::133          named 9.18 (authoritative, DDNS, journal)
#                 192.0.2.134  2001:db8:5300::134          unbound 1.17 (recursive, stubs to the three)
#                 192.0.2.135                               dnsmasq 2.90 (forwarder to unbound)
#
# Captures, per split (tcpdump on the client's veth, port 53, Ethernet):
#   xfr.pcap     AXFR and IXFR of zones with thousands of records from nsd,
#                knotd and named over TCP (IPv4 and IPv6, dig, kdig, drill),
#                from 1 record per message (named's one-answer format to
#                192.0.2.140, TXT records up to 62 KB) to the most a server packs
#                into 64 KB (about 640 small records); IXFR after UPDATEs of hundreds of records; IXFR
#                over UDP (the SOA-only answer, then TCP)
#   errors.pcap  QUERY, NOTIFY and UPDATE (and DSO: dig 9.18 sends it over
#                UDP despite +tcp, which the structure checks flag) to each server over
#                UDP and TCP with odd header flags (AA, TC, AD, CD, RA set
#                in a query, RD clear, no EDNS, classes CH/HS/ANY, TYPE0),
#                so NOTIMP, FORMERR, REFUSED, NOTAUTH echoing unusual
#                header bits from every server
#   ../probes/probes.pcap  (with the test split) fingerprinting probes: every other
#                opcode (1-3, 6 on UDP, 7-15), the Z bit, no question, and
#                the answers echoing them; headers the structure checks
#                flag by design (docs/rules.md), so never trained on
#   stubs.pcap   client stacks: the glibc stub (getent hosts/ahosts, with
#                resolv.conf options edns0, trust-ad, use-vc, rotate,
#                single-request, search lists), busybox nslookup, drill,
#                host, nslookup, delv; DHCP-server style dynamic updates
#                (DHCID, A and PTR, with the conflict-detection
#                prerequisites) signed with TSIG
#
# The two splits are two runs with different zones (names, record counts
# and sizes drawn from a seed per split), other client names and other
# update contents; the workload kinds are the same.
#
# Usage: sudo scripts/corpus/gen-benign-variety.sh [OUTDIR] [SPLIT...]
#        (default data/benign/variety, splits train and test)
# Environment: KEEP_LOGS=DIR keeps daemon logs and workload files.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
outroot=${1:-$here/../../data/benign/variety}
shift || true
splits=("$@")
[ "${#splits[@]}" -gt 0 ] || splits=(train test)
namespaces=(dnsaehyb-cli dnsaehyb-srv)

[ "$(id -u)" -eq 0 ] || { echo "gen-benign-variety: must run as root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump knotd knotc nsd unbound named dnsmasq dig kdig knsupdate nsupdate host nslookup delv getent capinfos editcap node; do
  command -v "$tool" >/dev/null || { echo "gen-benign-variety: missing $tool (scripts/setup-debian.sh --test)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/dnsae-variety.XXXXXX)
log() { printf '[gen-variety %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# shellcheck source=lib-netns.sh
. "$here/lib-netns.sh"
netns_etc=/etc/netns/dnsaehyb-cli
variety_cleanup() {
  cleanup
  rm -rf "$netns_etc"
}
trap variety_cleanup EXIT
trap 'exit 130' INT TERM
cli() { HOME=$work timeout 120 ip netns exec dnsaehyb-cli "$@"; }
srv() { ip netns exec dnsaehyb-srv "$@"; }

build_topology() {
  make_namespaces
  veth dnsaehyb-cli hc0 02:53:aa:00:00:01 dnsaehyb-srv hs0 02:53:aa:00:00:02
  local a
  for a in 130 140; do in_ns dnsaehyb-cli ip addr add 192.0.2.$a/26 dev hc0; done
  in_ns dnsaehyb-cli ip addr add 2001:db8:5300::130/64 dev hc0 nodad
  for a in 131 132 133 134 135; do in_ns dnsaehyb-srv ip addr add 192.0.2.$a/26 dev hs0; done
  for a in 131 132 133 134; do in_ns dnsaehyb-srv ip addr add 2001:db8:5300::$a/64 dev hs0 nodad; done
}

# ---------------------------------------------------------------- zones
# zones SPLIT DIR: bulk.test (thousands of small records of every common
# type, with a few large TXT sets in between so the records per transfer
# message vary) and fat.test (TXT records from 250 bytes to 62.5 KB, so some
# transfer messages hold one record). Deterministic per split.
zones() {
  local split=$1 dir=$2 seed n
  case $split in train) seed=11 n=1500 ;; test) seed=29 n=2000 ;; *) seed=$((${#split} * 7 + 3)) n=1500 ;; esac
  mkdir -p "$dir"
  awk -v seed="$seed" -v n="$n" -v sp="$split" 'BEGIN {
    srand(seed)
    fill = "v=dnsae-variety;"; while (length(fill) < 250) fill = fill "abcdefghijklmnopqrstuvwxyz0123456789"
    fill = substr(fill, 1, 250)
    printf "$ORIGIN bulk.test.\n$TTL 3600\n@ SOA ns1.bulk.test. hostmaster.bulk.test. 2025010101 7200 900 1209600 300\n"
    printf "@ NS ns1.bulk.test.\n@ NS ns2.bulk.test.\nns1 A 192.0.2.132\nns2 A 192.0.2.131\n@ MX 10 mx.bulk.test.\n"
    pre = (sp == "test") ? "node" : "host"
    for (i = 1; i <= n; i++) {
      h = sprintf("%s%05d", pre, i)
      r = rand()
      printf "%s A 10.%d.%d.%d\n", h, int(i / 65536) % 256, int(i / 256) % 256, i % 256
      if (r < 0.45) printf "%s AAAA 2001:db8:77::%x\n", h, i
      if (r < 0.10) printf "%s TXT \"id=%d\" \"owner=team%d\"\n", h, i, int(rand() * 40)
      if (r > 0.92) printf "%s MX %d mx%d.bulk.test.\n", h, 10 * int(1 + rand() * 3), int(rand() * 9)
      if (r > 0.97) printf "_svc._tcp.%s SRV 10 5 %d %s.bulk.test.\n", h, 1000 + int(rand() * 9000), h
      if (r > 0.985) printf "alias-%s CNAME %s.bulk.test.\n", h, h
      # Every ~400 names a TXT set of 8-40 strings: a few KB in one record.
      if (i % 397 == 0) { k = 8 + int(rand() * 33); printf "%s TXT", h; for (s = 0; s < k; s++) printf " \"%s\"", fill; printf "\n" }
    }
  }' >"$dir/bulk.test.zone"
  awk -v seed="$seed" 'BEGIN {
    srand(seed + 1)
    fill = "v=dnsae-fat;"; while (length(fill) < 250) fill = fill "0123456789abcdefghijklmnopqrstuvwxyz"
    fill = substr(fill, 1, 250)
    printf "$ORIGIN fat.test.\n$TTL 3600\n@ SOA ns1.fat.test. hostmaster.fat.test. 2025010101 7200 900 1209600 300\n@ NS ns1.fat.test.\nns1 A 192.0.2.131\n"
    split("1 3 10 40 120 248", sizes, " ")
    for (j = 1; j <= 6; j++) {
      k = sizes[j] - int(rand() * 2); if (k < 1) k = 1
      printf "blob%02d TXT", j
      for (s = 0; s < k; s++) printf " \"%s\"", fill
      printf "\n"
    }
  }' >"$dir/fat.test.zone"
  named-checkzone -q bulk.test "$dir/bulk.test.zone"
  named-checkzone -q fat.test "$dir/fat.test.zone"
}

# ---------------------------------------------------------------- servers
start_nsd() {
  local d=$work/nsd
  mkdir -p "$d"
  cp "$work/zones/"*.zone "$d/"
  cat >"$d/nsd.conf" <<CONF
server:
    ip-address: 192.0.2.131
    ip-address: 2001:db8:5300::131
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$d"
    database: ""
    zonelistfile: "$d/zone.list"
    xfrdfile: "$d/xfrd.state"
    xfrdir: "$d"
    pidfile: "$d/nsd.pid"
    logfile: "$d/nsd.log"
    identity: "nsd.variety.test"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: bulk.test
    zonefile: "bulk.test.zone"
    provide-xfr: 0.0.0.0/0 NOKEY
    provide-xfr: ::0/0 NOKEY
zone:
    name: fat.test
    zonefile: "fat.test.zone"
    provide-xfr: 0.0.0.0/0 NOKEY
CONF
  srv nsd -d -c "$d/nsd.conf" 2>"$d/nsd.stderr" &
  pids+=("$!")
  wait_for 80 sh -c "ip netns exec dnsaehyb-cli dig +time=1 +tries=1 @192.0.2.131 bulk.test SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$d/nsd.log" "$d/nsd.stderr" >&2; return 1; }
}

start_knot() {
  local d=$work/knot
  mkdir -p "$d/db" "$d/zones"
  cp "$work/zones/"*.zone "$d/zones/"
  cat >"$d/knot.conf" <<CONF
server:
    rundir: "$d"
    identity: "knot.variety.test"
    listen: [ 192.0.2.132@53, 2001:db8:5300::132@53 ]
database:
    storage: "$d/db"
log:
  - target: stderr
    any: notice
key:
  - id: dhcp-key
    algorithm: hmac-sha256
    secret: $dhcp_secret
acl:
  - id: xfr
    address: [ 192.0.2.128/26, 2001:db8:5300::/64 ]
    action: transfer
  - id: bulk-update
    address: [ 192.0.2.130, 2001:db8:5300::130 ]
    action: update
  - id: dhcp-update
    address: [ 192.0.2.128/26 ]
    key: dhcp-key
    action: update
template:
  - id: default
    storage: "$d/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: changes
zone:
  - domain: bulk.test
    acl: [ xfr, bulk-update, dhcp-update ]
  - domain: fat.test
    acl: [ xfr ]
CONF
  srv knotd -c "$d/knot.conf" 2>"$d/knotd.log" &
  pids+=("$!")
  wait_for 80 sh -c "ip netns exec dnsaehyb-cli dig +time=1 +tries=1 @192.0.2.132 bulk.test SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$d/knotd.log" >&2; return 1; }
}

start_named() {
  local d=$work/named
  mkdir -p "$d"
  cp "$work/zones/"*.zone "$d/"
  cat >"$d/named.conf" <<CONF
key "dhcp-key" { algorithm hmac-sha256; secret "$dhcp_secret"; };
options {
    directory "$d";
    pid-file "$d/named.pid";
    listen-on port 53 { 192.0.2.133; };
    listen-on-v6 port 53 { 2001:db8:5300::133; };
    recursion no;
    allow-query { any; };
    allow-transfer { any; };
    server-id "named.variety.test";
    notify no;
    ixfr-from-differences yes;
    max-journal-size unlimited;
};
// One record per transfer message for this client, as for old secondaries.
server 192.0.2.140 { transfer-format one-answer; };
logging { channel errs { stderr; severity notice; }; category default { errs; }; };
zone "bulk.test" { type primary; file "bulk.test.zone"; allow-update { 192.0.2.130; 2001:db8:5300::130; key dhcp-key; }; };
zone "fat.test" { type primary; file "fat.test.zone"; };
CONF
  named-checkconf "$d/named.conf"
  srv named -f -u root -n 1 -c "$d/named.conf" 2>"$d/named.log" &
  pids+=("$!")
  wait_for 80 sh -c "ip netns exec dnsaehyb-cli dig +time=1 +tries=1 @192.0.2.133 bulk.test SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$d/named.log" >&2; return 1; }
}

start_unbound() {
  local d=$work/unbound
  mkdir -p "$d"
  {
    unbound_preamble "$d"
    cat <<CONF
    interface: 192.0.2.134
    interface: 2001:db8:5300::134
    access-control: 192.0.2.128/26 allow
    access-control: 2001:db8:5300::/64 allow
    do-ip6: yes
    do-not-query-localhost: yes
    module-config: "iterator"
    identity: "unbound.variety.test"
    hide-identity: no
    root-hints: ""
    local-zone: "test." nodefault
    local-zone: "2.0.192.in-addr.arpa." nodefault
    local-zone: "10.in-addr.arpa." nodefault
stub-zone:
    name: "bulk.test"
    stub-addr: 192.0.2.132
    stub-addr: 192.0.2.133
stub-zone:
    name: "fat.test"
    stub-addr: 192.0.2.131
forward-zone:
    name: "."
    forward-addr: 192.0.2.133
CONF
  } >"$d/unbound.conf"
  srv unbound -d -c "$d/unbound.conf" 2>"$d/unbound.log" &
  pids+=("$!")
  wait_for 60 sh -c "ip netns exec dnsaehyb-cli dig +time=1 +tries=1 @192.0.2.134 bulk.test SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$d/unbound.log" >&2; return 1; }
}

start_dnsmasq() {
  local d=$work/dnsmasq
  mkdir -p "$d"
  srv dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --user=root --group=root \
    --bind-interfaces --listen-address=192.0.2.135 --except-interface=lo --pid-file="$d/dnsmasq.pid" \
    --log-facility="$d/dnsmasq.log" --server=192.0.2.134 --local=/lan.test/ --domain=lan.test \
    --host-record=printer.lan.test,192.0.2.150 2>"$d/dnsmasq.stderr" &
  pids+=("$!")
  wait_for 40 sh -c "ip netns exec dnsaehyb-cli dig +time=1 +tries=1 @192.0.2.135 printer.lan.test A | grep -q 'status: NOERROR'" ||
    { tail -5 "$d/dnsmasq.stderr" >&2; return 1; }
}

# ---------------------------------------------------------------- workloads
serial() { cli dig +short +time=1 +tries=1 @"$1" "$2" SOA | awk '{print $3}'; }

# An UPDATE of COUNT changed records in one TCP message (adds of new names,
# deletes of existing ones), so the following IXFR carries hundreds of
# records in each of its sections.
big_update() {
  local server=$1 count=$2 tag=$3 i
  {
    printf 'server %s\nzone bulk.test.\n' "$server"
    for ((i = 1; i <= count; i++)); do
      printf 'update add %s-%04d.bulk.test. 600 A 10.200.%d.%d\n' "$tag" "$i" $((i / 256)) $((i % 256))
      if ((i % 3 == 0)); then printf 'update add %s-%04d.bulk.test. 600 TXT "batch=%s"\n' "$tag" "$i" "$tag"; fi
    done
    printf 'send\n'
  } >"$work/u-$tag.txt"
  cli nsupdate -v -t 10 "$work/u-$tag.txt" >>"$work/updates.log" 2>&1 || log "update $tag to $server failed"
}

xfr_workload() {
  local s s0
  for s in 192.0.2.131 192.0.2.132 192.0.2.133; do cli dig +time=5 @"$s" bulk.test AXFR >/dev/null || true; done
  cli dig +time=5 @192.0.2.132 fat.test AXFR >/dev/null || true
  cli dig +time=5 @2001:db8:5300::132 bulk.test AXFR >/dev/null || true
  cli kdig +time=5 @192.0.2.133 bulk.test AXFR >/dev/null || true
  cli kdig +time=5 @192.0.2.132 fat.test AXFR >/dev/null || true
  if command -v drill >/dev/null; then cli drill -t bulk.test @192.0.2.131 AXFR >/dev/null 2>&1 || true; fi
  # named to 192.0.2.140: one record per message.
  cli dig +time=5 -b 192.0.2.140 @192.0.2.133 bulk.test AXFR >/dev/null || true
  cli dig +time=5 -b 192.0.2.140 @192.0.2.133 fat.test AXFR >/dev/null || true
  # Incremental transfers after large changes at knotd and named.
  for s in 192.0.2.132 192.0.2.133; do
    s0=$(serial "$s" bulk.test)
    big_update "$s" 400 "a${s##*.}"
    big_update "$s" 120 "b${s##*.}"
    cli dig +time=5 @"$s" bulk.test IXFR="$s0" >/dev/null || true
    cli kdig +time=5 @"$s" bulk.test IXFR="$s0" >/dev/null || true
    cli dig +time=5 @"$s" bulk.test IXFR=$((s0 + 1)) +notcp >/dev/null || true
    cli dig +time=5 @"$s" bulk.test IXFR="$(serial "$s" bulk.test)" >/dev/null || true
  done
  # nsd has no journal: it answers IXFR with the whole zone.
  cli dig +time=5 @192.0.2.131 bulk.test IXFR=2025010100 >/dev/null || true
  cli dig +time=5 @192.0.2.131 fat.test IXFR=2025010101 +notcp >/dev/null || true
}

# Header variety the structure checks accept (docs/rules.md): the assigned
# opcodes a client sends (QUERY, NOTIFY, UPDATE; DSO on TCP) with response
# flags set in the query, RD clear, no EDNS, other classes. dig -f runs the
# lines; each waits at most 1 s for an answer.
error_batch() {
  local flagsets=("" "+aaflag +tcflag" "+adflag +cdflag" "+raflag +norecurse" "+aaflag +raflag +tcflag +adflag +cdflag +noedns" "+norecurse +noedns +cdflag")
  local s op f
  for s in "$@"; do
    for op in 0 4 5; do
      for f in "${flagsets[@]}"; do
        printf '@%s bulk.test SOA +opcode=%d %s\n' "$s" "$op" "$f"
        printf '@%s host00001.bulk.test A +opcode=%d %s +tcp\n' "$s" "$op" "$f"
      done
    done
    printf '@%s bulk.test SOA +opcode=6 +tcp\n@%s bulk.test SOA +opcode=6 +tcp +norecurse +aaflag\n' "$s" "$s"
    printf '@%s bulk.test SOA -c CH\n@%s bulk.test SOA -c HS +norecurse\n@%s bulk.test ANY -c ANY\n' "$s" "$s" "$s"
    printf '@%s version.bind TXT -c CH +aaflag\n@%s . NS +cdflag +norecurse +tcp\n@%s bulk.test TYPE0\n' "$s" "$s" "$s"
  done
}

# What fingerprinting tools send (fpdns-style probes): unassigned and
# retired opcodes, the reserved Z bit, no question, DSO over UDP. The
# structure checks flag these headers by design, in the query and in the
# answer that echoes them; the generator writes them for the test split
# only, as a held-out class, and no model trains on them.
probe_batch() {
  local s op f
  for s in "$@"; do
    for op in 1 2 3 6 7 8 9 10 11 12 13 14 15; do
      for f in "" "+zflag" "+aaflag +tcflag +norecurse"; do printf '@%s bulk.test SOA +opcode=%d %s\n' "$s" "$op" "$f"; done
      printf '@%s bulk.test SOA +opcode=%d +tcp\n' "$s" "$op"
    done
    printf '@%s bulk.test SOA +zflag\n@%s bulk.test SOA +header-only\n@%s bulk.test SOA +header-only +tcp\n' "$s" "$s" "$s"
  done
}

# run_batches NAME GEN: one dig -f per server, in parallel.
run_batches() {
  local name=$1 gen=$2 s jobs=()
  printf '+time=1 +tries=1\n' >"$work/.digrc"
  for s in 192.0.2.131 192.0.2.132 192.0.2.133 192.0.2.134 192.0.2.135; do
    "$gen" "$s" >"$work/$name-$s.batch"
    HOME=$work timeout 240 ip netns exec dnsaehyb-cli dig -f "$work/$name-$s.batch" >"$work/$name-$s.txt" 2>&1 &
    jobs+=("$!")
  done
  for s in "${jobs[@]}"; do wait "$s" || true; done
  "$gen" 2001:db8:5300::131 2001:db8:5300::132 | awk 'NR % 4 == 0' >"$work/$name-v6.batch"
  cli dig -f "$work/$name-v6.batch" >/dev/null 2>&1 || true
  rm -f "$work/.digrc"
}

errors_workload() {
  local s
  run_batches errors error_batch
  # kdig: response flags in ordinary QUERYs, and NOTIFY as a query.
  for s in 192.0.2.131 192.0.2.132 192.0.2.133 192.0.2.134 192.0.2.135; do
    cli kdig +time=1 +retry=0 @"$s" +aaflag +tcflag bulk.test SOA >/dev/null 2>&1 || true
    cli kdig +time=1 +retry=0 @"$s" +adflag +cdflag +norecurse host00001.bulk.test A >/dev/null 2>&1 || true
    cli kdig +time=1 +retry=0 @"$s" +tcp +raflag fat.test SOA >/dev/null 2>&1 || true
    cli kdig +time=1 +retry=0 @"$s" +notify bulk.test SOA >/dev/null 2>&1 || true
  done
}

probes_workload() {
  run_batches probes probe_batch
}

# The glibc stub through getent, once per resolv.conf variant.
glibc_stub() {
  local names=$1 variant
  mkdir -p "$netns_etc"
  for variant in 'nameserver 192.0.2.134' \
    'nameserver 192.0.2.134\noptions edns0 trust-ad' \
    'nameserver 192.0.2.134\noptions use-vc' \
    'nameserver 192.0.2.135\nnameserver 192.0.2.134\noptions rotate timeout:1 attempts:1' \
    'nameserver 192.0.2.134\noptions single-request ndots:2\nsearch bulk.test lan.test' \
    'nameserver 2001:db8:5300::134\noptions single-request-reopen edns0' \
    'nameserver 192.0.2.135\nsearch lan.test bulk.test'; do
    printf "$variant\n" >"$netns_etc/resolv.conf"
    printf 'hosts: files dns\n' >"$netns_etc/nsswitch.conf"
    while read -r n; do
      cli getent ahosts "$n" >/dev/null 2>&1 || true
      cli getent hosts "$n" >/dev/null 2>&1 || true
    done <"$names"
    cli getent hosts printer >/dev/null 2>&1 || true
    cli getent ahostsv6 host00002 >/dev/null 2>&1 || true
    cli getent hosts 192.0.2.150 >/dev/null 2>&1 || true
  done
}

stubs_workload() {
  local split=$1 pre
  [ "$split" = test ] && pre=node || pre=host
  printf '%s\n' "${pre}00001.bulk.test" "${pre}00017.bulk.test" "alias-${pre}00100.bulk.test" "nosuch.bulk.test" \
    "${pre}00333.bulk.test" "printer.lan.test" "blob01.fat.test" "www.example.invalid" >"$work/names.txt"
  glibc_stub "$work/names.txt"
  local n
  while read -r n; do
    if command -v busybox >/dev/null; then
      cli busybox nslookup "$n" 192.0.2.134 >/dev/null 2>&1 || true
      cli busybox nslookup -type=TXT "$n" 192.0.2.135 >/dev/null 2>&1 || true
    fi
    if command -v drill >/dev/null; then
      cli drill "$n" @192.0.2.134 >/dev/null 2>&1 || true
      cli drill -D "$n" AAAA @192.0.2.134 >/dev/null 2>&1 || true
      cli drill -t "$n" MX @192.0.2.132 >/dev/null 2>&1 || true
    fi
    cli host -W 1 "$n" 192.0.2.134 >/dev/null 2>&1 || true
    cli nslookup -timeout=1 "$n" 192.0.2.135 >/dev/null 2>&1 || true
    cli delv +cd @192.0.2.134 "$n" A >/dev/null 2>&1 || true
  done <"$work/names.txt"
  cli host -W 1 -t AXFR fat.test 192.0.2.131 >/dev/null 2>&1 || true
  cli host -W 1 192.0.2.150 192.0.2.135 >/dev/null 2>&1 || true
  # DHCP-server style dynamic DNS (RFC 4701/4703): add the name with its
  # DHCID if the name is free, else replace the A only if the DHCID is ours;
  # the PTR goes to the reverse zone (refused: not served there).
  local i h dhcid key="hmac-sha256:dhcp-key:$dhcp_secret" s
  for s in 192.0.2.132 192.0.2.133; do
    for i in 1 2 3 4 5 6; do
      h="lease-$split-$i"
      dhcid=$(printf '%s%s' "$h" "$s" | sha256sum | head -c 30 | base64 -w0)
      printf 'server %s\nzone bulk.test.\nprereq nxdomain %s.bulk.test.\nupdate add %s.bulk.test. 300 A 10.99.%d.%d\nupdate add %s.bulk.test. 300 DHCID %s\nsend\n' \
        "$s" "$h" "$h" "$i" $((10 + i)) "$h" "$dhcid" >"$work/dhcp-$h.txt"
      printf 'server %s\nzone bulk.test.\nprereq yxrrset %s.bulk.test. DHCID %s\nupdate delete %s.bulk.test. A\nupdate add %s.bulk.test. 300 A 10.99.%d.%d\nsend\n' \
        "$s" "$h" "$dhcid" "$h" "$h" "$i" $((20 + i)) >>"$work/dhcp-$h.txt"
      # The second add of the same name: the prerequisite fails (YXDOMAIN).
      printf 'server %s\nzone bulk.test.\nprereq nxdomain %s.bulk.test.\nupdate add %s.bulk.test. 300 A 10.99.%d.%d\nsend\n' \
        "$s" "$h" "$h" "$i" $((30 + i)) >>"$work/dhcp-$h.txt"
      cli nsupdate -t 3 -y "$key" "$work/dhcp-$h.txt" >>"$work/updates.log" 2>&1 || true
      printf 'server %s\nzone 2.0.192.in-addr.arpa.\nupdate add %d.99.10.in-addr.arpa. 300 PTR %s.bulk.test.\nsend\n' "$s" $((10 + i)) "$h" >"$work/dhcp-ptr-$h.txt"
      if ((i % 2)); then cli nsupdate -t 3 -y "$key" "$work/dhcp-ptr-$h.txt" >>"$work/updates.log" 2>&1 || true; fi
      if ((i % 3 == 0)); then cli knsupdate -t 3 -r 0 -y "$key" "$work/dhcp-$h.txt" >>"$work/updates.log" 2>&1 || true; fi
    done
  done
}

# ---------------------------------------------------------------- main
run_split() {
  local split=$1
  out=$outroot/$split
  mkdir -p "$out"
  log "split $split: zones"
  rm -rf "$work/zones" "$work/nsd" "$work/knot" "$work/named" "$work/unbound" "$work/dnsmasq"
  zones "$split" "$work/zones"
  dhcp_secret=$(head -c 32 /dev/urandom | base64)
  build_topology
  start_nsd; start_knot; start_named; start_unbound; start_dnsmasq
  log "split $split: servers up ($(grep -c . "$work/zones/bulk.test.zone") lines in bulk.test)"
  start_capture xfr dnsaehyb-cli hc0 'port 53' 60000
  xfr_workload
  stop_capture xfr
  start_capture errors dnsaehyb-cli hc0 'port 53' 20000
  errors_workload
  stop_capture errors
  if [ "$split" = test ]; then
    # A directory of its own: not benign DNS to a header model (see probe_batch).
    out=$outroot/probes
    mkdir -p "$out"
    start_capture probes dnsaehyb-cli hc0 'port 53' 20000
    probes_workload
    stop_capture probes
    out=$outroot/$split
  fi
  start_capture stubs dnsaehyb-cli hc0 'port 53' 20000
  stubs_workload "$split"
  stop_capture stubs
  # Stop this split's daemons and namespaces before the next one.
  cleanup_split
}

cleanup_split() {
  stop_pids
  cleanup_stale
}

cleanup_stale
for split in "${splits[@]}"; do run_split "$split"; done
log "done: $(for s in "${splits[@]}"; do printf '%s ' "$outroot/$s"; done)"
