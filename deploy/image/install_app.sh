#!/bin/sh
# The Python steps of the production image, run by deploy/Dockerfile and, the same way, by
# deploy/check_image_steps.sh in a fresh virtual environment. Run from the build context root,
# with VIRTUAL_ENV (where the virtualenv goes) and BEAM_VERSION set.
#
#   install_app.sh deps    a virtualenv with setup.py's dependencies, Beam pinned to BEAM_VERSION
#   install_app.sh app     the package itself (no dependencies), and an import check
#   install_app.sh check   Prism ($DEFWATCH_PRISM) runs, and `defwatch --version` answers
set -eu
: "${VIRTUAL_ENV:?set VIRTUAL_ENV}" "${BEAM_VERSION:?set BEAM_VERSION}"
python=$VIRTUAL_ENV/bin/python
case "${1:-}" in
  deps)
    python3 -m venv "$VIRTUAL_ENV"
    # An old pip misses lxml's html_clean extra that trafilatura needs.
    "$python" -m pip install --quiet --upgrade pip
    "$python" - <<'PY' > "$VIRTUAL_ENV/requirements.txt"
import ast, pathlib
tree = ast.parse(pathlib.Path("setup.py").read_text())
call = next(n for n in ast.walk(tree)
            if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setup")
deps = next(k.value for k in call.keywords if k.arg == "install_requires")
print("\n".join(ast.literal_eval(deps)))
PY
    "$python" -m pip install --quiet -r "$VIRTUAL_ENV/requirements.txt" \
      "apache-beam==$BEAM_VERSION"
    ;;
  app)
    "$python" -m pip install --quiet --no-deps .
    "$python" -c "import pipelines.cli, trafilatura, apache_beam"
    ;;
  check)
    "${DEFWATCH_PRISM:?set DEFWATCH_PRISM}" --help >/dev/null 2>&1 \
      || { echo "install_app: Prism at $DEFWATCH_PRISM does not run" >&2; exit 1; }
    installed=$("$python" -c "from importlib.metadata import version; print(version('apache-beam'))")
    [ "$installed" = "$BEAM_VERSION" ] \
      || { echo "install_app: Beam $installed installed, Prism built for $BEAM_VERSION" >&2; exit 1; }
    "$VIRTUAL_ENV/bin/defwatch" --version
    ;;
  *)
    echo "usage: install_app.sh deps|app|check" >&2
    exit 2
    ;;
esac
