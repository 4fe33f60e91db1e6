#!/usr/bin/env bash
# Moves the non-DNS protocols of the capture corpus onto port 53: every file
# in the corpus's foreign/ folder is converted to pcap and its protocol's
# service ports are rewritten to 53 (scripts/corpus/pcap-rewrite.mjs portmap, the
# equivalent of `tcprewrite --portmap=P:53 --fixcsum`; see that file for why
# tcprewrite itself is not used).
# DNS wire format on other ports (mDNS, LLMNR, DNS on 8053) and NetBIOS NS
# go to controls/: on port 53 they should look like DNS, not like an anomaly.
# Writes OUTDIR/README.md with a table file -> protocol -> ports -> packets,
# counted by tshark on the rewritten files.
#
# Usage: scripts/corpus/make-foreign-53.sh [FOREIGN_DIR [OUTDIR]]
#   FOREIGN_DIR  default: $(dirname $0)/../../../shared/corpus/foreign
#   OUTDIR       default: $(dirname $0)/../../data/foreign-53
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../shared/corpus/foreign}
out=${2:-$here/../../data/foreign-53}
for tool in editcap tshark capinfos node; do
  command -v "$tool" >/dev/null || { echo "make-foreign-53: missing $tool (scripts/setup-debian.sh)" >&2; exit 1; }
done
[ -d "$src" ] || { echo "make-foreign-53: no such folder: $src" >&2; exit 1; }

# file | protocol | service ports (comma-separated) | group
# Ports are the server side of each conversation, read from
# `tshark -q -z conv,udp` / `-z conv,tcp`; client ports stay as captured.
table=$(cat <<'T'
chrissanders__http_google.pcapng|HTTP|80|foreign
ndpi__bittorrent_utp.pcapng|BitTorrent uTP|40959|foreign
ndpi__dns_dot.pcap|DNS over TLS|853|foreign
ndpi__dnscrypt-v2.pcap|DNSCrypt v2|5353|foreign
ndpi__doh.pcapng|DNS over HTTPS|443|foreign
ndpi__kerberos-error.pcap|Kerberos|88|foreign
ndpi__mullvad_wireguard-udp5060.pcap|WireGuard|5060|foreign
ndpi__netbios-nbns.pcapng|NetBIOS NS|137|controls
ndpi__openvpn-tlscrypt.pcap|OpenVPN UDP tls-crypt|1194|foreign
ndpi__openvpn_nohmac_tcp.pcapng|OpenVPN TCP|1194|foreign
ndpi__quic-29.pcap|QUIC draft-29|443|foreign
ndpi__rtp.pcapng|RTP|50003,6008,6000,5000|foreign
ndpi__shadowsocks.pcap|Shadowsocks|8388|foreign
ndpi__sip_hello.pcapng|SIP|5060|foreign
ndpi__stun_classic.pcap|STUN|13958|foreign
ndpi__telnet.pcap|Telnet|23|foreign
ndpi__tftp.pcapng|TFTP|69,50618,44618|foreign
ndpi__tls_ech.pcapng|TLS 1.3 ECH|443|foreign
ndpi__tor.pcap|Tor|443|foreign
ndpi__wireguard.pcapng|WireGuard|51820|foreign
suricata__ikev1-isakmp-main-mode.pcap|IKEv1|500|foreign
suricata__llmnr-udp.pcap|LLMNR|5355|controls
suricata__modbus.pcap|Modbus/TCP|502|foreign
tcpdump__dns_tcp_8053.pcap|DNS over TCP on 8053|8053|controls
tcpdump__dns_udp_8053.pcap|DNS over UDP on 8053|8053|controls
zeek__dhcp.pcap|DHCP|67|foreign
zeek__dtls1_2.pcap|DTLS 1.2|4400|foreign
zeek__mdns.pcap|mDNS|5353|controls
zeek__ntp.pcap|NTP|123|foreign
zeek__quicdoq.pcap|DNS over QUIC|853|foreign
zeek__quicv2-http3-443.pcap|QUIC v2 / HTTP/3|443|foreign
zeek__radius.pcap|RADIUS|1812|foreign
zeek__rdp-x509.pcap|RDP|3389|foreign
zeek__smtp-attachment-msg.pcap|SMTP|25|foreign
zeek__snmpv1_get.pcap|SNMPv1|161|foreign
zeek__snmpv3_get_next.pcap|SNMPv3|161|foreign
zeek__ssh-on-port-80.pcap|SSH|80|foreign
zeek__ssh-over-udp.pcap|SSH banner over UDP|1234|foreign
zeek__ssh_kex_curve25519.pcap|SSH|22|foreign
zeek__syslog-single-udp.pcap|syslog|514|foreign
zeek__tls1.2.pcap|TLS 1.2|443|foreign
T
)

# A file the table does not know: take the port seen in most packets,
# preferring ports below the ephemeral range (the likely service side).
guess_port() {
  tshark -r "$1" -T fields -e udp.srcport -e udp.dstport -e tcp.srcport -e tcp.dstport 2>/dev/null |
    tr '\t' '\n' | grep -v '^$' | sort | uniq -c |
    awk '{ low = ($2 < 49152) ? 1 : 0; print low, $1, $2 }' | sort -k1,1nr -k2,2nr | awk 'NR == 1 { print $3 }'
}

count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }
# Port-53 packets that carry bytes for the detector (no bare SYN/ACK).
with_payload='(udp.port == 53 && udp.length > 8) || (tcp.port == 53 && tcp.len > 0)'

