"""EventStore and WriteEvents against the real Elasticsearch: create, merge, re-run, conflict."""
from __future__ import annotations

import dataclasses

import apache_beam as beam
import pytest
from apache_beam.testing.util import BeamAssertException, assert_that, equal_to

from connectors.event_store import EventStore, EventStoreFactory, WriteEvents
from schemas.indices import alias
from schemas.records import (
    Actor,
    DefectionEvent,
    Destination,
    EventChange,
    Evidence,
    Location,
    Source,
    stable_id,
)
from transforms.event_dedup import DeduplicateEvents, decide

pytestmark = pytest.mark.es

NDF = Actor(id="ndf", name_ar="الدفاع الوطني", parent_id="regime", parent_ar="قوات النظام")
FIRST = ("قالت شبكة محلية إن 21 عنصرا من الدفاع الوطني غادروا قرية الجلاء بريف البوكمال ليلة "
         "السبت وعبروا النهر إلى مناطق قسد")
SECOND = ("وصل 16 عنصرا من ميليشيا الدفاع الوطني قادمين من الجلاء إلى الضفة الشرقية للفرات "
          "وسلموا أنفسهم لقسد")
THIRD = "مصدر ثالث: عناصر الدفاع الوطني الفارون من الجلاء بلغ عددهم 21 عنصرا بينهم قائد مجموعة"


def _report(doc: str, text: str, count: int, outlet: str, published: str) -> DefectionEvent:
    return DefectionEvent(
        event_id=stable_id(doc, 0), actor=dataclasses.replace(NDF), count=count,
        count_qualifier="exact", count_range=[count, count],
        location=Location(name_ar="الجلاء", area_ar="ريف البوكمال", governorate_ar="دير الزور"),
        destination=Destination(id="sdf", name_ar="قسد"),
        evidence=[Evidence(doc_id=doc, text=text, start=0, end=len(text))],
        sources=[Source(doc_id=doc, url=f"https://{outlet}/{doc}", outlet=outlet,
                        published=published)],
        first_seen=published, last_seen=published)


REPORTS = [_report("s1", FIRST, 21, "first.example", "2024-05-04"),
           _report("s2", SECOND, 16, "second.example", "2024-05-06")]


@pytest.fixture
def store(es_client, es_prefix):
    return EventStore(es_client, es_prefix, refresh="wait_for")


def _stored(es_client, prefix):
    es_client.indices.refresh(index=alias("events", prefix))
    hits = es_client.search(index=alias("events", prefix), size=100, seq_no_primary_term=True)
    return {h["_id"]: (h["_seq_no"], h["_source"]) for h in hits["hits"]["hits"]}


def test_new_event_creates_and_second_outlet_merges_into_it(store, es_client, es_prefix):
    first, second = REPORTS
    created = store.upsert(decide(first, []))
    assert created.kind == "new" and created.seq_no is not None
    entries = [list(c) for c in store.find_candidates(second, 21)]
    assert [e[0].event_id for e in entries] == [first.event_id]
    change = store.upsert(decide(second, entries))
    assert change.kind == "update"
    stored = _stored(es_client, es_prefix)
    assert list(stored) == [first.event_id]
    event = stored[first.event_id][1]
    assert event["corroboration"] == 2 and event["count_range"] == [16, 21]
    assert sorted(s["doc_id"] for s in event["sources"]) == ["s1", "s2"]
    assert store.upsert(decide(second, [list(c) for c in store.find_candidates(
        second, 21)])).kind == "unchanged"


def test_concurrent_conflicting_merge_is_reread_and_retried(store, es_client, es_prefix):
    first, second = REPORTS
    third = _report("s3", THIRD, 21, "third.example", "2024-05-07")
    store.upsert(decide(first, []))
    base = store.find_candidates(second, 21)
    change_b = decide(second, [list(c) for c in base])
    change_c = decide(third, [list(c) for c in base])  # both read the same seq_no
    assert change_b.seq_no == change_c.seq_no
    store.upsert(change_b)
    result = store.upsert(change_c)  # conflicts, re-reads, re-merges, writes
    assert result.kind == "update" and result.seq_no > change_c.seq_no
    event = _stored(es_client, es_prefix)[first.event_id][1]
    assert sorted(s["doc_id"] for s in event["sources"]) == ["s1", "s2", "s3"]
    assert event["corroboration"] == 3 and event["count_range"] == [16, 21]


