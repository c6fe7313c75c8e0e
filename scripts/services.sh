#!/usr/bin/env bash
# Starts the services the tests need when nothing else runs them (no systemd here): the Docker engine,
# and the BPF filesystem. Idempotent; waits for readiness instead of sleeping.
set -euo pipefail

log_dir=${CONDUIT_SERVICES_LOG:-/var/log}

docker_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

wait_for() { # seconds, command...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

if ! docker_up; then
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl start docker
  else
    for driver in overlay2 vfs; do
      echo "services: starting dockerd (storage driver $driver)"
      dockerd --storage-driver="$driver" >"$log_dir/dockerd.log" 2>&1 &
      if wait_for 30 docker_up; then break; fi
      echo "services: dockerd with $driver did not come up; see $log_dir/dockerd.log" >&2
      kill %% 2>/dev/null || true
      wait_for 10 bash -c '! pgrep -x dockerd >/dev/null' || true
      rm -f /var/run/docker.pid
    done
  fi
  docker_up || { echo "services: Docker engine is not answering" >&2; exit 1; }
fi
echo "services: docker $(docker version --format '{{.Server.Version}}')"

if [[ -d /sys/fs/bpf ]] && ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpf /sys/fs/bpf || echo "services: could not mount bpffs (eBPF tests will say why)" >&2
fi
