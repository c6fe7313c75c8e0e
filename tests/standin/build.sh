#!/usr/bin/env bash
# Builds the stand-in node images conduit-standin:test (2.0.0-standin) and conduit-standin:test2
# (2.0.1-standin, for update tests). Idempotent: skips the build when the images already carry the hash of
# their inputs. Needs a running Docker engine and busybox-static.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || { echo "standin: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
file "$busybox" 2>/dev/null | grep -q 'static' || ldd "$busybox" 2>&1 | grep -q 'not a dynamic' \
  || { echo "standin: $busybox is not statically linked (install busybox-static)" >&2; exit 1; }
hash=$(cat "$here/Dockerfile" "$here/conduit.sh" "$busybox" | sha256sum | cut -c1-16)
build() { # tag version
  local tag=$1 version=$2
  if [[ $(docker image inspect "$tag" --format '{{index .Config.Labels "conduit.standin.hash"}}' 2>/dev/null) == "$hash" ]]; then
    return
  fi
  local ctx
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' RETURN
  cp "$here/Dockerfile" "$here/conduit.sh" "$ctx/"
  cp "$busybox" "$ctx/busybox"
  DOCKER_BUILDKIT=1 /usr/bin/docker build -q --build-arg "STANDIN_VERSION=$version" \
    --label "conduit.standin.hash=$hash" -t "$tag" "$ctx" >/dev/null
  echo "standin: built $tag ($version)"
}
build conduit-standin:test 2.0.0-standin
build conduit-standin:test2 2.0.1-standin
