# Smoke checks of the eBPF backend (sourced by scripts/smoke.sh: $bin, check).
check ebpf-help bash -c "'$bin' track-ebpf --help | grep -q -- '--exclude-port'"
check ebpf-bad-interface-exit-2 bash -c "'$bin' track-ebpf --interface nosuch0dev; test \$? -eq 2"
# Counts real loopback traffic in a namespace of its own: UDP to 127.0.0.1 shows up as one remote address.
check ebpf-counts-in-netns bash -c '
  ns=cds-ebpf-$$; ip netns add $ns || exit 1; trap "ip netns del $ns" EXIT
  ip -n $ns link set lo up
  out=$(mktemp); err=$(mktemp)
  ip netns exec $ns "$0" track-ebpf --interface lo --json --duration 5 --interval 0.2 >$out 2>$err & pid=$!
  for _ in $(seq 100); do grep -q "counting on" $err && break; sleep 0.1; done
  for i in 1 2 3; do ip netns exec $ns bash -c "echo hello >/dev/udp/127.0.0.1/9999"; done
  wait $pid || { cat $err; exit 1; }
  tr -d " \n" <$out | grep -q "\"backend\":\"ebpf\"" &&
  tr -d " \n" <$out | grep -q "\"ip\":\"127.0.0.1\",\"bytes_in\":102,\"packets_in\":3,\"bytes_out\":102,\"packets_out\":3"
' "$bin"
# `conduit track` picks eBPF by itself on a capable host and says so; --backend pcap still works.
check track-auto-uses-ebpf bash -c '
  ns=cds-trk-$$; ip netns add $ns || exit 1; trap "ip netns del $ns" EXIT
  ip -n $ns link set lo up
  out=$(ip netns exec $ns "$0" track --interface lo --json --once --duration 1 2>&1) || { echo "$out"; exit 1; }
  grep -q "backend ebpf on lo" <<<"$out" && grep -q "\"backend\":\"ebpf\"" <<<"$out"
' "$bin"
check track-backend-bad-exit-2 bash -c "'$bin' track --backend nope --once --duration 1; test \$? -eq 2"
