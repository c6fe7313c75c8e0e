# shellcheck shell=bash
# Lifecycle smoke test of the AOT binary: install --yes (1 stand-in node, unique name, temp root for every host
# path), a second install that changes nothing, then uninstall --purge --yes leaves no file, container or volume.
# (sourced by scripts/smoke.sh: $bin, $root, check())
lc_name=l$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
lc_sys=$root/lifecycle-sys
lc_home=$lc_sys/opt/conduit
lc_port=$((40000 + RANDOM % 1000 * 20))
mkdir -p "$lc_home"
printf 'METRICS_PORT_BASE=%s\n' "$lc_port" > "$lc_home/settings.conf"
"$(dirname "$0")/../tests/standin/build.sh" >/dev/null
lc() { env CONDUIT_SYSROOT="$lc_sys" CONDUIT_HOME="$lc_home" "$bin" "$@"; }
check lifecycle-install lc install --yes --containers 1 --image conduit-standin:test --name "$lc_name"
check lifecycle-binary-copied cmp "$bin" "$lc_sys/usr/local/bin/conduit"
check lifecycle-install-again-unchanged bash -c "CONDUIT_SYSROOT='$lc_sys' CONDUIT_HOME='$lc_home' '$bin' install --yes | grep -q '^nodes .*unchanged'"
check lifecycle-uninstall-purge lc uninstall --purge --yes
check lifecycle-root-clean bash -c "test -z \"\$(find '$lc_sys' -mindepth 1 -not -path '$lc_sys/opt')\""
check lifecycle-nothing-left bash -c "test -z \"\$(docker ps -aq --filter label=io.conduit.instance=$lc_name)\" && test -z \"\$(docker volume ls -q --filter label=io.conduit.instance=$lc_name)\""
# Cleanup even when a check failed.
docker ps -aq --filter "label=io.conduit.instance=$lc_name" | xargs -r docker rm -f >/dev/null 2>&1
docker volume ls -q --filter "label=io.conduit.instance=$lc_name" | xargs -r docker volume rm >/dev/null 2>&1
