#!/usr/bin/env bash
# The test command: builds everything from nothing (virtualenv, dependencies, the local
# Elasticsearch 9 node) and runs ruff and the whole pytest suite against the real node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== Prism runner for the end-to-end tests (built once into .cache/bin)" >&2
bash deploy/runners/build_prism.sh >/dev/null

if ! command -v chromium >/dev/null 2>&1; then
  # The brief's test renders the page in Debian's headless Chromium (driven by Playwright).
  echo "== Chromium for the brief's browser test (apt)" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    echo "test: install Chromium (apt-get install chromium); the brief test needs it" >&2
  fi
fi

echo "== ruff" >&2
ruff check .

if [ -z "${DEFWATCH_ES_URL:-}" ]; then
  echo "== local Elasticsearch" >&2
  # The first port from 9200 that is free or already serves this checkout's node.
  for port in $(seq 9200 9219); do
    if defwatch local-es status --port "$port" >/dev/null 2>&1; then
      DEFWATCH_ES_URL=$(defwatch local-es status --port "$port" | tail -n 1)
      break
    fi
    if DEFWATCH_ES_URL=$(defwatch local-es start --port "$port" | tail -n 1); then
      trap "defwatch local-es stop --port $port >/dev/null 2>&1 || true" EXIT
      break
    fi
    DEFWATCH_ES_URL=""
  done
  [ -n "$DEFWATCH_ES_URL" ] || { echo "test: could not start the local Elasticsearch" >&2; exit 1; }
  export DEFWATCH_ES_URL
fi
echo "== pytest against $DEFWATCH_ES_URL" >&2
python -m pytest -q -p no:cacheprovider "$@"
