#!/usr/bin/env bash
# Compares the eBPF backend with the old `tcpdump -l | awk` tracker on the same traffic, in one run:
#   benchmarks/ebpf-vs-pcap.sh [BIN] [SECONDS]      (root; BIN defaults to out/linux-x64/conduit)
# A UDP sender in a namespace pushes as many packets as it can for SECONDS through a veth pair to a second
# namespace, from 32 source addresses, while each counter runs there in turn. Prints for each: packets sent,
# packets that reached the interface, packets counted, and the CPU seconds of the counting process(es): during the
# SECONDS of traffic ("window", the figure the targets are about) and over the whole run including start-up
# ("total"), both read from a cgroup of its own (every thread, user + system, in microseconds); then the ratios,
# and the kernel cost per packet of the eBPF programs from the kernel's own BPF statistics.
# Traffic stays between the two namespaces this script creates (and removes, also on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-out/linux-x64/conduit}")
secs=${2:-10}
[[ -x $bin ]] || { echo "ebpf-vs-pcap: no binary at $bin (run scripts/publish.sh)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "ebpf-vs-pcap: needs root (namespaces, eBPF, capture)" >&2; exit 2; }
for tool in tcpdump cc; do
  command -v "$tool" >/dev/null || { echo "ebpf-vs-pcap: $tool is missing (apt-get install tcpdump gcc)" >&2; exit 2; }
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# CPU accounting: a cgroup v2 directory per measured counter (cpu.stat's usage_usec needs no controller).
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then cgroot=/sys/fs/cgroup
elif [[ -f /sys/fs/cgroup/unified/cgroup.controllers ]]; then cgroot=/sys/fs/cgroup/unified
else echo "ebpf-vs-pcap: no cgroup v2 hierarchy to measure CPU with" >&2; exit 2; fi

id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
L=cdb-l-$id R=cdb-r-$id vl=bl$id vr=br$id
work=$(mktemp -d)
cleanup() {
  ip netns del "$L" 2>/dev/null || true; ip netns del "$R" 2>/dev/null || true
  rm -rf "$work" "/sys/fs/bpf/conduit-bench-$id"
  for cg in "$cgroot"/conduit-bench-"$id"-*; do [[ -d $cg ]] && rmdir "$cg" 2>/dev/null; done; true
}
trap cleanup EXIT

cc -O2 -Wall -o "$work/udpflood" benchmarks/ebpf/udpflood.c
ip netns add "$L"; ip netns add "$R"
ip -n "$L" link add "$vl" type veth peer name "$vr" netns "$R"
for ns in "$L" "$R"; do ip -n "$ns" link set lo up; done
ip -n "$L" link set "$vl" up; ip -n "$R" link set "$vr" up
ip -n "$L" addr add 192.0.2.1/24 dev "$vl"
sources=()
for i in $(seq 10 41); do ip -n "$R" addr add "192.0.2.$i/24" dev "$vr"; sources+=("192.0.2.$i"); done
# The sink: an address on the local link that is not the local host's, so packets cross TC and are dropped
# right after (no socket, no ICMP storm). A static neighbour entry saves ARP.
mac=$(cat "/sys/class/net/$vl/address" 2>/dev/null || ip netns exec "$L" cat "/sys/class/net/$vl/address")
ip -n "$R" neigh add 192.0.2.200 lladdr "$mac" dev "$vr" nud permanent

rx_packets() { ip netns exec "$L" cat "/sys/class/net/$vl/statistics/rx_packets"; }
wait_for() { # file, text: until the file contains text (15 s at most)
  for _ in $(seq 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "ebpf-vs-pcap: timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; exit 1
}
send() { ip netns exec "$R" "$work/udpflood" 192.0.2.200 9 "$secs" 64 "${sources[@]}" | awk '{print $2}'; }
json_num() { grep -o "\"$2\": [0-9.]*" "$1" | head -1 | awk '{print $2}'; }
cg_new() { mkdir "$cgroot/conduit-bench-$id-$1" && echo "$cgroot/conduit-bench-$id-$1"; }
cg_usec() { awk '$1 == "usage_usec" {print $2}' "$1/cpu.stat"; }
# One measured run: start the counter in its cgroup, wait until it is ready, read the CPU used so far, send for
# SECONDS, read again, stop it (SIGTERM; not INT: background jobs of a script start with SIGINT ignored), wait,
# read the total. The command's output goes to LABEL.out and LABEL.err in the work directory. Writes LABEL.counts:
# sent arrived window-seconds total-seconds.
measure() { # label ready-file ready-text stop-process-name(or "") command...
  local label=$1 ready=$2 text=$3 name=$4; shift 4
  local cg before w0 w1 sent pid target
  cg=$(cg_new "$label")
  before=$(rx_packets)
  # The shell joins the cgroup and execs the command, so every process and thread it starts is counted there;
  # `ip netns exec` execs too, so the pid is the counter itself (or the pipeline's shell).
  bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" >"$work/$label.out" 2>"$work/$label.err" &
  pid=$!
  wait_for "$ready" "$text"
  w0=$(cg_usec "$cg")
  sent=$(send)
  w1=$(cg_usec "$cg")
  target=$pid
  [[ -n $name ]] && target=$(ps -o pid=,comm= --ppid "$pid" | awk -v n="$name" '$2 == n {print $1}' | head -1)
  kill -TERM "$target"
  wait "$pid" || true
  echo "$sent $(( $(rx_packets) - before )) $(awk -v a="$w0" -v b="$w1" -v t="$(cg_usec "$cg")" 'BEGIN { printf "%.3f %.3f", (b - a) / 1e6, t / 1e6 }')" >"$work/$label.counts"
}

# 1. eBPF: `conduit track-ebpf` counting in the kernel, reading the map once a second.
measure ebpf "$work/ebpf.err" "counting on" "" ip netns exec "$L" "$bin" track-ebpf --interface "$vl" --json
measure ebpf-stats "$work/ebpf-stats.err" "counting on" "" ip netns exec "$L" "$bin" track-ebpf --interface "$vl" --json \
  --kernel-stats

# 2. The old tracker: tcpdump -l | awk summing bytes per source address (only tcpdump gets the signal, so awk
# sees the end of its input and prints its count).
measure tcpdump "$work/tcpdump.dump-err" "listening on" tcpdump ip netns exec "$L" bash -c \
  "tcpdump -tt -l -nn -q -i '$vl' '(tcp or udp) and not port 22' 2>'$work/tcpdump.dump-err' \
   | awk '{ src = \$3; sub(/\\.[0-9]+\$/, \"\", src); bytes[src] += \$NF; n++ } END { print n + 0 }'"

# 3. `conduit track` itself with each backend (GeoIP, tables, snapshots: the whole tracker), when this binary has it.
has_track=0
"$bin" track --help 2>/dev/null | grep -q -- '--backend' && has_track=1
# Both runs share one install root whose GeoIP file copy exists already, as on an installed machine.
home="$work/home"
mkdir -p "$home"
CONDUIT_HOME="$home" CONDUIT_SYSROOT="$home" "$bin" geoip lookup 192.0.2.1 >/dev/null
run_track() { # backend
  local b=$1
  measure "track-$b" "$work/track-$b.out" '"packets"' "" ip netns exec "$L" env CONDUIT_HOME="$home" \
    CONDUIT_SYSROOT="$home" "$bin" track --backend "$b" --interface "$vl" --json --interval 1 --top 0
}
if ((has_track)); then run_track ebpf; run_track pcap; fi

read -r esent earrived ewin etotal <"$work/ebpf.counts"
ecounted=$(json_num "$work/ebpf.out" packets)
read -r ssent _ _ _ <"$work/ebpf-stats.counts"
kns=$(json_num "$work/ebpf-stats.out" kernel_ns_per_packet)
truns=$(json_num "$work/ebpf-stats.out" kernel_run_count)
read -r tsent tarrived twin ttotal <"$work/tcpdump.counts"
tcounted=$(cat "$work/tcpdump.out")
tdropped=$(grep -o '[0-9]* packets dropped by kernel' "$work/tcpdump.dump-err" | awk '{print $1}')

row() { printf '%-22s %11s %11s %11s %9s %12s %11s\n' "$@"; }
row counter sent arrived counted pkts/s "window cpu s" "total cpu s"
row "conduit track-ebpf" "$esent" "$earrived" "$ecounted" $((esent / secs)) "$ewin" "$etotal"
row "tcpdump -l | awk" "$tsent" "$tarrived" "$tcounted" $((tsent / secs)) "$twin" "$ttotal"
if ((has_track)); then
  for b in ebpf pcap; do
    read -r bsent barrived bwin btotal <"$work/track-$b.counts"
    bcounted=$(tail -1 "$work/track-$b.out" | grep -o '"packets":[0-9]*' | head -1 | cut -d: -f2)
    row "conduit track ($b)" "$bsent" "$barrived" "$bcounted" $((bsent / secs)) "$bwin" "$btotal"
  done
  read -r _ _ ebw ebt <"$work/track-ebpf.counts"
  read -r _ _ pbw pbt <"$work/track-pcap.counts"
  awk -v ew="$ebw" -v et="$ebt" -v pw="$pbw" -v pt="$pbt" 'BEGIN {
    printf "cpu ratio conduit track (pcap / ebpf): %.1fx over the %s s of traffic, %.1fx over the whole run with start-up\n",
      pw / (ew > 0 ? ew : 0.001), "'"$secs"'", pt / (et > 0 ? et : 0.001) }'
fi
echo "ebpf missed: $((esent - ecounted)) of $esent sent (arrived also counts ARP/ND frames); tcpdump dropped by kernel: ${tdropped:-?}, counted $tcounted of $tsent sent"
echo "kernel cost per packet (BPF run-time stats, $truns runs at $((ssent / secs)) pkts/s): ${kns} ns"
# The same programs run by the kernel on one IPv4/UDP frame a million times (BPF_PROG_TEST_RUN): the per-packet
# cost without the noise of live traffic (hot caches, one remote address).
if command -v bpftool >/dev/null && [[ -f native/build/conduit_tc.bpf.o ]]; then
  pin=/sys/fs/bpf/conduit-bench-$id
  mkdir -p "$pin"
  if bpftool prog loadall native/build/conduit_tc.bpf.o "$pin" type classifier 2>/dev/null; then
    printf '\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x00\x45\x00\x00\x5c\x00\x00\x00\x00\x40\x11\x00\x00\xcb\x00\x71\x07\xc6\x33\x64\x01\x9c\x40\x01\xbb\x00\x48\x00\x00' >"$work/frame"
    head -c 64 /dev/zero >>"$work/frame"
    echo "kernel cost per packet (BPF_PROG_TEST_RUN, 1e6 runs): $(bpftool prog run pinned "$pin/conduit_ingress" data_in "$work/frame" repeat 1000000 | grep -o '[0-9]*ns')"
  fi
  rm -rf "$pin"
fi
awk -v a="$twin" -v b="$ewin" -v ra="$tsent" -v rb="$esent" 'BEGIN {
  pa = a / (ra > 0 ? ra : 1) * 1e6; pb = b / (rb > 0 ? rb : 1) * 1e6
  printf "cpu ratio (tcpdump|awk / track-ebpf) over the traffic: %.1fx total, %.1fx per packet (%.3f vs %.4f us of CPU per packet)\n", a / (b > 0 ? b : 0.001), pa / (pb > 0 ? pb : 0.00001), pa, pb }'
