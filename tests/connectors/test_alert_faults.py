"""Alerts exactly once when Elasticsearch drops between the send and the mark, or the sender dies.

The fault is injected at that exact point: the real webhook receiver cuts the real proxy in
front of Elasticsearch the moment an alert arrives, before it answers, so the sender's record
of the delivery meets a dead connection. What is proved (see ``connectors/alert_store.py``):

- the sender stays alive → it holds the record until Elasticsearch is back: ONE send per alert;
- the sender is SIGKILLed there (and alerts held in its burst digest die with it) → the next
  run sends every alert it had claimed; the one in flight is sent again with the SAME
  ``delivery_id`` / ``Idempotency-Key``, so a receiver dropping repeats has each exactly once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from connectors.alert_channels import parse_channel
from connectors.alert_store import delivery_id
from connectors.alerts import RetryFailedAlerts, SendAlerts
from tests.support import alert_sender
from tests.support.es_proxy import ElasticsearchProxy
from tests.support.receivers import WebhookReceiver
from tests.support.reliability_table import full_mode

REPO = Path(__file__).resolve().parents[2]
OUTAGE = 30.0 if full_mode() else 4.0  # seconds Elasticsearch stays cut after the send


def _alert_docs(es_client, prefix):
    es_client.indices.refresh(index=f"{prefix}-alerts")
    hits = es_client.search(index=f"{prefix}-alerts", size=100)["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def _event_ids(request) -> list[str]:
    body = request.json
    return body["event_ids"] if body.get("kind") == "digest" else [body["event_id"]]


def _cut_on_first_alert(hook: WebhookReceiver, proxy: ElasticsearchProxy) -> threading.Event:
    """On the first alert the receiver gets: Elasticsearch goes down before the answer."""
    cut = threading.Event()

    def on_request(_request):
        if not cut.is_set():
            proxy.mode = "down"
            cut.set()
    hook.on_request = on_request
    return cut


@pytest.mark.es
@pytest.mark.reliability(
    f"Elasticsearch cut between an alert's send and its mark ({OUTAGE:.0f} s, proxy closes "
    "every connection), sender alive",
    checked="one request per alert at the receiver; every alert document delivered; no dead "
            "letter")
def test_outage_between_send_and_mark_never_sends_twice(es_url, es_client, es_prefix,
                                                        fault_report):
    changes = alert_sender.changes(3)
    with WebhookReceiver() as hook, ElasticsearchProxy(es_url) as proxy:
        cut = _cut_on_first_alert(hook, proxy)
        cut_at = {}

        def restore():
            cut.wait(120)
            cut_at["t"] = time.monotonic()
            threading.Timer(OUTAGE, lambda: setattr(proxy, "mode", "up")).start()
        threading.Thread(target=restore, daemon=True).start()
        with TestPipeline() as p:
            out = (p | beam.Create(changes)
                   | SendAlerts([hook.json_url("/hook")], proxy.url, index_prefix=es_prefix,
                                settings=alert_sender.settings(10, 60)))
            assert_that(out.dead_letter | beam.Map(lambda d: d.reason), equal_to([]),
                        label="NoDeadLetters")
        held = time.monotonic() - cut_at["t"]
        assert cut.is_set()
        assert any(mode == "down" and "/_doc/" in path for mode, _, path, _ in proxy.requests), \
            "the mark never met the outage"
        ids = sorted(i for r in hook.requests for i in _event_ids(r))
        assert ids == sorted(c.event.event_id for c in changes)  # each sent exactly once
        docs = _alert_docs(es_client, es_prefix)
        assert {k: d["status"] for k, d in docs.items()} == dict.fromkeys(ids, "delivered")
        assert all(not d["leases"] and not d["pending"] for d in docs.values())
    fault_report.observed = (f"{len(hook.requests)} requests for 3 alerts; marks held "
                             f"{held:.1f} s through the outage")


@pytest.mark.es
@pytest.mark.reliability(
    "Sender SIGKILLed after an alert was sent and before it was marked (Elasticsearch cut at "
    "that moment), 8 more alerts not yet sent; then restarted over the same events",
    checked="after the restart every alert reaches the receiver; only the one in flight is "
            "re-sent, with the same delivery id; deduplicated by delivery id each alert "
            "arrives exactly once; every document delivered")
def test_sigkill_between_send_and_mark_resends_with_the_same_delivery_id(
        es_url, es_client, es_prefix, fault_report):
    count, per_minute, lease = 9, 1, 4.0
    changes = alert_sender.changes(count)
    with WebhookReceiver() as hook, ElasticsearchProxy(es_url) as proxy:
        cut = _cut_on_first_alert(hook, proxy)
        channel = hook.json_url("/hook")
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.support.alert_sender", proxy.url, es_prefix, channel,
             str(count), str(per_minute), str(lease)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            assert cut.wait(120), "the worker sent no alert: " + (
                worker.stderr.read().decode()[-2000:] if worker.poll() is not None else "")
            # The mark of that alert now meets a dead Elasticsearch: kill the worker there.
            assert proxy.wait_for(lambda r: r[0] == "down" and "/_doc/" in r[2], timeout=60)
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
        finally:
            if worker.poll() is None:
                worker.kill()
        proxy.mode = "up"
        first = hook.requests[0]
        assert len(hook.requests) == 1
        left = _alert_docs(es_client, es_prefix)
        assert left[_deliveries(first)[0][0]]["status"] == "claimed"  # sent, never marked

        restarted = time.monotonic()
        with TestPipeline() as p:  # the restart: the same changes come again
            out = (p | beam.Create(changes)
                   | SendAlerts([channel], es_url, index_prefix=es_prefix,
                                settings=alert_sender.settings(per_minute, lease)))
            assert_that(out.dead_letter, equal_to([]), label="NoDeadLetters")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the in-flight one waits for its lease to expire
            docs = _alert_docs(es_client, es_prefix)
            if all(d["status"] in ("delivered", "digested") for d in docs.values()):
                break
            with TestPipeline() as p:
                _ = (p | beam.Create(["tick"])
                     | RetryFailedAlerts([channel], es_url, index_prefix=es_prefix,
                                         settings=alert_sender.settings(per_minute, lease)))
        recovered = time.monotonic() - restarted
        assert all(d["status"] in ("delivered", "digested") for d in docs.values()), docs

    key = parse_channel(channel).key
    received = [pair for r in hook.delivered for pair in _deliveries(r)]
    expected = sorted(c.event.event_id for c in changes)
    assert sorted({event_id for event_id, _ in received}) == expected  # nothing lost
    assert all(did == delivery_id(event_id, key) for event_id, did in received)
    in_flight = _deliveries(first)
    assert first.headers["idempotency-key"] == in_flight[0][1]
    repeated = sorted({p for p in received if received.count(p) > 1})
    assert repeated == in_flight  # only the one in flight at the kill, with its first id
    assert sorted(e for e, _ in dict.fromkeys(received)) == expected  # once, repeats dropped
    fault_report.observed = (f"{len(hook.requests)} requests for {count} alerts; "
                             f"{len(repeated)} re-sent with the same delivery id; all "
                             f"delivered {recovered:.1f} s after the restart")


def _deliveries(request) -> list[tuple[str, str]]:
    """(event_id, delivery_id) of every alert in a request (one, or each in a digest)."""
    body = request.json
    if body.get("kind") == "digest":
        return [(e["event_id"], e["delivery_id"]) for e in body["events"]]
    return [(body["event_id"], body["delivery_id"])]


@pytest.mark.es
@pytest.mark.reliability(
    "A run ended (killed, or cancelled at the end of its drain) with 12 claimed alerts still "
    "held in its burst digest (in memory); a new run starts seconds later",
    checked="the new run's start sweep sends all 12 at once (one digest), not after the "
            "300 s stale-claim timeout; none twice")
def test_alerts_held_in_a_lost_digest_are_sent_by_the_next_run(es_url, es_client, es_prefix,
                                                                fault_report):
    from connectors.alert_store import AlertStore, claim_document
    from schemas.records import Alert

    changes = alert_sender.changes(12)
    with WebhookReceiver() as hook:
        channel = parse_channel(hook.json_url("/hook"))
        store = AlertStore(es_client, es_prefix)
        claimed_at = time.time() - 2  # the killed run claimed them two seconds ago
        for change in changes:  # exactly what _ClaimAlerts writes before the burst holds them
            alert = Alert(event_id=change.event.event_id, channels=[channel.label()])
            assert store.claim(change.event.event_id, claim_document(
                alert, change.event.to_dict(), [channel.key], now=claimed_at))
        started = time.monotonic()
        with TestPipeline() as p:  # the next run, no new events yet
            out = (p | beam.Create([]) | SendAlerts(
                [channel], es_url, index_prefix=es_prefix,
                settings=alert_sender.settings(max_per_minute=10, lease_seconds=60)))
            assert_that(out.dead_letter, equal_to([]), label="NoDeadLetters")
        took = time.monotonic() - started
        received = [pair for r in hook.delivered for pair in _deliveries(r)]
        assert sorted(e for e, _ in received) == sorted(c.event.event_id for c in changes)
        assert [r.json["kind"] for r in hook.delivered] == ["digest"]
        docs = _alert_docs(es_client, es_prefix)
        assert {d["status"] for d in docs.values()} == {"digested"}
    fault_report.observed = f"12 alerts in 1 digest, {took:.1f} s after the new run started"
