#!/usr/bin/env bash
# Generates the hard-benign captures in data/hard-benign/{train,test}/:
# legitimate DNS whose names look like tunnel traffic (DKIM keys, DNSBL
# and reputation lookups, reverse nibbles, NSEC3 hashes, ACME tokens, CDN
# names, directory-service SRV, punycode), served by nsd and knotd and
# queried with dig/kdig directly and through unbound, between network
# namespaces this script creates and removes again.
#
#   dnsae-hb-cli   10.N.0.x   one address per kind of lookup (drawn per split)
#   dnsae-hb-res   10.N.0.1   unbound, recursive with stub zones
#                  10.N1.0.1  (its upstream side, also the router)
#   dnsae-hb-auth  10.N1.0.2  nsd: organisations, CDN, IDN, reverse zones
#                  10.N1.0.3  knotd: NSEC3-signed zone, DNSBL, AV cloud
#   N = 10 for train, 20 for test; zones and names come from
#   scripts/corpus/hard-benign-zones.mjs and differ between the splits.
#
# Each capture is taken on the client link, filtered to one client address.
#
# Usage: sudo scripts/corpus/gen-hard-benign.sh [OUTDIR] [SPLIT...]
#        (default data/hard-benign, splits train and test)
# Environment: MAX_PACKETS (default 1500) cuts each capture,
#              KEEP_LOGS=DIR keeps the daemon logs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
base=${1:-$here/../../data/hard-benign}
shift || true
splits=("$@")
[ "${#splits[@]}" -gt 0 ] || splits=(train test)
max_packets=${MAX_PACKETS:-1500}
namespaces=(dnsae-hb-cli dnsae-hb-res dnsae-hb-auth)
cli_ns=dnsae-hb-cli res_ns=dnsae-hb-res auth_ns=dnsae-hb-auth
kinds=(mail-auth dnsbl ptr dnssec acme cdn srv av idn)

log() { printf '[gen-hard-benign %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

[ "$(id -u)" -eq 0 ] || { echo "gen-hard-benign: must run as root (network namespaces)" >&2; exit 1; }
for tool in ip tcpdump nsd knotd unbound dig kdig editcap capinfos tshark node; do
  command -v "$tool" >/dev/null || { echo "gen-hard-benign: missing $tool (scripts/setup-debian.sh --test)" >&2; exit 1; }
done

# One split per child process: each gets its own temp dir, trap and
# namespaces, torn down before the next split starts.
if [ -z "${HB_SPLIT:-}" ]; then
  for s in "${splits[@]}"; do
    HB_SPLIT=$s "$0" "$base" || exit 1
  done
  exit 0
fi
split=$HB_SPLIT
out=$base/$split
work=$(mktemp -d "/tmp/dnsae-hb-$split.XXXXXX")
# shellcheck source=lib-netns.sh
. "$here/lib-netns.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- topology
build_topology() {
  make_namespaces
  local m=$(printf '%02x' "$NET")
  veth "$cli_ns" c0 "02:53:$m:00:01:02" "$res_ns" r0 "02:53:$m:00:01:01"
  veth "$res_ns" r1 "02:53:$m:00:02:01" "$auth_ns" a0 "02:53:$m:00:02:02"
  in_ns "$res_ns" ip addr add "$RESOLVER/24" dev r0
  in_ns "$res_ns" ip addr add "$UPSTREAM/24" dev r1
  local v
  for v in C_MAIL C_DNSBL C_PTR C_DNSSEC C_ACME C_CDN C_SRV C_AV C_IDN; do
    in_ns "$cli_ns" ip addr add "${!v}/24" dev c0
  done
  in_ns "$auth_ns" ip addr add "$NSD/24" dev a0
  in_ns "$auth_ns" ip addr add "$KNOT/24" dev a0
  in_ns "$res_ns" sysctl -qw net.ipv4.ip_forward=1
  in_ns "$cli_ns" ip route add "${UPSTREAM%.*}.0/24" via "$RESOLVER"
  in_ns "$auth_ns" ip route add "${RESOLVER%.*}.0/24" via "$UPSTREAM"
}

# ---------------------------------------------------------------- servers
start_nsd() {
  local z
  {
    cat <<CONF
server:
    ip-address: $NSD
    port: 53
    username: ""
    chroot: ""
    zonesdir: "$work/gen/nsd"
    database: ""
    zonelistfile: "$work/nsd.zone.list"
    xfrdfile: "$work/nsd.xfrd.state"
    xfrdir: "$work"
    pidfile: "$work/nsd.pid"
    logfile: "$work/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
CONF
    awk '$2 == "nsd" {printf "zone:\n    name: %s\n    zonefile: \"%s.zone\"\n", $1, $1}' "$work/gen/zones.tsv"
  } >"$work/nsd.conf"
  ip netns exec "$auth_ns" nsd -d -c "$work/nsd.conf" 2>"$work/nsd.stderr" &
  pids+=("$!")
  z=$(awk '$2 == "nsd" {print $1; exit}' "$work/gen/zones.tsv")
  wait_for 60 sh -c "ip netns exec $auth_ns dig +time=1 +tries=1 @$NSD $z SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$work/nsd.log" "$work/nsd.stderr" >&2; return 1; }
}

