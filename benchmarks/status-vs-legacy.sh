#!/usr/bin/env bash
# Times `conduit status --json` for 8 running stand-in nodes against the old tool's way of getting the same
# picture (docker inspect + docker logs --tail per container, then docker stats --no-stream), in the same run,
# and times `conduit scale 8` from zero. Usage: benchmarks/status-vs-legacy.sh [path/to/conduit]
# Needs a running Docker engine and hyperfine; builds the stand-in image if missing. Cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-out/linux-x64/conduit}")
[[ -x $bin ]] || { echo "bench: $bin not found (run scripts/publish.sh first)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine missing (apt-get install hyperfine)" >&2; exit 1; }
tests/standin/build.sh

name=b$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
home=$(mktemp -d)
work=$(mktemp -d)
free_base() { # a base port whose next 8 ports are free
  local base p ok
  for _ in $(seq 100); do
    base=$((40000 + RANDOM % 1000 * 20)); ok=1
    for p in $(seq $((base + 1)) $((base + 8))); do ss -Htln "sport = :$p" | grep -q . && ok=0; done
    ((ok)) && { echo "$base"; return; }
  done
  echo "bench: no free port range" >&2; exit 1
}
cleanup() {
  CONDUIT_HOME=$home "$bin" scale 0 --purge --yes >/dev/null 2>&1 || true
  docker ps -aq --filter "label=io.conduit.instance=$name" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume ls -q --filter "label=io.conduit.instance=$name" | xargs -r docker volume rm >/dev/null 2>&1 || true
  rm -rf "$home" "$work"
}
trap cleanup EXIT
export CONDUIT_HOME=$home NO_COLOR=1
printf 'CONTAINER_NAME=%s\nCONDUIT_IMAGE=conduit-standin:test\nCONTAINER_COUNT=0\nMETRICS_PORT_BASE=%s\n' "$name" "$(free_base)" > "$home/settings.conf"

start=$(date +%s%N)
"$bin" scale 8 >/dev/null
printf 'conduit scale 8 (from zero): %s s\n' "$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')"

# Wait (bounded) until every node answers its metrics endpoint, so both sides see a settled cluster.
for _ in $(seq 100); do
  "$bin" status --json | grep -q '"healthy": 8,' && break
  sleep 0.3
done

containers=$(seq 1 8 | sed "s/^/$name-/; s/^$name-1\$/$name/" | tr '\n' ' ')
cat > "$work/legacy.sh" <<LEGACY
#!/usr/bin/env bash
# The bash manager's status: per container inspect + recent logs (for [STATS]), then one docker stats sample.
for c in $containers; do
  docker inspect --format '{{.State.Status}} {{.State.StartedAt}} {{.RestartCount}}' "\$c" >/dev/null
  docker logs --tail 50 "\$c" 2>&1 | grep '\[STATS\]' | tail -1 >/dev/null
done
docker stats --no-stream $containers >/dev/null
LEGACY
chmod +x "$work/legacy.sh"

hyperfine -N --warmup 2 --runs 20 --export-csv "$work/new.csv" "$bin status --json" >/dev/null 2>&1
hyperfine --warmup 1 --runs 5 --export-csv "$work/old.csv" "$work/legacy.sh" >/dev/null 2>&1
# CSV: command,mean,stddev,... in seconds
awk -F, 'FNR == 2 { mean[FILENAME] = $2; sd[FILENAME] = $3 }
  END {
    n = ARGV[1]; o = ARGV[2]
    printf "conduit status --json, 8 nodes:        %8.1f ms (mean of 20, +-%.1f)\n", mean[n] * 1000, sd[n] * 1000
    printf "legacy inspect+logs+stats, 8 nodes:    %8.1f ms (mean of 5, +-%.1f)\n", mean[o] * 1000, sd[o] * 1000
    printf "ratio: %.1fx faster\n", mean[o] / mean[n]
  }' "$work/new.csv" "$work/old.csv"
