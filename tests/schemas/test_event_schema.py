"""The JSON Schema of the event (for outside consumers) matches what the records produce."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from schemas.records import DATE_PRECISIONS, SIDES, DefectionEvent
from tests.schemas.samples import full_event, second_event

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "event.schema.json")
                    .read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())


def _errors(document: dict) -> list[str]:
    return sorted(error.message for error in VALIDATOR.iter_errors(document))


def test_the_schema_itself_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("event", [full_event(), second_event(), DefectionEvent(event_id="e1")],
                         ids=["full", "sparse", "minimal"])
def test_events_from_the_records_validate(event):
    assert _errors(event.to_dict()) == []


def test_every_event_field_is_described():
    assert set(SCHEMA["properties"]) == set(full_event().to_dict())


@pytest.mark.parametrize("change,expected", [
    ({"count": "twelve"}, "'twelve' is not of type 'integer'"),
    ({"count_qualifier": "many"}, "'many' is not one of"),
    ({"unexpected": 1}, "Additional properties are not allowed"),
    ({"location": {"geo": {"lat": 134.0, "lon": 40.0}}}, "134.0 is greater than the maximum"),
    ({"date": {"start": "01/05/2021"}}, "'01/05/2021' does not match"),
])
def test_malformed_events_are_rejected(change, expected):
    document = {**full_event().to_dict(), **change}
    assert any(expected in message for message in _errors(document))


def test_an_event_without_its_id_is_rejected():
    document = full_event().to_dict()
    del document["event_id"]
    assert _errors(document) == ["'event_id' is a required property"]


def test_schema_and_records_agree_on_sides_and_date_precisions():
    defs = SCHEMA["$defs"]
    assert tuple(defs["actor"]["properties"]["side"]["enum"]) == SIDES
    assert tuple(defs["date"]["properties"]["precision"]["enum"]) == DATE_PRECISIONS
    assert _errors({**full_event().to_dict(), "actor": {"side": "army"}})
