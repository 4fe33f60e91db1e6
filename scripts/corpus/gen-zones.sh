#!/usr/bin/env bash
# Writes the zones served by gen-benign-corpus.sh into OUTDIR, plus a
# dnsperf query file built from the same names. Deterministic: the same
# names come out on every run so successive corpora stay comparable.
#   example.test          primary on knotd, DNSSEC-signed by knotd, DDNS target
#   corp.test             primary on knotd, secondary on nsd (NOTIFY + AXFR/IXFR)
#   2.0.192.in-addr.arpa  reverse zone for the A records (PTR)
#   3.5.0.0.8.b.d.0.1.0.0.2.ip6.arpa  reverse zone for the AAAA records
# Usage: gen-zones.sh OUTDIR [HOSTS]
set -euo pipefail
out=${1:?usage: gen-zones.sh OUTDIR [HOSTS]}
hosts=${2:-240}
[ "$hosts" -ge 10 ] && [ "$hosts" -le 250 ] || { echo "HOSTS must be 10..250" >&2; exit 2; }
mkdir -p "$out"

soa() { # zone serial [refresh retry]
  printf '$ORIGIN %s.\n$TTL 3600\n' "$1"
  printf '@ SOA ns1.example.test. hostmaster.example.test. %s %s %s 1209600 300\n' "$2" "${3:-7200}" "${4:-900}"
  printf '@ NS ns1.example.test.\n@ NS ns2.example.test.\n'
}

# A TXT value of N 250-byte character-strings: several of them push a
# response over the 1232-byte EDNS default, which forces TC=1 + TCP retry.
long_txt() {
  local n=$1 i s
  s=$(printf 'v=dnsae-filler;%0235d' 0)
  for ((i = 0; i < n; i++)); do printf ' "%s"' "${s:0:250}"; done
}

