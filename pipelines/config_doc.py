"""``docs/configuration.md``, generated: every flag of every command, every environment variable
and every ``feeds.yaml`` key, with its default.

The flag tables come from the commands' own argparse parsers, so they cannot drift from the
code; ``tests/test_configuration_doc.py`` fails when the file is not what this module renders,
or when the code reads a ``DEFWATCH_*`` variable or a ``feeds.yaml`` key not described here.

    python -m pipelines.config_doc > docs/configuration.md
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import re
import sys

from connectors.alerts import AlertSettings
from pipelines.cli import COMMANDS
from pipelines.options import DEFAULTS as _RUN_DEFAULTS

ENV_IN_HELP = re.compile(r"\b(DEFWATCH_[A-Z0-9_]*[A-Z0-9])")
DEFAULT_IN_HELP = re.compile(r"\bdefault:? ([^;)]+?)(?:[;)]|$)")
CONNECTION_DESTS = frozenset({
    "es_url", "es_cloud_id", "es_api_key", "es_username", "es_password", "es_ca_certs",
    "no_verify_certs", "es_ssl_fingerprint", "es_request_timeout", "index_prefix"})

_ALERT_SETTINGS = AlertSettings()


def _num(value: float) -> str:
    """A number as the docs write it: ``15.0`` as ``15``, ``2.5`` as ``2.5``."""
    return f"{value:g}"


INTRO = """\
# Configuration

Every setting of defection-watch: the flags of each `defwatch` command, the environment
variables, and the keys of `feeds.yaml`. A flag wins over its environment variable, which wins
over the default. Secrets (API keys, passwords, alert tokens) are best given through the
environment or files (`DEFWATCH_ES_API_KEY_FILE`, `DEFWATCH_ES_PASSWORD_FILE`, `${VAR}` in
alert URLs): flags show in the process list.

*This file is generated from the commands' parsers by `python -m pipelines.config_doc >
docs/configuration.md`; `tests/test_configuration_doc.py` fails when it is out of date.*
"""

CONNECTION = """\
## Elasticsearch connection (every command that talks to Elasticsearch)

One settings object (`connectors/es_client.py`, `EsTarget`) carries these to every command
and every pipeline step; a worker builds its client from it.

| flag | environment | default | meaning |
|---|---|---|---|
| `--es-url URL` | `DEFWATCH_ES_URL` | `http://127.0.0.1:9200` | base URL; `user:password@` in it is moved to the username/password |
| `--es-cloud-id ID` | `DEFWATCH_ES_CLOUD_ID` | — | Elastic Cloud id, instead of a URL |
| `--es-api-key KEY` | `DEFWATCH_ES_API_KEY`, or a file named by `DEFWATCH_ES_API_KEY_FILE` | — | API key (base64 `id:key`, as `defwatch setup --create-api-keys` writes it) |
| `--es-username USER` | `DEFWATCH_ES_USERNAME` | — | basic auth user |
| `--es-password PASSWORD` | `DEFWATCH_ES_PASSWORD`, or a file named by `DEFWATCH_ES_PASSWORD_FILE` | — | basic auth password |
| `--es-ca-certs PEM` | `DEFWATCH_ES_CA_CERTS` | the system's CA store | CA certificates to verify the cluster's certificate |
| `--no-verify-certs` | `DEFWATCH_ES_VERIFY_CERTS=false` | verify | do not verify the certificate (insecure; one warning) |
| `--es-ssl-fingerprint SHA256` | `DEFWATCH_ES_SSL_FINGERPRINT` | — | pin the certificate by its SHA-256 (hex, colons allowed); replaces CA verification |
| `--es-request-timeout S` | `DEFWATCH_ES_REQUEST_TIMEOUT` | `30` | seconds per request |
| `--index-prefix P` | `DEFWATCH_INDEX_PREFIX` | `defwatch` | prefix of every index and alias (`P-events`, `P-articles`, `P-alerts`, `P-deadletter`, `P-state`) |

An API key and a username/password together, a URL and a cloud id together, or a username
without a password are usage errors (exit 2). An unreachable cluster, a refused certificate or
rejected credentials end a command with one line naming the cluster, e.g.
`cannot reach https://es:9200: TLS handshake failed: certificate verify failed: unable to get
local issuer certificate (give the cluster's CA with --es-ca-certs or pin it with
--es-ssl-fingerprint)`.

`defwatch setup --create-api-keys DIR` (as an administrator) writes `DIR/writer.api_key` (read
and write of `<prefix>-*` only: `read`, `create_doc`, `index`, `view_index_metadata`,
`maintenance`; no cluster privilege, no template or index management, so run the pipeline with
`--no-setup`) and `DIR/analyst.api_key` (`read`, `view_index_metadata` on `<prefix>-*`), each
a file of mode 0600, valid `--api-key-expiration` (default 90 days) and renewed by `setup` when
it expires within 14 days.
"""

ALERTS = f"""\
## Alerts

