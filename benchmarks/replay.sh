#!/usr/bin/env bash
# End-to-end replay, new vs old in the same run: the AOT `conduit track --read` against the old pipeline
# (`tcpdump -nn -q -r FILE | awk` doing the v1 per-IP byte accounting) over one generated pcap.
#   benchmarks/replay.sh                 # 5M packets, 100k distinct remote IPs
#   PACKETS=10000000 IPS=200000 benchmarks/replay.sh
# Prints both packet rates, the ratio, CPU seconds, and whether the targets (>= 3M pkt/s, >= 10x) are met.
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${PACKETS:-5000000}
ips=${IPS:-100000}
local_ip=203.0.113.10
bin=${CONDUIT_BIN:-out/linux-x64/conduit}
[[ -x $bin ]] || bash scripts/publish.sh >/dev/null
command -v tcpdump >/dev/null || { echo "replay: tcpdump is missing (scripts/setup.sh installs it)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build benchmarks/Conduit.Benchmarks -c Release -nologo -v quiet >/dev/null
dotnet benchmarks/Conduit.Benchmarks/bin/Release/net10.0/Conduit.Benchmarks.dll gen-pcap "$work/replay.pcap" "$packets" "$ips"
echo "replay: $(du -h "$work/replay.pcap" | cut -f1) pcap, $packets packets, $ips distinct remote IPs"
cat "$work/replay.pcap" >/dev/null # both contenders read it from the page cache

# time -f: elapsed, user, system (children included: both ends of the old pipeline are counted)
/usr/bin/time -o "$work/new.time" -f "%e %U %S %M" \
  "$bin" track --read "$work/replay.pcap" --json --once --local "$local_ip" >"$work/new.json"
/usr/bin/time -o "$work/old.time" -f "%e %U %S %M" bash -c "
  tcpdump -nn -q -r '$work/replay.pcap' 2>/dev/null | awk -v local=$local_ip '
    { src = \$3; dst = \$5; sub(/:\$/, \"\", dst); sub(/\\.[0-9]+\$/, \"\", src); sub(/\\.[0-9]+\$/, \"\", dst); n = \$NF + 0
      if (src == local) { to[dst] += n; seen[dst] = 1 } else { from[src] += n; seen[src] = 1 } ; count++ }
    END { for (ip in seen) distinct++; print count, distinct }' >'$work/old.out'"

read -r new_s new_u new_sys new_rss <"$work/new.time"
read -r old_s old_u old_sys _ <"$work/old.time"
read -r old_count old_ips <"$work/old.out"
new_count=$(grep -o '"packets":[0-9]*' "$work/new.json" | head -1 | cut -d: -f2)
new_ips=$(grep -o '"ips":[0-9]*' "$work/new.json" | cut -d: -f2 | paste -sd+ | bc)
awk -v p="$packets" -v ns="$new_s" -v os="$old_s" -v nu="$new_u" -v nsy="$new_sys" -v ou="$old_u" -v osy="$old_sys" \
    -v nc="$new_count" -v oc="$old_count" -v ni="$new_ips" -v oi="$old_ips" -v rss="$new_rss" 'BEGIN {
  newr = p / ns; oldr = p / os
  printf "conduit track --read : %d packets, %d IPs, %.2f s wall, %.2f s CPU, peak RSS %d MB -> %.2f M packets/s\n", nc, ni, ns, nu + nsy, rss / 1024, newr / 1e6
  printf "tcpdump | awk (old)  : %d packets, %d IPs, %.2f s wall, %.2f s CPU -> %.3f M packets/s\n", oc, oi, os, ou + osy, oldr / 1e6
  printf "per CPU second (one core, immune to a busy machine): conduit %.2f M packets/s, old %.3f M packets/s, ratio %.1fx\n", p / (nu + nsy) / 1e6, p / (ou + osy) / 1e6, (ou + osy) / (nu + nsy)
  printf "wall-clock ratio: %.1fx the packets/s of the old pipeline (target >= 10x); conduit wall-clock rate %s 3 M packets/s\n", newr / oldr, newr >= 3e6 ? "meets" : "misses"
}'
