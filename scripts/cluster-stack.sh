# shellcheck shell=bash
# The production-shaped Temporal cluster's building blocks, sourced after scripts/stack.sh by
# scripts/cluster.sh (`./dev up --cluster`) and scripts/test-cluster.sh (`./dev test-cluster`):
# Go tools built once per version, the Temporal server on PostgreSQL (schemas created with the
# server's own SQL tool), the namespace and search attributes, and the Web UI server.

TEMPORAL_SERVER_VERSION=v1.32.2     # go.temporal.io/server: the minor of the CLI's dev server (1.32)
TEMPORAL_UI_SERVER_VERSION=v2.56.4  # github.com/temporalio/ui-server/v2 (v2.58.x needs module versions the proxy refuses)
KUSTOMIZE_VERSION=v5.8.2            # sigs.k8s.io/kustomize/kustomize/v5 (renders deploy/k8s in tests; v5.8.3 needs a module version the proxy refuses)
KUBERNETES_VALIDATE_VERSION=1.37.0  # PyPI kubernetes-validate: the Kubernetes schemas, offline
GO_TOOLCHAIN=go1.27.3               # these modules need Go >= 1.26.10; `go` fetches this toolchain
CLUSTER_HISTORY_SHARDS=8            # fixed when the cluster's database is created
CLUSTER_NAMESPACE=default
# Built binaries live outside the clone, one folder per tool and version, so every clone on the
# machine (and CI's fresh clone) reuses them; set ORDERSAGA_CACHE to put them elsewhere.
ORDERSAGA_CACHE=${ORDERSAGA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ordersaga}

# ---------------------------------------------------------------- Go tools

# Builds Go commands once into $ORDERSAGA_CACHE/<name>-<version>/ (each binary named as `go
# install` names it), niced (the cores are shared), printing progress while the compiler runs. The
# folder appears only when the build succeeded, so a second call finds it and builds nothing.
go_tool() { # name package@version [package@version...] (one module, one version)
  local name=$1; shift
  local version=${1##*@}
  local dir="$ORDERSAGA_CACHE/$name-$version"
  [ -d "$dir" ] && return 0
  command -v go >/dev/null || die "Go is required to build $name (go not found on PATH; any Go >= 1.21 fetches the $GO_TOOLCHAIN toolchain)"
  mkdir -p "$ORDERSAGA_CACHE"
  # One build per tool at a time, even across clones: the second waits, then finds the folder.
  local lock
  exec {lock}>"$ORDERSAGA_CACHE/.$name.lock"
  flock "$lock"
  if [ ! -d "$dir" ]; then
    local tmp; tmp=$(mktemp -d "$ORDERSAGA_CACHE/.build-$name.XXXXXX")
    local log="$tmp/build.log" started=$SECONDS
    step "building $name $version with Go into ${dir/#$HOME/\~} (once per machine; a few minutes)"
    GOTOOLCHAIN=$GO_TOOLCHAIN GOBIN="$tmp/bin" nice -n 10 go install -v "$@" >"$log" 2>&1 &
    local pid=$! next=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
      sleep 1
      if [ $SECONDS -ge $next ]; then
        say "    $name: $(grep -vc '^go: ' "$log") packages compiled, $((SECONDS - started)) s"
        next=$((SECONDS + 20))
      fi
    done
    if ! wait "$pid"; then
      tail -n 30 "$log" >&2
      die "building $name failed (full output in $log)"
    fi
    mv "$tmp/bin" "$dir"
    rm -rf "$tmp"
    say "    $name built in $((SECONDS - started)) s"
  fi
  exec {lock}>&-
}

# The Temporal server, its SQL tool and the Web UI server.
ensure_cluster_tools() {
  go_tool temporal-server "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  go_tool temporal-ui-server "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_SERVER_VERSION"
  local server_dir="$ORDERSAGA_CACHE/temporal-server-$TEMPORAL_SERVER_VERSION"
  TEMPORAL_SERVER_BIN="$server_dir/server"
  TEMPORAL_SQL_TOOL="$server_dir/sql"
  TEMPORAL_UI_SERVER_BIN="$ORDERSAGA_CACHE/temporal-ui-server-$TEMPORAL_UI_SERVER_VERSION/server"
  [ -x "$TEMPORAL_SERVER_BIN" ] && [ -x "$TEMPORAL_SQL_TOOL" ] && [ -x "$TEMPORAL_UI_SERVER_BIN" ] \
    || die "the cluster's binaries are incomplete under $ORDERSAGA_CACHE (remove the folders and run again)"
}

# The manifests' tools (test/deploy): kustomize from the Go proxy, kubernetes-validate's wheel.
ensure_manifest_tools() {
  go_tool kustomize "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  export KUSTOMIZE="$ORDERSAGA_CACHE/kustomize-$KUSTOMIZE_VERSION/kustomize"
  export KUBERNETES_VALIDATE_PATH="$TOOLS/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
  if [ ! -d "$KUBERNETES_VALIDATE_PATH/kubernetes_validate" ]; then
    step "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into .tools/"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$KUBERNETES_VALIDATE_PATH" \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" || die "pip install kubernetes-validate failed"
  fi
}

# ---------------------------------------------------------------- the Temporal server

# Every port of the server follows from its frontend port: the services' gRPC and membership
# ports, the frontend's HTTP port and the server's Prometheus metrics sit just above it.
cluster_ports() { # frontend-port
  CLUSTER_FRONTEND_PORT=$1
  CLUSTER_FRONTEND_MEMBERSHIP_PORT=$(($1 + 10))
  CLUSTER_HISTORY_PORT=$(($1 + 11))
  CLUSTER_HISTORY_MEMBERSHIP_PORT=$(($1 + 12))
  CLUSTER_MATCHING_PORT=$(($1 + 13))
  CLUSTER_MATCHING_MEMBERSHIP_PORT=$(($1 + 14))
  CLUSTER_WORKER_PORT=$(($1 + 15))
  CLUSTER_WORKER_MEMBERSHIP_PORT=$(($1 + 16))
  CLUSTER_FRONTEND_HTTP_PORT=$(($1 + 17))
  CLUSTER_METRICS_PORT=$(($1 + 18))
}

# PostgreSQL databases `temporal` and `temporal_visibility` (role `temporal`) beside ordersaga's,
# created and brought to the server's schema version with its SQL tool. update-schema runs every
# time: after a server upgrade it applies the new versions (docs/deploy.md).
cluster_schemas() { # pg-port log-file
  local port=$1
  # As ordersaga's role (a superuser pg_start creates), whoever owns the PostgreSQL cluster.
  local psql=("$PG_BIN/psql" "postgres://ordersaga:ordersaga@127.0.0.1:$port/ordersaga" -qtAX)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='temporal'")" != 1 ]; then
    "${psql[@]}" -c "create role temporal login createdb password 'temporal'" >/dev/null
  fi
  local sql=("$TEMPORAL_SQL_TOOL" --plugin postgres12 --ep 127.0.0.1 -p "$port" -u temporal --pw temporal)
  local db schema log=$2
  for db in temporal temporal_visibility; do
    schema=postgresql/v12/$([ $db = temporal ] && echo temporal || echo visibility)
    if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='$db'")" != 1 ]; then
      "${sql[@]}" --db "$db" create-database >>"$log" 2>&1 || die "creating the database $db failed (see $log)"
      "${sql[@]}" --db "$db" setup-schema -v 0.0 >>"$log" 2>&1 || die "setting up the schema of $db failed (see $log)"
    fi
    "${sql[@]}" --db "$db" update-schema --schema-name "$schema" >>"$log" 2>&1 || die "updating the schema of $db failed (see $log)"
  done
}