Channels come from `--alert URL` (repeatable), `DEFWATCH_ALERTS` (comma-separated URLs) and the
`alerts:` list of `feeds.yaml`; duplicates are dropped. `${{NAME}}` in a URL is replaced by the
environment variable `NAME` when an alert is sent, so files and the pipeline graph hold no
token. Every error, log line and stored delivery record shows URLs with their credentials,
secret query values (`token=`, `key=`, …) and token-like path parts as `***`.

| URL | delivery | text made safe by |
|---|---|---|
| `http(s)://…`, `json://…` (→ http), `jsons://…` (→ https) | POST of the event as JSON, with `Idempotency-Key` | JSON encoding (the receiver renders) |
| `discord://WEBHOOK_ID/TOKEN` | Discord webhook, sent by defwatch itself | Markdown escaped, `@` mentions broken, `allowed_mentions: {{parse: []}}` |
| `mmost://HOST[:PORT]/TOKEN`, `mmosts://…` | Mattermost incoming webhook (apprise) | Markdown escaped, `@channel`/`@all`/`@here`/`@user` broken |
| `slack://A/B/C/#channel` | Slack (apprise) | `&`, `<`, `>` as entities (no `<!here>`, no hidden links) |
| `tgram://BOT_TOKEN/CHAT_ID` | Telegram (apprise) | HTML-escaped, sent as Telegram HTML |
| `mailto://…`, `mailtos://…` | e-mail (apprise) | plain text (`format=html` mail is HTML-escaped) |
| any other apprise URL | apprise, as text | `@` mentions broken |

Every channel also loses control characters and bidi overrides (U+202A–U+202E,
U+2066–U+2069) from the alert text.

Filters (all optional; an event must pass every one given), in `feeds.yaml` as `filters:` or
on a URL as `filter_<name>=…` query parameters (removed before delivery):

| filter | default | meaning |
|---|---|---|
| `governorate_ar` | every governorate | a name or a list (exact match on `location.governorate_ar`) |
| `actors` | every actor | a list of actor ids (`actor.id` or `actor.parent_id`) |
| `min_count` | no minimum | the event's `count`, or the top of its `count_range`, is at least this |

