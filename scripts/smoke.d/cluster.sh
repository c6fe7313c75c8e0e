# shellcheck shell=bash
# Cluster smoke test of the AOT binary: a real Docker round trip with the stand-in node image under a unique
# instance name (sourced by scripts/smoke.sh: $bin, $root, check()).
cluster_name=s$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
cluster_home=$root/cluster-smoke
cluster_port=$((40000 + RANDOM % 1000 * 20))
mkdir -p "$cluster_home"
printf 'CONTAINER_NAME=%s\nCONDUIT_IMAGE=conduit-standin:test\nCONTAINER_COUNT=0\nMETRICS_PORT_BASE=%s\n' \
  "$cluster_name" "$cluster_port" > "$cluster_home/settings.conf"
"$(dirname "$0")/../tests/standin/build.sh" >/dev/null
check cluster-scale-1 env CONDUIT_HOME="$cluster_home" "$bin" scale 1
check cluster-status-json bash -c "out=\$(CONDUIT_HOME='$cluster_home' '$bin' status --json) && grep -q '\"running\": 1,' <<<\"\$out\" && grep -q '\"name\": \"$cluster_name\",' <<<\"\$out\" && grep -q '\"state\": \"running\",' <<<\"\$out\""
check cluster-scale-0-purge env CONDUIT_HOME="$cluster_home" "$bin" scale 0 --purge --yes
check cluster-nothing-left bash -c "test -z \"\$(docker ps -aq --filter label=io.conduit.instance=$cluster_name)\" && test -z \"\$(docker volume ls -q --filter label=io.conduit.instance=$cluster_name)\""
# Cleanup even when a check failed.
docker ps -aq --filter "label=io.conduit.instance=$cluster_name" | xargs -r docker rm -f >/dev/null 2>&1
docker volume ls -q --filter "label=io.conduit.instance=$cluster_name" | xargs -r docker volume rm >/dev/null 2>&1
