#!/usr/bin/env bash
# The demo: set up, start the local Elasticsearch 9, serve the bundled sample Arabic reports as
# RSS feeds + article pages on loopback (items appear over time), run `defwatch run` on them
# for a bounded time, then print the events found and how to search them.
#
#   bash deploy/demo.sh                 # DEMO_DURATION=90 by default (seconds of pipeline)
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
DURATION=${DEMO_DURATION:-90}
PREFIX=${DEMO_PREFIX:-defwatch}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== Prism runner (built once into .cache/bin)" >&2
bash deploy/runners/build_prism.sh >/dev/null || echo "demo: Prism unavailable; the DirectRunner will be used" >&2

echo "== local Elasticsearch (its first start downloads ~130 MB: a few minutes)" >&2
if [ -z "${DEFWATCH_ES_URL:-}" ]; then
  # This checkout's node, else a new one on the first free port from 9200 (as deploy/test.sh).
  source deploy/lib/local_es_port.sh
  status=0
  local_es_on_first_free_port "${DEFWATCH_LOCAL_ES_PORT:-9200}" "$work/es.err" || status=$?
  [ "$status" != 1 ] || exit 1  # a real failure, already shown
  [ "$status" = 0 ] || { echo "demo: no free port for the local Elasticsearch" >&2; exit 1; }
fi
export DEFWATCH_ES_URL
echo "   $DEFWATCH_ES_URL" >&2

echo "== sample news site on loopback (reports appear over the first ~30 s)" >&2
# A fixed port keeps the article URLs (and so their ids) the same from one demo run to the next.
python -m deploy.sample_site --port "${DEMO_PORT:-18765}" --feeds-out "$work/feeds.yaml" \
  > "$work/site.url" &
for _ in $(seq 50); do [ -s "$work/feeds.yaml" ] && break; sleep 0.2; done
if [ ! -s "$work/feeds.yaml" ]; then
  echo "demo: the sample site did not start (port ${DEMO_PORT:-18765} busy? set DEMO_PORT)" >&2
  exit 1
fi
echo "   $(cat "$work/site.url")" >&2

echo "== defwatch run for ${DURATION}s (status every 10 s)" >&2
defwatch run --feeds "$work/feeds.yaml" --allow-host 127.0.0.1 --index-prefix "$PREFIX" \
  --duration "$DURATION" --poll-interval 5 --status-interval 10 --tick-interval 2 --article-decision-delay 10 \
  ${DEMO_ALERT:+--alert "$DEMO_ALERT"}

echo
echo "== events found" >&2
python - "$PREFIX" <<'PY'
import sys
from connectors.es_client import make_client
prefix = sys.argv[1]
es = make_client()
es.indices.refresh(index=f"{prefix}-events,{prefix}-articles")
articles = es.count(index=f"{prefix}-articles")["count"]
hits = es.search(index=f"{prefix}-events", size=100, sort=[{"first_seen": "asc"}])["hits"]["hits"]
print(f"{articles} articles indexed, {len(hits)} defection events:\n")
for hit in hits:
    e = hit["_source"]
    actor, loc = e.get("actor") or {}, e.get("location") or {}
    count = e.get("count")
    rng = e.get("count_range")
    count_text = f"{count}" + (f" ({rng[0]}–{rng[1]})" if rng and rng[0] != rng[1] else "")
    sources = e.get("sources") or [{}]
    date = (e.get("date") or {}).get("start") or (
        f"reported {(sources[0].get('published') or '?')[:10]}")
    dest = (e.get("destination") or {}).get("name_ar") or "?"
    print(f"- {actor.get('name_ar')} ({actor.get('name_en')}): {count_text} members, "
          f"{loc.get('name_ar')} / {loc.get('governorate_ar')}, {date} → {dest}")
    for s in e.get("sources") or []:
        print(f"    source: {s.get('outlet')}  {s.get('url')}")
PY
cat <<EOT

Search them:
  defwatch search --index-prefix $PREFIX 'الدفاع الوطني'          # full text, from the terminal
  defwatch search --index-prefix $PREFIX --actor 'الدفاع الوطني' --governorate 'دير الزور' --sort count
  defwatch brief --index-prefix $PREFIX --since 1y -o brief.html   # one offline page: map, timeline, tables
  Kibana: point it at $DEFWATCH_ES_URL, run 'defwatch setup --kibana-url http://KIBANA:5601'
          and open Discover on the '$PREFIX-events' data view (or deploy/docker-compose.yml).
The local Elasticsearch keeps running; stop it with: defwatch local-es stop --port ${DEFWATCH_ES_URL##*:}
EOT