def test_new_event_written_twice_is_unchanged(store, es_client, es_prefix):
    first = REPORTS[0]
    store.upsert(EventChange(kind="new", event=first))
    again = store.upsert(EventChange(kind="new", event=first))  # create conflicts: re-read
    assert again.kind == "unchanged"
    assert len(_stored(es_client, es_prefix)) == 1


def _kinds_in(*allowed):
    """A matcher: the sorted written kinds are one of ``allowed``."""
    def check(actual):
        if sorted(actual) not in [sorted(a) for a in allowed]:
            raise BeamAssertException(f"written kinds {sorted(actual)} not in {allowed}")
    return check


def _run(es_url, prefix, kinds_matcher, reports=REPORTS):
    """One pipeline run over ``reports``: dedup with the store, then write."""
    with beam.Pipeline() as p:
        deduped = (p | beam.Create(reports)
                   | DeduplicateEvents(store_factory=EventStoreFactory(es_url, None, prefix)))
        written = deduped.main | WriteEvents(es_url, None, prefix)
        assert_that(written.main | beam.Map(lambda c: c.kind), kinds_matcher)
        assert_that(written.dead_letter, equal_to([]), label="NoDeadLetters")


def test_two_runs_over_the_same_input_leave_the_same_events(es_url, es_client, es_prefix):
    # the update may reach Elasticsearch before the create: then the create is a replay
    _run(es_url, es_prefix, _kinds_in(["new", "update"], ["update", "unchanged"]))
    after_first = _stored(es_client, es_prefix)
    assert len(after_first) == 1
    (_, event), = after_first.values()
    assert event["corroboration"] == 2
    _run(es_url, es_prefix, _kinds_in(["unchanged", "unchanged"]))  # a restart: state empty, candidates come from Elasticsearch
    assert _stored(es_client, es_prefix) == after_first


def test_candidates_are_the_actor_family_seen_within_the_window(store, es_client, es_prefix):
    first, second = REPORTS
    sibling = dataclasses.replace(_report("s4", THIRD, 7, "x.example", "2024-05-05"),
                                  actor=Actor(id="division_4", parent_id="regime"))
    other_family = dataclasses.replace(_report("s5", THIRD, 7, "y.example", "2024-05-05"),
                                       actor=Actor(id="brigade_47", parent_id="irgc"))
    old = _report("s6", THIRD, 9, "z.example", "2023-01-05")
    for event in (first, sibling, other_family, old):
        store.upsert(EventChange(kind="new", event=event))
    found = {e.event_id for e, seq_no, term in store.find_candidates(second, 21)}
    assert found == {first.event_id, sibling.event_id}


def test_elasticsearch_unreachable_past_the_retry_wait_gives_dead_letters_not_a_crash():
    with beam.Pipeline() as p:
        out = (p | beam.Create([EventChange(kind="new", event=REPORTS[0])])
               | WriteEvents("http://127.0.0.1:9", None, "t-unreachable", max_retry_wait=1.0))
        assert_that(out.dead_letter | beam.Map(lambda d: (d.stage, d.reason.split(":")[0],
                                                          d.payload)),
                    equal_to([("index", "es_error", REPORTS[0].event_id)]))
        assert_that(out.main, equal_to([]), label="NothingWritten")


def test_after_a_restart_a_second_report_merges_into_the_stored_event(es_url, es_client,
                                                                        es_prefix):
    first, second = REPORTS
    _run(es_url, es_prefix, _kinds_in(["new"]), [first])
    _run(es_url, es_prefix, _kinds_in(["update"]), [second])  # new process, empty state
    stored = _stored(es_client, es_prefix)
    assert list(stored) == [first.event_id]
    assert stored[first.event_id][1]["corroboration"] == 2
