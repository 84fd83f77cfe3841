"""SendAlerts end to end: real Elasticsearch claims, a real webhook receiver and SMTP server."""
from __future__ import annotations

import time

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from connectors.alert_channels import parse_channel
from connectors.alert_store import AlertStore, claim_document
from connectors.alerts import AlertSettings, RetryFailedAlerts, SendAlerts, alert_kind
from schemas.records import Alert, EventChange
from tests.connectors.alert_events import SENTENCE, make_event
from tests.support.receivers import SmtpReceiver, WebhookReceiver

FAST = AlertSettings(backoff_base=0.01, inline_attempts=2, max_attempts=6, timeout=5)
KIBANA = "http://kibana.local:5601"


def _run(changes, channels, es_url, prefix, settings=FAST):
    """Run SendAlerts over ``changes``; returns (alert statuses by event id, dead letters)."""
    with TestPipeline() as p:
        out = (p | beam.Create(changes)
               | SendAlerts(channels, es_url, index_prefix=prefix, kibana_url=KIBANA,
                            settings=settings))
        assert_that(out.dead_letter | beam.Map(lambda d: d.reason), equal_to([]),
                    label="NoDeadLetters")


def _docs(es_client, prefix):
    es_client.indices.refresh(index=f"{prefix}-alerts")
    hits = es_client.search(index=f"{prefix}-alerts", size=100)["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def test_alert_kind_new_update_unchanged():
    event, bigger = make_event(count=10), make_event(count=30)
    assert alert_kind(EventChange("new", event), FAST) == "new"
    assert alert_kind(EventChange("unchanged", event), FAST) is None
    assert alert_kind(EventChange("update", bigger, previous=event), FAST) is None
    updates = AlertSettings(update_alerts=True)
    assert alert_kind(EventChange("update", bigger, previous=event), updates) == "update"
    assert alert_kind(EventChange("update", make_event(count=11), previous=event),
                      updates) is None
    more_sources = make_event(count=10, corroboration=3)
    assert alert_kind(EventChange("update", more_sources, previous=event), updates) is None
    corroboration = AlertSettings(update_alerts=True, update_min_corroboration_change=2)
    assert alert_kind(EventChange("update", more_sources, previous=event),
                      corroboration) == "update"


@pytest.mark.es
def test_new_events_alert_once_per_channel_and_never_again(es_url, es_client, es_prefix):
    first, second = make_event("evt-a", count=18), make_event("evt-b", count=7)
    second_outlet = make_event("evt-a", count=18, corroboration=2,
                               url="https://other.example.net/a")
    changes = [EventChange("new", first), EventChange("new", second),
               EventChange("update", second_outlet, previous=first),
               EventChange("unchanged", first)]
    with WebhookReceiver() as hook, SmtpReceiver() as smtp:
        channels = [hook.json_url("/hook"), smtp.mailto_url("desk@example.org")]
        _run(changes, channels, es_url, es_prefix)

        assert sorted(r.json["event_id"] for r in hook.requests) == ["evt-a", "evt-b"]
        payload = next(r.json for r in hook.requests if r.json["event_id"] == "evt-a")
        assert payload["kind"] == "new" and payload["count"] == 18
        assert payload["actor"]["id"] == "ndf" and payload["location"]["geo"]["lat"] == 35.0123
        assert SENTENCE in payload["message"]
        assert len(smtp.messages) == 2
        mail = next(m for m in smtp.messages if "18" in m.subject)
        assert mail.recipients == ["desk@example.org"]
        for expected in ("الدفاع الوطني", "National Defence Forces", "الصالحية",
                         "دير الزور", "2024-05-02", "قسد", SENTENCE,
                         "https://news.example.org/2024/05/salhiyah",
                         "https://www.openstreetmap.org/?mlat=35.0123&mlon=40.4567",
                         f"{KIBANA}/app/discover#/"):
            assert expected in mail.body, expected

        docs = _docs(es_client, es_prefix)
        assert {k: (d["status"], d["attempts"], len(d["channels"])) for k, d in docs.items()} == {
            "evt-a": ("delivered", 2, 2), "evt-b": ("delivered", 2, 2)}
        assert all(d["delivered"] and not d["pending"] for d in docs.values())

        # the pipeline restarted over the same changes: nothing is sent again
        _run(changes, channels, es_url, es_prefix)
        assert len(hook.requests) == 2 and len(smtp.messages) == 2


@pytest.mark.es
def test_receiver_down_then_delivered_once_by_the_retry_sweep(es_url, es_client, es_prefix):
    with WebhookReceiver() as hook:
        hook.set_down(503)
        channels = [hook.url("/hook")]
        _run([EventChange("new", make_event("evt-down"))], channels, es_url, es_prefix)
        doc = _docs(es_client, es_prefix)["evt-down"]
        assert doc["status"] == "failed" and doc["attempts"] >= 2
        assert "http_status:503" in doc["errors"][-1]
        assert hook.delivered == [] and len(hook.requests) == doc["attempts"]

        hook.set_down(None)
        for _ in range(2):  # the second sweep finds nothing left to do
            with TestPipeline() as p:
                swept = (p | beam.Create(["tick"])
                         | RetryFailedAlerts(channels, es_url, index_prefix=es_prefix,
                                             settings=FAST))
                assert_that(swept.dead_letter, equal_to([]), label="NoDeadLetters")
        assert [r.json["event_id"] for r in hook.delivered] == ["evt-down"]
        doc = _docs(es_client, es_prefix)["evt-down"]
        assert doc["status"] == "delivered" and doc["pending"] == []


@pytest.mark.es
def test_gives_up_after_max_attempts_and_says_so(es_url, es_client, es_prefix):
    settings = AlertSettings(backoff_base=0.0, inline_attempts=2, max_attempts=2, timeout=5)
    with WebhookReceiver() as hook:
        hook.set_down(500)
        with TestPipeline() as p:
            out = (p | beam.Create([EventChange("new", make_event("evt-lost"))])
                   | SendAlerts([hook.url("/h")], es_url, index_prefix=es_prefix,
                                settings=settings))
            assert_that(out.dead_letter | beam.Map(lambda d: d.reason),
                        equal_to(["alert_undeliverable"]), label="DeadLetter")
            assert_that(out.main | beam.Map(lambda a: (a.event_id, a.status, a.attempts)),
                        equal_to([("evt-lost", "failed", 2)]), label="Failed")
        assert _docs(es_client, es_prefix)["evt-lost"]["status"] == "failed"


@pytest.mark.es
def test_burst_above_the_limit_goes_out_as_one_digest(es_url, es_client, es_prefix):
    settings = AlertSettings(max_per_minute=2, backoff_base=0.01, timeout=5)
    events = [make_event(f"evt-{i}", count=10 + i) for i in range(6)]
    with WebhookReceiver() as hook:
        _run([EventChange("new", e) for e in events], [hook.json_url("/burst")], es_url,
             es_prefix, settings)
        kinds = sorted(r.json["kind"] for r in hook.requests)
        assert kinds == ["digest", "new", "new"]
        digest = next(r.json for r in hook.requests if r.json["kind"] == "digest")
        singles = {r.json["event_id"] for r in hook.requests if r.json["kind"] == "new"}
        assert len(digest["event_ids"]) == 4
        assert set(digest["event_ids"]) | singles == {e.event_id for e in events}
        statuses = sorted(d["status"] for d in _docs(es_client, es_prefix).values())
        assert statuses == ["delivered"] * 2 + ["digested"] * 4


@pytest.mark.es
def test_filters_decide_which_channel_gets_what(es_url, es_client, es_prefix):
    raqqa = make_event("evt-raqqa", count=12, governorate="الرقة")
    small = make_event("evt-small", count=4)
    big = make_event("evt-big", count=30)
    with WebhookReceiver() as deir_desk, WebhookReceiver() as everything:
        channels = [deir_desk.json_url("/h?filter_governorate_ar=دير الزور&filter_min_count=10"),
                    {"url": everything.json_url("/all"), "filters": {"actors": ["saa"]}}]
        _run([EventChange("new", e) for e in (raqqa, small, big)], channels, es_url, es_prefix)
        assert [r.json["event_id"] for r in deir_desk.requests] == ["evt-big"]
        assert deir_desk.requests[0].path == "/h"
        assert everything.requests == []
        docs = _docs(es_client, es_prefix)
        assert {k: d["status"] for k, d in docs.items()} == {
            "evt-raqqa": "filtered", "evt-small": "filtered", "evt-big": "delivered"}


@pytest.mark.es
def test_update_alert_when_enabled_and_material(es_url, es_client, es_prefix):
    settings = AlertSettings(update_alerts=True, backoff_base=0.01, timeout=5)
    first = make_event("evt-u", count=10)
    grown = make_event("evt-u", count=40, corroboration=2)
    with WebhookReceiver() as hook:
        changes = [EventChange("new", first), EventChange("update", grown, previous=first)]
        _run(changes, [hook.json_url("/u")], es_url, es_prefix, settings)
        assert sorted((r.json["kind"], r.json["count"]) for r in hook.requests) == [
            ("new", 10), ("update", 40)]
        _run(changes, [hook.json_url("/u")], es_url, es_prefix, settings)
        assert len(hook.requests) == 2


@pytest.mark.es
def test_restart_sends_what_a_crashed_worker_had_claimed(es_url, es_client, es_prefix):
    event = make_event("evt-crash")
    with WebhookReceiver() as hook:
        channel = parse_channel(hook.json_url("/r"))
        store = AlertStore(es_client, es_prefix)
        alert = Alert(event_id="evt-crash", channels=[channel.label()])
        stale = time.time() - FAST.claim_timeout - 60
        assert store.claim("evt-crash", claim_document(alert, event.to_dict(), [channel.key],
                                                       now=stale))
        _run([EventChange("unchanged", event)], [channel], es_url, es_prefix)
        assert [r.json["event_id"] for r in hook.requests] == ["evt-crash"]
        assert _docs(es_client, es_prefix)["evt-crash"]["status"] == "delivered"


@pytest.mark.es
@pytest.mark.reliability(
    "A run killed after writing an event and before claiming its alert (the window the "
    "mid-run SIGKILL test hit once under load); the next runs see the event as stored "
    "(unchanged, then updated by a second report)",
    checked="the stored event's first alert is claimed and sent by the next run, once; events "
            "already alerted are not alerted again")
def test_a_stored_event_never_claimed_is_alerted_once_by_the_next_run(es_url, es_client,
                                                                      es_prefix, fault_report):
    """A run killed between writing an event and claiming its alert: the next run sees the
    event as stored (unchanged, or updated by another report) and still owes its first alert."""
    event, other = make_event("evt-orphan", count=9), make_event("evt-claimed", count=4)
    with WebhookReceiver() as hook:
        channel = parse_channel(hook.json_url("/r"))
        _run([EventChange("new", other)], [channel], es_url, es_prefix)
        replay = [EventChange("unchanged", event), EventChange("unchanged", other),
                  EventChange("update", make_event("evt-orphan", count=9, corroboration=2),
                              previous=event)]
        _run(replay, [channel], es_url, es_prefix)
        _run(replay, [channel], es_url, es_prefix)
        sent = sorted(r.json["event_id"] for r in hook.requests)
        assert sent == ["evt-claimed", "evt-orphan"]
        docs = _docs(es_client, es_prefix)
        assert docs["evt-orphan"]["kind"] == "new" and docs["evt-orphan"]["status"] == "delivered"
    fault_report.observed = (f"{len(hook.requests)} alert requests for 2 events over 3 runs "
                             f"(the second and third replaying both)")


@pytest.mark.es
def test_claim_is_exclusive_and_records_merge(es_client, es_prefix):
    store = AlertStore(es_client, es_prefix)
    doc = claim_document(Alert(event_id="evt-c"), make_event("evt-c").to_dict(), ["k1", "k2"])
    assert store.claim("evt-c", doc) is True
    assert store.claim("evt-c", doc) is False  # another worker or a restart: skip
    store.modify("evt-c", lambda d: {**d, "pending": ["k2"],
                                     "channel_status": {"k1": "delivered"}})
    source, _, _ = store.get("evt-c")
    assert source["pending"] == ["k2"] and source["event"]["event_id"] == "evt-c"
