#!/usr/bin/env bash
# The README's first command: live traffic per country on this machine's primary interface, with the
# embedded country database. Sets the machine up, builds the AOT binary if it is missing or stale, runs it.
# As root (or with sudo in front):
#   scripts/track.sh                      # TUI on the default route's interface
#   scripts/track.sh --json --once --duration 10
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $EUID -ne 0 ]]; then
  echo "track: run as root (packet capture needs CAP_NET_RAW): as root, or sudo $0 $*" >&2
  exit 1
fi
bash scripts/setup.sh >/dev/null
case $(uname -m) in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
bin=out/$rid/conduit
if [[ ! -x $bin ]] || [[ -n $(find src native Directory.Build.props Directory.Packages.props -newer "$bin" -type f -not -path 'native/build/*' -not -path '*/bin/*' -not -path '*/obj/*' -print -quit) ]]; then
  bash scripts/publish.sh "$rid" >/dev/null
fi
exec "$bin" track "$@"
