#!/usr/bin/env bash
# Regenerates docs/reliability.md: runs every test marked @pytest.mark.reliability (fault
# injection and hostile input) against the local Elasticsearch and writes their table.
#   bash deploy/reliability_table.sh          # the CI variants (a few minutes)
#   bash deploy/reliability_table.sh --full   # the slow variants: 30 s outages, 10 min soak
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--full" ]; then
  export DEFWATCH_RELIABILITY=full
  shift
fi
export DEFWATCH_RELIABILITY_TABLE="$PWD/docs/reliability.md"
bash deploy/test.sh -m reliability "$@"
