"""``defwatch setup``: index templates, indices and aliases; Kibana objects with --kibana-url;
least-privilege API keys with --create-api-keys DIR.

Idempotent: a second run changes nothing and says so (a valid API key is kept). Kibana saved objects
(``deploy/kibana/saved_objects.ndjson``: data views, Lens panels, the map, saved searches and
the dashboard) go through Kibana's ``_import`` API with ``overwrite=true``, with the data
views pointed at this prefix's events alias and the map's basemap at ``--basemap-url``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import requests

from connectors.api_keys import DEFAULT_EXPIRATION, ensure_api_key, parse_duration
from connectors.es_client import add_es_arguments, describe_error, es_target_from_args
from connectors.redact import redact
from deploy.kibana.build_saved_objects import DEFAULT_BASEMAP, with_basemap
from schemas import index_setup
from schemas.indices import DEFAULT_PREFIX, alias

SAVED_OBJECTS = Path(__file__).resolve().parent.parent / "deploy" / "kibana" / \
    "saved_objects.ndjson"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="defwatch setup",
        description="Install the index templates, versioned indices and aliases "
                    "(and the Kibana data view, search and dashboard with --kibana-url; "
                    "a writer and an analyst API key with --create-api-keys).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  defwatch setup\n"
               "  DEFWATCH_ES_PASSWORD=… defwatch setup --es-url https://es:9200 \\\n"
               "      --es-ca-certs ca.pem --es-username elastic --create-api-keys /secrets\n"
               "  defwatch setup --kibana-url http://kibana:5601 --basemap-url "
               "'https://tiles.example.org/{z}/{x}/{y}.png'")
    add_es_arguments(parser)
    parser.add_argument("--create-api-keys", metavar="DIR",
                        default=os.environ.get("DEFWATCH_API_KEYS_DIR"),
                        help="make sure DIR holds writer.api_key (the pipeline: read and write "
                             "the project's indices only) and analyst.api_key (read only), "
                             "files of mode 0600; needs administrator credentials (env "
                             "DEFWATCH_API_KEYS_DIR)")
    parser.add_argument("--api-key-expiration", metavar="AGE", default=DEFAULT_EXPIRATION,
                        help="lifetime of new API keys, e.g. 90d, 12h, or never (default "
                             f"{DEFAULT_EXPIRATION}; a key expiring within 14 days is renewed)")
    parser.add_argument("--kibana-url", default=os.environ.get("DEFWATCH_KIBANA_URL"),
                        help="Kibana base URL to import saved objects into "
                             "(env DEFWATCH_KIBANA_URL)")
    parser.add_argument("--kibana-api-key", default=os.environ.get("DEFWATCH_KIBANA_API_KEY"),
                        help="API key for Kibana (env DEFWATCH_KIBANA_API_KEY; "
                             "defaults to --es-api-key)")
    parser.add_argument("--basemap-url", default=os.environ.get("DEFWATCH_BASEMAP_URL"),
                        help="raster tiles of the Kibana map, with {z}, {x} and {y} (env "
                             f"DEFWATCH_BASEMAP_URL; default {DEFAULT_BASEMAP}): point it "
                             "at your own tile server")
    return parser


def check_basemap(url: str | None) -> str | None:
    """``url`` when it is an http(s) tile template with {z}, {x} and {y}, else ValueError."""
    if url is None:
        return None
    if urlsplit(url).scheme not in ("http", "https") or not all(
            part in url for part in ("{z}", "{x}", "{y}")):
        raise ValueError(f"--basemap-url {url!r} must be an http(s) URL with {{z}}, {{x}} and "
                         "{y}, e.g. https://tiles.example.org/{z}/{x}/{y}.png")
    return url


def kibana_objects(prefix: str = DEFAULT_PREFIX, basemap_url: str | None = None,
                   path: Path = SAVED_OBJECTS) -> bytes:
    """The NDJSON to import: data views on ``prefix``'s events alias, the basemap filled in."""
    lines = []
    for line in with_basemap(path.read_text(encoding="utf-8"), basemap_url).splitlines():
        obj = json.loads(line)
        if obj["type"] == "index-pattern":
            obj["attributes"]["title"] = alias("events", prefix)
        lines.append(json.dumps(obj, ensure_ascii=False, sort_keys=True))
    return ("\n".join(lines) + "\n").encode("utf-8")