Delivery settings (`connectors/alerts.py`, `AlertSettings`; `defwatch run` sets the first
three from its flags): at most {_RUN_DEFAULTS["alert_max_per_minute"]} alerts a minute per
channel (`--alert-max-per-minute`), the rest as one digest after
{_num(_RUN_DEFAULTS["alert_digest_seconds"])} s (`--alert-digest-seconds`); a sender holds an
alert it is sending for {_num(_RUN_DEFAULTS["alert_lease_seconds"])} s
(`--alert-lease-seconds`); {_ALERT_SETTINGS.inline_attempts} tries per round,
{_ALERT_SETTINGS.max_attempts} in all, with backoff from {_num(_ALERT_SETTINGS.backoff_base)} s
up to {_num(_ALERT_SETTINGS.backoff_cap)} s; `--alert-retry-interval` seconds between sweeps
that re-send failed alerts.
"""

FEEDS_KEYS = {
    "id": ("required", "stable, unique name of the feed (cursors and dead letters use it)"),
    "url": ("required", "the feed, Telegram preview (`https://t.me/s/NAME`) or news sitemap"),
    "name": ("the id", "the outlet's name, shown in events' sources"),
    "kind": ("`rss`", "`rss` (RSS or Atom), `telegram` or `sitemap`"),
    "language": ("`ar`", "language of the outlet"),
    "poll_interval": ("`300`", "seconds between polls (`--poll-interval` overrides every feed)"),
}
CHANNEL_KEYS_DOC = {
    "url": ("required", "the channel URL (see above); `${VAR}` expanded when sending"),
    "name": ("the URL without secrets", "display name in logs and alert records"),
    "filters": ("none", "the filters above, as a mapping"),
}

FEEDS_EXAMPLE = """\
```yaml
feeds:
  - id: deirezzor24            # stable, unique
    name: دير الزور 24
    url: https://deirezzor24.net/feed/
    kind: rss                  # rss (RSS/Atom) | telegram | sitemap
    language: ar
    poll_interval: 300         # seconds; --poll-interval overrides every feed
alerts:
  - url: json://desk.example.org/hooks/defwatch
  - url: mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.org?to=desk@example.org
    name: desk-mail
    filters: {governorate_ar: دير الزور, min_count: 10, actors: [ndf]}
```
"""

ENVIRONMENT = {
    "DEFWATCH_ES_URL": "Elasticsearch base URL (`--es-url`)",
    "DEFWATCH_ES_CLOUD_ID": "Elastic Cloud id (`--es-cloud-id`)",
    "DEFWATCH_ES_API_KEY": "API key (`--es-api-key`)",
    "DEFWATCH_ES_API_KEY_FILE": "a file holding the API key (e.g. `/secrets/writer.api_key`)",
    "DEFWATCH_ES_USERNAME": "basic auth user (`--es-username`)",
    "DEFWATCH_ES_PASSWORD": "basic auth password (`--es-password`)",
    "DEFWATCH_ES_PASSWORD_FILE": "a file holding the password",
    "DEFWATCH_ES_CA_CERTS": "CA certificates, PEM (`--es-ca-certs`)",
    "DEFWATCH_ES_VERIFY_CERTS": "`false` = `--no-verify-certs`",
    "DEFWATCH_ES_SSL_FINGERPRINT": "certificate SHA-256 to pin (`--es-ssl-fingerprint`)",
    "DEFWATCH_ES_REQUEST_TIMEOUT": "seconds per request (`--es-request-timeout`, default 30)",
    "DEFWATCH_INDEX_PREFIX": "index prefix (`--index-prefix`, default `defwatch`)",
    "DEFWATCH_ALERTS": "comma-separated alert URLs, added to every `--alert`",
    "DEFWATCH_API_KEYS_DIR": "`defwatch setup --create-api-keys` directory",
    "DEFWATCH_KIBANA_URL": "`defwatch setup --kibana-url`",
    "DEFWATCH_KIBANA_API_KEY": "`defwatch setup --kibana-api-key` (default: the ES API key)",
    "DEFWATCH_BASEMAP_URL": "`defwatch setup --basemap-url` tile template",
    "DEFWATCH_PRISM": "the Prism binary `run` uses by default (default `.cache/bin/prism`; "
                      "`/opt/defwatch/bin/prism` in the image)",
    "DEFWATCH_HOME": "cache of the local Elasticsearch (default `.cache/defwatch` of the "
                     "checkout, else `~/.cache/defwatch`)",
    "DEFWATCH_LOCAL_ES_PORT": "default port of `defwatch local-es` (9200)",
    "DEFWATCH_MAVEN_REPO": "Maven repository the local Elasticsearch zip is downloaded from "
                           "(default `https://repo.maven.apache.org/maven2`; the zip's SHA-512 "
                           "is pinned whatever the mirror)",
    "DEFWATCH_FEEDS": "docker-compose: the host's feeds.yaml mounted into the pipeline",
}
DEVELOPMENT_ENV = {
    "DEFWATCH_TEST_RUNNER": "tests: the Beam runner of the end-to-end tests",
    "DEFWATCH_RELIABILITY": "tests: run the long fault and soak variants",
    "DEFWATCH_RELIABILITY_TABLE": "tests: where the fault table is written",
    "DEFWATCH_ARTIFACTS": "tests: where screenshots and reports are kept",
    "DEFWATCH_CHROMIUM": "tests: the headless Chromium binary",
}


# ----------------------------------------------------------------------------- flags

def command_parser(name: str) -> argparse.ArgumentParser:
    """The argparse parser of ``defwatch NAME`` (``build_parser()`` or ``parser()``)."""
    module = importlib.import_module(COMMANDS[name][0])
    factory = getattr(module, "build_parser", None) or module.parser
    return factory()


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(action: argparse.Action, help_text: str) -> str:
    """The argparse default, else the one the help names ("default 30"), else —."""
    default = action.default
    if default in (None, False, argparse.SUPPRESS) or (isinstance(default, list)
                                                       and not default):
        found = DEFAULT_IN_HELP.search(help_text)
        return _cell(found.group(1)) if found else "—"
    return f"`{default}`"


def _flag(action: argparse.Action) -> str:
    names = [n for n in action.option_strings if "_" not in n[2:]] or action.option_strings
    if not names:  # a positional argument
        return f"`{action.metavar or action.dest}`"
    shown = ", ".join(f"`{n}`" for n in names)
    if action.nargs != 0 and not isinstance(action, argparse._StoreConstAction):
        metavar = action.metavar or action.dest.upper()
        if action.choices and not action.metavar:
            metavar = "{" + ",".join(map(str, action.choices)) + "}"
        shown = shown[:-1] + f" {metavar}`"
    return shown


def flag_rows(parser: argparse.ArgumentParser) -> list[tuple[str, str, str, str]]:
    """(flag, environment, default, help) of every documented argument of ``parser``."""
    rows = []
    connection = False
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.help == argparse.SUPPRESS:
            continue
        if action.dest in CONNECTION_DESTS:
            if not connection:
                connection = True
                rows.append(("`--es-*`, `--no-verify-certs`, `--index-prefix`",
                             "`DEFWATCH_ES_*`, `DEFWATCH_INDEX_PREFIX`",
                             "see above", "the Elasticsearch connection settings"))
            continue
        help_text = (action.help or "") % {"default": action.default} \
            if "%(" in (action.help or "") else (action.help or "")
        envs = ", ".join(f"`{e}`" for e in dict.fromkeys(ENV_IN_HELP.findall(help_text)))
        rows.append((_flag(action), envs or "—", _default(action, help_text),
                     _cell(help_text)))
    return rows


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_section(name: str) -> str:
    """The flag table(s) of one command."""
    parser = command_parser(name)
    parts = [f"### `defwatch {name}`\n", _cell(COMMANDS[name][1]) + "\n"]
    for label, sub in [("", parser), *((f" {n}", p) for n, p in _subparsers(parser).items())]:
        rows = flag_rows(sub)
        if not rows:
            continue
        if label:
            parts.append(f"`defwatch {name}{label}`:\n")
        parts.append("| flag | environment | default | meaning |\n|---|---|---|---|")
        parts += [f"| {' | '.join(row)} |" for row in rows]
        parts.append("")
    if name in ("run", "backfill"):
        parts.append("Beam's own options (`--runner`, `--prism_location`, `--flink_master`, "
                     "`--environment_type`, …) pass through to Beam; any other unknown option "
                     "is a usage error (exit 2).\n")
    return "\n".join(parts)


def _keys_table(title: str, keys: dict[str, tuple[str, str]]) -> str:
    rows = [f"| `{k}` | {d} | {m} |" for k, (d, m) in keys.items()]
    return f"{title}\n\n| key | default | meaning |\n|---|---|---|\n" + "\n".join(rows) + "\n"


def feeds_section() -> str:
    """The keys of feeds.yaml, checked against the code that reads them."""
    from connectors.alert_channels import CHANNEL_KEYS, FILTER_KEYS
    from schemas.records import FeedConfig

    fields = {f.name for f in dataclasses.fields(FeedConfig)}
    missing = (fields - set(FEEDS_KEYS)) | (set(CHANNEL_KEYS) - set(CHANNEL_KEYS_DOC)) | (
        set(FILTER_KEYS) - {"governorate_ar", "actors", "min_count"})
    if missing:
        raise SystemExit(f"config_doc: describe the feeds.yaml key(s) {sorted(missing)}")
    return "\n".join([
        "## `feeds.yaml`\n",
        "The feed registry given to `defwatch run --feeds` and `defwatch feeds check`.\n",
        FEEDS_EXAMPLE,
        _keys_table("`feeds:` — one entry per feed:", FEEDS_KEYS),
        _keys_table("`alerts:` — one entry per channel (optional):", CHANNEL_KEYS_DOC),
        "The `filters:` keys are those of the Alerts section above.\n",
    ])


def environment_section() -> str:
    rows = [f"| `{k}` | {v} |" for k, v in ENVIRONMENT.items()]
    dev = [f"| `{k}` | {v} |" for k, v in DEVELOPMENT_ENV.items()]
    return ("## Environment variables\n\n| variable | meaning |\n|---|---|\n" + "\n".join(rows)
            + "\n\nUsed by the tests and the development scripts only:\n\n"
            "| variable | meaning |\n|---|---|\n" + "\n".join(dev) + "\n")


FILES = """\
## Files written

