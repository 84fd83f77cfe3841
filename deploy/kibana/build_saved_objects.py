"""Build ``deploy/kibana/saved_objects.ndjson``: the Kibana 9 objects analysts open.

    python deploy/kibana/build_saved_objects.py      # rewrites saved_objects.ndjson

Kibana stores most settings of a saved object as JSON strings inside JSON; this script keeps
them readable as Python data and writes the NDJSON that ``defwatch setup --kibana-url``
imports (``_import?overwrite=true``). The test ``tests/deploy/test_kibana_objects.py`` checks
that the file is what this script writes, and that every field the objects use is in the
events index template with a type the panel accepts.

What is built:
- data views: ``defwatch-events`` (time field ``date.start``, the incident's date) and
  ``defwatch-events-ingested`` (time field ``first_seen``, for "what came in today" and for
  events whose date is unknown, which a time-filtered view does not show);
- Lens: defectors over time by side, top units, by governorate, by destination;
- a map of incidents sized by count over a raster basemap whose URL the operator sets
  (``--basemap-url``; ``{z}/{x}/{y}`` tiles of their own server);
- saved searches: latest incidents, single-source, corroborated, with commanders;
- a dashboard with controls for side, actor, governorate and destination.

Versions: ``coreMigrationVersion`` 8.8.0 and each type's ``typeMigrationVersion`` as Kibana 9
exports them; Kibana migrates older objects on import and refuses newer ones.
"""
from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "saved_objects.ndjson"
CORE_VERSION = "8.8.0"
TYPE_VERSIONS = {"index-pattern": "8.0.0", "search": "8.0.0", "lens": "8.9.0", "map": "8.4.0",
                 "dashboard": "10.2.0"}
EVENTS_VIEW = "defwatch-events"
INGESTED_VIEW = "defwatch-events-ingested"
DEFAULT_BASEMAP = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
BASEMAP_ATTRIBUTION = "© OpenStreetMap contributors"
BASEMAP_PLACEHOLDER = "{{DEFWATCH_BASEMAP_URL}}"
TIME_FROM, TIME_TO = "now-1y", "now"
SEARCH_COLUMNS = ["date.start", "date.precision", "actor.name_ar", "actor.name_en",
                  "actor.side", "count", "location.name_ar", "location.governorate_ar",
                  "destination.name_ar", "corroboration", "sources.outlet", "sources.url",
                  "evidence.text"]


