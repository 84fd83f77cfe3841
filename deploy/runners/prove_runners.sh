#!/usr/bin/env bash
# Runner proof: the same `defwatch run` pipeline on Prism and on Flink (local, LOOPBACK),
# against the bundled sample site served from loopback and the local Elasticsearch; after
# each run it asserts that every sample article and the expected events are in Elasticsearch.
#
#   bash deploy/runners/prove_runners.sh            # both runners
#   RUNNERS=prism bash deploy/runners/prove_runners.sh
#
# Prints one PASS/FAIL/UNAVAILABLE line per runner; exits non-zero unless all ran and passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"
RUNNERS=${RUNNERS:-"prism flink"}
DURATION=${PROVE_DURATION:-50}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

if [ -z "${DEFWATCH_ES_URL:-}" ]; then
  DEFWATCH_ES_URL=$(defwatch local-es start | tail -n 1) || { echo "prove: no Elasticsearch" >&2; exit 1; }
fi
export DEFWATCH_ES_URL
echo "prove: Elasticsearch at $DEFWATCH_ES_URL" >&2

check() {  # check PREFIX: every sample article stored, every defection incident an event
  python - "$1" <<'PY'
import sys, yaml
from connectors.es_client import make_client
from deploy.sample_site import load_samples
prefix = sys.argv[1]
es = make_client()
es.indices.refresh(index=f"{prefix}-*")
articles = es.count(index=f"{prefix}-articles")["count"]
events = es.search(index=f"{prefix}-events", size=100)["hits"]["hits"]
reports = len(load_samples()["reports"])
print(f"  articles stored: {articles} of {reports}")
for hit in events:
    e = hit["_source"]
    print(f"  event {e['event_id']}: {e.get('actor', {}).get('name_ar')} count={e.get('count')}"
          f" place={e.get('location', {}).get('name_ar')} sources={len(e.get('sources', []))}")
ok = articles == reports and len(events) >= 3
ids = [h["_id"] for h in events]
ok = ok and len(ids) == len(set(ids))
sys.exit(0 if ok else 1)
PY
}

prove() {  # prove NAME BEAM_ARGS...
  local name=$1; shift
  local prefix="prove-$name-$$"
  python -m deploy.sample_site --feeds-out "$work/feeds-$name.yaml" --speed 2 \
    > "$work/site-$name.url" 2>"$work/site-$name.log" &
  local site=$!
  for _ in $(seq 50); do [ -s "$work/feeds-$name.yaml" ] && break; sleep 0.2; done
  echo "prove: $name: defwatch run --duration $DURATION $*" >&2
  local start=$SECONDS
  if defwatch run --feeds "$work/feeds-$name.yaml" --allow-host 127.0.0.1 \
      --index-prefix "$prefix" --duration "$DURATION" --poll-interval 4 --tick-interval 2 --status-interval 10 \
      --article-decision-delay 5 "$@" 2> "$work/run-$name.log"; then
    if check "$prefix"; then
      echo "PROVE $name: PASS ($((SECONDS - start)) s)"; rc=0
    else
      echo "PROVE $name: FAIL (events or articles missing; log below)"; tail -n 20 "$work/run-$name.log"; rc=1
    fi
  else
    echo "PROVE $name: FAIL (run exited non-zero)"; tail -n 30 "$work/run-$name.log"; rc=1
  fi
  grep '^defwatch [0-9]' "$work/run-$name.log" | tail -n 1 | sed 's/^/  status: /'
  kill "$site" 2>/dev/null
  python -c "
from connectors.es_client import make_client; from schemas.index_setup import uninstall
uninstall(make_client(), '$prefix')" >/dev/null 2>&1
  return $rc
}

failed=0
for runner in $RUNNERS; do
  case $runner in
    prism)
      if prism=$(bash deploy/runners/build_prism.sh); then
        prove prism --runner PrismRunner --prism_location "$prism" || failed=1
      else
        echo "PROVE prism: UNAVAILABLE (Prism could not be built)"; failed=1
      fi ;;
    flink)
      if jar=$(bash deploy/runners/fetch_flink_jobserver.sh); then
        prove flink --runner FlinkRunner --flink_master='[local]' --environment_type=LOOPBACK \
          --flink_job_server_jar "$jar" --flink_version "$(cat .cache/jars/flink.version)" || failed=1
      else
        echo "PROVE flink: UNAVAILABLE (no Beam $(python -c 'import apache_beam as b; print(b.__version__)') Flink job-server jar could be fetched from Maven Central)"
        failed=1
      fi ;;
    *) echo "prove: unknown runner $runner" >&2; failed=1 ;;
  esac
done
exit $failed
