"""Batch clustering and the streaming, keyed-state DeduplicateEvents."""
from __future__ import annotations

import random

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from dedup_fixtures import (
    DUWAYR_16,
    DUWAYR_21,
    EAST_125,
    KHURAITA_5,
    OFFICER_A,
    OFFICER_B,
    OFFICER_C,
    SUBAIKHAN_6,
    report,
)

from transforms.event_dedup import DeduplicateEvents, cluster_events

DAY = 86400


def _reports():
    return [
        report("seed", DUWAYR_21, count=21, place="الدوير", area="ريف البوكمال", start=0,
               outlet="a.example", published="2024-03-10"),
        report("seed", KHURAITA_5, count=5, place="الخريطة", start=200,
               outlet="a.example", published="2024-03-10"),
        report("b", DUWAYR_16, count=16, place="الدوير", outlet="b.example",
               published="2024-03-12"),
        report("c", SUBAIKHAN_6, count=6, place="السبخة", outlet="c.example",
               published="2024-03-12"),
        report("d", EAST_125, count=125, place="ريف دير الزور الشرقي", outlet="d.example",
               published="2024-03-14"),
        report("e", OFFICER_A, count=1, gov=None, dest="fsa", outlet="e.example",
               published="2024-03-11"),
        report("e", OFFICER_C, count=1, gov=None, dest="fsa", outlet="e.example", start=300,
               published="2024-03-11"),
        report("f", OFFICER_B, count=1, gov=None, dest="fsa", outlet="f.example",
               published="2024-03-13"),
    ]


def _clusters(events):
    return sorted(sorted(e.doc_ids()) + [f"@{e.evidence[0].start}"] for e in events)


def test_cluster_events_merges_reports_of_one_incident_only():
    clusters = cluster_events(_reports())
    docs = sorted(tuple(sorted({(ev.doc_id, ev.start) for ev in e.evidence})) for e in clusters)
    assert docs == sorted([
        (("b", 0), ("seed", 0)),
        (("seed", 200),),
        (("c", 0),),
        (("d", 0),),
        (("e", 0), ("f", 0)),
        (("e", 300),),
    ])
    duwayr = next(e for e in clusters if "b" in e.doc_ids())
    assert duwayr.event_id == _reports()[0].event_id  # the first sighting's id
    assert duwayr.count_range == [16, 21] and duwayr.corroboration == 2


def test_cluster_events_is_deterministic_whatever_the_input_order():
    expected = [e.to_dict() for e in cluster_events(_reports())]
    for seed in range(3):
        shuffled = _reports()
        random.Random(seed).shuffle(shuffled)
        assert [e.to_dict() for e in cluster_events(shuffled)] == expected


def test_cluster_events_of_nothing_is_nothing():
    assert cluster_events([]) == []


def _streaming():
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    return TestPipeline(options=options)


def _kinds(changes):
    return changes | beam.Map(lambda c: (c.kind, c.event.event_id, tuple(c.event.doc_ids()),
                                         c.event.corroboration))


def test_second_report_in_state_is_an_update_not_new():
    first = report("d1", DUWAYR_21, count=21, place="الدوير", outlet="a.example")
    second = report("d2", DUWAYR_16, count=16, place="الدوير", outlet="b.example")
    stream = (TestStream()
              .add_elements([beam.window.TimestampedValue(first, 1000)])
              .advance_watermark_to(1000 + DAY)
              .add_elements([beam.window.TimestampedValue(second, 1000 + 2 * DAY)])
              .add_elements([beam.window.TimestampedValue(second, 1000 + 2 * DAY)])
              .advance_watermark_to_infinity())
    with _streaming() as p:
        out = p | stream | DeduplicateEvents()
        assert_that(_kinds(out.main), equal_to([
            ("new", first.event_id, ("d1",), 1),
            ("update", first.event_id, ("d1", "d2"), 2),
            ("unchanged", first.event_id, ("d1", "d2"), 2),
        ]))


def test_state_expires_when_the_watermark_passes_window_and_margin():
    first = report("d1", DUWAYR_21, count=21, place="الدوير", outlet="a.example",
                   published=None)
    late = report("d2", DUWAYR_16, count=16, place="الدوير", outlet="b.example",
                  published=None)
    stream = (TestStream()
              .add_elements([beam.window.TimestampedValue(first, 1000)])
              .advance_watermark_to(1000 + 40 * DAY)  # window 21 + margin 7 days passed
              .add_elements([beam.window.TimestampedValue(late, 1000 + 40 * DAY)])
              .advance_watermark_to_infinity())
    with _streaming() as p:
        out = p | stream | DeduplicateEvents()
        assert_that(_kinds(out.main), equal_to([
            ("new", first.event_id, ("d1",), 1),
            ("new", late.event_id, ("d2",), 1),
        ]))


def test_streaming_store_lookup_when_state_is_empty():
    stored = report("d1", DUWAYR_21, count=21, place="الدوير", outlet="a.example")

    class _Store:
        def find_candidates(self, event, window_days):
            return [(stored, 7, 1)]

    second = report("d2", DUWAYR_16, count=16, place="الدوير", outlet="b.example")
    with _streaming() as p:
        out = (p | TestStream().add_elements([beam.window.TimestampedValue(second, 5)])
               .advance_watermark_to_infinity()
               | DeduplicateEvents(store_factory=_Store))
        assert_that(out.main | beam.Map(lambda c: (c.kind, c.event.event_id, c.seq_no)),
                    equal_to([("update", stored.event_id, 7)]))


def test_bad_input_goes_to_dead_letters():
    with _streaming() as p:
        out = (p | TestStream().add_elements([beam.window.TimestampedValue("garbage", 5)])
               .advance_watermark_to_infinity()
               | DeduplicateEvents())
        assert_that(out.dead_letter | beam.Map(lambda d: (d.stage, d.reason)),
                    equal_to([("dedup", "dedup_error:TypeError")]))
