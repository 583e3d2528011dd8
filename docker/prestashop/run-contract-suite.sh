#!/bin/bash
# Start the throwaway store (if needed), wait until its webservice answers with the test key, and run the
# contract suites against it (the simulator runs as well; its parametrisation costs little).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PRESTASHOP_URL="${PRESTASHOP_URL:-http://localhost:${PS_HTTP_PORT:-8080}}"
export PRESTASHOP_KEY="${PRESTASHOP_KEY:-BRIDGEDEVKEY00000000000000000000}"

docker compose -f "$here/compose.yaml" up -d
echo "waiting for $PRESTASHOP_URL/api/ (the first install takes a few minutes)..."
for _ in $(seq 1 180); do
  status="$(curl -s -o /dev/null -w '%{http_code}' -u "$PRESTASHOP_KEY:" "$PRESTASHOP_URL/api/languages?output_format=JSON&id_shop=1" || true)"
  [ "$status" = "200" ] && break
  sleep 5
done
[ "$status" = "200" ] || { echo "the store's webservice never answered 200 (last: $status)" >&2; exit 1; }

cd "$root"
"${PYTHON:-.venv/bin/python}" -m pytest tests/prestashop tests/store_simulator -q -rs "$@"
