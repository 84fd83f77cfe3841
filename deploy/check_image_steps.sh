#!/usr/bin/env bash
# Runs the RUN steps of deploy/Dockerfile without Docker (no engine on these machines), in a
# fresh virtual environment under a temporary directory, and checks the image would work:
# Prism built with `go install` and runnable, Beam at the version Prism was built for, the
# package installed and `defwatch --version` answering.
#
#   bash deploy/check_image_steps.sh          # ~2-4 min with cold pip/Go caches
#
# It first checks that the Dockerfile's RUN lines are exactly the steps it runs, so the two
# cannot drift apart. The user and /secrets lines need root inside the image: they are
# checked as text only.
set -euo pipefail
cd "$(dirname "$0")/.."
dockerfile=deploy/Dockerfile
BEAM_VERSION=$(sed -n 's/^ARG BEAM_VERSION=//p' "$dockerfile")
export BEAM_VERSION

expected=$(cat <<'STEPS'
BEAM_VERSION="$BEAM_VERSION" PRISM_OUT=/out bash deploy/runners/build_prism.sh
sh deploy/image/install_app.sh deps
sh deploy/image/install_app.sh app
sh deploy/image/install_app.sh check && useradd --create-home --uid 10001 --user-group defwatch && install -d -o defwatch -g defwatch -m 0700 /secrets
STEPS
)
actual=$(python3 - "$dockerfile" <<'PY'
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for line in text.splitlines():
    if line.startswith("RUN "):
        print(re.sub(r"\s+", " ", line[4:]).strip())
PY
)
if [ "$actual" != "$expected" ]; then
  echo "check_image_steps: the Dockerfile's RUN steps changed; update this script too" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/defwatch-image-XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "== build context (the working tree without ignored files) in $work/app" >&2
mkdir -p "$work/app" "$work/out"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work/app"
cd "$work/app"

echo "== stage prism: go install of Prism $BEAM_VERSION" >&2
BEAM_VERSION="$BEAM_VERSION" PRISM_OUT="$work/out" bash deploy/runners/build_prism.sh >/dev/null

echo "== stage runtime: a fresh virtualenv with the dependencies and the package" >&2
export VIRTUAL_ENV="$work/opt/defwatch" DEFWATCH_PRISM="$work/opt/defwatch/bin/prism"
sh deploy/image/install_app.sh deps
sh deploy/image/install_app.sh app
cp "$work/out/prism" "$DEFWATCH_PRISM"
version=$(sh deploy/image/install_app.sh check)

echo "== the image's defwatch picks Prism as its runner" >&2
"$VIRTUAL_ENV/bin/python" - <<'PY'
from pipelines.run_cmd import runner_args
args = runner_args([])
assert "--runner=PrismRunner" in args, args
PY
echo "check_image_steps: OK ($version, Prism $BEAM_VERSION at /opt/defwatch/bin/prism)"
