# shellcheck shell=bash
# stripe-mock (github.com/stripe/stripe-mock), the Stripe API from Stripe's OpenAPI document, for
# the Stripe payment adapter's tests: built with Go once per machine into $ORDERSAGA_CACHE (see
# go_tool in scripts/cluster-stack.sh, sourced first), started by `./dev test` and
# `./dev test-cluster` on a port of their own and stopped with them. It answers every request
# from fixtures and remembers nothing; its fixtures are adjusted at start so a PaymentIntent
# reads as an open manual-capture authorization whose card offers incremental authorization
# (its bundled one is an unconfirmed intent with no charge).

STRIPE_MOCK_VERSION=v0.203.0

ensure_stripe_mock() {
  # Debian's Go when the machine has none (go_tool then fetches the toolchain it needs).
  command -v go >/dev/null || apt_install golang-go
  go_tool stripe-mock "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
  STRIPE_MOCK_BIN="$ORDERSAGA_CACHE/stripe-mock-$STRIPE_MOCK_VERSION/stripe-mock"
  # The bundled fixtures ship in the module's source, which go install left in the module cache.
  STRIPE_MOCK_FIXTURES="$(GOTOOLCHAIN=$GO_TOOLCHAIN go mod download -json "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')/embedded/openapi/fixtures3.json"
  [ -x "$STRIPE_MOCK_BIN" ] && [ -f "$STRIPE_MOCK_FIXTURES" ] || die "stripe-mock $STRIPE_MOCK_VERSION is incomplete (binary $STRIPE_MOCK_BIN, fixtures $STRIPE_MOCK_FIXTURES)"
}

stripe_mock_start() { # dir port
  local dir=$1 port=$2
  mkdir -p "$dir"
  require_free_port "$port" stripe-mock TEST_STRIPE_MOCK_PORT
  node -e '
    const fs = require("node:fs");
    const [from, to] = process.argv.slice(1);
    const fixtures = JSON.parse(fs.readFileSync(from, "utf8"));
    const { payment_intent: intent, charge } = fixtures.resources;
    Object.assign(intent, { status: "requires_capture", capture_method: "manual", amount_capturable: intent.amount, latest_charge: charge.id });
    Object.assign(charge, { payment_intent: intent.id, captured: false });
    charge.payment_method_details.card.incremental_authorization = { status: "available" };
    fs.writeFileSync(to, JSON.stringify(fixtures));
  ' "$STRIPE_MOCK_FIXTURES" "$dir/fixtures.json" || die "cannot adjust stripe-mock's fixtures"
  # Unasked, it also listens for HTTPS on :12112, which a second stripe-mock on the machine (another
  # clone's test run) then cannot take: its HTTPS goes to a socket of its own instead.
  spawn stripe-mock "$dir/stripe-mock.log" "$STRIPE_MOCK_BIN" -http-addr "127.0.0.1:$port" -https-unix "$dir/https.sock" -fixtures "$dir/fixtures.json"
  wait_for stripe-mock 30 port_taken "$port" || { tail -n 20 "$dir/stripe-mock.log" >&2; die "stripe-mock did not start on $port (log: $dir/stripe-mock.log)"; }
  export STRIPE_API_BASE="http://127.0.0.1:$port"
}
