#!/usr/bin/env bash
# Memory of the remote-IP table, measured as peak RSS of the AOT binary replaying generated captures:
#   idle (a 10-packet file), 1M distinct remote IPs all held individually (--max-ips 2000000),
#   and with the default cap (200k) for 1M and 3M distinct IPs (RSS must stay flat).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CONDUIT_BIN:-out/linux-x64/conduit}
[[ -x $bin ]] || bash scripts/publish.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build benchmarks/Conduit.Benchmarks -c Release -nologo -v quiet >/dev/null
gen() { dotnet benchmarks/Conduit.Benchmarks/bin/Release/net10.0/Conduit.Benchmarks.dll gen-pcap "$@"; }
peak() { # file, extra args... -> "peak_kb ips_held ips_folded"
  local file=$1; shift
  /usr/bin/time -o "$work/t" -f "%M" "$bin" track --read "$file" --json --once --local 203.0.113.10 --top 0 "$@" >"$work/j"
  echo "$(cat "$work/t") $(grep -o '"ips_held":[0-9]*' "$work/j" | cut -d: -f2) $(grep -o '"ips_folded":[0-9]*' "$work/j" | cut -d: -f2)"
}
gen "$work/idle.pcap" 10 10
gen "$work/1m.pcap" 1100000 1000000
gen "$work/3m.pcap" 3100000 3000000
read -r idle _ _ <<<"$(peak "$work/idle.pcap")"
read -r all held _ <<<"$(peak "$work/1m.pcap" --max-ips 2000000)"
read -r cap1 held1 folded1 <<<"$(peak "$work/1m.pcap")"
read -r cap3 held3 folded3 <<<"$(peak "$work/3m.pcap")"
printf "idle (10 packets)                 : peak RSS %6.1f MB\n" "$(bc -l <<<"$idle/1024")"
printf "1M distinct IPs, all held (%d)  : peak RSS %6.1f MB = idle + %.1f MB (target <= +128 MB)\n" "$held" "$(bc -l <<<"$all/1024")" "$(bc -l <<<"($all-$idle)/1024")"
printf "1M distinct IPs, default cap      : peak RSS %6.1f MB (held %d, folded %d)\n" "$(bc -l <<<"$cap1/1024")" "$held1" "$folded1"
printf "3M distinct IPs, default cap      : peak RSS %6.1f MB (held %d, folded %d)\n" "$(bc -l <<<"$cap3/1024")" "$held3" "$folded3"
