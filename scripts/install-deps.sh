#!/usr/bin/env bash
# Installs the Debian packages the integration tests, the demo and the benchmark use:
# the Linux-side tools run inside the private network namespaces (ping, arping, nc, tshark, ...)
# and the HTTP clients run against the server (curl, wget, ab); nginx is the HTTP benchmark's Linux column. Every tool a test runs must be
# here: under CI=true a missing tool fails its test (apps' Requirements), it does not skip it.
# chromium (Debian's, headless) drives the live dashboard in its integration test.
# (coreutils, bash and dash, which the tests also run, are Essential: always installed.)
# Idempotent: packages already installed are left alone, and nothing is fetched when all are there.
# Needs root (apt-get) on Debian 12 or a close relative.
set -euo pipefail

# The command each package provides, so a machine that already has them skips apt entirely.
declare -A PROVIDES=(
  [iproute2]=ip
  [iputils-ping]=ping
  [iputils-arping]=arping
  [netcat-openbsd]=nc.openbsd
  [curl]=curl
  [wget]=wget
  [iperf3]=iperf3
  [apache2-utils]=ab
  [nginx-light]=nginx
  [tshark]=tshark
  [hping3]=hping3
  [nmap]=nmap
  [python3-scapy]=scapy
  [gcc]=gcc
  [tcpdump]=tcpdump
  [ethtool]=ethtool
  [tftpd-hpa]=in.tftpd
  [openssl]=openssl
  [chromium]=chromium
)
LIBS=(libpcap0.8 liburing-dev)
# --gvisor: also go and gVisor's sources, for tapwire bench link's gVisor row (not needed by any test).
if [ "${1:-}" = "--gvisor" ]; then
  PROVIDES[golang-go]=go
  LIBS+=(golang-gvisor-gvisor-dev)
fi

missing=()
for pkg in "${!PROVIDES[@]}"; do
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "${PROVIDES[$pkg]}" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
for pkg in "${LIBS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all tools present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run this script as root (it uses apt-get), e.g. sudo scripts/install-deps.sh" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: apt-get not found; install these packages (Debian names) by hand: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
# tshark's package asks whether non-root users may capture; preseed "no" so nothing prompts.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
