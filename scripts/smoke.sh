#!/usr/bin/env bash
# Smoke-tests a published binary: scripts/smoke.sh out/linux-x64/conduit
# Prints "smoke: ok NAME" or "smoke: FAIL NAME" per check; exits non-zero if any failed.
set -uo pipefail
bin=$(realpath "$1")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
export CONDUIT_SYSROOT=$root CONDUIT_HOME=$root/opt/conduit NO_COLOR=1
fails=0
check() { # name, command...
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then echo "smoke: ok $name"; else echo "smoke: FAIL $name"; echo "$out" | tail -20; fails=$((fails + 1)); fi
}

check version bash -c "'$bin' --version | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+'"
check settings-json bash -c "'$bin' settings show --json | grep -q '\"CONTAINER_COUNT\": 8'"
check settings-set bash -c "'$bin' settings set MAX_CLIENTS 300 && grep -q '^MAX_CLIENTS=300$' '$CONDUIT_HOME/settings.conf'"
check settings-bad-value-exit-2 bash -c "'$bin' settings set MAX_CLIENTS 5000; test \$? -eq 2"
check resources-seed bash -c "'$bin' resources --json --cpus 2 --memory 4G | tr -d ' \n' | grep -q '\"containers\":8,\"clients_per_container\":250,\"cpu_per_container\":0.22,\"memory_per_container\":\"384m\"'"
for extra in "$(dirname "$0")"/smoke.d/*.sh; do
  [[ -e $extra ]] || continue
  # shellcheck source=/dev/null
  source "$extra"
done
((fails == 0))
