#!/usr/bin/env bash
# `./dev test`: lint, type-check and every test, on throw-away services with ports of their own
# (so it runs beside `./dev up`). Stops what it started; exits non-zero when anything failed.
# Extra arguments go to jest (e.g. `./dev test test/order-saga.test.ts`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# shellcheck source=stack.sh
source "$ROOT/scripts/stack.sh"
# shellcheck source=cluster-stack.sh
source "$ROOT/scripts/cluster-stack.sh"
# shellcheck source=stripe-mock.sh
source "$ROOT/scripts/stripe-mock.sh"

STATE="$ROOT/.dev/test"
PG_PORT=${TEST_PG_PORT:-15433}
REDIS_PORT=${TEST_REDIS_PORT:-16380}
TEMPORAL_PORT=${TEST_TEMPORAL_PORT:-17233}
TEMPORAL_UI_PORT=${TEST_TEMPORAL_UI_PORT:-18233}
STRIPE_MOCK_PORT=${TEST_STRIPE_MOCK_PORT:-18111}

ensure_node_modules
ensure_temporal
ensure_postgres
ensure_redis
ensure_chromium
ensure_manifest_tools
ensure_schemathesis
ensure_stripe_mock

cleanup() {
  local rc=$?
  stop_pidfile temporal 10
  stop_pidfile stripe-mock 5
  redis_stop "$STATE/redis"
  pg_stop "$STATE/pg"
  exit $rc
}
# Leftovers of an interrupted run are stopped first; every run starts from empty data.
cleanup_quiet() { stop_pidfile temporal 5; stop_pidfile stripe-mock 5; redis_stop "$STATE/redis"; pg_stop "$STATE/pg"; }
mkdir -p "$STATE"; cleanup_quiet; pg_remove "$STATE/pg"; rm -rf "$STATE"; mkdir -p "$STATE"
trap cleanup EXIT
trap 'exit 130' INT TERM

step "test services: PostgreSQL $PG_PORT, Redis $REDIS_PORT, Temporal $TEMPORAL_PORT"
PG_FSYNC=off start_local_services "$PG_PORT" "$REDIS_PORT" "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT"
step "stripe-mock $STRIPE_MOCK_VERSION on $STRIPE_MOCK_PORT"
stripe_mock_start "$STATE/stripe-mock" "$STRIPE_MOCK_PORT"

export NODE_ENV=test LOG_LEVEL=${LOG_LEVEL:-warn}
export TEMPORAL_UI_URL="http://127.0.0.1:$TEMPORAL_UI_PORT"
export REDIS_SERVER_PID_FILE="$STATE/redis/redis.pid" PG_DATA_DIR="$STATE/pg" PG_BIN

cd "$ROOT"
failed=0
if [ $# -eq 0 ]; then
  step "lint"; npx eslint --max-warnings 0 . || failed=1
  # Twice: the build's config (what `./dev up` compiles) has no jest types, so a bench or script
  # that reaches into test code fails there only.
  step "type-check"; npx tsc -p tsconfig.json --noEmit || failed=1; npx tsc -p tsconfig.build.json --noEmit || failed=1
fi
step "tests"
npx jest --ci "$@" || failed=1
if [ $failed -ne 0 ]; then echo "dev test: FAILED" >&2; exit 1; fi
echo "dev test: all checks passed"
