#!/usr/bin/env bash
# `scripts/service.sh start|stop pg|redis|temporal`: one service of a stack, started or stopped
# with the stack's own functions (scripts/stack.sh), for the TypeScript tools: the fault drill's
# outages (a real server going away and coming back on the same data) and the benchmarks' Temporal
# server (scripts/lib/services.ts). STATE names the stack's data folder; PG_PORT, REDIS_PORT,
# TEMPORAL_PORT and TEMPORAL_UI_PORT its ports; TEMPORAL_START_FLAGS adds flags to the Temporal
# dev server's (see temporal_start); TEMPORAL_KIND=cluster starts the real server instead
# (scripts/cluster-stack.sh, on the stack's PostgreSQL).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# shellcheck source=stack.sh
source "$ROOT/scripts/stack.sh"
# shellcheck source=cluster-stack.sh
source "$ROOT/scripts/cluster-stack.sh"

STATE=${STATE:?STATE must name the data folder of the stack}
PG_BIN=$(pg_bindir)
ensure_temporal >/dev/null
case "${1:-}:${2:-}" in
  start:pg) pg_start "$STATE/pg" "${PG_PORT:?}" ;;
  stop:pg) pg_stop "$STATE/pg" ;;
  start:redis) redis_start "$STATE/redis" "${REDIS_PORT:?}" ;;
  stop:redis) redis_stop "$STATE/redis" ;;
  start:temporal)
    if [ "${TEMPORAL_KIND:-dev}" = cluster ]; then ensure_cluster_tools; cluster_temporal_start "$STATE/temporal" "${PG_PORT:?}" "${TEMPORAL_PORT:?}"
    else temporal_start "$STATE/temporal" "${TEMPORAL_PORT:?}" "${TEMPORAL_UI_PORT:?}"; fi ;;
  stop:temporal) stop_pidfile temporal 20 ;;
  *) die "usage: scripts/service.sh start|stop pg|redis|temporal (got '$*')" ;;
esac
