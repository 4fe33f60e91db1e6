# Shared helpers for the corpus scripts in this folder (sourced, not run).
# Same conventions as scripts/corpus/gen-benign-corpus.sh: fixed-MAC veth pairs
# between namespaces this script creates, tcpdump per interface in immediate
# mode, checksums rewritten to wire values, every daemon stopped by PID and
# every namespace removed on exit.
#
# The sourcing script sets: namespaces=(...), work (temp dir), out, here,
# and a log() function.

snaplen=262144
pids=()

# Stops every recorded PID: TERM, up to 5 s for them to end, then KILL; the
# list is emptied.
stop_pids() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 20); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.25
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  pids=()
}

# Stops what this script started: recorded PIDs, then anything left in our
# own namespaces, then the namespaces.
cleanup() {
  local p ns
  if [ -n "${KEEP_LOGS:-}" ]; then
    mkdir -p "$KEEP_LOGS" && cp -r "$work"/*.log "$work"/*.txt "$work"/*.batch "$work"/*/ "$KEEP_LOGS"/ 2>/dev/null || true
  fi
  stop_pids
  for ns in "${namespaces[@]}"; do
    if ip netns list | grep -qw "$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}

cleanup_stale() {
  local ns p
  for ns in "${namespaces[@]}"; do
    if ip netns list | grep -qw "$ns"; then
      log "removing stale namespace $ns"
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
      ip netns del "$ns"
    fi
  done
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Polls CMD (bounded: N tries, 0.25 s apart) until it succeeds.
wait_for() {
  local tries=$1 i; shift
  for ((i = 0; i < tries; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  echo "corpus: timed out waiting for: $*" >&2
  return 1
}

# veth NS_A IF_A MAC_A NS_B IF_B MAC_B
veth() {
  ip link add "$2" address "$3" netns "$1" type veth peer name "$5" address "$6" netns "$4"
  # One segment per GSO packet, as on a wire.
  in_ns "$1" ip link set "$2" gso_max_segs 1
  in_ns "$4" ip link set "$5" gso_max_segs 1
  in_ns "$1" ip link set "$2" up
  in_ns "$4" ip link set "$5" up
}

make_namespaces() {
  local ns
  for ns in "${namespaces[@]}"; do
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
  done
}

# start_capture NAME NS IFACE FILTER COUNT: one bounded tcpdump.
start_capture() {
  local name=$1 ns=$2 ifc=$3 filter=$4 count=$5
  ip netns exec "$ns" tcpdump -i "$ifc" -s "$snaplen" -U --immediate-mode -B 16384 -Z root -c "$count" \
    -w "$work/cap-$name.pcap" "$filter" 2>"$work/cap-$name.log" &
  pids+=("$!")
  echo "$!" >"$work/cap-$name.pid"
  wait_for 40 grep -q 'listening on' "$work/cap-$name.log"
}

# stop_capture NAME [MAXPACKETS]: ends the tcpdump, writes OUT/NAME.pcap
# with wire checksums, cut to MAXPACKETS if given.
stop_capture() {
  local name=$1 max=${2:-} p src
  sleep 1
  p=$(cat "$work/cap-$name.pid")
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  src=$work/cap-$name.pcap
  if [ -n "$max" ]; then
    editcap -F pcap -r "$src" "$work/cut-$name.pcap" "1-$max" && src=$work/cut-$name.pcap
  fi
  node "$here/pcap-rewrite.mjs" fixcsum "$src" "$out/$name.pcap" >/dev/null
  log "$name.pcap: $(packets "$out/$name.pcap") packets, $(du -k "$out/$name.pcap" | cut -f1) KB"
}

packets() { capinfos -c -M "$1" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}'; }

# unbound_preamble DIR: the start of an unbound.conf "server:" clause every
# generator's resolver shares (files in DIR, foreground, one thread, quiet);
# the caller appends its interfaces, access control and zones.
unbound_preamble() {
  cat <<CONF
server:
    directory: "$1"
    username: ""
    chroot: ""
    pidfile: "$1/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 0
    num-threads: 1
    do-daemonize: no
CONF
}