# The server's configuration: every service in one process on 127.0.0.1, PostgreSQL persistence
# and SQL visibility, $CLUSTER_HISTORY_SHARDS history shards, the dynamic config the app needs
# (deploy/temporal-dynamic-config.yaml, the same file the Helm values carry).
cluster_config() { # dir pg-port
  local dir=$1 pg=$2
  cluster_store() { # database max-connections
    cat <<YAML
      sql:
        pluginName: postgres12
        databaseName: $1
        connectAddr: 127.0.0.1:$pg
        connectProtocol: tcp
        user: temporal
        password: temporal
        maxConns: $2
        maxIdleConns: $2
        maxConnLifetime: 1h
YAML
  }
  cat >"$dir/config.yaml" <<YAML
# Written by scripts/cluster-stack.sh at every start; edit that script, not this file.
log:
  stdout: true
  level: ${TEMPORAL_LOG_LEVEL:-warn}
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: $CLUSTER_HISTORY_SHARDS
  datastores:
    default:
$(cluster_store temporal 20)
    visibility:
$(cluster_store temporal_visibility 10)
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: 127.0.0.1:$CLUSTER_METRICS_PORT
services:
  frontend:
    rpc: { grpcPort: $CLUSTER_FRONTEND_PORT, membershipPort: $CLUSTER_FRONTEND_MEMBERSHIP_PORT, httpPort: $CLUSTER_FRONTEND_HTTP_PORT, bindOnLocalHost: true }
  history:
    rpc: { grpcPort: $CLUSTER_HISTORY_PORT, membershipPort: $CLUSTER_HISTORY_MEMBERSHIP_PORT, bindOnLocalHost: true }
  matching:
    rpc: { grpcPort: $CLUSTER_MATCHING_PORT, membershipPort: $CLUSTER_MATCHING_MEMBERSHIP_PORT, bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: $CLUSTER_WORKER_PORT, membershipPort: $CLUSTER_WORKER_MEMBERSHIP_PORT, bindOnLocalHost: true }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:$CLUSTER_FRONTEND_PORT
      httpAddress: 127.0.0.1:$CLUSTER_FRONTEND_HTTP_PORT
dcRedirectionPolicy:
  policy: noop
archival:
  history: { state: disabled }
  visibility: { state: disabled }
namespaceDefaults:
  archival:
    history: { state: disabled }
    visibility: { state: disabled }
publicClient:
  hostPort: 127.0.0.1:$CLUSTER_FRONTEND_PORT
dynamicConfigClient:
  filepath: $ROOT/deploy/temporal-dynamic-config.yaml
  pollInterval: 10s
YAML
}

