"""Index templates, versioned indices and aliases for every index kind (``defwatch setup``).

For each kind (events, articles, alerts, deadletter, state) ``install`` puts a composable
index template ``<prefix>-<kind>`` for ``<prefix>-<kind>-v*`` (body from
``schemas/templates/<kind>.json``), creates ``<prefix>-<kind>-v<N>`` and points the alias
``<prefix>-<kind>`` at it as the write index. It is idempotent: a second run changes nothing
and reports every item as ``unchanged``.

Arabic analysis depends on what the node offers (``schemas/templates/analysis.json``): the
project's ``defwatch-arabic`` plugin (the local minimal distribution), else the
``analysis-common`` module (full distributions, the official image), else core filters only.
"""
from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from schemas.indices import DEFAULT_PREFIX, KINDS, alias

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PLUGIN_NAME = "defwatch-arabic"
ANALYSIS_MODULE = "analysis-common"
TEMPLATE_PRIORITY = 500  # above Elastic's built-in templates (100–200)

__all__ = ["install", "uninstall", "index_name", "template_body", "detect_analysis",
           "load_template"]


@cache
def _load_json(name: str) -> dict[str, Any]:
    return json.loads((TEMPLATES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def load_template(kind: str) -> dict[str, Any]:
    """The packaged ``settings``/``mappings``/``_meta`` of ``kind`` (a fresh copy)."""
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}")
    return copy.deepcopy(_load_json(kind))


def index_name(kind: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The versioned index behind the alias, e.g. ``defwatch-events-v1``."""
    return f"{alias(kind, prefix)}-v{load_template(kind)['_meta']['index_version']}"


def detect_analysis(client: Elasticsearch) -> str:
    """``plugin``, ``analysis-common`` or ``core``: the Arabic analysis every node supports."""
    info = client.nodes.info(metric="plugins")
    found = []
    for node in info["nodes"].values():
        names = {p["name"] for p in node.get("plugins", []) + node.get("modules", [])}
        found.append(names)
    if found and all(PLUGIN_NAME in names for names in found):
        return "plugin"
    if found and all(ANALYSIS_MODULE in names for names in found):
        return "analysis-common"
    return "core"


def template_body(kind: str, prefix: str = DEFAULT_PREFIX,
                  analysis: str = "plugin") -> dict[str, Any]:
    """The composable index template of ``kind`` for ``analysis`` (see ``detect_analysis``)."""
    source = load_template(kind)
    settings = source["settings"]
    settings["analysis"] = copy.deepcopy(
        {k: v for k, v in _load_json("analysis")[analysis].items() if not k.startswith("_")})
    body: dict[str, Any] = {
        "index_patterns": [f"{alias(kind, prefix)}-v*"],
        "priority": TEMPLATE_PRIORITY,
        "template": {"settings": settings, "mappings": source["mappings"]},
        "_meta": {**source["_meta"], "analysis": analysis, "managed_by": "defwatch"},
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    body["_meta"]["digest"] = digest
    return body


def _install_template(client: Elasticsearch, name: str, body: dict[str, Any]) -> str:
    """Put the template unless the stored one has the same digest; return what happened."""
    try:
        stored = client.indices.get_index_template(name=name)["index_templates"][0]
        if stored["index_template"].get("_meta", {}).get("digest") == body["_meta"]["digest"]:
            return "unchanged"
        outcome = "updated"
    except NotFoundError:
        outcome = "created"
    client.indices.put_index_template(name=name, **body)
    return outcome


def _added_fields(current: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The ``properties`` of ``wanted`` that ``current`` lacks (objects walked into)."""
    added: dict[str, Any] = {}
    have = current.get("properties", {})
    for name, spec in wanted.get("properties", {}).items():
        if name not in have:
            added[name] = spec
        elif "properties" in spec:
            inner = _added_fields(have[name], spec)
            if inner:
                added[name] = {"properties": inner}
    return added


def _install_index(client: Elasticsearch, index: str, alias_name: str,
                   mappings: dict[str, Any] | None = None) -> str:
    """Create ``index`` with ``alias_name`` as its write alias (or repair a missing alias).

    An existing index gets the fields of ``mappings`` it lacks (a field added to the template:
    adding is allowed in place; any other change needs a new index version).
    """
    if client.indices.exists(index=index):
        aliases = client.indices.get_alias(index=index)[index]["aliases"]
        added = None
        if mappings is not None:
            current = client.indices.get_mapping(index=index)[index]["mappings"]
            added = _added_fields(current, mappings)
            if added:
                client.indices.put_mapping(index=index, properties=added)
        if aliases.get(alias_name, {}).get("is_write_index"):
            return "mapping_updated" if added else "unchanged"
        client.indices.update_aliases(actions=[
            {"add": {"index": index, "alias": alias_name, "is_write_index": True}}])
        return "alias_added"
    client.indices.create(index=index, aliases={alias_name: {"is_write_index": True}})
    return "created"


def install(client: Elasticsearch, prefix: str = DEFAULT_PREFIX,
            analysis: str | None = None) -> dict[str, Any]:
    """Install templates, indices and aliases of every kind; report what changed.

    Returns ``{"analysis": ..., "templates": {name: outcome}, "indices": {name: outcome},
    "changed": bool}`` where outcomes are ``created``, ``updated``, ``alias_added`` or
    ``unchanged``. A template update applies to the next index version only.
    """
    analysis = analysis or detect_analysis(client)
    report: dict[str, Any] = {"analysis": analysis, "templates": {}, "indices": {}}
    for kind in KINDS:
        name = alias(kind, prefix)
        body = template_body(kind, prefix, analysis)
        report["templates"][name] = _install_template(client, name, body)
        index = index_name(kind, prefix)
        report["indices"][index] = _install_index(client, index, name,
                                                  body["template"]["mappings"])
    report["changed"] = any(
        outcome != "unchanged"
        for group in ("templates", "indices") for outcome in report[group].values())
    return report


def uninstall(client: Elasticsearch, prefix: str) -> list[str]:
    """Delete every ``<prefix>-<kind>-*`` index and the templates; return what was deleted."""
    deleted = []
    for kind in KINDS:
        name = alias(kind, prefix)
        indices = client.indices.get(index=f"{name}-v*", ignore_unavailable=True,
                                     allow_no_indices=True, expand_wildcards="all")
        for index in indices:
            client.indices.delete(index=index, ignore_unavailable=True)
            deleted.append(index)
        try:
            client.indices.delete_index_template(name=name)
            deleted.append(f"template:{name}")
        except NotFoundError:
            pass
    return deleted