| what | where | mode |
|---|---|---|
| API keys (`setup --create-api-keys DIR`) | `DIR/writer.api_key`, `DIR/analyst.api_key` | 0600 |
| events (`extract -o OUT`) | OUT, written whole then renamed into place; `-o -` = stdout | umask |
| bad input records (`extract`) | `--dead-letters`, default `OUT.deadletters.jsonl` beside OUT | umask |
| bad records of `run`/`backfill` | the `<prefix>-deadletter` index | — |
| local Elasticsearch, its zip, the plugin build | `DEFWATCH_HOME` (default `.cache/defwatch`) | — |
| Prism | `.cache/bin/prism` (built by `deploy/runners/build_prism.sh`) | — |
"""


def render() -> str:
    """The whole of docs/configuration.md."""
    commands = "\n".join(command_section(name) for name in COMMANDS)
    return "\n".join([INTRO, CONNECTION, ALERTS, feeds_section(),
                      "## Commands\n\n`defwatch --version` prints the version; `defwatch "
                      "COMMAND --help` shows each command's help with examples.\n",
                      commands, environment_section(), FILES]).rstrip() + "\n"


def connection_flags_documented() -> set[str]:
    """The connection flags the CONNECTION table names (checked against the parser)."""
    return set(re.findall(r"`(--[a-z-]+)", CONNECTION))


if __name__ == "__main__":
    sys.stdout.write(render())
