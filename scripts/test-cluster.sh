#!/usr/bin/env bash
# `./dev test-cluster`: the saga, API and migration suites (test/workflows, test/api,
# test/migration) and the operator's browser test (test/browser, in the cluster's Web UI server)
# against the production-shaped Temporal cluster (scripts/cluster-stack.sh) on throw-away
# PostgreSQL and Redis, instead of the dev server. The time-skipping suite stays with `./dev test`:
# it runs on a test server of its own, never on a cluster. Extra arguments replace the suites
# (jest paths or options).
#
# Ports: TEST_CLUSTER_PORT_BASE (default 19000): base+433 PostgreSQL, base+380 Redis, base+233 the
# Temporal frontend (its other ports base+243 to base+251), base+234 the Web UI, base+111 stripe-mock. Data under
# .dev/test-cluster/, wiped at every run.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# shellcheck source=stack.sh
source "$ROOT/scripts/stack.sh"
# shellcheck source=cluster-stack.sh
source "$ROOT/scripts/cluster-stack.sh"
# shellcheck source=stripe-mock.sh
source "$ROOT/scripts/stripe-mock.sh"

STATE="$ROOT/.dev/test-cluster"
BASE=${TEST_CLUSTER_PORT_BASE:-19000}
PG_PORT=$((BASE + 433))
REDIS_PORT=$((BASE + 380))
TEMPORAL_PORT=$((BASE + 233))
TEMPORAL_UI_PORT=$((BASE + 234))
STRIPE_MOCK_PORT=$((BASE + 111))
SUITES=(test/workflows test/api test/migration test/browser)

started=$SECONDS
ensure_node_modules
ensure_temporal
ensure_postgres
ensure_redis
ensure_chromium
ensure_cluster_tools
ensure_stripe_mock

stop_all() { stop_pidfile ui 10; stop_pidfile temporal 20; stop_pidfile stripe-mock 5; redis_stop "$STATE/redis"; pg_stop "$STATE/pg"; }
cleanup() {
  local rc=$?
  stop_all
  exit $rc
}
mkdir -p "$STATE"; stop_all; pg_remove "$STATE/pg"; rm -rf "$STATE"; mkdir -p "$STATE"
trap cleanup EXIT
trap 'exit 130' INT TERM

step "test services: PostgreSQL $PG_PORT, Redis $REDIS_PORT, Temporal server $TEMPORAL_SERVER_VERSION on $TEMPORAL_PORT ($CLUSTER_HISTORY_SHARDS shards), its UI on $TEMPORAL_UI_PORT, stripe-mock on $STRIPE_MOCK_PORT"
PG_FSYNC=off pg_start "$STATE/pg" "$PG_PORT"
redis_start "$STATE/redis" "$REDIS_PORT"
cluster_temporal_start "$STATE/temporal" "$PG_PORT" "$TEMPORAL_PORT"
cluster_namespace "$TEMPORAL_PORT"
cluster_ui_start "$STATE/ui" "$TEMPORAL_UI_PORT" "$TEMPORAL_PORT"
stripe_mock_start "$STATE/stripe-mock" "$STRIPE_MOCK_PORT"
say "    cluster ready after $((SECONDS - started)) s"

export DATABASE_URL="postgres://ordersaga:ordersaga@127.0.0.1:$PG_PORT/ordersaga"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
export TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" TEMPORAL_NAMESPACE=$CLUSTER_NAMESPACE
export NODE_ENV=test LOG_LEVEL=${LOG_LEVEL:-warn}
export TEMPORAL_UI_URL="http://127.0.0.1:$TEMPORAL_UI_PORT"
export REDIS_SERVER_PID_FILE="$STATE/redis/redis.pid" PG_DATA_DIR="$STATE/pg" PG_BIN

cd "$ROOT"
step "tests against the cluster"
[ $# -gt 0 ] && SUITES=("$@")
status=0
# Array options take `=`: jest would read the paths after them as more of their values. The
# schemathesis run checks the API against its document, whatever Temporal runs: `./dev test` has it.
# So do the suites that kill a worker process (order-worker-restart, change-worker-kill,
# return-worker-kill): they wait out the server's heartbeat and workflow-task timeouts, the same
# server code on both, for 230 s of the run here; `./dev drill --cluster` kills workers on a cluster.
npx jest --selectProjects=integration '--testPathIgnorePatterns=order-parking-timeouts|schemathesis|worker-restart|worker-kill' --ci "${SUITES[@]}" || status=1
say "    test-cluster took $((SECONDS - started)) s"
if [ $status -ne 0 ]; then echo "dev test-cluster: FAILED" >&2; exit 1; fi
echo "dev test-cluster: all checks passed"
