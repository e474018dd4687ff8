#!/usr/bin/env bash
# `./dev demo`: a walk through the API with curl against the running stack (`./dev up`),
# printing each request and answer: token, customer, product, order, watch it move, cancel one,
# return one unit of the delivered order.
set -euo pipefail
API_URL=${API_URL:-http://127.0.0.1:3000}
command -v curl >/dev/null || { echo "demo: curl is required" >&2; exit 1; }
curl -fsS "$API_URL/health/ready" >/dev/null 2>&1 || { echo "demo: the API at $API_URL is not ready; run ./dev up" >&2; exit 1; }

json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);const r=process.argv[1].split(".").reduce((o,k)=>o?.[k],v);process.stdout.write(String(r??""))})' "$1"; }
show() { # method path [body] [extra curl args...]
  local method=$1 path=$2 body=${3:-}; shift 3 || shift $#
  printf '\n\033[1m$ %s %s\033[0m\n' "$method" "$path" >&2
  [ -n "$body" ] && printf '%s\n' "$body" >&2
  local args=(-sS -X "$method" "$API_URL$path" -H "Accept: application/vnd.api+json" -w '\n%{http_code}')
  [ -n "${TOKEN:-}" ] && args+=(-H "Authorization: Bearer $TOKEN")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/vnd.api+json' --data "$body")
  local out; out=$(curl "${args[@]}" "$@")
  local code=${out##*$'\n'} payload=${out%$'\n'*}
  printf '< %s\n' "$code" >&2
  printf '%s\n' "$payload" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.stringify(JSON.parse(s),null,2))}catch{console.log(s)}})' >&2
  printf '%s' "$payload"
}

echo "1. a token for the development client (OAuth2 client credentials; storefront dev)" >&2
TOKEN=$(curl -sS -X POST "$API_URL/oauth/token" -d grant_type=client_credentials -d client_id=dev-client -d client_secret=dev-secret | json access_token)
echo "   access_token: ${TOKEN:0:24}..." >&2

suffix=$(date +%s)
echo; echo "2. a customer" >&2
customer=$(show POST /v1/customers "{\"data\":{\"type\":\"customers\",\"attributes\":{\"name\":\"Ada Lovelace\",\"email\":\"ada+$suffix@example.com\",\"tier\":\"G\",\"country\":\"US\"}}}" -H "Idempotency-Key: demo-customer-$suffix")
customer_id=$(printf '%s' "$customer" | json data.id)

echo; echo "3. a product with stock" >&2
sku="DEMO-$suffix"
show POST /v1/products "{\"data\":{\"type\":\"products\",\"attributes\":{\"sku\":\"$sku\",\"name\":\"Analytical Engine\",\"unitPrice\":4999,\"onHand\":10}}}" -H "Idempotency-Key: demo-product-$suffix" >/dev/null

echo; echo "3b. a webhook endpoint, and a receiver on this machine that verifies its signatures (scripts/webhook-receiver.ts)" >&2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
hook_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
endpoint=$(show POST /v1/webhook-endpoints "{\"data\":{\"type\":\"webhook-endpoints\",\"attributes\":{\"url\":\"http://127.0.0.1:$hook_port/hooks\",\"eventTypes\":[\"order.created\",\"payment.authorized\",\"order.shipped\",\"order.delivered\"],\"description\":\"demo receiver\"}}}")
endpoint_id=$(printf '%s' "$endpoint" | json data.id)
echo "   the secret (whsec_...) is in this answer only; the receiver gets it" >&2
hook_log=$(mktemp)
hook_secret=$(printf '%s' "$endpoint" | json data.attributes.secret)
(cd "$ROOT" && WEBHOOK_SECRET=$hook_secret PORT=$hook_port exec node --import tsx scripts/webhook-receiver.ts) >"$hook_log" 2>&1 &
hook_pid=$!
trap 'kill $hook_pid 2>/dev/null || true; rm -f "$hook_log"' EXIT

