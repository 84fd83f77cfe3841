"""The Kibana saved objects: what the build script writes, self-contained, and every field they
use exists in the events index template with a type the panel accepts."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deploy.kibana import build_saved_objects as build
from schemas import index_setup

NDJSON = Path(__file__).resolve().parents[2] / "deploy" / "kibana" / "saved_objects.ndjson"
NUMERIC = {"integer", "long", "short", "byte", "float", "double", "half_float", "scaled_float"}
AGGREGATABLE = {"keyword", "boolean", "date", "ip"} | NUMERIC
# What each use of a field accepts (Lens operations, map styles, controls, time fields).
ACCEPTS = {"time": {"date"}, "date_histogram": {"date"}, "terms": AGGREGATABLE - {"date"},
           "sum": NUMERIC, "sort": AGGREGATABLE, "geo": {"geo_point", "geo_shape"},
           "size": NUMERIC, "control": {"keyword", "boolean", "ip"} | NUMERIC,
           "column": None, "tooltip": None, "kuery": None}
KUERY_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*(?:<=|>=|<|>|:)")


def _objects() -> list[dict]:
    lines = NDJSON.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _field_types(mapping: dict, prefix: str = "") -> dict[str, str]:
    """Every field path of a mapping (multi-fields included) → its type."""
    out = {}
    for name, spec in mapping.get("properties", {}).items():
        path = prefix + name
        out[path] = spec.get("type", "object")
        out |= {f"{path}.{sub}": s["type"] for sub, s in spec.get("fields", {}).items()}
        out |= _field_types(spec, path + ".")
    return out


def _uses(obj: dict) -> list[tuple[str, str]]:
    """(use, field) pairs of one saved object (see ACCEPTS)."""
    attrs, uses = obj["attributes"], []
    if obj["type"] == "index-pattern":
        uses.append(("time", attrs["timeFieldName"]))
    if obj["type"] == "search":
        uses += [("column", c) for c in attrs["columns"]]
        uses += [("sort", field) for field, _ in attrs["sort"]]
        source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
        uses += [("kuery", f) for f in KUERY_FIELD.findall(source["query"]["query"])]
    if obj["type"] == "lens":
        for layer in attrs["state"]["datasourceStates"]["formBased"]["layers"].values():
            for column in layer["columns"].values():
                uses.append((column["operationType"], column["sourceField"]))
    if obj["type"] == "map":
        for layer in json.loads(attrs["layerListJSON"]):
            source = layer["sourceDescriptor"]
            if source["type"] == "ES_SEARCH":
                uses += [("geo", source["geoField"]), ("sort", source["sortField"])]
                uses += [("tooltip", f) for f in source["tooltipProperties"]]
            for prop in layer["style"].get("properties", {}).values():
                if prop.get("type") == "DYNAMIC":
                    uses.append(("size", prop["options"]["field"]["name"]))
    if obj["type"] == "dashboard":
        controls = json.loads(attrs["controlGroupInput"]["panelsJSON"])
        uses += [("control", c["explicitInput"]["fieldName"]) for c in controls.values()]
    return uses


def _ref_names(obj: dict) -> set[str]:
    """The reference names an object's attributes point through."""
    attrs, names = obj["attributes"], set()
    source = attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
    if source and "indexRefName" in json.loads(source):
        names.add(json.loads(source)["indexRefName"])
    for panel in json.loads(attrs.get("panelsJSON") or "[]"):
        names.add(f"{panel['panelIndex']}:{panel['panelRefName']}")
    for layer in json.loads(attrs.get("layerListJSON") or "[]"):
        if "indexPatternRefName" in layer["sourceDescriptor"]:
            names.add(layer["sourceDescriptor"]["indexPatternRefName"])
    if obj["type"] == "lens":
        names |= {f"indexpattern-datasource-layer-{layer}" for layer in
                  attrs["state"]["datasourceStates"]["formBased"]["layers"]}
    if obj["type"] == "dashboard":
        names |= {f"controlGroup_{c}:optionsListDataView"
                  for c in json.loads(attrs["controlGroupInput"]["panelsJSON"])}
    return names