roles=(www mail api cdn vpn git wiki db ldap ntp smtp imap pop proxy log backup build ci docs shop)
{
  soa example.test 2024010101
  printf 'ns1 A 192.0.2.18\nns1 AAAA 2001:db8:53:2::2\nns2 A 192.0.2.34\nns2 AAAA 2001:db8:53:3::2\n'
  printf '@ A 192.0.2.80\n@ AAAA 2001:db8:53:80::1\n'
  printf '@ MX 10 mail.example.test.\n@ MX 20 mx2.example.test.\n'
  printf '@ TXT "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:53::/48 -all"\n'
  printf '@ CAA 0 issue "ca.example.net"\n@ CAA 0 iodef "mailto:security@example.test"\n'
  printf '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"\n'
  printf 'big TXT%s\n' "$(long_txt 6)"
  printf 'huge TXT%s\n' "$(long_txt 40)"
  printf 'medium TXT%s\n' "$(long_txt 3)"
  printf '_sip._udp SRV 10 60 5060 sip1.example.test.\n_sip._udp SRV 20 40 5060 sip2.example.test.\n'
  printf '_ldap._tcp SRV 0 100 389 ldap.example.test.\n_xmpp-client._tcp SRV 5 0 5222 chat.example.test.\n'
  printf 'sip1 A 192.0.2.90\nsip2 A 192.0.2.91\nchat CNAME www.example.test.\nmx2 A 192.0.2.92\n'
  printf '@ NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.test.\n'
  printf 'office LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m\n'
  printf 'oldbox HINFO "PDP-11" "UNIX"\n'
  printf 'svc SVCB 1 www.example.test. alpn="h2,h3" port=8443\n'
  printf '@ HTTPS 1 . alpn="h2,h3" ipv4hint=192.0.2.80 ipv6hint=2001:db8:53:80::1\n'
  printf 'mail002 HTTPS 1 . alpn="h2"\n'
  printf '_443._tcp.www020 TLSA 3 1 1 %s\n' "$(printf '%064x' 3735928559)"
  printf 'alias DNAME corp.test.\n'
  printf '*.wild A 192.0.2.99\n'
  printf '_http._tcp URI 10 1 "https://www.example.test/"\n'
  # RRsets of 1..16 records (a pool of 13 like the root's NS set): answers
  # with every ANCOUNT a load-balanced name gives.
  for ((j = 1; j <= 16; j++)); do
    for ((k = 1; k <= j; k++)); do printf 'set%02d A 198.51.100.%d\n' "$j" $((k + 160)); done
  done
  for ((k = 1; k <= 13; k++)); do printf 'pool A 192.0.2.%d\npool AAAA 2001:db8:53:77::%x\n' $((k + 100)) "$k"; done
  for ((k = 1; k <= 9; k++)); do printf 'keys TXT "k%d=%08x"\n' "$k" $((k * 2654435761 % 4294967296)); done
  for ((i = 1; i <= hosts; i++)); do
    r=${roles[$((i % ${#roles[@]}))]}
    h=$(printf '%s%03d' "$r" "$i")
    printf '%s A 192.0.2.%d\n' "$h" "$i"
    (( i % 2 == 0 )) && printf '%s AAAA 2001:db8:53::%x\n' "$h" "$i"
    (( i % 5 == 0 )) && printf 'alias-%s CNAME %s.example.test.\n' "$h" "$h"
    (( i % 7 == 0 )) && printf '%s TXT "owner=team%d" "asset=%06d"\n' "$h" $((i % 13)) $((i * 7919))
    (( i % 11 == 0 )) && printf '%s SSHFP 4 2 %s\n' "$h" "$(printf '%064x' $((i * 104729)))"
    (( i % 17 == 0 )) && printf '%s MX 10 %s.example.test.\n' "$h" "$h"
    (( i % 23 == 0 )) && printf '_svc%d._tcp SRV 10 5 %d %s.example.test.\n' "$i" $((8000 + i)) "$h"
  done
  # Short role names alias the first numbered host of that role
  # (host i has role i mod ${#roles[@]}).
  for j in "${!roles[@]}"; do
    t=$j; (( t == 0 )) && t=${#roles[@]}
    printf '%s CNAME %s%03d.example.test.\n' "${roles[$j]}" "${roles[$j]}" "$t"
  done
} >"$out/example.test.zone"

{
  # Short refresh: the secondary polls the SOA over UDP while the corpus
  # is being recorded, as secondaries do in production.
  soa corp.test 1 15 10
  printf '@ MX 5 mx.corp.test.\nmx A 198.51.100.25\n'
  for ((i = 1; i <= hosts / 2; i++)); do
    printf 'desk%03d A 198.51.100.%d\n' "$i" "$i"
    (( i % 3 == 0 )) && printf 'desk%03d TXT "room=%d"\n' "$i" $((100 + i))
    (( i % 4 == 0 )) && printf 'printer%03d CNAME desk%03d.corp.test.\n' "$i" "$i"
  done
} >"$out/corp.test.zone"

{
  soa 2.0.192.in-addr.arpa 2024010101
  for ((i = 1; i <= hosts; i++)); do
    printf '%d PTR %s%03d.example.test.\n' "$i" "${roles[$((i % ${#roles[@]}))]}" "$i"
  done
} >"$out/2.0.192.in-addr.arpa.zone"

rev6=3.5.0.0.8.b.d.0.1.0.0.2.ip6.arpa
{
  soa "$rev6" 2024010101
  for ((i = 2; i <= hosts; i += 2)); do
    x=$(printf '%016x' "$i")
    # nibbles of the low 64 bits, reversed, then the :0000 subnet nibbles
    n=$(printf '%s' "$x" | rev | sed 's/./&./g')
    printf '%s0.0.0.0 PTR %s%03d.example.test.\n' "$n" "${roles[$((i % ${#roles[@]}))]}" "$i"
  done
} >"$out/$rev6.zone"

# home.test: named's own zone (primary, DDNS with TSIG, secondary on nsd);
# static.test: a zone named serves without updates or transfers.
{
  printf '$ORIGIN home.test.\n$TTL 1800\n'
  printf '@ SOA ns1.home.test. admin.home.test. 2024060101 3600 600 604800 300\n'
  printf '@ NS ns1.home.test.\n@ NS ns2.home.test.\nns1 A 192.0.2.66\nns1 AAAA 2001:db8:53:5::2\nns2 A 192.0.2.34\n'
  printf '@ MX 10 mail.home.test.\n@ MX 20 mail2.home.test.\nmail A 192.0.2.130\nmail2 A 192.0.2.131\n'
  printf '@ TXT "v=spf1 mx -all"\nwww A 192.0.2.132\nwww AAAA 2001:db8:53:5::132\nnas A 192.0.2.133\nnas AAAA 2001:db8:53:5::133\n'
  printf 'printer A 192.0.2.134\ncam CNAME nas.home.test.\n_ipp._tcp SRV 0 0 631 printer.home.test.\n'
  for ((k = 1; k <= 6; k++)); do printf 'lb A 192.0.2.%d\n' $((140 + k)); done
  for ((i = 1; i <= hosts / 8; i++)); do printf 'pc%02d A 192.0.2.%d\n' "$i" $((150 + i % 100)); done
} >"$out/home.test.zone"
{
  printf '$ORIGIN static.test.\n$TTL 86400\n'
  printf '@ SOA ns1.home.test. admin.home.test. 1 3600 600 604800 300\n@ NS ns1.home.test.\n'
  printf '@ A 192.0.2.160\nwww CNAME static.test.\n@ TXT "frozen"\n'
} >"$out/static.test.zone"

# dnsperf query file: existing names with their types, plus misses so the
# load carries NXDOMAIN and NODATA answers in realistic proportion.
{
  for ((i = 1; i <= hosts; i++)); do
    h=$(printf '%s%03d' "${roles[$((i % ${#roles[@]}))]}" "$i")
    printf '%s.example.test A\n' "$h"
    (( i % 2 == 0 )) && printf '%s.example.test AAAA\n' "$h"
    (( i % 3 == 0 )) && printf '%s.example.test AAAA\n' "$h"
    (( i % 7 == 0 )) && printf '%s.example.test TXT\n' "$h"
    (( i % 5 == 0 )) && printf 'alias-%s.example.test A\n' "$h"
    (( i % 9 == 0 )) && printf 'nohost%03d.example.test A\n' "$i"
    (( i % 4 == 0 )) && printf '%d.2.0.192.in-addr.arpa PTR\n' "$i"
    (( i % 6 == 0 && i <= hosts / 2 )) && printf 'desk%03d.corp.test A\n' "$i"
  done
  printf 'example.test MX\nexample.test TXT\nexample.test SOA\nexample.test NS\nexample.test HTTPS\nexample.test CAA\n'
  printf '_sip._udp.example.test SRV\n_ldap._tcp.example.test SRV\nexample.test NAPTR\noffice.example.test LOC\n'
  printf 'svc.example.test SVCB\nmedium.example.test TXT\nhost.wild.example.test A\n'
  for ((j = 1; j <= 16; j += 3)); do printf 'set%02d.example.test A\n' "$j"; done
  printf 'pool.example.test A\npool.example.test AAAA\nkeys.example.test TXT\n'
} >"$out/queries.txt"
echo "gen-zones: $(grep -vc '^\$' "$out/example.test.zone") example.test lines, $(wc -l <"$out/queries.txt") queries -> $out"
