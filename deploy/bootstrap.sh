#!/usr/bin/env bash
# Creates the project's virtualenv (.venv) and installs defection-watch with its test extras.
# Idempotent: a second run only checks. Used by deploy/demo.sh and deploy/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "bootstrap: Python >= 3.10 is required (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.defwatch-installed
if [ ! -f "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  echo "bootstrap: installing dependencies (first run takes a few minutes)" >&2
  # The machine's pip 23 misses lxml's html_clean extra that trafilatura needs: upgrade first.
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  touch "$stamp"
fi
