#!/usr/bin/env bash
# `./dev up --cluster` and its companions: the same stack as `./dev up`, but Temporal is the real
# server (go.temporal.io/server) on PostgreSQL with 8 history shards, its Web UI server, and two
# workers and two API processes. Data under .dev/cluster/, apart from `./dev up`'s.
#   scripts/cluster.sh up | down | status | env | logs [part]
#
# Ports: the same variables as `./dev up` (API_PORT, METRICS_PORT, WORKER_METRICS_PORT, PG_PORT,
# REDIS_PORT, TEMPORAL_PORT, TEMPORAL_UI_PORT), so run one of the two at a time. The second API
# listens on API_PORT+1; the second process of each kind adds 10 to its metrics port; a worker's
# health endpoints are on its metrics port + 1; the Temporal server's own ports are TEMPORAL_PORT+10
# to +18 (scripts/cluster-stack.sh, cluster_ports).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# shellcheck source=stack.sh
source "$ROOT/scripts/stack.sh"
# shellcheck source=cluster-stack.sh
source "$ROOT/scripts/cluster-stack.sh"

STATE="$ROOT/.dev/cluster"
API_PORT=${API_PORT:-3000}
METRICS_PORT=${METRICS_PORT:-9464}
WORKER_METRICS_PORT=${WORKER_METRICS_PORT:-9465}
PG_PORT=${PG_PORT:-5433}
REDIS_PORT=${REDIS_PORT:-6380}
TEMPORAL_PORT=${TEMPORAL_PORT:-7233}
TEMPORAL_UI_PORT=${TEMPORAL_UI_PORT:-8233}
PROCESSES=(1 2)

api_port() { echo $((API_PORT + $1 - 1)); }
api_metrics_port() { echo $((METRICS_PORT + 10 * ($1 - 1))); }
worker_metrics_port() { echo $((WORKER_METRICS_PORT + 10 * ($1 - 1))); }
worker_health_port() { echo $(($(worker_metrics_port "$1") + 1)); }

# What every process of the cluster reads; also the hook for tools that drive it (`env`).
cluster_env() {
  export DATABASE_URL="postgres://ordersaga:ordersaga@127.0.0.1:$PG_PORT/ordersaga"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  export TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT"
  export TEMPORAL_NAMESPACE=$CLUSTER_NAMESPACE
  export TEMPORAL_UI_URL="http://127.0.0.1:$TEMPORAL_UI_PORT"
  export API_URL="http://127.0.0.1:$(api_port 1)"
  API_URLS=$(for i in "${PROCESSES[@]}"; do printf 'http://127.0.0.1:%s,' "$(api_port "$i")"; done)
  export API_URLS=${API_URLS%,}
  export WORKFLOW_BUNDLE_PATH="$ROOT/dist/workflow-bundle.js"
  export CLUSTER_STATE=$STATE
  local key="$STATE/payload-key"
  [ -f "$key" ] || (mkdir -p "$STATE" && umask 077 && echo "cluster1:$(head -c 32 /dev/urandom | base64)" >"$key")
  PAYLOAD_ENCRYPTION_KEYS=${PAYLOAD_ENCRYPTION_KEYS:-$(cat "$key")}
  export PAYLOAD_ENCRYPTION_KEYS
  # The UI decodes payloads through the first API; the APIs let the UI's origin call /codec.
  export CODEC_CORS_ORIGINS="$TEMPORAL_UI_URL,http://localhost:$TEMPORAL_UI_PORT"
}

