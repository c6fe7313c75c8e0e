#!/bin/sh
# Stand-in for Psiphon's `conduit` node CLI, for tests only (no network, no proxying). It speaks the real
# node's command line (2.0 and 1.x flags), keeps conduit_key.json the way the real node does (including the
# dangerous overwrite of an unparsable file), prints [STATS] lines with changing numbers, serves /metrics with
# the real metric names, and stops on SIGTERM with the real messages.
set -u
VERSION=${STANDIN_VERSION:-2.0.0-standin}
TICK=${STANDIN_TICK:-2}

fail() { echo "Error: $*" >&2; exit 1; }
is_int() { case "$1" in ''|*[!0-9-]*) return 1;; esac; }

data=./data cmd= mc=50 mp=0 maxc= bw=40 maddr= stats= legacy=0 modern=0
while [ $# -gt 0 ]; do
  arg=$1 val= has=0
  case "$arg" in --*=*) val=${arg#*=}; arg=${arg%%=*}; has=1;; esac
  need() { if [ $has = 0 ]; then [ $# -ge 2 ] || fail "flag needs an argument: $arg"; val=$2; shift_extra=1; fi; }
  shift_extra=0
  case "$arg" in
    start) [ -z "$cmd" ] || fail "unexpected argument \"$arg\""; cmd=start ;;
    -h|--help) echo "Usage: conduit [command] (stand-in $VERSION)"; exit 0 ;;
    --version) echo "conduit version $VERSION"; exit 0 ;;
    -v|--verbose) ;;
    -d|--data-dir) need "$@"; data=$val ;;
    -m|--max-common-clients) need "$@"; mc=$val; modern=1 ;;
    --max-personal-clients) need "$@"; mp=$val; modern=1 ;;
    --max-clients) need "$@"; maxc=$val; legacy=1 ;;
    -b|--bandwidth) need "$@"; bw=$val ;;
    --metrics-addr) need "$@"; maddr=$val; modern=1 ;;
    -c|--psiphon-config|--set) need "$@" ;;
    -s|--stats-file) legacy=1; if [ $has = 1 ]; then stats=$val; else stats=stats.json; fi ;;
    -*) fail "unknown flag: $arg" ;;
    *) fail "unknown command \"$arg\" for \"conduit\"" ;;
  esac
  shift
  [ $shift_extra = 1 ] && shift
done
[ "$cmd" = start ] || fail "a command is required: conduit start [flags]"
[ $legacy = 1 ] && [ $modern = 1 ] && fail "1.x flags (--max-clients, --stats-file) cannot be mixed with 2.0 flags"
if [ $legacy = 1 ]; then
  is_int "${maxc:-200}" && [ "${maxc:-200}" -ge 1 ] && [ "${maxc:-200}" -le 1000 ] || fail "--max-clients must be between 1 and 1000"
  mc=${maxc:-200}
else
  is_int "$mc" && [ "$mc" -ge 0 ] && [ "$mc" -le 1000 ] || fail "--max-common-clients must be between 0 and 1000"
  is_int "$mp" && [ "$mp" -ge 0 ] && [ "$mp" -le 1000 ] || fail "--max-personal-clients must be between 0 and 1000"
fi
echo "$bw" | awk '{ exit !($0 ~ /^-?[0-9]+(\.[0-9]+)?$/ && ($0 == -1 || $0 >= 1)) }' || fail "--bandwidth must be >= 1 or -1 (unlimited)"