order_body() { echo "{\"data\":{\"type\":\"orders\",\"attributes\":{\"customerId\":\"$customer_id\",\"lines\":[{\"sku\":\"$sku\",\"quantity\":$1}],\"shippingAddress\":{\"name\":\"Ada\",\"line1\":\"1 Main St\",\"city\":\"Austin\",\"postalCode\":\"78701\",\"country\":\"US\"},\"payment\":{\"token\":\"tok_ok\"}}}}"; }
echo; echo "4. an order (Idempotency-Key required)" >&2
order=$(show POST /v1/orders "$(order_body 2)" -H "Idempotency-Key: demo-order-$suffix" -H "X-Request-Id: demo-place-$suffix")
order_id=$(printf '%s' "$order" | json data.id)

echo; echo "5. watch it move (the carrier simulator ships and delivers it)" >&2
last=""
for _ in $(seq 1 60); do
  status=$(curl -sS "$API_URL/v1/orders/$order_id" -H "Authorization: Bearer $TOKEN" | json data.attributes.status)
  [ "$status" != "$last" ] && { echo "   status: $status" >&2; last=$status; }
  case "$status" in DELIVERED|REJECTED|CANCELLED|NEEDS_ATTENTION) break ;; esac
  sleep 1
done
echo "   each event names its actor: this client and request for what the POST set off, the system for the carrier's reports" >&2
show GET "/v1/orders/$order_id/events" >/dev/null

echo; echo "5b. what the receiver verified (the dispatcher runs every 2 s), the endpoint's delivery log and the storefront's feed" >&2
for _ in $(seq 1 20); do grep -q 'order.delivered' "$hook_log" && break; sleep 1; done
sed 's/^/   receiver: /' "$hook_log" >&2
show GET "/v1/webhook-endpoints/$endpoint_id/deliveries" >/dev/null
show GET "/v1/events?filter[orderId]=$order_id&page[size]=3" "" --globoff >/dev/null

echo; echo "6. another order, cancelled before it ships" >&2
second=$(show POST /v1/orders "$(order_body 1)" -H "Idempotency-Key: demo-order2-$suffix" -H "X-Request-Id: demo-place2-$suffix")
second_id=$(printf '%s' "$second" | json data.id)
show DELETE "/v1/orders/$second_id" "" -H "X-Request-Id: demo-cancel-$suffix" >/dev/null
show GET "/v1/orders/$second_id/events" >/dev/null
echo; echo "7. a return of one unit of the delivered order: requested (RMA number), received by an operator, refunded (credit note)" >&2
if [ "$last" = DELIVERED ]; then
  ret=$(show POST "/v1/orders/$order_id/returns" "{\"data\":{\"type\":\"returns\",\"attributes\":{\"lines\":[{\"sku\":\"$sku\",\"quantity\":1,\"reason\":\"changed my mind\"}]}}}" -H "Idempotency-Key: demo-return-$suffix")
  return_id=$(printf '%s' "$ret" | json data.id)
  show POST "/v1/returns/$return_id/receive" "{\"data\":{\"type\":\"returns\",\"attributes\":{\"lines\":[{\"sku\":\"$sku\",\"receivedQuantity\":1,\"disposition\":\"restock\"}]}}}" >/dev/null
  echo "   the refund is a row of the payment ledger; the order's balance stays 0 (its total is net of the credit note)" >&2
  show GET "/v1/orders/$order_id/payments" >/dev/null
  show GET "/v1/orders/$order_id" >/dev/null
else
  echo "   skipped: the order is $last, not DELIVERED" >&2
fi

show DELETE "/v1/webhook-endpoints/$endpoint_id" >/dev/null
echo; echo "demo done: see the orders and the return (return-${return_id:-}) in the Temporal UI (${TEMPORAL_UI_URL:-http://127.0.0.1:8233})" >&2
