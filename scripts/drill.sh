#!/usr/bin/env bash
# `./dev drill [--orders N] [--short | --cluster]`: the fault drill (scripts/drill/) on services of its own.
# This wrapper owns the services: it starts PostgreSQL, Redis and the Temporal dev server with
# the stack's functions (scripts/stack.sh) on the drill's ports with data under .dev/drill/,
# applies the migrations, bundles the workflows, runs the drill, and stops everything it started.
# The drill stops and starts the services through scripts/service.sh (STATE and the ports are
# exported for it), the same functions, so an outage is a real server going away and coming back
# on the same data.
#
# DRILL_STATE (default .dev/drill) and DRILL_PORT_BASE (default 27000) let a second drill (the
# test suite's short one) run beside the first. Ports: base+433 PostgreSQL, base+380 Redis,
# base+233 Temporal (UI base+234), base+300 API (metrics base+464), worker metrics base+465,
# the webhook receiver base+520.
#
# --cluster: the drill on the real Temporal server (scripts/cluster-stack.sh, on the drill's
# PostgreSQL, its own ports from base+243), with two workers and two APIs (the second API on
# base+301, the second process of each kind adding 10 to its metrics port).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# shellcheck source=stack.sh
source "$ROOT/scripts/stack.sh"
# shellcheck source=cluster-stack.sh
source "$ROOT/scripts/cluster-stack.sh"

TEMPORAL_KIND=dev
for arg in "$@"; do [ "$arg" = --cluster ] && TEMPORAL_KIND=cluster; done
export TEMPORAL_KIND

STATE=${DRILL_STATE:-$ROOT/.dev/drill}
BASE=${DRILL_PORT_BASE:-27000}
PG_PORT=$((BASE + 433))
REDIS_PORT=$((BASE + 380))
TEMPORAL_PORT=$((BASE + 233))
TEMPORAL_UI_PORT=$((BASE + 234))
export DRILL_STATE=$STATE DRILL_PORT_BASE=$BASE STATE PG_PORT REDIS_PORT TEMPORAL_PORT TEMPORAL_UI_PORT

ensure_node_modules
ensure_temporal
ensure_postgres
ensure_redis
[ $TEMPORAL_KIND = cluster ] && ensure_cluster_tools

stop_all() {
  local name
  for name in api api-1 api-2 worker worker-1 worker-2 webhook-receiver; do stop_pidfile $name 10; done
  stop_pidfile temporal 10
  redis_stop "$STATE/redis"
  pg_stop "$STATE/pg"
}
cleanup() {
  local rc=$?
  stop_all
  exit $rc
}
# Leftovers of an interrupted drill are stopped first; every drill starts from empty data.
mkdir -p "$STATE"; stop_all; pg_remove "$STATE/pg"; rm -rf "$STATE"; mkdir -p "$STATE/logs"
trap cleanup EXIT
trap 'exit 130' INT TERM

step "drill services: PostgreSQL $PG_PORT, Redis $REDIS_PORT, Temporal $TEMPORAL_PORT (data in ${STATE#"$ROOT"/})"
if [ $TEMPORAL_KIND = cluster ]; then
  pg_start "$STATE/pg" "$PG_PORT"
  redis_start "$STATE/redis" "$REDIS_PORT"
  cluster_temporal_start "$STATE/temporal" "$PG_PORT" "$TEMPORAL_PORT"
  cluster_namespace "$TEMPORAL_PORT"
  export DATABASE_URL="postgres://ordersaga:ordersaga@127.0.0.1:$PG_PORT/ordersaga" REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  export TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" TEMPORAL_NAMESPACE=$CLUSTER_NAMESPACE
else
  start_local_services "$PG_PORT" "$REDIS_PORT" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"
fi

export NODE_ENV=development LOG_LEVEL=${DRILL_LOG_LEVEL:-warn}
export PAYLOAD_ENCRYPTION_KEYS="drill:$(head -c 32 /dev/urandom | base64)"

cd "$ROOT"
step "migrations and the workflow bundle"
node --import tsx scripts/migrate.ts >"$STATE/logs/migrate.log" 2>&1 || die "database migrations failed (see $STATE/logs/migrate.log)"
node --import tsx scripts/bundle-workflows.ts "$STATE/workflow-bundle.js" >"$STATE/logs/bundle.log" 2>&1 || die "bundling the workflows failed (see $STATE/logs/bundle.log)"
export WORKFLOW_BUNDLE_PATH="$STATE/workflow-bundle.js"

step "drill"
set +e
node --import tsx scripts/drill/main.ts "$@"
rc=$?
set -e
exit $rc
