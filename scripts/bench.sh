#!/usr/bin/env bash
# Tracker benchmarks: BenchmarkDotNet (hot path, parser, GeoIP; [MemoryDiagnoser]) and the comparisons with
# the old tcpdump | awk pipeline. Run as root (the live comparison creates network namespaces).
#   scripts/bench.sh            everything (~15 min on 2 cores)
#   scripts/bench.sh bdn        only BenchmarkDotNet
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
dotnet build benchmarks/Conduit.Benchmarks -c Release -nologo -v quiet
if [[ $what == all || $what == bdn ]]; then
  # In-process toolchain: no per-benchmark rebuild (which times out on a busy 2-core machine).
  (cd benchmarks/Conduit.Benchmarks && dotnet bin/Release/net10.0/Conduit.Benchmarks.dll \
    --filter '*HotPathBenchmark*' '*ParserBenchmark*' '*GeoIpBenchmark*' --inProcess --memory)
fi
if [[ $what == all ]]; then
  bash scripts/publish.sh >/dev/null
  bash benchmarks/replay.sh
  bash benchmarks/memory.sh
  bash benchmarks/live-cpu.sh
  bash benchmarks/ebpf-vs-pcap.sh
fi
