#!/usr/bin/env bash
# Compares the eBPF backend with the old `tcpdump -l | awk` tracker on the same traffic, in one run:
#   benchmarks/ebpf-vs-pcap.sh [BIN] [SECONDS]      (root; BIN defaults to out/linux-x64/conduit)
# A UDP sender in a namespace pushes as many packets as it can for SECONDS through a veth pair to a second
# namespace, from 32 source addresses, while each counter runs there in turn. Prints for each: packets sent,
# packets that reached the interface, packets counted, CPU seconds of the counting process(es), and the ratio;
# plus the kernel cost per packet of the eBPF programs from the kernel's own BPF statistics.
# Traffic stays between the two namespaces this script creates (and removes, also on failure).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-out/linux-x64/conduit}")
secs=${2:-10}
[[ -x $bin ]] || { echo "ebpf-vs-pcap: no binary at $bin (run scripts/publish.sh)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "ebpf-vs-pcap: needs root (namespaces, eBPF, capture)" >&2; exit 2; }
for tool in /usr/bin/time tcpdump cc; do
  command -v "$tool" >/dev/null || { echo "ebpf-vs-pcap: $tool is missing (apt-get install time tcpdump gcc)" >&2; exit 2; }
done
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
L=cdb-l-$id R=cdb-r-$id vl=bl$id vr=br$id
work=$(mktemp -d)
cleanup() { ip netns del "$L" 2>/dev/null || true; ip netns del "$R" 2>/dev/null || true; rm -rf "$work" "/sys/fs/bpf/conduit-bench-$id"; }
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
cpu() { tail -1 "$1" | awk '{printf "%.2f", $1 + $2}'; } # time's last line: "user system"
# Stops a measured command after the sender is done: SIGTERM to the process /usr/bin/time started (`ip netns
# exec` execs the tool, so that is the tool itself), or to the named process under it.
stop_measured() { # time-pid [process-name]
  local pid
  pid=$(ps -o pid= --ppid "$1" | head -1 | tr -d ' ')
  [[ -n ${2:-} ]] && pid=$(ps -o pid=,comm= --ppid "$pid" | awk -v n="$2" '$2 == n {print $1}' | head -1)
  [[ -n $pid ]] && kill -TERM "$pid" # not INT: background jobs of a script start with SIGINT ignored
  wait "$1" || true
}

# 1. eBPF: `conduit track-ebpf` counting in the kernel, reading the map once a second.
run_ebpf() { # label extra-args...
  local label=$1; shift
  local before after sent
  before=$(rx_packets)
  /usr/bin/time -f "%U %S" -o "$work/$label.time" ip netns exec "$L" "$bin" track-ebpf --interface "$vl" --json \
    "$@" >"$work/$label.json" 2>"$work/$label.err" &
  local pid=$!
  wait_for "$work/$label.err" "counting on"
  sent=$(send)
  stop_measured "$pid"
  after=$(rx_packets)
  echo "$sent $((after - before))" >"$work/$label.counts"
}
run_ebpf ebpf
run_ebpf ebpf-stats --kernel-stats

# 2. The old tracker: tcpdump -l | awk summing bytes per source address.
before=$(rx_packets)
/usr/bin/time -f "%U %S" -o "$work/tcpdump.time" ip netns exec "$L" bash -c \
  "tcpdump -tt -l -nn -q -i '$vl' '(tcp or udp) and not port 22' 2>'$work/tcpdump.err' \
   | awk '{ src = \$3; sub(/\\.[0-9]+\$/, \"\", src); bytes[src] += \$NF; n++ } END { print n + 0 }' >'$work/tcpdump.out'" &
pid=$!
wait_for "$work/tcpdump.err" "listening on"
tsent=$(send)
stop_measured "$pid" tcpdump
tarrived=$(( $(rx_packets) - before ))

# 3. `conduit track` itself with each backend (GeoIP, tables, snapshots: the whole tracker), when this binary has it.
has_track=0
"$bin" track --help 2>/dev/null | grep -q -- '--backend' && has_track=1
run_track() { # backend
  local b=$1 before sent
  before=$(rx_packets)
  mkdir -p "$work/home-$b"
  /usr/bin/time -f "%U %S" -o "$work/track-$b.time" ip netns exec "$L" env CONDUIT_HOME="$work/home-$b" CONDUIT_SYSROOT="$work/home-$b" \
    "$bin" track --backend "$b" --interface "$vl" --json --interval 1 --top 0 \
    >"$work/track-$b.json" 2>"$work/track-$b.err" &
  local pid=$!
  wait_for "$work/track-$b.json" '"packets"'
  sent=$(send)
  stop_measured "$pid"
  echo "$sent $(( $(rx_packets) - before ))" >"$work/track-$b.counts"
}
if ((has_track)); then run_track ebpf; run_track pcap; fi

read -r esent earrived <"$work/ebpf.counts"
ecounted=$(json_num "$work/ebpf.json" packets)
ecpu=$(cpu "$work/ebpf.time")
read -r ssent sarrived <"$work/ebpf-stats.counts"
kns=$(json_num "$work/ebpf-stats.json" kernel_ns_per_packet)
truns=$(json_num "$work/ebpf-stats.json" kernel_run_count)
tcounted=$(cat "$work/tcpdump.out")
tdropped=$(grep -o '[0-9]* packets dropped by kernel' "$work/tcpdump.err" | awk '{print $1}')
tcpu=$(cpu "$work/tcpdump.time")

printf '%-22s %12s %12s %12s %10s %10s\n' counter "sent" "arrived" "counted" "pkts/s" "cpu s"
printf '%-22s %12s %12s %12s %10s %10s\n' "conduit track-ebpf" "$esent" "$earrived" "$ecounted" $((esent / secs)) "$ecpu"
printf '%-22s %12s %12s %12s %10s %10s\n' "tcpdump -l | awk" "$tsent" "$tarrived" "$tcounted" $((tsent / secs)) "$tcpu"
if ((has_track)); then
  for b in ebpf pcap; do
    read -r bsent barrived <"$work/track-$b.counts"
    bcounted=$(tail -1 "$work/track-$b.json" | grep -o '"packets":[0-9]*' | head -1 | cut -d: -f2)
    printf '%-22s %12s %12s %12s %10s %10s\n' "conduit track ($b)" "$bsent" "$barrived" "$bcounted" $((bsent / secs)) "$(cpu "$work/track-$b.time")"
  done
  awk -v e="$(cpu "$work/track-ebpf.time")" -v p="$(cpu "$work/track-pcap.time")" 'BEGIN {
    printf "cpu ratio conduit track (pcap / ebpf): %.1fx\n", p / (e > 0 ? e : 0.01) }'
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
awk -v a="$tcpu" -v b="$ecpu" -v ra="$tsent" -v rb="$esent" 'BEGIN {
  pa = a / (ra > 0 ? ra : 1) * 1e6; pb = b / (rb > 0 ? rb : 1) * 1e6
  printf "cpu ratio (tcpdump|awk / ebpf): %.1fx total, %.1fx per packet (%.3f vs %.3f us of CPU per packet)\n", a / (b > 0 ? b : 0.01), pa / (pb > 0 ? pb : 0.00001), pa, pb }'
