"""The Kibana saved objects: well formed, self-contained, and only naming mapped fields."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas import index_setup

NDJSON = Path(__file__).resolve().parents[2] / "deploy" / "kibana" / "saved_objects.ndjson"


def _objects() -> list[dict]:
    lines = NDJSON.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _mapped_fields(mapping: dict, prefix: str = "") -> set[str]:
    """Every field path of a mapping, multi-fields (``name.keyword``) included."""
    fields = set()
    for name, spec in mapping.get("properties", {}).items():
        path = prefix + name
        fields.add(path)
        fields |= {f"{path}.{sub}" for sub in spec.get("fields", {})}
        fields |= _mapped_fields(spec, path + ".")
    return fields


def _referenced_fields(obj: dict) -> set[str]:
    """Field names an object uses: time field, formats, columns, aggs, map layers."""
    attrs, fields = obj["attributes"], set()
    if obj["type"] == "index-pattern":
        fields.add(attrs["timeFieldName"])
        fields |= set(json.loads(attrs.get("fieldFormatMap") or "{}"))
    if obj["type"] == "search":
        fields |= set(attrs["columns"]) | {field for field, _ in attrs["sort"]}
    if obj["type"] == "visualization":
        for agg in json.loads(attrs["visState"])["aggs"]:
            if "field" in agg["params"]:
                fields.add(agg["params"]["field"])
    if obj["type"] == "map":
        for layer in json.loads(attrs["layerListJSON"]):
            source = layer["sourceDescriptor"]
            fields |= {source[k] for k in ("geoField", "sortField") if k in source}
            fields |= set(source.get("tooltipProperties", []))
            for prop in layer.get("style", {}).get("properties", {}).values():
                if prop.get("type") == "DYNAMIC":
                    fields.add(prop["options"]["field"]["name"])
    return fields


def _ref_names(obj: dict) -> set[str]:
    """The reference names an object's attributes point through."""
    attrs, names = obj["attributes"], set()
    source = attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
    if source and "indexRefName" in json.loads(source):
        names.add(json.loads(source)["indexRefName"])
    names |= {p["panelRefName"] for p in json.loads(attrs.get("panelsJSON") or "[]")}
    for layer in json.loads(attrs.get("layerListJSON") or "[]"):
        if "indexPatternRefName" in layer["sourceDescriptor"]:
            names.add(layer["sourceDescriptor"]["indexPatternRefName"])
    return names


def test_every_line_is_a_saved_object():
    objects = _objects()
    assert {o["type"] for o in objects} >= {"index-pattern", "search", "visualization", "map",
                                            "dashboard"}
    for obj in objects:
        assert obj.keys() >= {"type", "id", "attributes", "references"}
        assert obj["attributes"]["title"]
    assert len({(o["type"], o["id"]) for o in objects}) == len(objects)


def test_references_resolve_inside_the_file():
    objects = _objects()
    known = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        refs = {r["name"]: (r["type"], r["id"]) for r in obj["references"]}
        assert set(refs.values()) <= known, obj["id"]
        assert _ref_names(obj) <= set(refs), obj["id"]


def test_the_data_view_covers_the_events_alias():
    (view,) = [o for o in _objects() if o["type"] == "index-pattern"]
    assert view["attributes"]["title"] == "defwatch-events"


@pytest.mark.parametrize("obj", _objects(), ids=lambda o: o["id"])
def test_every_referenced_field_is_in_the_events_mapping(obj):
    mapped = _mapped_fields(index_setup.load_template("events")["mappings"])
    assert _referenced_fields(obj) <= mapped
