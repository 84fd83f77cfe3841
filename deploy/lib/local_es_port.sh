# Sourced by deploy/test.sh and deploy/demo.sh (needs `defwatch` on PATH and `set -o pipefail`):
#
#   local_es_on_first_free_port FIRST ERRFILE [live]
#
# This checkout's local Elasticsearch on the first usable of the 20 ports from FIRST: a port
# that already serves this checkout's node is used as it is, else a node is started on the
# first free one. Only "port N is taken" moves on to the next port; any other failure of
# `defwatch local-es start` (download, SHA-512 mismatch, no JDK, ...) is shown and returned at
# once, not retried on the next port. The start's messages go to ERRFILE; with `live` they are
# also shown as they come, else shown (indented) after a successful start.
#
# Sets DEFWATCH_ES_URL, and LOCAL_ES_STARTED to the port when it started the node (empty when it
# reused one). Returns 0, 1 (a real failure, its messages shown) or 2 (no free port).
local_es_on_first_free_port() {
  local first=$1 err=$2 live=${3:-} port
  LOCAL_ES_STARTED=""
  for port in $(seq "$first" $((first + 19))); do
    if defwatch local-es status --port "$port" >/dev/null 2>&1; then
      DEFWATCH_ES_URL=$(defwatch local-es status --port "$port" | tail -n 1)
      return 0
    fi
    if [ -n "$live" ]; then
      # stdout (the URL, last line) to tail; stderr to the terminal and to $err as it comes.
      DEFWATCH_ES_URL=$( { defwatch local-es start --port "$port" 2>&1 >&3 3>&- \
        | tee "$err" >&2; exit "${PIPESTATUS[0]}"; } 3>&1 | tail -n 1) && {
        LOCAL_ES_STARTED=$port; return 0; }
    elif DEFWATCH_ES_URL=$(defwatch local-es start --port "$port" 2>"$err" | tail -n 1); then
      sed 's/^/   /' "$err" >&2
      LOCAL_ES_STARTED=$port
      return 0
    fi
    DEFWATCH_ES_URL=""
    if ! grep -q "is taken" "$err"; then  # a real failure
      [ -n "$live" ] || cat "$err" >&2
      return 1
    fi
  done
  return 2
}