start_knot() {
  mkdir -p "$work/knot/db"
  {
    cat <<CONF
server:
    rundir: "$work/knot"
    listen: [ $KNOT@53 ]
database:
    storage: "$work/knot/db"
log:
  - target: stderr
    any: notice
policy:
  - id: nsec3
    algorithm: ecdsap256sha256
    nsec3: on
    nsec3-iterations: 0
    nsec3-salt-length: 8
    ksk-lifetime: 0
    zsk-lifetime: 0
template:
  - id: default
    storage: "$work/gen/knot"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $SIGNED
    dnssec-signing: on
    dnssec-policy: nsec3
CONF
    awk -v s="$SIGNED" '$2 == "knot" && $1 != s {printf "  - domain: %s\n", $1}' "$work/gen/zones.tsv"
  } >"$work/knot/knot.conf"
  ip netns exec "$auth_ns" knotd -c "$work/knot/knot.conf" 2>"$work/knot/knotd.log" &
  pids+=("$!")
  wait_for 80 sh -c "ip netns exec $auth_ns dig +time=1 +tries=1 +dnssec @$KNOT $SIGNED NSEC3PARAM | grep -q 'NSEC3PARAM.*1 0 0'" ||
    { tail -5 "$work/knot/knotd.log" >&2; return 1; }
}

start_unbound() {
  mkdir -p "$work/unbound"
  {
    unbound_preamble "$work/unbound"
    cat <<CONF
    interface: $RESOLVER
    outgoing-interface: $UPSTREAM
    access-control: ${RESOLVER%.*}.0/24 allow
    do-ip6: no
    do-not-query-localhost: yes
    module-config: "iterator"
    qname-minimisation: yes
    cache-max-ttl: 600
    edns-buffer-size: 1232
    root-hints: ""
    # Reverse zones of private and documentation space are local by
    # default; lift them so the stubs are asked.
    local-zone: "10.in-addr.arpa." nodefault
    local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." nodefault
CONF
    awk -v nsd="$NSD" -v knot="$KNOT" '{printf "stub-zone:\n    name: \"%s\"\n    stub-addr: %s\n", $1, ($2 == "nsd" ? nsd : knot)}' "$work/gen/zones.tsv"
  } >"$work/unbound/unbound.conf"
  ip netns exec "$res_ns" unbound -d -c "$work/unbound/unbound.conf" 2>"$work/unbound/unbound.log" &
  pids+=("$!")
  wait_for 60 sh -c "ip netns exec $cli_ns dig +time=1 +tries=1 @$RESOLVER $SIGNED SOA | grep -q 'status: NOERROR'" ||
    { tail -5 "$work/unbound/unbound.log" >&2; return 1; }
}

