"""``defwatch search`` against the real Elasticsearch with two indexed sample events."""
from __future__ import annotations

import json

import pytest

from pipelines import search_cmd
from schemas.records import DefectionEvent
from tests.schemas.samples import full_event, second_event

pytestmark = pytest.mark.es


@pytest.fixture
def indexed(es_client, es_prefix, es_url):
    """The two sample events indexed under the test prefix; returns the common CLI flags."""
    for event in (full_event(), second_event()):
        es_client.index(index=f"{es_prefix}-events", id=event.event_id,
                        document=event.to_dict())
    es_client.indices.refresh(index=f"{es_prefix}-events")
    return ["--es-url", es_url, "--index-prefix", es_prefix]


def _ids(capsys, argv: list[str]) -> list[str]:
    assert search_cmd.main([*argv, "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    return [DefectionEvent.from_dict(json.loads(line)).event_id for line in lines]


def test_arabic_query_matches_another_word_form(capsys, indexed):
    assert _ids(capsys, ["الانشقاقات", *indexed]) == ["ev-ndf-duwayr"]


def test_english_query_matches_english_names(capsys, indexed):
    assert _ids(capsys, ["Revolutionary Guard", *indexed]) == ["ev-irgc-bukamal"]


def test_filters_narrow_by_actor_date_and_governorate(capsys, indexed):
    assert _ids(capsys, ["", "--actor", "ndf", *indexed]) == ["ev-ndf-duwayr"]
    assert _ids(capsys, ["", "--since", "2021-06-01", *indexed]) == ["ev-irgc-bukamal"]
    assert _ids(capsys, ["", "--governorate", "دير الزور", *indexed]) == [
        "ev-irgc-bukamal", "ev-ndf-duwayr"]  # no words: newest first
    assert _ids(capsys, ["", "--governorate", "حلب", *indexed]) == []


def test_prints_a_table_with_the_evidence(capsys, indexed):
    assert search_cmd.main(["انشقاق الدفاع الوطني", *indexed]) == 0
    header, row, *rest = capsys.readouterr().out.splitlines()
    assert header.split() == list(search_cmd.COLUMNS)
    assert row.split()[:3] == ["2021-05-01", "ndf", "12"]
    assert "الدوير" in row and "دير الزور" in row and "عن انشقاق" in row


def test_says_to_run_setup_when_the_index_is_missing(capsys, es_url, es_bare_prefix):
    assert search_cmd.main(["x", "--es-url", es_url, "--index-prefix", es_bare_prefix]) == 1
    assert "defwatch setup" in capsys.readouterr().err
