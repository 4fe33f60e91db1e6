#!/usr/bin/env bash
# The tunnel stage beside the hand-written baseline and nDPI on the same
# captures: one table row per capture group with its (client, registered
# domain) sessions and how many of them each detector flags.
#
#   scripts/eval/tunnel-comparison.sh [-m MODEL] [-o DIR] [--group 'NAME|CLASS|GLOB']...
#
# -m MODEL  model directory with a question stage; without it one is trained
#           (dnsae train, default settings) on data/benign/*.pcap plus the
#           train splits of data/hard-benign and data/population that exist,
#           so the "(train)" rows are in-sample and the "(test)" rows are not.
# -o DIR    keep the intermediate outputs there (evaluate.json, windows.ndjson,
#           ndpi.tsv, groups.tsv, evaluate.txt); default: a temporary folder.
# --group   a group: its name, class (benign or tunnel) and a glob of captures
#           (quoted, expanded here); repeatable; replaces the default groups.
#           A glob that matches nothing is skipped with a note on stderr.
#
# dnsae: `dnsae evaluate --json` (benign groups as --benign, tunnel groups as
# --tunnels) gives per file the sessions and those the tunnel autoencoder and
# the baseline flag (docs/evaluation.md, "Evaluating the tunnel stage");
# `dnsae score --all -d tunnel` gives each session's client for the nDPI join.
# nDPI: scripts/corpus/ndpi-risks.sh (ndpiReader, Debian libndpi-bin) per
# file; a session counts as flagged by nDPI when any port-53 flow of its
# client in that file carries a DNS risk (see tunnel-comparison-join.mjs:
# nDPI reports flows, so this is the most it could be credited with).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cli="$root/dist/cli/main.js"
model=""
keep=""
specs=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    -m) model=$2; shift 2 ;;
    -o) keep=$2; shift 2 ;;
    --group) specs+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "tunnel-comparison: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$cli" ] || { echo "tunnel-comparison: $cli missing; run npm run build" >&2; exit 1; }
[ -x "$root/scripts/corpus/ndpi-risks.sh" ] || [ -f "$root/scripts/corpus/ndpi-risks.sh" ] || { echo "tunnel-comparison: scripts/corpus/ndpi-risks.sh missing" >&2; exit 1; }

if [ "${#specs[@]}" -eq 0 ]; then
  specs=(
    "benign corpus|benign|/work/shared/corpus/benign/*"
    "population (train)|benign|$root/data/population/train/*.pcap"
    "population (test)|benign|$root/data/population/test/*.pcap"
    "hard benign names (train)|benign|$root/data/hard-benign/train/*.pcap"
    "hard benign names (test)|benign|$root/data/hard-benign/test/*.pcap"
    "generated tunnels|tunnel|$root/data/tunnel/*.pcap"
    "public tunnel captures|tunnel|/work/shared/corpus/anomalous/in-protocol-tunnel/*"
  )
fi

if [ -n "$keep" ]; then
  out=$keep
  mkdir -p "$out"
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/dnsae-tunnel-cmp.XXXXXX")
  trap 'rm -rf "$out"' EXIT
fi

benign=()
tunnels=()
: >"$out/groups.tsv"
declare -A seen=()
for spec in "${specs[@]}"; do
  IFS='|' read -r name cls glob <<<"$spec"
  case "$cls" in benign|tunnel) ;; *) echo "tunnel-comparison: group '$name': class must be benign or tunnel, got '$cls'" >&2; exit 2 ;; esac
  shopt -s nullglob
  # shellcheck disable=SC2206 # the glob is meant to expand here
  files=($glob)
  shopt -u nullglob
  if [ "${#files[@]}" -eq 0 ]; then echo "tunnel-comparison: group '$name': nothing matches $glob; skipped" >&2; continue; fi
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    [ -z "${seen[$f]:-}" ] || continue
    seen[$f]=1
    printf '%s\t%s\t%s\n' "$f" "$name" "$cls" >>"$out/groups.tsv"
    if [ "$cls" = benign ]; then benign+=("$f"); else tunnels+=("$f"); fi
  done
done
[ "${#benign[@]}" -gt 0 ] || [ "${#tunnels[@]}" -gt 0 ] || { echo "tunnel-comparison: no captures" >&2; exit 1; }

if [ -z "$model" ]; then
  model="$out/model"
  train=("$root"/data/benign/*.pcap)
  shopt -s nullglob
  train+=("$root"/data/hard-benign/train/*.pcap "$root"/data/population/train/*.pcap)
  shopt -u nullglob
  echo "tunnel-comparison: training a model on ${#train[@]} captures into $model" >&2
  DNSAE_LOG_LEVEL=warn node "$cli" train "${train[@]}" -o "$model" >&2
fi

args=(-m "$model")
[ "${#benign[@]}" -eq 0 ] || args+=(--benign "${benign[@]}")
[ "${#tunnels[@]}" -eq 0 ] || args+=(--tunnels "${tunnels[@]}")
DNSAE_LOG_LEVEL=warn node "$cli" evaluate --json "${args[@]}" >"$out/evaluate.json"
DNSAE_LOG_LEVEL=warn node "$cli" evaluate "${args[@]}" >"$out/evaluate.txt"
DNSAE_LOG_LEVEL=warn node "$cli" score --jobs 1 --all -d tunnel --alert-limit 0 -m "$model" "${benign[@]}" "${tunnels[@]}" | grep '"event_type":"dns_ae_window"' >"$out/windows.ndjson" || true

# ndpi-risks.sh labels files by their last two path parts; the full path is put in front here so groups never mix.
: >"$out/ndpi.tsv"
for f in "${benign[@]}" "${tunnels[@]}"; do
  bash "$root/scripts/corpus/ndpi-risks.sh" "$f" | awk -v p="$f" -F'\t' 'BEGIN { OFS = "\t" } { print p, $0 }' >>"$out/ndpi.tsv"
done

node "$here/tunnel-comparison-join.mjs" "$out/groups.tsv" "$out/evaluate.json" "$out/windows.ndjson" "$out/ndpi.tsv"
