#!/usr/bin/env bash
# Compiles the TC program: native/build.sh -> native/build/conduit_tc.bpf.o (embedded into conduit when present).
# Without clang or libbpf headers it says so and exits 0: the product then builds without the eBPF backend.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/build/conduit_tc.bpf.o
clang=${CLANG:-clang}
if ! command -v "$clang" >/dev/null 2>&1; then
  echo "native/build.sh: clang not found: conduit is built without the eBPF backend (apt-get install clang llvm libbpf-dev)"
  rm -f "$out"; exit 0
fi
if [[ ! -f /usr/include/bpf/bpf_helpers.h ]]; then
  echo "native/build.sh: libbpf headers not found: conduit is built without the eBPF backend (apt-get install libbpf-dev)"
  rm -f "$out"; exit 0
fi
arch=$(uname -m)
case $arch in
  x86_64) multiarch=x86_64-linux-gnu ;;
  aarch64) multiarch=aarch64-linux-gnu ;;
  *) multiarch=$arch-linux-gnu ;;
esac
mkdir -p "$here/build"
# -g keeps BTF (the layout test reads it); write to a temp name so a failed compile leaves no half object.
"$clang" -O2 -g -target bpf -Wall -Werror -I"/usr/include/$multiarch" -I"$here" \
  -c "$here/conduit_tc.bpf.c" -o "$out.tmp"
mv -f "$out.tmp" "$out"
echo "native/build.sh: built $out"