# ---------------------------------------------------------------- workload
# run_queries KIND CLIENT: the generated script, one query per line, every
# tool bound to the client address and to short timeouts.
run_queries() {
  local kind=$1 client=$2
  HOME=$work timeout 150 ip netns exec "$cli_ns" bash -c '
    client=$1
    while read -r tool rest; do
      case $tool in
        sleep) sleep "$rest" ;;
        dig) dig -b "$client" +time=2 +tries=2 $rest >/dev/null 2>&1 || true ;;
        kdig) kdig -b "$client" +time=2 +retry=1 $rest >/dev/null 2>&1 || true ;;
      esac
    done' _ "$client" <"$work/gen/q-$kind.txt"
}

describe() {
  case $1 in
    mail-auth) echo "mail server: DKIM (2048-bit RSA keys), SPF, DMARC TXT; one DKIM check straight at nsd" ;;
    dnsbl) echo "mail server DNSBL checks: $(grep -c "$D_DNSBL A" "$work/gen/q-dnsbl.txt") distinct reversed IPv4, 18 listed (127.0.0.x A + TXT), rest NXDOMAIN" ;;
    ptr) echo "in-addr.arpa PTR of the LAN and ip6.arpa PTR (32 nibbles, SLAAC-style hosts), many NXDOMAIN" ;;
    dnssec) echo "NSEC3-signed zone (knotd, ECDSA P-256), DO set: NXDOMAIN/NODATA answers carry NSEC3 hashed owners" ;;
    acme) echo "ACME DNS-01: _acme-challenge TXT (43-char base64url) polled at nsd, then via unbound" ;;
    cdn) echo "CDN names (e12345.dscb..., r1---sn-...), 14-char cloud ids, CNAME chains org -> cloud -> edge" ;;
    srv) echo "domain-joined workstation: _ldap/_kerberos/_gc/_kpasswd SRV (_msdcs, _sites), _sip._tls, _autodiscover" ;;
    av) echo "AV reputation cloud: MD5/SHA-1 hex first label, 127.0.0.x answers, about 35 per minute" ;;
    idn) echo "punycode names (xn--...) A/AAAA/HTTPS, two IDNs without a delegation (SERVFAIL: the resolver has no root)" ;;
  esac
}

# Kind to its env.sh key: mail-auth -> MAIL, dnsbl -> DNSBL, ...
key_of() { local k=${1%%-*}; echo "${k^^}"; }
domains_of() { local v="D_$(key_of "$1")"; echo "${!v}"; }
client_of() { local v="C_$(key_of "$1")"; echo "${!v}"; }

# ---------------------------------------------------------------- main
cleanup_stale
mkdir -p "$out"
node "$here/hard-benign-zones.mjs" "$split" "$work/gen"
# shellcheck disable=SC1091
. "$work/gen/env.sh"
log "split $split: building namespaces"
build_topology
start_nsd
start_knot
start_unbound
log "servers up"

# All kinds run at once, each on its own client address and capture; the
# AV lookups are paced (sleep lines) and set the length of the run.
qpids=()
for k in "${kinds[@]}"; do
  start_capture "$k" "$cli_ns" c0 "port 53 and host $(client_of "$k")" 100000
done
for k in "${kinds[@]}"; do
  run_queries "$k" "$(client_of "$k")" &
  qpids+=("$!")
  pids+=("$!")
done
for p in "${qpids[@]}"; do wait "$p" || true; done
rows=$work/rows.md
for k in "${kinds[@]}"; do
  stop_capture "$k" "$max_packets"
  printf '| `%s/%s.pcap` | %s | %s | %s | %s | %s |\n' "$split" "$k" "$(describe "$k")" "$(client_of "$k")" \
    "$(domains_of "$k")" "$(packets "$out/$k.pcap")" "$(grep -c '^[dk]*dig' "$work/gen/q-$k.txt") queries" >>"$rows"
done
log "summary (README rows)"
cat "$rows"
