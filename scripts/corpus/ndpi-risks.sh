#!/usr/bin/env bash
# What nDPI (ndpiReader, Debian libndpi-bin, nDPI 4.2) says about the DNS
# flows of some captures: a reference for the question stage, since nDPI
# flags DNS tunnels with its own heuristics ("Suspicious DNS Traffic",
# DGA names).
#
#   scripts/corpus/ndpi-risks.sh [--summary] CAPTURE...
#
# Default output: one TSV line per port-53 flow,
#   file  client  server  protocol  risks (comma-separated, "-" for none)  name
# (name: the host name nDPI took from the flow, its first query name).
# --summary: one Markdown table row per file,
#   | file | flows | flows with any risk | flows with a DNS risk | risks (flows) |
# where a DNS risk is one of nDPI's DNS or name heuristics (its name has
# DNS, DGA or Domain in it: Suspicious DNS Traffic, Suspicious DGA Domain
# name, DNS Packet Larger Than 512 bytes, Fragmented DNS Message, Risky
# Domain Name), not a generic one such as Malformed Packet.
#
# The flow lines come from `ndpiReader -i FILE -v 2`, whose format is
#   \t<n>\tUDP 10.0.0.1:5353 <-> 10.0.0.2:53 [proto: 5/DNS]...[Risk: ** A **** B **]...
# (IPv6 endpoints as [addr]:port); nDPI's CSV output (-C) has no risks.
set -euo pipefail

summary=0
if [ "${1:-}" = --summary ]; then summary=1; shift; fi
[ "$#" -gt 0 ] || { echo "usage: ndpi-risks.sh [--summary] CAPTURE..." >&2; exit 2; }
command -v ndpiReader >/dev/null || { echo "ndpi-risks: ndpiReader missing (apt-get install libndpi-bin)" >&2; exit 1; }

flows() {
  local f=$1
  # ndpiReader exits non-zero on some captures it still reads; keep going.
  timeout 120 ndpiReader -q -i "$f" -v 2 2>/dev/null </dev/null | awk -v file="$(label "$f")" '
    function split_ep(ep, out,   i) {
      # "[2001:db8::1]:53" or "10.0.0.1:53"
      if (ep ~ /^\[/) { i = index(ep, "]:"); out["ip"] = substr(ep, 2, i - 2); out["port"] = substr(ep, i + 2) }
      else { i = match(ep, /:[0-9]+$/); out["ip"] = substr(ep, 1, i - 1); out["port"] = substr(ep, i + 1) }
    }
    /^[ \t]*[0-9]+[ \t]+(UDP|TCP)[ \t]/ {
      line = $0
      sub(/^[ \t]*[0-9]+[ \t]+/, "", line)
      n = split(line, w, " ")
      split_ep(w[2], a); split_ep(w[4], b)
      if (a["port"] != 53 && b["port"] != 53) next
      if (a["port"] == 53 && b["port"] != 53) { cli = b["ip"]; srv = a["ip"] } else { cli = a["ip"]; srv = b["ip"] }
      proto = "?"
      if (match(line, /\[proto: [^]]*\]/)) { proto = substr(line, RSTART + 8, RLENGTH - 9); sub(/^[0-9.]+\//, "", proto) }
      risks = "-"
      if (match(line, /\[Risk: [^]]*\]/)) {
        r = substr(line, RSTART + 7, RLENGTH - 8)
        gsub(/^\*\* /, "", r); gsub(/ \*\*$/, "", r); gsub(/ \*\*\*\* /, ",", r)
        risks = r
      }
      name = "-"
      if (match(line, /\[Hostname\/SNI: [^]]*\]/)) name = substr(line, RSTART + 15, RLENGTH - 16)
      printf "%s\t%s\t%s\t%s\t%s\t%s\n", file, cli, srv, proto, risks, name
    }'
}

# Files are named by their last two path parts (train/dns.pcap), which
# keeps same-named captures of different folders apart.
label() { local d; d=$(basename "$(dirname "$1")"); echo "$d/$(basename "$1")"; }

per_file() {
  local f
  for f in "$@"; do
    if [ "$summary" -eq 0 ]; then
      flows "$f"
    else
      flows "$f" | awk -F'\t' -v file="$(label "$f")" '
        { n++
          if ($5 != "-") {
            any++
            k = split($5, r, ",")
            dns = 0
            for (i = 1; i <= k; i++) {
              cnt[r[i]]++
              if (r[i] ~ /DNS|DGA|Domain/) dns = 1
            }
            d += dns
          } }
        END {
          s = ""
          for (x in cnt) s = s (s == "" ? "" : "; ") x " (" cnt[x] ")"
          printf "| `%s` | %d | %d | %d | %s |\n", file, n, any, d, (s == "" ? "-" : s)
        }'
    fi
  done
}

if [ "$summary" -eq 0 ]; then
  per_file "$@"
else
  # The rows, then one total row over all files.
  per_file "$@" | awk -F' [|] ' '
    { print; n += $2; any += $3; d += $4; files++ }
    END { printf "| total (%d files) | %d | %d | %d | |\n", files, n, any, d }'
fi
