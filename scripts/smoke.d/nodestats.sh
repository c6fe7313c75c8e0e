# Smoke checks for the cluster views (sourced by scripts/smoke.sh: $bin, $root, check).
check views-bad-interval-exit-2 bash -c "'$bin' dashboard --interval 0; test \$? -eq 2"
check logs-bad-container-exit-2 bash -c "'$bin' logs first; test \$? -eq 2"
if docker image inspect conduit-standin:test >/dev/null 2>&1; then
  ns_name=smokens$RANDOM$RANDOM
  ns_base=$((20000 + RANDOM % 30000))
  mkdir -p "$CONDUIT_HOME"
  printf 'CONTAINER_NAME=%s\nCONTAINER_COUNT=2\nCONDUIT_IMAGE=conduit-standin:test\nMETRICS_PORT_BASE=%s\nTRACK_STATUS_ADDR=127.0.0.1:1\n' "$ns_name" "$ns_base" >"$CONDUIT_HOME/settings.conf"
  check views-start "$bin" start
  # Wait (bounded) until both nodes answer on their metrics endpoints, then check the enriched status.
  check views-status-json bash -c "for i in \$(seq 1 100); do out=\$('$bin' status --json) && grep -q '\"all_nodes_reported\": true' <<<\"\$out\" && [[ \$(grep -c '\"stats_source\": \"metrics\"' <<<\"\$out\") == 2 ]] && exit 0; sleep 0.3; done; echo \"\$out\"; exit 1"
  check views-status-totals bash -c "'$bin' status --json | tr -d ' \n' | grep -Eq '\"totals\":\{[^}]*\"containers\":2,\"running\":2,\"connected\":[0-9]+,\"connecting\":[0-9]+,\"announcing\":[0-9]+,\"bytes_up\":[0-9]+,\"bytes_down\":[0-9]+'"
  check views-stats-live bash -c "'$bin' stats --live --count 1 | grep -Eq '\[CLUSTER\] Containers: 2/2 \| Announcing: [0-9]+ \| Connecting: [0-9]+ \| Connected: [0-9]+ \| Up: '"
  check views-logs bash -c "'$bin' logs all --tail all | grep -q '^$ns_name-2 | Conduit stand-in'"
  check views-peers bash -c "'$bin' peers | grep -q 'tracker not running'"
  "$bin" scale 0 --purge --yes >/dev/null 2>&1
  docker ps -aq --filter "label=io.conduit.instance=$ns_name" | xargs -r docker rm -f >/dev/null
  docker volume rm -f "$ns_name-data" "$ns_name-data-2" >/dev/null 2>&1
fi
