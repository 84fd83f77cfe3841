#!/usr/bin/env bash
# Builds the Prism runner binary of this Beam version with `go install` (module checksums are
# verified against the Go sum database) into the git-ignored .cache/bin/prism, or PRISM_OUT.
# `defwatch run` uses it by default when it is there. The image build (deploy/Dockerfile)
# runs this same script with PRISM_OUT=/out. Needs Go >= 1.26 (Beam 2.77's go.mod), or an
# older Go >= 1.21 that may fetch that toolchain itself (GOTOOLCHAIN=auto).
#
# Go's caches go where Go puts them ($HOME/go, $HOME/.cache/go-build); when HOME is not
# writable they go to .cache/go/ of the checkout instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
BEAM_VERSION=${BEAM_VERSION:-$(.venv/bin/python -c 'import apache_beam; print(apache_beam.__version__)' 2>/dev/null || echo 2.77.0)}
OUT=${PRISM_OUT:-$PWD/.cache/bin}
mkdir -p "$OUT"
if [ -x "$OUT/prism" ] && [ -f "$OUT/prism.version" ] && [ "$(cat "$OUT/prism.version")" = "$BEAM_VERSION" ]; then
  echo "build_prism: $OUT/prism ($BEAM_VERSION) already built" >&2
else
  if ! command -v go >/dev/null; then
    echo "build_prism: Go is not installed; install Go >= 1.26 (https://go.dev/dl/ or your package manager)" >&2
    exit 1
  fi
  for var in GOMODCACHE GOCACHE; do
    dir=$(go env "$var")
    if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
      export "$var=$PWD/.cache/go/$(echo "$var" | tr 'A-Z' 'a-z')"
      export GOFLAGS="${GOFLAGS:-} -modcacherw"  # so `rm -rf .cache` can remove it
      echo "build_prism: $dir is not writable; using ${!var}" >&2
    fi
  done
  echo "build_prism: go install github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION" >&2
  GOBIN="$OUT" go install "github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION"
  echo "$BEAM_VERSION" > "$OUT/prism.version"
fi
echo "$OUT/prism"