tmp=$(mktemp -d /tmp/dnsae-foreign.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out/controls"
rows_foreign=()
rows_controls=()
shopt -s nullglob
for f in "$src"/*; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  line=$(printf '%s\n' "$table" | awk -F'|' -v n="$name" '$1 == n')
  if [ -n "$line" ]; then
    IFS='|' read -r _ proto ports group <<<"$line"
  else
    proto="unknown (port guessed)"; ports=$(guess_port "$f"); group=foreign
    [ -n "$ports" ] || { echo "make-foreign-53: $name: no UDP/TCP port, skipped" >&2; continue; }
    echo "make-foreign-53: $name not in table, mapping guessed port $ports" >&2
  fi
  stem=${name%.pcapng}; stem=${stem%.pcap}
  dir=$out; [ "$group" = controls ] && dir=$out/controls
  dest=$dir/$stem-on53.pcap
  editcap -F pcap "$f" "$tmp/in.pcap"
  map=$(printf '%s' "$ports" | awk -F, '{ for (i = 1; i <= NF; i++) printf "%s%s:53", (i > 1 ? "," : ""), $i }')
  node "$here/pcap-rewrite.mjs" portmap "$tmp/in.pcap" "$dest" "$map" --fixcsum >/dev/null
  total=$(capinfos -c -M "$dest" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
  on53=$(count "$dest" 'udp.port == 53 || tcp.port == 53')
  pay53=$(count "$dest" "$with_payload")
  [ "$pay53" -gt 0 ] || echo "make-foreign-53: WARNING $name has no port-53 payload after rewriting" >&2
  row="| \`${dest#"$out"/}\` | $name | $proto | ${ports//,/, } | $total | $on53 | $pay53 |"
  if [ "$group" = controls ]; then rows_controls+=("$row"); else rows_foreign+=("$row"); fi
  printf '%-48s %-26s %-20s packets=%-4s port53=%-4s payload53=%s\n' "$stem-on53.pcap" "$proto" "$ports" "$total" "$on53" "$pay53"
done

header='| output | source file (corpus `foreign/`) | protocol | ports mapped to 53 | packets | port-53 packets | with payload |
| --- | --- | --- | --- | ---: | ---: | ---: |'
{
  cat <<'MD'
# Foreign protocols on port 53 (generated)

Captures of non-DNS protocols from the public capture corpus
(`../shared/corpus/foreign/`, provenance and licences in its `MANIFEST.tsv`)
with their service ports rewritten to 53. They are the "protocol smuggled
over port 53" cases for evaluation: dnsae should score them as anomalous.
`controls/` holds DNS wire format from other ports (mDNS, LLMNR, DNS on
8053) and NetBIOS NS, whose header is DNS-like; rewritten to 53 they
should look like DNS.

Regenerate:

```sh
scripts/corpus/make-foreign-53.sh [FOREIGN_DIR [OUTDIR]]
```

Each input is converted to classic pcap (`editcap -F pcap`), then
`node scripts/corpus/pcap-rewrite.mjs portmap IN OUT PORT:53[,...] --fixcsum`
rewrites the listed ports in both directions and recomputes the IPv4,
UDP and TCP checksums of the rewritten packets. This is what
`tcprewrite --portmap=PORT:53 --fixcsum` is meant to do, but tcprewrite
4.4 summed the Ethernet padding of short frames into the UDP checksum (11
wrong checksums in the SIP capture, 47 in TFTP) and ignored IPv6 in BSD
NULL frames (the OpenVPN tls-crypt and SSH-over-UDP captures kept their
ports). Checksums are computed over the lengths the IP header declares;
packets cut short by the snaplen keep their original checksum. Nothing
else changes: addresses, payloads, link layers and timestamps are the
originals. On captures without those problems the output is byte-identical
to tcprewrite's (checked on the TLS 1.2 and WireGuard files). The ports are
the server side of each conversation as listed by `tshark -q -z conv,udp`
/ `-z conv,tcp`; other traffic in a file (for example broadcast chatter
in the Tor capture) keeps its ports.

Columns: `packets` from `capinfos -c`; `port-53 packets` is
`tshark -Y 'udp.port == 53 || tcp.port == 53'`; `with payload` is
`(udp.port == 53 && udp.length > 8) || (tcp.port == 53 && tcp.len > 0)`,
the packets whose first payload bytes the detector scores.

## Foreign protocols

MD
  printf '%s\n' "$header"
  printf '%s\n' "${rows_foreign[@]}"
  printf '\n## Controls (`controls/`)\n\n'
  printf '%s\n' "$header"
  printf '%s\n' "${rows_controls[@]}"
  cat <<'MD'

Notes: the encrypted-DNS captures (DoT, DoH, DoQ, DNSCrypt) stay with the
foreign protocols: on port 53 their bytes are TLS/QUIC/DNSCrypt, not DNS
messages. DNSCrypt was captured on port 5353, so tshark labels the
original as mDNS. The DHCP file maps only the server port 67 (clients keep
68). Checksums tshark still reports as wrong were already wrong in the
originals and belong to packets that were not rewritten (the uTP file's
127.0.0.1:33333 flow, Shadowsocks' local SOCKS side on 1080) or were cut
short by the original snaplen (five Telnet frames).
MD
} >"$out/README.md"
echo "make-foreign-53: ${#rows_foreign[@]} foreign + ${#rows_controls[@]} control captures in $out" >&2