def test_the_file_is_what_the_build_script_writes():
    assert NDJSON.read_text(encoding="utf-8") == build.render(build.saved_objects()), (
        "run: python deploy/kibana/build_saved_objects.py")


def test_every_line_is_a_kibana_9_saved_object():
    objects = _objects()
    assert {o["type"] for o in objects} == {"index-pattern", "search", "lens", "map",
                                            "dashboard"}
    for obj in objects:
        assert obj.keys() >= {"type", "id", "attributes", "references", "coreMigrationVersion",
                              "typeMigrationVersion"}
        assert obj["coreMigrationVersion"] == "8.8.0"
        assert obj["typeMigrationVersion"] == build.TYPE_VERSIONS[obj["type"]]
        assert obj["attributes"]["title"]
    assert len({(o["type"], o["id"]) for o in objects}) == len(objects)


def test_references_resolve_inside_the_file():
    objects = _objects()
    known = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        refs = {r["name"]: (r["type"], r["id"]) for r in obj["references"]}
        assert set(refs.values()) <= known, obj["id"]
        assert _ref_names(obj) == set(refs), obj["id"]


def test_data_views_use_the_incident_date_and_the_ingestion_time():
    views = {o["id"]: o["attributes"] for o in _objects() if o["type"] == "index-pattern"}
    assert {v["title"] for v in views.values()} == {"defwatch-events"}
    assert views["defwatch-events"]["timeFieldName"] == "date.start"
    assert views["defwatch-events-ingested"]["timeFieldName"] == "first_seen"


def test_the_analysts_panels_are_there():
    titles = {o["attributes"]["title"] for o in _objects()}
    assert titles >= {"Defectors over time by side", "Top units losing men",
                      "Defectors by governorate", "Where defectors went", "Latest incidents",
                      "Single-source incidents", "Corroborated incidents",
                      "Incidents with commanders", "Defection incidents on the map"}
    (dash,) = [o for o in _objects() if o["type"] == "dashboard"]
    controls = json.loads(dash["attributes"]["controlGroupInput"]["panelsJSON"])
    assert [c["explicitInput"]["title"] for c in controls.values()] == [
        "side", "actor", "governorate", "destination"]
    kinds = [p["type"] for p in json.loads(dash["attributes"]["panelsJSON"])]
    assert kinds.count("lens") == 4 and "map" in kinds and "search" in kinds


def test_the_map_sizes_incidents_by_count_over_the_operators_basemap():
    (mapping,) = [o for o in _objects() if o["type"] == "map"]
    basemap, incidents = json.loads(mapping["attributes"]["layerListJSON"])
    assert basemap["type"] == "RASTER_TILE" and basemap["sourceDescriptor"]["type"] == "XYZ"
    assert basemap["sourceDescriptor"]["urlTemplate"] == build.BASEMAP_PLACEHOLDER
    assert incidents["style"]["properties"]["iconSize"]["options"]["field"]["name"] == "count"
    text = build.with_basemap(NDJSON.read_text(encoding="utf-8"),
                              "https://tiles.example.org/{z}/{x}/{y}.png")
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in text
    assert all(json.loads(line) for line in text.splitlines())
    default = build.with_basemap(NDJSON.read_text(encoding="utf-8"), None)
    assert build.BASEMAP_PLACEHOLDER not in default
    (mapping,) = [o for o in map(json.loads, default.splitlines()) if o["type"] == "map"]
    basemap = json.loads(mapping["attributes"]["layerListJSON"])[0]
    assert basemap["sourceDescriptor"]["urlTemplate"] == build.DEFAULT_BASEMAP


@pytest.mark.parametrize("obj", _objects(), ids=lambda o: o["id"])
def test_every_field_is_mapped_with_a_type_the_panel_accepts(obj):
    types = _field_types(index_setup.load_template("events")["mappings"])
    uses = _uses(obj)
    assert uses, obj["id"]
    for use, field in uses:
        assert field in types, f"{obj['id']}: {field} is not in the events template"
        accepted = ACCEPTS[use]
        assert accepted is None or types[field] in accepted, (
            f"{obj['id']}: {use} on {field} ({types[field]})")
