#!/usr/bin/env bash
# The test command: builds everything from nothing (virtualenv, dependencies, the local
# Elasticsearch 9 node) and runs ruff and the whole pytest suite against the real node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== Prism runner for the end-to-end tests (built once into .cache/bin)" >&2
bash deploy/runners/build_prism.sh >/dev/null

echo "== ruff" >&2
ruff check .

started_es=""
if [ -z "${DEFWATCH_ES_URL:-}" ]; then
  if ! defwatch local-es status >/dev/null 2>&1; then started_es=1; fi
  echo "== local Elasticsearch" >&2
  DEFWATCH_ES_URL=$(defwatch local-es start | tail -n 1)
  export DEFWATCH_ES_URL
  if [ -n "$started_es" ]; then trap 'defwatch local-es stop >/dev/null 2>&1 || true' EXIT; fi
fi
echo "== pytest against $DEFWATCH_ES_URL" >&2
python -m pytest -q -p no:cacheprovider "$@"
