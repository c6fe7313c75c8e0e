#!/usr/bin/env bash
# Publishes the Native AOT single-file binary: scripts/publish.sh [linux-x64|linux-arm64] -> out/<rid>/conduit
# (default: this machine's architecture)
# linux-arm64 on an x86_64 machine cross-links with Debian's aarch64 toolchain (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
case $(uname -m) in aarch64|arm64) native_rid=linux-arm64 ;; *) native_rid=linux-x64 ;; esac
rid=${1:-$native_rid}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
extra=()
if [[ $rid == linux-arm64 && $(uname -m) != aarch64 ]]; then
  if ! command -v aarch64-linux-gnu-objcopy >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
  fi
  # clang finds Debian's cross gcc install by itself; the linker and strip tool must be the aarch64 ones.
  extra=(-p:LinkerFlavor=bfd -p:ObjCopyName=aarch64-linux-gnu-objcopy)
fi
dotnet publish src/Conduit/Conduit.csproj -c Release -r "$rid" -o "out/$rid" -nologo -v quiet "${extra[@]}"
ls -l "out/$rid/conduit"
