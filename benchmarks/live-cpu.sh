#!/usr/bin/env bash
# Live CPU cost, new vs old in the same run: UDP at a fixed rate (default 100k packets/s) for 10 s between two
# network namespaces this script creates (and deletes on exit); CPU seconds of `conduit track` capturing it,
# then of the old `tcpdump -l | awk` per-IP accounting capturing the same traffic. Run as root.
#   benchmarks/live-cpu.sh            RATE=50000 SECONDS_=10 benchmarks/live-cpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${RATE:-100000}
secs=${SECONDS_:-10}
bin=$(realpath "${CONDUIT_BIN:-out/linux-x64/conduit}")
[[ -x $bin ]] || { bash scripts/publish.sh >/dev/null; bin=$(realpath out/linux-x64/conduit); }
dotnet build benchmarks/Conduit.Benchmarks -c Release -nologo -v quiet >/dev/null
tool="dotnet $(realpath benchmarks/Conduit.Benchmarks/bin/Release/net10.0/Conduit.Benchmarks.dll)"
id=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
L=ctb-$id-l R=ctb-$id-r lif=cbl$id rif=cbr$id
work=$(mktemp -d)
cleanup() { ip netns del "$L" 2>/dev/null || true; ip netns del "$R" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$L"; ip netns add "$R"
ip link add "$lif" netns "$L" type veth peer name "$rif" netns "$R"
ip -n "$L" addr add 10.99.0.1/32 dev "$lif"; ip -n "$L" link set "$lif" up; ip -n "$L" link set lo up
ip -n "$R" link set "$rif" up; ip -n "$R" route add 10.99.0.1/32 dev "$rif"
sources=8.8.8.8,1.1.1.1,5.1.1.1,77.88.8.8
for a in ${sources//,/ }; do ip -n "$R" addr add "$a/32" dev "$rif"; ip -n "$L" route add "$a/32" dev "$lif"; done
ip netns exec "$L" $tool sink-udp 10.99.0.1 5000 $((2 * secs + 30)) &

run() { # name, text the capture prints on stderr once it listens, capture command (in the local namespace)
  local name=$1 ready=$2; shift 2
  ip netns exec "$L" /usr/bin/time -o "$work/$name.time" -f "%U %S" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  for _ in $(seq 150); do grep -q "$ready" "$work/$name.err" 2>/dev/null && break; sleep 0.1; done # until it captures
  ip netns exec "$R" $tool send-udp "$sources" 10.99.0.1 5000 "$rate" "$secs" >"$work/$name.sent"
  wait "$pid" || true
}
run new "backend pcap on" timeout -s INT $((secs + 4)) "$bin" track --backend pcap --interface "$lif" --json --once --duration $((secs + 3))
# Only tcpdump gets the signal: awk must see EOF and print its totals (SIGINT to the group would kill it too).
run old "listening on" bash -c "timeout -s INT $((secs + 4)) tcpdump -tt -l -ni $lif -q '(tcp or udp) and not port 22' | awk -v local=10.99.0.1 '
  { src = \$3; dst = \$5; sub(/:\$/, \"\", dst); sub(/\\.[0-9]+\$/, \"\", src); sub(/\\.[0-9]+\$/, \"\", dst); n = \$NF + 0
    if (src == local) to[dst] += n; else from[src] += n; count++ }
  END { print count }'"

read -r new_sent new_elapsed <"$work/new.sent"; read -r old_sent old_elapsed <"$work/old.sent"
read -r nu ns <"$work/new.time"; read -r ou os <"$work/old.time"
new_seen=$(grep -o '"packets":[0-9]*' "$work/new.out" | head -1 | cut -d: -f2)
new_dropped=$(grep -o '"dropped":[0-9]*' "$work/new.out" | head -1 | cut -d: -f2)
old_seen=$(tail -1 "$work/old.out")
awk -v s1="$new_sent" -v e1="$new_elapsed" -v s2="$old_sent" -v e2="$old_elapsed" -v nu="$nu" -v ns="$ns" -v ou="$ou" -v os="$os" \
    -v n1="${new_seen:-0}" -v d1="${new_dropped:-?}" -v n2="${old_seen:-0}" 'BEGIN {
  printf "conduit track : %d sent at %.0f packets/s, %d counted, %s dropped, CPU %.2f s\n", s1, s1 / e1, n1, d1, nu + ns
  printf "tcpdump | awk : %d sent at %.0f packets/s, %d counted, CPU %.2f s\n", s2, s2 / e2, n2, ou + os
  printf "CPU ratio: conduit uses %.1f%% of the old pipeline'"'"'s CPU (target <= 20%%)\n", 100 * (nu + ns) / (ou + os)
  if (n1 > 0 && n2 > 0) printf "per packet counted: conduit %.2f us, old %.2f us (%.1f%%; the sender slows down when the old pipeline competes for the CPU)\n", 1e6 * (nu + ns) / n1, 1e6 * (ou + os) / n2, 100 * ((nu + ns) / n1) / ((ou + os) / n2)
}'
