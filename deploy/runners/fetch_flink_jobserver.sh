#!/usr/bin/env bash
# Fetches the Beam Flink job-server jar matching this Beam version from Maven Central into
# .cache/jars/ and prints its path. Beam 2.77's Python SDK publishes job servers for Flink
# 1.19, 1.20, 2.0, 2.1 and 2.2 (apache_beam.options.pipeline_options.FlinkRunnerOptions.
# PUBLISHED_FLINK_VERSIONS); the newest available is taken unless FLINK_VERSION is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
BEAM_VERSION=${BEAM_VERSION:-$(.venv/bin/python -c 'import apache_beam; print(apache_beam.__version__)' 2>/dev/null || echo 2.77.0)}
VERSIONS=${FLINK_VERSION:-$(.venv/bin/python -c 'from apache_beam.options.pipeline_options import FlinkRunnerOptions as F; print(" ".join(reversed(F.PUBLISHED_FLINK_VERSIONS)))' 2>/dev/null || echo "2.2 2.1 2.0 1.20 1.19")}
mkdir -p .cache/jars
for flink in $VERSIONS; do
  jar=".cache/jars/beam-runners-flink-$flink-job-server-$BEAM_VERSION.jar"
  if [ -s "$jar" ]; then echo "$PWD/$jar"; exit 0; fi
  echo "fetch_flink_jobserver: mvn dependency:copy org.apache.beam:beam-runners-flink-$flink-job-server:$BEAM_VERSION" >&2
  if mvn -q -B -U dependency:copy \
      "-Dartifact=org.apache.beam:beam-runners-flink-$flink-job-server:$BEAM_VERSION" \
      -DoutputDirectory="$PWD/.cache/jars" >/tmp/defwatch-flink-fetch.log 2>&1 && [ -s "$jar" ]; then
    echo "$flink" > .cache/jars/flink.version
    echo "$PWD/$jar"
    exit 0
  fi
  echo "fetch_flink_jobserver:   not available: $(grep -m1 -ao 'Could not find artifact [^ ]*' /tmp/defwatch-flink-fetch.log || grep -m1 -a ERROR /tmp/defwatch-flink-fetch.log)" >&2
done
echo "fetch_flink_jobserver: no Flink job server for Beam $BEAM_VERSION could be fetched" >&2
exit 1