def _js(value) -> str:
    """The JSON string Kibana keeps inside an attribute."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _obj(kind: str, obj_id: str, attributes: dict, references: list[dict]) -> dict:
    return {"type": kind, "id": obj_id, "attributes": attributes, "references": references,
            "coreMigrationVersion": CORE_VERSION, "typeMigrationVersion": TYPE_VERSIONS[kind],
            "managed": False}


def _view_ref(name: str, view: str = EVENTS_VIEW) -> dict:
    return {"name": name, "type": "index-pattern", "id": view}


def data_view(view_id: str, name: str, time_field: str) -> dict:
    """A data view over the events alias."""
    formats = {"evidence.url": {"id": "url"}, "sources.url": {"id": "url"}}
    return _obj("index-pattern", view_id, {
        "title": EVENTS_VIEW, "name": name, "timeFieldName": time_field,
        "fieldFormatMap": _js(formats), "fieldAttrs": _js({
            "date.start": {"customLabel": "incident date"},
            "count": {"customLabel": "defectors"},
            "actor.side": {"customLabel": "side"}}),
        "runtimeFieldMap": "{}", "sourceFilters": "[]", "fields": "[]", "allowHidden": False,
    }, [])


def saved_search(obj_id: str, title: str, description: str, kuery: str,
                 sort: list[list[str]] | None = None) -> dict:
    """A Discover session over the incident-date view."""
    source = {"query": {"query": kuery, "language": "kuery"}, "filter": [],
              "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return _obj("search", obj_id, {
        "title": title, "description": description, "columns": SEARCH_COLUMNS,
        "sort": sort or [["date.start", "desc"]], "grid": {}, "hideChart": False,
        "isTextBasedQuery": False, "timeRestore": False,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _js(source)},
    }, [_view_ref("kibanaSavedObjectMeta.searchSourceJSON.index")])


def _terms(field: str, label: str, size: int, order_by: str) -> dict:
    return {"label": label, "dataType": "string", "operationType": "terms",
            "sourceField": field, "isBucketed": True, "scale": "ordinal",
            "params": {"size": size, "orderBy": {"type": "column", "columnId": order_by},
                       "orderDirection": "desc", "otherBucket": True, "missingBucket": False,
                       "parentFormat": {"id": "terms"}}}


def _sum_count() -> dict:
    return {"label": "defectors", "customLabel": True, "dataType": "number",
            "operationType": "sum", "sourceField": "count", "isBucketed": False,
            "scale": "ratio", "params": {"emptyAsNull": True}}


def lens(obj_id: str, title: str, description: str, visualization_type: str,
         columns: dict[str, dict], visualization: dict) -> dict:
    """A Lens panel with one layer (``layer``) over the incident-date view."""
    state = {
        "datasourceStates": {"formBased": {"layers": {"layer": {
            "columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}}}},
        "visualization": visualization,
        "query": {"query": "", "language": "kuery"}, "filters": [],
        "internalReferences": [], "adHocDataViews": {},
    }
    return _obj("lens", obj_id, {"title": title, "description": description,
                                 "visualizationType": visualization_type, "state": state},
                [_view_ref("indexpattern-datasource-layer-layer")])


def _bars(series: str, x: str, y: str, split: str | None = None) -> dict:
    layer = {"layerId": "layer", "layerType": "data", "seriesType": series,
             "xAccessor": x, "accessors": [y]}
    if split:
        layer["splitAccessor"] = split
    return {"preferredSeriesType": series, "layers": [layer], "valueLabels": "hide",
            "legend": {"isVisible": True, "position": "right"}}


def lens_objects() -> list[dict]:
    """The four Lens panels."""
    over_time = lens(
        "defwatch-lens-defectors-over-time", "Defectors over time by side",
        "Reported defectors per incident date, stacked by the side they left.", "lnsXY",
        {"date": {"label": "incident date", "customLabel": True, "dataType": "date",
                  "operationType": "date_histogram", "sourceField": "date.start",
                  "isBucketed": True, "scale": "interval",
                  "params": {"interval": "auto", "includeEmptyRows": True,
                             "dropPartials": False}},
         "side": _terms("actor.side", "side", 10, "defectors"),
         "defectors": _sum_count()},
        _bars("bar_stacked", "date", "defectors", "side"))
    top_units = lens(
        "defwatch-lens-top-units", "Top units losing men",
        "The units with the most reported defectors.", "lnsXY",
        {"unit": _terms("actor.name_ar.keyword", "unit", 15, "defectors"),
         "defectors": _sum_count()},
        _bars("bar_horizontal", "unit", "defectors"))
    by_governorate = lens(
        "defwatch-lens-by-governorate", "Defectors by governorate",
        "Reported defectors per governorate of the incident.", "lnsXY",
        {"governorate": _terms("location.governorate_ar.keyword", "governorate", 14,
                               "defectors"),
         "defectors": _sum_count()},
        _bars("bar_horizontal", "governorate", "defectors"))
    by_destination = lens(
        "defwatch-lens-by-destination", "Where defectors went",
        "Reported defectors by destination (the side or place they reached).", "lnsPie",
        {"destination": _terms("destination.name_ar.keyword", "destination", 10,
                               "defectors"),
         "defectors": _sum_count()},
        {"shape": "donut", "layers": [{"layerId": "layer", "layerType": "data",
                                       "primaryGroups": ["destination"],
                                       "metrics": ["defectors"], "numberDisplay": "value",
                                       "categoryDisplay": "default",
                                       "legendDisplay": "default"}]})
    return [over_time, top_units, by_governorate, by_destination]


def map_object() -> dict:
    """Incidents at their places, sized by count, over the operator's raster basemap."""
    basemap = {"id": "basemap", "label": "Basemap (set with --basemap-url)",
               "type": "RASTER_TILE", "visible": True, "alpha": 1, "minZoom": 0,
               "maxZoom": 24, "sourceDescriptor": {
                   "type": "XYZ", "urlTemplate": BASEMAP_PLACEHOLDER,
                   "attributionText": BASEMAP_ATTRIBUTION, "attributionUrl": ""},
               "style": {"type": "RASTER"}}
    incidents = {
        "id": "incidents", "label": "Defection incidents (size: defectors)",
        "type": "GEOJSON_VECTOR", "visible": True, "alpha": 0.85, "minZoom": 0, "maxZoom": 24,
        "sourceDescriptor": {
            "type": "ES_SEARCH", "id": "defwatch-incidents-source",
            "indexPatternRefName": "layer_1_source_index_pattern", "geoField": "location.geo",
            "scalingType": "LIMIT", "sortField": "date.start", "sortOrder": "desc",
            "applyGlobalQuery": True, "applyGlobalTime": True, "applyForceRefresh": True,
            "tooltipProperties": ["date.start", "actor.name_ar", "actor.name_en", "count",
                                  "location.name_ar", "location.governorate_ar",
                                  "destination.name_ar", "corroboration", "evidence.text"]},
        "style": {"type": "VECTOR", "isTimeAware": True, "properties": {
            "icon": {"type": "STATIC", "options": {"value": "marker"}},
            "fillColor": {"type": "STATIC", "options": {"color": "#D36086"}},
            "lineColor": {"type": "STATIC", "options": {"color": "#FFFFFF"}},
            "lineWidth": {"type": "STATIC", "options": {"size": 1}},
            "iconSize": {"type": "DYNAMIC", "options": {
                "minSize": 5, "maxSize": 32, "field": {"name": "count", "origin": "source"},
                "fieldMetaOptions": {"isEnabled": True, "sigma": 3}}},
            "symbolizeAs": {"options": {"value": "circle"}},
            "labelText": {"type": "STATIC", "options": {"value": ""}}}}}
    state = {"zoom": 6.2, "center": {"lon": 38.6, "lat": 35.0},
             "timeFilters": {"from": TIME_FROM, "to": TIME_TO},
             "refreshConfig": {"isPaused": True, "interval": 0},
             "query": {"query": "", "language": "kuery"}, "filters": [],
             "settings": {"showSpatialFilters": True, "browserLocation": {"zoom": 2}}}
    return _obj("map", "defwatch-incidents-map", {
        "title": "Defection incidents on the map",
        "description": "Each incident at its place (or the nearest named parent area), sized "
                       "by the number of defectors.",
        "layerListJSON": _js([basemap, incidents]), "mapStateJSON": _js(state),
        "uiStateJSON": _js({"isLayerTOCOpen": True, "openTOCDetails": []}),
    }, [_view_ref("layer_1_source_index_pattern")])