mkdir -p "$data" || fail "cannot create data directory $data"
key=$data/conduit_key.json
key_ok() { # the real node's rule: JSON with privateKeyBase64 decoding to 64 bytes
  b64=$(sed -n 's/.*"privateKeyBase64"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9+/=]*\)".*/\1/p' "$key" 2>/dev/null | head -n 1)
  [ -n "$b64" ] || return 1
  b64=${b64%%=*}
  case $(( ${#b64} % 4 )) in 2) b64="$b64==";; 3) b64="$b64=";; 1) return 1;; esac
  [ "$(printf '%s' "$b64" | base64 -d 2>/dev/null | wc -c)" -eq 64 ]
}
if [ ! -f "$key" ] || ! key_ok; then
  # Like the real node: a missing OR unparsable key is silently replaced by a new identity.
  k=$(head -c 64 /dev/urandom | base64 -w 0 | tr -d '=')
  umask 077
  printf '{"mnemonic":"standin %s","privateKeyBase64":"%s"}\n' "$(date +%s)" "$k" > "$key.tmp" && mv "$key.tmp" "$key"
  umask 022
fi
case "$stats" in ''|/*) ;; *) stats=$data/$stats ;; esac

fmt_bytes() { awk -v b="$1" 'BEGIN { if (b < 1024) { printf "%d B", b; exit } split("KB MB GB TB PB EB", u, " "); i = 0; while (b >= 1024 && i < 6) { b /= 1024; i++ } printf "%.1f %s", b, u[i] }'; }
fmt_uptime() { h=$(($1 / 3600)) m=$(($1 % 3600 / 60)) s=$(($1 % 60)); if [ $h -gt 0 ]; then echo "${h}h${m}m${s}s"; elif [ $m -gt 0 ]; then echo "${m}m${s}s"; else echo "${s}s"; fi; }

www=/tmp/standin-www-$$
httpd_pid=
start=$(date +%s)
bwbps=$(awk -v b="$bw" 'BEGIN { printf "%d", (b == -1 ? 0 : b * 125000) }')
write_metrics() {
  cat > "$www/metrics.tmp" <<M
# HELP conduit_announcing Number of announcements in flight
# TYPE conduit_announcing gauge
conduit_announcing $ann
# TYPE conduit_connecting_clients gauge
conduit_connecting_clients $cing
# TYPE conduit_connected_clients gauge
conduit_connected_clients $cted
# TYPE conduit_is_live gauge
conduit_is_live 1
# TYPE conduit_max_common_clients gauge
conduit_max_common_clients $mc
# TYPE conduit_max_personal_clients gauge
conduit_max_personal_clients $mp
# TYPE conduit_bandwidth_limit_bytes_per_second gauge
conduit_bandwidth_limit_bytes_per_second $bwbps
# TYPE conduit_bytes_uploaded gauge
conduit_bytes_uploaded $up
# TYPE conduit_bytes_downloaded gauge
conduit_bytes_downloaded $down
# TYPE conduit_region_bytes_uploaded gauge
conduit_region_bytes_uploaded{scope="common",region="US"} $((up / 2))
conduit_region_bytes_uploaded{scope="common",region="DE"} $((up - up / 2))
# TYPE conduit_region_bytes_downloaded gauge
conduit_region_bytes_downloaded{scope="common",region="US"} $((down / 2))
conduit_region_bytes_downloaded{scope="common",region="DE"} $((down - down / 2))
# TYPE conduit_region_connecting_clients gauge
conduit_region_connecting_clients{scope="common",region="US"} $cing
# TYPE conduit_region_connected_clients gauge
conduit_region_connected_clients{scope="common",region="US"} $((cted - cted / 2))
conduit_region_connected_clients{scope="common",region="DE"} $((cted / 2))
# TYPE conduit_uptime_seconds gauge
conduit_uptime_seconds $uptime
# TYPE conduit_idle_seconds gauge
conduit_idle_seconds 0
# TYPE conduit_build_info gauge
conduit_build_info{version="$VERSION"} 1
M
  mv "$www/metrics.tmp" "$www/metrics"
}

stop() {
  echo "Shutting down..."
  [ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
  rm -rf "$www"
  echo "Stopped."
  exit 0
}
trap stop TERM INT

n=0 ann=0 cing=0 cted=0 up=0 down=0 uptime=0
if [ -n "$maddr" ]; then
  mkdir -p "$www" && write_metrics
  httpd -f -p "$maddr" -h "$www" &
  httpd_pid=$!
fi
echo "Conduit stand-in $VERSION starting (max clients $mc, bandwidth $bw)"
while :; do
  n=$((n + 1))
  now=$(date +%s); uptime=$((now - start))
  ann=$((n % 3)) cing=$((n % 4)) cted=$((n % 7 + 1))
  up=$((up + n * 1537)) down=$((down + n * 4099))
  [ -n "$maddr" ] && write_metrics
  ts=$(date '+%Y-%m-%d %H:%M:%S')
  if [ $legacy = 1 ]; then
    echo "$ts [STATS] Connecting: $cing | Connected: $cted | Up: $(fmt_bytes $up) | Down: $(fmt_bytes $down) | Uptime: $(fmt_uptime $uptime)"
    if [ -n "$stats" ]; then
      printf '{"announcing":%d,"connectingClients":%d,"connectedClients":%d,"totalBytesUp":%d,"totalBytesDown":%d,"uptimeSeconds":%d,"idleSeconds":0,"isLive":true,"timestamp":"%s"}\n' \
        $ann $cing $cted $up $down $uptime "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" > "$stats.tmp" && mv "$stats.tmp" "$stats"
    fi
  else
    echo "$ts [STATS] Announcing: $ann | Connecting: $cing | Connected: $cted | Up: $(fmt_bytes $up) | Down: $(fmt_bytes $down) | Uptime: $(fmt_uptime $uptime) | Regions: common[US(conn:$((cted - cted / 2))|traffic:$(fmt_bytes $((up / 2)))), DE(conn:$((cted / 2))|traffic:$(fmt_bytes $((up - up / 2))))]"
  fi
  sleep "$TICK" &
  wait $!
done