# Starts the server (all four services in one process) and waits until the frontend serves.
cluster_temporal_start() { # dir pg-port frontend-port
  local dir=$1 pg=$2
  cluster_ports "$3"
  mkdir -p "$dir"
  pid_alive "$STATE/temporal.pid" && return 0
  local p
  for p in "$CLUSTER_FRONTEND_PORT" "$CLUSTER_FRONTEND_MEMBERSHIP_PORT" "$CLUSTER_HISTORY_PORT" "$CLUSTER_HISTORY_MEMBERSHIP_PORT" \
    "$CLUSTER_MATCHING_PORT" "$CLUSTER_MATCHING_MEMBERSHIP_PORT" "$CLUSTER_WORKER_PORT" "$CLUSTER_WORKER_MEMBERSHIP_PORT" \
    "$CLUSTER_FRONTEND_HTTP_PORT" "$CLUSTER_METRICS_PORT"; do
    require_free_port "$p" "the Temporal server (frontend port $CLUSTER_FRONTEND_PORT and the ten above it)" TEMPORAL_PORT
  done
  cluster_schemas "$pg" "$dir/schema.log"
  cluster_config "$dir" "$pg"
  spawn temporal "$dir/temporal.log" "$TEMPORAL_SERVER_BIN" --config-file "$dir/config.yaml" --allow-no-auth start
  wait_for Temporal 120 "$TEMPORAL_CLI" operator cluster health --address "127.0.0.1:$CLUSTER_FRONTEND_PORT" \
    || die "the Temporal server did not become healthy (see $dir/temporal.log)"
}

# The namespace and the operators' search attributes, once; the server keeps them in PostgreSQL.
# Each service learns of a new namespace, and of its search attributes (with SQL visibility they
# belong to the namespace), from its namespace cache, refreshed every 2 s: hence the waits.
cluster_namespace() { # frontend-port
  local address="127.0.0.1:$1"
  local cli=("$TEMPORAL_CLI" operator --address "$address")
  if ! "${cli[@]}" namespace describe --namespace "$CLUSTER_NAMESPACE" >/dev/null 2>&1; then
    "${cli[@]}" namespace create --namespace "$CLUSTER_NAMESPACE" --retention 72h >/dev/null \
      || die "creating the namespace $CLUSTER_NAMESPACE failed"
  fi
  wait_for "search attributes" 60 cluster_search_attributes "$address" || die "registering the search attributes failed"
  wait_for "search attributes in use" 60 "$TEMPORAL_CLI" workflow list --address "$address" --namespace "$CLUSTER_NAMESPACE" \
    --query "OrderStatus = 'PENDING' AND CustomerId = '' AND OrderTotal > 0" --limit 1 \
    || die "the server does not know the search attributes yet"
}

cluster_search_attributes() { # address
  local cli=("$TEMPORAL_CLI" operator --address "$1")
  "${cli[@]}" search-attribute list --namespace "$CLUSTER_NAMESPACE" | grep -q OrderTotal && return 0
  "${cli[@]}" search-attribute create --namespace "$CLUSTER_NAMESPACE" \
    --name OrderStatus --type Keyword --name CustomerId --type Keyword --name OrderTotal --type Int
}

# The Web UI server, with the codec endpoint like the dev server's UI (--ui-codec-endpoint), and
# cross-origin credentials on, so the codec session cookie reaches the API.
cluster_ui_start() { # dir ui-port frontend-port [codec-endpoint]
  local dir=$1 port=$2 frontend=$3 codec=${4:-}
  mkdir -p "$dir"
  pid_alive "$STATE/ui.pid" && return 0
  require_free_port "$port" "the Temporal UI" TEMPORAL_UI_PORT
  cat >"$dir/ui.yaml" <<YAML
# Written by scripts/cluster-stack.sh at every start.
temporalGrpcAddress: 127.0.0.1:$frontend
host: 127.0.0.1
port: $port
enableUi: true
defaultNamespace: $CLUSTER_NAMESPACE
disableNewsFetch: true
hideLogs: true
distribution: server
cors:
  cookieInsecure: true
codec:
  endpoint: "$codec"
  includeCredentials: $([ -n "$codec" ] && echo true || echo false)
YAML
  spawn ui "$dir/ui.log" "$TEMPORAL_UI_SERVER_BIN" --root "$dir" --config . --env ui start
  wait_for "Temporal UI" 60 curl -fsS "http://127.0.0.1:$port/" || die "the Temporal UI did not answer (see $dir/ui.log)"
}
