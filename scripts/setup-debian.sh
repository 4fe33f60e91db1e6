#!/usr/bin/env bash
# Installs the Debian packages dnsae needs to build and test. Idempotent:
# packages already present are not fetched again.
#   libpcap0.8-dev  headers for the `cap` live-capture addon (node-gyp)
#   tcpdump tshark tcpreplay  reference tools for tests and `npm run bench`
#   nsd knot unbound dnsutils knot-dnsutils dnsperf  real DNS software for generated corpora
#   bind9 dnsmasq-base  recursive+authoritative and forwarder roles in the benign corpus
#   iproute2  network namespaces for the live-sensor test
#   chromium  headless rendering test of the HTML report
set -euo pipefail
pkgs=(time libpcap0.8-dev tcpdump tshark tcpreplay wireshark-common nsd knot unbound bind9 dnsmasq-base dnsutils knot-dnsutils dnsperf iproute2 chromium)
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
# The sensor's daemons must not keep running after install on a CI box.
for svc in nsd knot unbound named; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
done
echo "setup-debian: ${#missing[@]} package(s) installed, ${#pkgs[@]} checked"
