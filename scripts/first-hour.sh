#!/usr/bin/env bash
# `scripts/first-hour.sh root|user`: a new user's first hour, as a test (CI runs both). Clones this
# repository (its committed HEAD) into a fresh folder of mode 0700, runs the README's `./dev up`
# there with nothing of ours in the environment but the ports, checks /health/ready, runs
# `./dev down` and `./dev clean up`, checks that nothing is left, and removes what it made.
#   root  the clone lives in a 0700 folder under /root, where the `postgres` user cannot enter
#   user  as `ordersaga-newcomer`, a user made here whose sudo allows apt-get only, in its 0700 home
# Ports from FIRST_HOUR_PORT_BASE (default 25000: base+300 API, base+433 PostgreSQL, base+380
# Redis, base+233 Temporal), so it runs beside every other stack.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# shellcheck source=stack.sh
source "$ROOT/scripts/stack.sh"

MODE=${1:-}
[ "$MODE" = root ] || [ "$MODE" = user ] || die "usage: scripts/first-hour.sh root|user"
[ "$(id -u)" = 0 ] || die "first-hour.sh runs as root (the user run makes its user)"
NEWCOMER=ordersaga-newcomer
SUDOERS=/etc/sudoers.d/$NEWCOMER
BASE=${FIRST_HOUR_PORT_BASE:-25000}
API_URL="http://127.0.0.1:$((BASE + 300))"
PORTS=(API_PORT=$((BASE + 300)) METRICS_PORT=$((BASE + 464)) WORKER_METRICS_PORT=$((BASE + 465)) PG_PORT=$((BASE + 433))
  REDIS_PORT=$((BASE + 380)) TEMPORAL_PORT=$((BASE + 233)) TEMPORAL_UI_PORT=$((BASE + 234)))
started=$SECONDS

if [ "$MODE" = root ]; then
  HOME_DIR=/root
  RUN_AS=()
  PATH_FOR=$PATH
else
  command -v sudo >/dev/null || apt_install sudo
  id "$NEWCOMER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$NEWCOMER"
  HOME_DIR=$(getent passwd "$NEWCOMER" | cut -d: -f6)
  chmod 700 "$HOME_DIR"
  # Package installs are all `./dev` needs sudo for (SETENV: it passes DEBIAN_FRONTEND).
  mkdir -p /etc/sudoers.d
  echo "$NEWCOMER ALL=(root) NOPASSWD:SETENV: /usr/bin/apt-get" >"$SUDOERS"
  chmod 440 "$SUDOERS"
  grep -q '^@includedir /etc/sudoers.d' /etc/sudoers || echo '@includedir /etc/sudoers.d' >>/etc/sudoers
  # A seeded npm cache only saves downloads: `npm ci --prefer-offline` still installs everything.
  if [ -d /root/.npm/_cacache ] && [ ! -d "$HOME_DIR/.npm/_cacache" ]; then
    mkdir -p "$HOME_DIR/.npm" && cp -a /root/.npm/_cacache "$HOME_DIR/.npm/"
  fi
  chown -R "$NEWCOMER:" "$HOME_DIR"
  RUN_AS=(runuser -u "$NEWCOMER" --)
  PATH_FOR=/usr/local/bin:/usr/bin:/bin
fi

WORK=$(mktemp -d "$HOME_DIR/first-hour.XXXXXX")
chmod 700 "$WORK"
CLONE="$WORK/ordersaga"
step "cloning $(git -C "$ROOT" rev-parse --short HEAD) into $CLONE (mode $(stat -c %a "$WORK"), as $MODE)"
git clone --quiet --no-hardlinks "$ROOT" "$CLONE"
[ "$MODE" = user ] && chown -R "$NEWCOMER:" "$WORK"

# `./dev <args>` in the clone as the new user would type it: a login environment, our ports.
in_clone() {
  (cd "$CLONE" && "${RUN_AS[@]}" env -i PATH="$PATH_FOR" HOME="$HOME_DIR" LANG=C.UTF-8 "${PORTS[@]}" ./dev "$@")
}

finish() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    say "first-hour ($MODE): FAILED; the last lines of the clone's logs:"
    for f in "$CLONE"/.dev/up/logs/*.log "$CLONE"/.dev/up/pg/postgres.log; do [ -f "$f" ] && { say "--- $f"; tail -n 20 "$f"; }; done
  fi
  in_clone down >/dev/null 2>&1 || true
  in_clone clean up >/dev/null 2>&1 || true
  rm -rf "$WORK"
  if [ "$MODE" = user ]; then rm -f "$SUDOERS"; userdel --remove "$NEWCOMER" >/dev/null 2>&1 || true; fi
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

step "./dev up"
in_clone up
ready=$(curl -fsS "$API_URL/health/ready") || die "GET $API_URL/health/ready did not answer 200"
case $ready in *'"status":"ok"'*) say "    ready: $ready" ;; *) die "not ready: $ready" ;; esac
pg_dir="$CLONE/.dev/up/pg"
if [ "$MODE" = root ]; then
  [ -L "$pg_dir" ] || die "as root, .dev/up/pg should link to the data under ~postgres"
  pg_data_dir=$(readlink "$pg_dir")
else
  [ "$(stat -c %U "$pg_dir/PG_VERSION")" = "$NEWCOMER" ] || die "as a user, PostgreSQL's data should belong to that user"
fi
step "./dev down"
in_clone down
for port in $((BASE + 300)) $((BASE + 433)) $((BASE + 380)) $((BASE + 233)); do
  port_taken "$port" && die "port $port still answers after ./dev down"
done
step "./dev clean up"
in_clone clean up
[ ! -e "$CLONE/.dev/up" ] || die ".dev/up is still there after ./dev clean up"
if [ "$MODE" = root ]; then [ ! -e "$pg_data_dir" ] || die "$pg_data_dir is still there after ./dev clean up"; fi
say "first-hour ($MODE): clone, up, ready, down and clean in $((SECONDS - started)) s"
