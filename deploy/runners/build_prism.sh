#!/usr/bin/env bash
# Builds the Prism runner binary of this Beam version into the git-ignored .cache/bin/prism.
# `defwatch run` uses it by default when it is there. Needs Go >= 1.21 (the Go module proxy).
set -euo pipefail
cd "$(dirname "$0")/../.."
BEAM_VERSION=${BEAM_VERSION:-$(.venv/bin/python -c 'import apache_beam; print(apache_beam.__version__)' 2>/dev/null || echo 2.77.0)}
mkdir -p .cache/bin
if [ -x .cache/bin/prism ] && [ -f .cache/bin/prism.version ] && [ "$(cat .cache/bin/prism.version)" = "$BEAM_VERSION" ]; then
  echo "build_prism: .cache/bin/prism ($BEAM_VERSION) already built" >&2
else
  if ! command -v go >/dev/null; then
    echo "build_prism: Go is not installed; install Go >= 1.21 (or apt-get install golang-go)" >&2
    exit 1
  fi
  echo "build_prism: go install github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION" >&2
  GOBIN="$PWD/.cache/bin" go install "github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION"
  echo "$BEAM_VERSION" > .cache/bin/prism.version
fi
echo "$PWD/.cache/bin/prism"