cmd_up() {
  ensure_node_modules
  ensure_temporal
  ensure_postgres
  ensure_redis
  ensure_cluster_tools
  mkdir -p "$STATE/logs"
  cluster_env
  step "PostgreSQL on $PG_PORT"; pg_start "$STATE/pg" "$PG_PORT"
  step "Redis on $REDIS_PORT"; redis_start "$STATE/redis" "$REDIS_PORT"
  step "Temporal server $TEMPORAL_SERVER_VERSION on $TEMPORAL_PORT ($CLUSTER_HISTORY_SHARDS history shards, PostgreSQL persistence and visibility)"
  cluster_temporal_start "$STATE/temporal" "$PG_PORT" "$TEMPORAL_PORT"
  step "namespace $CLUSTER_NAMESPACE and the search attributes OrderStatus, CustomerId, OrderTotal"
  cluster_namespace "$TEMPORAL_PORT"
  step "Temporal UI server $TEMPORAL_UI_SERVER_VERSION on $TEMPORAL_UI_PORT"
  cluster_ui_start "$STATE/ui" "$TEMPORAL_UI_PORT" "$TEMPORAL_PORT" "$API_URL/codec"
  step "building (tsc + workflow bundle)"
  (cd "$ROOT" && npm run --silent build) >"$STATE/logs/build.log" 2>&1 || { tail -n 40 "$STATE/logs/build.log" >&2; die "build failed"; }
  step "applying database migrations"
  node "$ROOT/dist/scripts/migrate.js" >"$STATE/logs/migrate.log" 2>&1 || die "database migrations failed (see $STATE/logs/migrate.log)"
  local i
  for i in "${PROCESSES[@]}"; do
    pid_alive "$STATE/worker-$i.pid" && continue
    require_free_port "$(worker_metrics_port "$i")" "worker $i's metrics" WORKER_METRICS_PORT
    require_free_port "$(worker_health_port "$i")" "worker $i's health endpoints" WORKER_METRICS_PORT
    step "starting worker $i"
    METRICS_PORT=$(worker_metrics_port "$i") HEALTH_PORT=$(worker_health_port "$i") \
      spawn "worker-$i" "$STATE/logs/worker-$i.log" node "$ROOT/dist/workers/main.js"
  done
  for i in "${PROCESSES[@]}"; do
    pid_alive "$STATE/api-$i.pid" && continue
    require_free_port "$(api_port "$i")" "API $i" API_PORT
    require_free_port "$(api_metrics_port "$i")" "API $i's metrics" METRICS_PORT
    step "starting API $i"
    API_PORT=$(api_port "$i") METRICS_PORT=$(api_metrics_port "$i") spawn "api-$i" "$STATE/logs/api-$i.log" node "$ROOT/dist/api/main.js"
  done
  for i in "${PROCESSES[@]}"; do
    wait_for "worker $i" 90 curl -fsS "http://127.0.0.1:$(worker_health_port "$i")/health/ready" \
      || die "worker $i did not become ready; see $STATE/logs/worker-$i.log"
    wait_for "API $i" 90 curl -fsS "http://127.0.0.1:$(api_port "$i")/health/ready" \
      || die "API $i did not become ready; see $STATE/logs/api-$i.log"
  done
  cat <<EOF

ordersaga is up on a Temporal cluster.
  API            $API_URL and http://127.0.0.1:$(api_port 2) (two processes: API_URLS=$API_URLS)
  API docs       $API_URL/docs
  Temporal UI    $TEMPORAL_UI_URL (codec endpoint $API_URL/codec; sign in at $API_URL/codec/session)
  Temporal       $TEMPORAL_ADDRESS, namespace $TEMPORAL_NAMESPACE, $CLUSTER_HISTORY_SHARDS history shards; server metrics http://127.0.0.1:$CLUSTER_METRICS_PORT/metrics
  Workers        2 (metrics :$(worker_metrics_port 1), :$(worker_metrics_port 2); health :$(worker_health_port 1), :$(worker_health_port 2))
  Dev client     dev-client / dev-secret (POST $API_URL/oauth/token)
  Settings       eval "\$(./dev env --cluster)"
EOF
}

cmd_down() {
  PG_BIN=$(pg_bindir)
  step "stopping the cluster"
  local i
  for i in "${PROCESSES[@]}"; do stop_pidfile "api-$i" 20; done
  for i in "${PROCESSES[@]}"; do stop_pidfile "worker-$i" 40; done
  stop_pidfile ui 10
  stop_pidfile temporal 30
  [ -d "$STATE/redis" ] && redis_stop "$STATE/redis"
  [ -d "$STATE/pg" ] && pg_stop "$STATE/pg"
  say "stopped"
}

cmd_status() {
  PG_BIN=$(pg_bindir)
  cluster_env
  cluster_ports "$TEMPORAL_PORT"
  local line part
  line() { printf '  %-12s %s\n' "$1" "$2"; }
  say "cluster (.dev/cluster):"
  if [ -n "$PG_BIN" ] && pg_running "$STATE/pg"; then line postgres "running on $PG_PORT"; else line postgres stopped; fi
  if pid_alive "$STATE/redis/redis.pid"; then line redis "running on $REDIS_PORT"; else line redis stopped; fi
  for part in temporal ui worker-1 worker-2 api-1 api-2; do
    if pid_alive "$STATE/$part.pid"; then line "$part" "running (pid $(cat "$STATE/$part.pid"))"; else line "$part" stopped; fi
  done
  local ready=()
  for i in "${PROCESSES[@]}"; do
    curl -fsS "http://127.0.0.1:$(worker_health_port "$i")/health/ready" >/dev/null 2>&1 && ready+=("worker-$i")
    curl -fsS "http://127.0.0.1:$(api_port "$i")/health/ready" >/dev/null 2>&1 && ready+=("api-$i")
  done
  line ready "${ready[*]:-none}"
}

cmd_env() {
  ensure_temporal >/dev/null
  cluster_env
  for v in API_URL API_URLS DATABASE_URL REDIS_URL TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_UI_URL PAYLOAD_ENCRYPTION_KEYS CLUSTER_STATE TEMPORAL_CLI; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}

cmd_logs() {
  local part=${1:-}
  local -A files=([temporal]="$STATE/temporal/temporal.log" [ui]="$STATE/ui/ui.log" [postgres]="$STATE/pg/postgres.log" [redis]="$STATE/redis/redis.log")
  for i in "${PROCESSES[@]}"; do files[api-$i]="$STATE/logs/api-$i.log"; files[worker-$i]="$STATE/logs/worker-$i.log"; done
  if [ -z "$part" ]; then
    local all=(); for f in "${files[@]}"; do [ -f "$f" ] && all+=("$f"); done
    [ ${#all[@]} -gt 0 ] || die "no logs yet: run ./dev up --cluster"
    exec tail -n 50 -F "${all[@]}"
  fi
  [ -n "${files[$part]:-}" ] || die "unknown part '$part' (${!files[*]})"
  exec tail -n 100 -F "${files[$part]}"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  env) shift; cmd_env "$@" ;;
  logs) shift; cmd_logs "$@" ;;
  *) die "usage: scripts/cluster.sh up|down|status|env|logs [part]" ;;
esac