def import_saved_objects(kibana_url: str, api_key: str | None = None,
                         payload: bytes | None = None, timeout: float = 60.0,
                         basic_auth: tuple[str, str] | None = None) -> dict:
    """POST the NDJSON saved objects to Kibana's ``_import`` API; return its JSON answer."""
    headers = {"kbn-xsrf": "defwatch"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    payload = kibana_objects() if payload is None else payload
    response = requests.post(
        f"{kibana_url.rstrip('/')}/api/saved_objects/_import",
        params={"overwrite": "true"}, headers=headers, auth=None if api_key else basic_auth,
        files={"file": (SAVED_OBJECTS.name, payload, "application/ndjson")}, timeout=timeout)
    response.raise_for_status()
    result = response.json()
    if not result.get("success", False):
        raise RuntimeError(f"Kibana import reported errors: {result.get('errors')}")
    return result


def create_api_keys(client, target, directory: Path, expiration: str | None) -> bool:
    """The writer and analyst keys in ``directory`` (kept or made); False after an error line."""
    try:
        for role in ("writer", "analyst"):
            key = ensure_api_key(client, role, target.index_prefix, directory, expiration)
            print(f"api key {role}: {key.status} ({key.path}, id {key.key_id}, expires "
                  f"{key.expires or 'never'})")
    except OSError as error:
        print(f"defwatch setup: cannot write the API keys into {directory}: "
              f"{error.strerror}", file=sys.stderr)
        return False
    except Exception as error:  # noqa: BLE001 - transport/API errors: one line
        print(f"defwatch setup: could not create the API keys: "
              f"{describe_error(error, target)}", file=sys.stderr)
        return False
    return True


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_basemap(args.basemap_url)
        expiration = parse_duration(args.api_key_expiration)
    except ValueError as error:
        parser.error(str(error))
    target = es_target_from_args(args)
    client = target.client()
    try:
        report = index_setup.install(client, prefix=target.index_prefix)
    except Exception as error:  # noqa: BLE001 - one clear line for any transport/API error
        client.close()
        print(f"defwatch setup: could not install the indices: {describe_error(error, target)}",
              file=sys.stderr)
        return 1
    for group in ("templates", "indices"):
        for name, outcome in report[group].items():
            print(f"{group[:-1] if group == 'templates' else 'index'} {name}: {outcome}")
    if report["analysis"] != "plugin":
        note = {"analysis-common": "Arabic analysis from the analysis-common module",
                "core": "WARNING: no Arabic analysis on this node (no defwatch-arabic plugin, "
                        "no analysis-common module): Arabic text is only lowercased"}
        print(note[report["analysis"]], file=sys.stderr)
    print("changed" if report["changed"] else "nothing to do: everything already installed")
    try:
        if args.create_api_keys and not create_api_keys(client, target,
                                                        Path(args.create_api_keys), expiration):
            return 1
    finally:
        client.close()
    if args.kibana_url:
        basic = (target.username, target.password) if target.username else None
        try:
            result = import_saved_objects(
                args.kibana_url, args.kibana_api_key or target.api_key,
                kibana_objects(target.index_prefix, args.basemap_url), basic_auth=basic)
        except (requests.RequestException, RuntimeError) as error:
            print(f"defwatch setup: Kibana import failed: "
                  f"{redact(str(error), target.secrets())}", file=sys.stderr)
            return 1
        print(f"kibana: imported {result.get('successCount', 0)} saved objects")
    return 0
