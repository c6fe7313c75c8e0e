# Host layer smoke checks (sourced by scripts/smoke.sh: $bin, $root, check, CONDUIT_HOME/CONDUIT_SYSROOT set).
host_nginx=$root/etc/nginx
mkdir -p "$host_nginx" "$CONDUIT_HOME"
cat >"$host_nginx/nginx.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
pid $host_nginx/nginx.pid;
error_log $host_nginx/error.log;
events { worker_connections 768; }
NGINX
cat >"$CONDUIT_HOME/settings.conf" <<SETTINGS
NETWORK_MODE=bridge
CONTAINER_COUNT=3
NGINX_PREFIX=/etc/nginx
NGINX_LISTEN_ADDRESS=127.0.0.1
SETTINGS
check host-nginx-generate-passes-nginx-t bash -c "
  '$bin' nginx generate >'$host_nginx/gen.conf' &&
  printf 'load_module /usr/lib/nginx/modules/ngx_stream_module.so;\npid $host_nginx/t.pid;\nerror_log stderr;\nevents { worker_connections 30000; }\nstream { include $host_nginx/gen.conf; }\n' >'$host_nginx/t.conf' &&
  nginx -t -q -p '$host_nginx' -c '$host_nginx/t.conf'"
check host-nginx-apply-no-reload bash -c "'$bin' nginx apply --no-reload && grep -q 'include $host_nginx/stream.d/\*.conf;' '$host_nginx/nginx.conf' && '$bin' nginx check"
check host-nginx-remove-restores bash -c "'$bin' nginx remove --no-reload && ! grep -q conduit '$host_nginx/nginx.conf'"
check host-nginx-status-host-mode bash -c "CONDUIT_HOME=$root/hostmode '$bin' nginx status | grep -q 'NETWORK_MODE=host: no load balancer'"
check host-tune-check bash -c "'$bin' tune check --json | grep -q '\"net.core.somaxconn\"'"
check host-tune-dry-run-writes-nothing bash -c "'$bin' tune apply --dry-run >/dev/null && test ! -e '$root/etc/sysctl.d'"
check host-services-cron bash -c "'$bin' services install --mode cron >/dev/null && grep -q 'conduit watchdog' '$root/etc/cron.d/conduit' && '$bin' services remove >/dev/null && test ! -e '$root/etc/cron.d/conduit'"
check host-services-systemd-files bash -c "'$bin' services install --mode systemd >/dev/null && test -f '$root/etc/systemd/system/conduit-health.timer' && '$bin' services status --mode systemd >/dev/null && '$bin' services remove >/dev/null"
check host-watchdog-host-mode bash -c "CONDUIT_HOME=$root/hostmode '$bin' watchdog --quiet"
