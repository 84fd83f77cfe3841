#!/usr/bin/env bash
# Fetches the Beam Flink job-server jar matching this Beam version from Maven Central into
# .cache/jars/ over HTTPS and prints its path. Beam 2.77's Python SDK publishes job servers for
# Flink 1.19, 1.20, 2.0, 2.1 and 2.2 (apache_beam.options.pipeline_options.FlinkRunnerOptions.
# PUBLISHED_FLINK_VERSIONS); the newest available is taken unless FLINK_VERSION is set.
#
# Integrity: the jar is kept only when its SHA-512 matches FLINK_JOBSERVER_SHA512 (take it
# from the Apache Beam release's checksums), else the .sha512 (or .sha1) Maven Central
# publishes next to it; with neither, nothing is kept and the script says so. No Maven needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BEAM_VERSION=${BEAM_VERSION:-$(.venv/bin/python -c 'from importlib.metadata import version; print(version("apache-beam"))' 2>/dev/null || echo 2.77.0)}
VERSIONS=${FLINK_VERSION:-$(.venv/bin/python -c 'from apache_beam.options.pipeline_options import FlinkRunnerOptions as F; print(" ".join(reversed(F.PUBLISHED_FLINK_VERSIONS)))' 2>/dev/null || echo "2.2 2.1 2.0 1.20 1.19")}
REPO=${DEFWATCH_MAVEN_REPO:-https://repo.maven.apache.org/maven2}
mkdir -p .cache/jars
for flink in $VERSIONS; do
  name="beam-runners-flink-$flink-job-server-$BEAM_VERSION.jar"
  jar=".cache/jars/$name"
  if [ -s "$jar" ]; then echo "$PWD/$jar"; exit 0; fi
  url="$REPO/org/apache/beam/beam-runners-flink-$flink-job-server/$BEAM_VERSION/$name"
  echo "fetch_flink_jobserver: $url" >&2
  if ! curl -fsSL --retry 2 -o "$jar.part" "$url" 2>/dev/null; then
    rm -f "$jar.part"
    echo "fetch_flink_jobserver:   not available from $REPO" >&2
    continue
  fi
  if [ -n "${FLINK_JOBSERVER_SHA512:-}" ]; then
    expected=$FLINK_JOBSERVER_SHA512 algo=sha512sum
  elif expected=$(curl -fsSL "$url.sha512" 2>/dev/null); then
    algo=sha512sum
  elif expected=$(curl -fsSL "$url.sha1" 2>/dev/null); then
    algo=sha1sum
  else
    rm -f "$jar.part"
    echo "fetch_flink_jobserver: no checksum to verify $name against: set FLINK_JOBSERVER_SHA512" >&2
    exit 1
  fi
  actual=$($algo "$jar.part" | cut -d' ' -f1)
  if [ "$actual" != "$(echo "$expected" | cut -d' ' -f1 | tr 'A-F' 'a-f')" ]; then
    rm -f "$jar.part"
    echo "fetch_flink_jobserver: $name: checksum mismatch ($algo); deleted it" >&2
    exit 1
  fi
  mv "$jar.part" "$jar"
  echo "$flink" > .cache/jars/flink.version
  echo "$PWD/$jar"
  exit 0
done
echo "fetch_flink_jobserver: no Flink job server for Beam $BEAM_VERSION could be fetched" >&2
exit 1