CONTROLS = [("side", "actor.side"), ("actor", "actor.name_ar.keyword"),
            ("governorate", "location.governorate_ar.keyword"),
            ("destination", "destination.name_ar.keyword")]


def dashboard(panels: list[tuple[str, str, int, int, int, int]]) -> dict:
    """The dashboard: controls on top, panels below (``(type, id, x, y, w, h)``)."""
    controls = {f"control-{name}": {
        "order": order, "width": "medium", "grow": True, "type": "optionsListControl",
        "explicitInput": {"id": f"control-{name}", "title": name, "fieldName": field,
                          "dataViewId": EVENTS_VIEW, "searchTechnique": "prefix",
                          "selectedOptions": [], "enhancements": {}}}
        for order, (name, field) in enumerate(CONTROLS)}
    panels_json, references = [], []
    for number, (kind, obj_id, x, y, w, h) in enumerate(panels, start=1):
        ref = f"panel_{number}"
        panels_json.append({"type": kind, "panelIndex": str(number), "panelRefName": ref,
                            "gridData": {"x": x, "y": y, "w": w, "h": h, "i": str(number)},
                            "embeddableConfig": {"enhancements": {}}})
        references.append({"name": f"{number}:{ref}", "type": kind, "id": obj_id})
    references += [{"name": f"controlGroup_control-{name}:optionsListDataView",
                    "type": "index-pattern", "id": EVENTS_VIEW} for name, _ in CONTROLS]
    return _obj("dashboard", "defwatch-dashboard", {
        "title": "Defection watch",
        "description": "Who is losing men, where, since when and to whom: incidents by their "
                       "own date, by side, unit, governorate and destination, on the map and "
                       "in the list.",
        "panelsJSON": _js(panels_json),
        "optionsJSON": _js({"useMargins": True, "syncColors": False, "syncCursor": True,
                            "syncTooltips": False, "hidePanelTitles": False}),
        "controlGroupInput": {
            "controlStyle": "oneLine", "chainingSystem": "HIERARCHICAL",
            "showApplySelections": False, "panelsJSON": _js(controls),
            "ignoreParentSettingsJSON": _js({"ignoreFilters": False, "ignoreQuery": False,
                                             "ignoreTimerange": False,
                                             "ignoreValidations": False})},
        "timeRestore": True, "timeFrom": TIME_FROM, "timeTo": TIME_TO,
        "refreshInterval": {"pause": True, "value": 60000},
        "kibanaSavedObjectMeta": {"searchSourceJSON": _js(
            {"query": {"query": "", "language": "kuery"}, "filter": []})},
        "version": 1,
    }, references)


