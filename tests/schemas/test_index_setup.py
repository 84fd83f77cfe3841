"""Index templates, indices and aliases against the real Elasticsearch node."""
from __future__ import annotations

import dataclasses

import pytest

from schemas import index_setup
from schemas.indices import KINDS
from schemas.records import Alert, Article, DeadLetter, DefectionEvent
from tests.schemas.samples import full_event, second_event


def _unmapped(document, mapping: dict, prefix: str = "") -> list[str]:
    """Paths of ``document`` that ``mapping`` does not map (leaf fields end the walk)."""
    if isinstance(document, list):
        return [p for item in document for p in _unmapped(item, mapping, prefix)]
    if not isinstance(document, dict) or "properties" not in mapping:
        return []
    missing = []
    for key, value in document.items():
        spec = mapping["properties"].get(key)
        if spec is None:
            missing.append(prefix + key)
        else:
            missing += _unmapped(value, spec, prefix + key + ".")
    return missing


@pytest.mark.parametrize("kind,record", [
    ("events", full_event()),
    ("articles", Article(doc_id="d", url="https://example.org/a", text="نص")),
    ("alerts", Alert(event_id="e")),
    ("deadletter", DeadLetter(stage="fetch", reason="http_status:503")),
])
def test_every_record_field_is_mapped(kind, record):
    mapping = index_setup.load_template(kind)["mappings"]
    assert _unmapped(record.to_dict(), mapping) == []


def test_every_record_field_of_the_event_dataclass_is_mapped():
    mapping = index_setup.load_template("events")["mappings"]
    names = {f.name for f in dataclasses.fields(DefectionEvent)}
    assert names <= set(mapping["properties"])


def test_template_body_targets_versioned_indices_of_the_prefix():
    body = index_setup.template_body("events", "t-abc", "plugin")
    assert body["index_patterns"] == ["t-abc-events-v*"]
    assert index_setup.index_name("events", "t-abc") == "t-abc-events-v1"
    analyzer = body["template"]["settings"]["analysis"]["analyzer"]["defwatch_arabic"]
    assert "defwatch_arabic_stem" in analyzer["filter"]
    assert body["_meta"]["digest"] != index_setup.template_body(
        "events", "t-abc", "analysis-common")["_meta"]["digest"]


@pytest.mark.es
def test_install_twice_changes_nothing_the_second_time(es_client, es_bare_prefix):
    first = index_setup.install(es_client, prefix=es_bare_prefix)
    assert first["changed"]
    assert set(first["templates"].values()) == {"created"}
    assert set(first["indices"].values()) == {"created"}
    second = index_setup.install(es_client, prefix=es_bare_prefix)
    assert not second["changed"]
    assert set(second["templates"].values()) | set(second["indices"].values()) == {"unchanged"}
    for kind in KINDS:
        aliases = es_client.indices.get_alias(name=f"{es_bare_prefix}-{kind}")
        assert aliases == {f"{es_bare_prefix}-{kind}-v1": {
            "aliases": {f"{es_bare_prefix}-{kind}": {"is_write_index": True}}}}


@pytest.mark.es
def test_a_changed_template_is_reported_as_updated(es_client, es_bare_prefix):
    index_setup.install(es_client, prefix=es_bare_prefix, analysis="core")
    report = index_setup.install(es_client, prefix=es_bare_prefix,
                                 analysis=index_setup.detect_analysis(es_client))
    if report["analysis"] == "core":
        pytest.skip("node has no Arabic analysis: both runs use the same template")
    assert set(report["templates"].values()) == {"updated"}
    assert set(report["indices"].values()) == {"unchanged"}


def _tokens(es_client, index: str, text: str) -> list[str]:
    result = es_client.indices.analyze(index=index, field="evidence.text", text=text)
    return [t["token"] for t in result["tokens"]]


