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
  # The first port from 9200 that is free or already serves this checkout's node; a failure
  # other than "port taken" (download, SHA-512, JDK) stops here instead of trying the next port.
  source deploy/lib/local_es_port.sh
  es_err=$(mktemp)
  trap 'rm -f "$es_err"' EXIT
  if ! local_es_on_first_free_port 9200 "$es_err" live; then
    echo "test: could not start the local Elasticsearch" >&2; exit 1
  fi
  if [ -n "$LOCAL_ES_STARTED" ]; then
    trap "rm -f '$es_err'; defwatch local-es stop --port $LOCAL_ES_STARTED >/dev/null 2>&1 || true" EXIT
  fi
  export DEFWATCH_ES_URL
fi
echo "== pytest against $DEFWATCH_ES_URL" >&2
python -m pytest -q -p no:cacheprovider "$@"