def saved_objects() -> list[dict]:
    """Every object, the ones others point to first."""
    searches = [
        saved_search("defwatch-latest", "Latest incidents",
                     "Every incident, newest incident date first, with its sources and "
                     "evidence sentence.", ""),
        saved_search("defwatch-single-source", "Single-source incidents",
                     "Incidents one outlet reported so far: to be confirmed.",
                     "corroboration <= 1"),
        saved_search("defwatch-corroborated", "Corroborated incidents",
                     "Incidents reported by two or more outlets, most sources first.",
                     "corroboration >= 2", [["corroboration", "desc"], ["date.start", "desc"]]),
        saved_search("defwatch-with-commanders", "Incidents with commanders",
                     "Incidents where a commander or officer defected.",
                     "includes_commander : true"),
    ]
    lenses = lens_objects()
    layout = [("lens", lenses[0]["id"], 0, 0, 32, 14), ("map", "defwatch-incidents-map",
                                                        32, 0, 16, 14),
              ("lens", lenses[1]["id"], 0, 14, 16, 14), ("lens", lenses[2]["id"], 16, 14, 16, 14),
              ("lens", lenses[3]["id"], 32, 14, 16, 14),
              ("search", "defwatch-latest", 0, 28, 48, 18)]
    return [data_view(EVENTS_VIEW, "Defection events (incident date)", "date.start"),
            data_view(INGESTED_VIEW, "Defection events (ingestion time)", "first_seen"),
            *searches, *lenses, map_object(), dashboard(layout)]


def render(objects: list[dict]) -> str:
    """NDJSON text, one object per line."""
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=True) + "\n" for o in objects)


def with_basemap(text: str, url: str | None) -> str:
    """The NDJSON with the basemap tile URL filled in (the default when ``url`` is None)."""
    return text.replace(BASEMAP_PLACEHOLDER, json.dumps(url or DEFAULT_BASEMAP)[1:-1])


if __name__ == "__main__":
    OUT.write_text(render(saved_objects()), encoding="utf-8")
    print(f"wrote {OUT}")