@pytest.mark.es
def test_arabic_analysis_normalizes_stems_and_folds_digits(es_client, es_prefix):
    assert index_setup.detect_analysis(es_client) != "core", (
        "this node has no Arabic analysis: start it with `defwatch local-es start` "
        "(installs the defwatch-arabic plugin) or use a distribution with analysis-common")
    index = f"{es_prefix}-events"
    plural, = _tokens(es_client, index, "الانشقاقات")
    singular, = _tokens(es_client, index, "انشقاق")
    assert plural == singular
    assert _tokens(es_client, index, "إنشقاق") == _tokens(es_client, index, "انشقاق")
    assert _tokens(es_client, index, "١٢") == ["12"]
    assert _tokens(es_client, index, "مُقاتِلـــين") == _tokens(es_client, index, "مقاتلين")
    assert _tokens(es_client, index, "في الدوير") == _tokens(es_client, index, "الدوير")


@pytest.mark.es
def test_an_event_round_trips_and_is_found_by_distance(es_client, es_prefix):
    index = f"{es_prefix}-events"
    for event in (full_event(), second_event()):
        es_client.index(index=index, id=event.event_id, document=event.to_dict(),
                        refresh="wait_for")
    stored = es_client.get(index=index, id="ev-ndf-duwayr")["_source"]
    assert DefectionEvent.from_dict(stored) == full_event()
    near = es_client.search(index=index, query={"geo_distance": {
        "distance": "5km", "location.geo": {"lat": 34.46, "lon": 40.92}}})["hits"]["hits"]
    assert sorted(h["_id"] for h in near) == ["ev-irgc-bukamal", "ev-ndf-duwayr"]
    far = es_client.search(index=index, query={"geo_distance": {
        "distance": "50km", "location.geo": {"lat": 36.2, "lon": 37.15}}})["hits"]["hits"]
    assert far == []


@pytest.mark.es
def test_events_reject_fields_outside_the_contract(es_client, es_prefix):
    from elasticsearch import BadRequestError
    with pytest.raises(BadRequestError, match="strict_dynamic_mapping_exception"):
        es_client.index(index=f"{es_prefix}-events", id="x",
                        document={"event_id": "x", "unknown_field": 1})


@pytest.mark.es
def test_arabic_search_finds_the_event_by_another_word_form(es_client, es_prefix):
    index = f"{es_prefix}-events"
    es_client.index(index=index, id="ev-ndf-duwayr", document=full_event().to_dict(),
                    refresh="wait_for")
    hits = es_client.search(index=index, query={"match": {"evidence.text": "الانشقاقات"}})
    assert [h["_id"] for h in hits["hits"]["hits"]] == ["ev-ndf-duwayr"]
    by_actor = es_client.search(index=index, size=0, aggs={
        "actors": {"terms": {"field": "actor.name_ar.keyword"}}})
    assert by_actor["aggregations"]["actors"]["buckets"][0]["key"] == "الدفاع الوطني"


def test_fields_a_new_template_adds_reach_the_existing_index(es_client, es_bare_prefix):
    """An index made before ``actor.side`` existed gets the field when setup runs again."""
    body = index_setup.template_body("events", es_bare_prefix, "core")
    mappings = body["template"]["mappings"]
    del mappings["properties"]["actor"]["properties"]["side"]
    index = index_setup.index_name("events", es_bare_prefix)
    es_client.indices.create(index=index, settings=body["template"]["settings"],
                             mappings=mappings,
                             aliases={f"{es_bare_prefix}-events": {"is_write_index": True}})
    report = index_setup.install(es_client, prefix=es_bare_prefix, analysis="core")
    assert report["indices"][index] == "mapping_updated"
    actor = es_client.indices.get_mapping(index=index)[index]["mappings"]["properties"]["actor"]
    assert actor["properties"]["side"] == {"type": "keyword"}
    assert index_setup.install(es_client, prefix=es_bare_prefix,
                               analysis="core")["indices"][index] == "unchanged"
