#!/usr/bin/env bash
# Installs what conduit needs on Debian 12 (idempotent). The .NET 10 SDK must already be on PATH.
#   scripts/setup.sh           runtime + build needs (libpcap, clang for the eBPF object)
#   scripts/setup.sh --tests   also the real components the tests drive (Docker, nginx, busybox, tcpdump...)
set -euo pipefail

want=(libpcap0.8 libbpf1 iproute2 ca-certificates)
build=(clang llvm libbpf-dev zlib1g-dev)
tests=(docker.io nginx libnginx-mod-stream busybox-static tcpdump gawk hyperfine zbar-tools tmux iptables procps bpftool kmod util-linux time bc systemd openssl strace libgeoip1
       ansible prometheus openssh-server openssh-client sshpass python3 pmacct tshark)

pkgs=("${want[@]}" "${build[@]}")
[[ "${1:-}" == "--tests" ]] && pkgs+=("${tests[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages' init scripts from starting daemons: scripts/services.sh starts what tests need.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK is not on PATH" >&2; exit 1; }
echo "setup: ok"
