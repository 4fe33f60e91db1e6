#!/usr/bin/env bash
# Builds data/sample/mixed.pcap, the small capture the README's first command
# runs on: a slice of the generated benign DNS (data/benign) with a few
# non-DNS port-53 captures and one DNS tunnel (iodine, TXT, through the
# resolver; data/tunnel) merged in. The anomalies' timestamps are shifted
# into the benign time window so the file reads like one recording.
# Usage: scripts/corpus/make-sample.sh [CORPUS_DIR]   (default ../shared/corpus)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
corpus=${1:-$here/../../../shared/corpus}
data=$here/../../data
out=$data/sample/mixed.pcap
for tool in editcap mergecap capinfos; do
  command -v "$tool" >/dev/null || { echo "make-sample: missing $tool" >&2; exit 1; }
done
for f in "$data/benign/client.pcap" "$data/benign/load.pcap" "$data/benign/upstream.pcap" \
  "$data/foreign-53/zeek__tls1.2-on53.pcap" "$data/foreign-53/ndpi__mullvad_wireguard-udp5060-on53.pcap" \
  "$corpus/anomalous/suricata__http-get-tcp53-a.pcap" "$corpus/anomalous/suricata__dns-udp-junkrequest-first.pcap" \
  "$data/tunnel/iodine-txt-resolver.pcap"; do
  [ -f "$f" ] || { echo "make-sample: missing input $f (run gen-benign-corpus.sh / make-foreign-53.sh / gen-tunnel-corpus.sh first)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/dnsae-sample.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$out")"

first_epoch() { capinfos -a -S -M "$1" | awk -F': *' '/First packet time/ {print $2}'; }

# Benign: ordinary traffic only. From the client's capture: the first
# resolver queries (UDP, IPv4 and IPv6), the stretch with TC=1 answers and
# their TCP retries, and the TSIG-signed UPDATEs to knotd and nsd with their
# answers (NOERROR, NOTAUTH, NOTIMP); it leaves out frames 1401-1410 (the
# STATUS exchange and the header-only query the generator sends on purpose,
# which the structure rules rightly flag) and everything from 1641 on (zone
# transfers, the other odd opcodes). Then the resolver's first upstream
# queries (EDNS, DO) and the start of the dnsperf load.
editcap -F pcap -r "$data/benign/client.pcap" "$tmp/b1.pcap" 1-240 1200-1400 1411-1640
editcap -F pcap -r "$data/benign/upstream.pcap" "$tmp/b2.pcap" 1-100
editcap -F pcap -r "$data/benign/load.pcap" "$tmp/b3.pcap" 1-200
t0=$(first_epoch "$tmp/b1.pcap")

# shift IN OUT SECONDS_AFTER_T0
shift_to() {
  local delta
  delta=$(awk -v t0="$t0" -v f="$(first_epoch "$1")" -v at="$3" 'BEGIN { printf "%.6f", t0 + at - f }')
  editcap -F pcap -t "$delta" "$1" "$2"
}
shift_to "$corpus/anomalous/suricata__http-get-tcp53-a.pcap" "$tmp/a1.pcap" 0.150
shift_to "$corpus/anomalous/suricata__dns-udp-junkrequest-first.pcap" "$tmp/a2.pcap" 0.300
shift_to "$data/foreign-53/zeek__tls1.2-on53.pcap" "$tmp/a3.pcap" 0.400
shift_to "$data/foreign-53/ndpi__mullvad_wireguard-udp5060-on53.pcap" "$tmp/a4.pcap" 0.600
shift_to "$data/tunnel/iodine-txt-resolver.pcap" "$tmp/a5.pcap" 0.800

mergecap -F pcap -w "$out" "$tmp"/b1.pcap "$tmp"/b2.pcap "$tmp"/b3.pcap "$tmp"/a1.pcap "$tmp"/a2.pcap "$tmp"/a3.pcap "$tmp"/a4.pcap "$tmp"/a5.pcap
for f in "$tmp"/*.pcap; do
  printf '%s\t%s\n' "$(basename "$f")" "$(capinfos -c -M "$f" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')"
done
capinfos -c -s -E "$out" | sed 's/^/  /'
