"""The Kibana alerting rule: an Elasticsearch query rule on mapped fields of the events index."""
from __future__ import annotations

import json
import re
from pathlib import Path

from schemas import index_setup

RULE = Path(__file__).resolve().parents[2] / "deploy" / "kibana" / "alert_rule.json"


def _mapped(mapping: dict, prefix: str = "") -> set[str]:
    fields = set()
    for name, spec in mapping.get("properties", {}).items():
        fields.add(prefix + name)
        fields |= _mapped(spec, f"{prefix}{name}.")
    return fields


def test_rule_queries_new_events_on_mapped_fields():
    rule = json.loads(RULE.read_text(encoding="utf-8"))
    params = rule["params"]
    assert rule["rule_type_id"] == ".es-query" and params["index"] == ["defwatch-events"]
    assert params["excludeHitsFromPreviousRun"] is True
    assert "query" in json.loads(params["esQuery"])
    mapped = _mapped(index_setup.load_template("events")["mappings"])
    assert params["timeField"] in mapped
    message = rule["actions"][0]["params"]["message"]
    used = set(re.findall(r"\{\{_source\.([a-z_.]+)\}\}", message))
    unmapped = {f for f in used if f not in mapped and f.rsplit(".", 1)[0] not in mapped}
    assert used and not unmapped, unmapped  # location.geo.lat: a geo_point's _source part
    assert {"event_id", "actor.name_ar", "count", "location.governorate_ar"} <= used
