#!/usr/bin/env bash
# Installs the Debian packages dnsae needs. Idempotent: packages already
# present are not fetched again; daemons that Debian starts on install are
# stopped, because the tests start their own on loopback or in namespaces.
#
#   scripts/setup-debian.sh          what running dnsae needs
#     libpcap0.8-dev  headers for the `cap` live-capture addon
#     make g++ python3  node-gyp's toolchain, which builds that addon in npm ci
#   scripts/setup-debian.sh --test   that, plus what the tests and benches need
#     tcpdump tshark tcpreplay        reference tools (tests, `npm run bench`)
#     nsd knot unbound bind9 dnsmasq-base dnsutils knot-dnsutils dnsperf
#                                     real DNS software for generated corpora
#     busybox ldnsutils               more client stacks (busybox nslookup, drill) for the benign variety corpus
#     iodine dns2tcp                  real DNS tunnels for the tunnel corpus
#     libndpi-bin                     ndpiReader, the nDPI baseline
#     redis-server rsyslog            alert transport tests
#     prometheus                      promtool and a scraping server for the metrics tests
#     python3-dpkt                    the Community ID reference script
#     logrotate                       the logrotate snippet's test
#     wamerican                       /usr/share/dict/words, names for the population corpus
#     iproute2                        network namespaces
#     chromium                        headless rendering of the HTML reports
set -euo pipefail
pkgs=(libpcap0.8-dev make g++ python3)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(time tcpdump tshark tcpreplay wireshark-common nsd knot unbound bind9 dnsmasq-base dnsutils knot-dnsutils dnsperf
    busybox ldnsutils iodine dns2tcp curl wamerican libndpi-bin redis-server rsyslog prometheus python3-dpkt logrotate iproute2 chromium)
elif [ -n "${1:-}" ]; then
  echo "usage: $0 [--test]" >&2
  exit 2
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for svc in nsd knot unbound named redis-server rsyslog prometheus prometheus-node-exporter iodined dns2tcpd; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
done
# Without systemd as init, Debian's maintainer scripts may have started some daemons directly.
for d in redis-server rsyslogd prometheus prometheus-node-exporter iodined dns2tcpd; do pkill -x "$d" 2>/dev/null || true; done
echo "setup-debian: ${#missing[@]} package(s) installed, ${#pkgs[@]} checked"
