"""A full disk: Elasticsearch's flood-stage block on every index, then lifted.

The real node is pushed over its flood-stage watermark through the cluster settings
(``tests/support/es_faults.py``): Elasticsearch blocks every index read-only and answers
writes ``429 cluster_block_exception``. The three sinks (the bulk writer of articles, the
event store and the alert store) hold and retry, count the wait as ``disk_full`` (the status
line's ``es=wait:disk_full``), and store everything once the block is lifted.
"""
from __future__ import annotations

import functools
import threading
import time

import apache_beam as beam
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from connectors.alerts import SendAlerts
from connectors.elasticsearch_io import WriteToElasticsearch, article_doc
from connectors.event_store import WriteEvents
from pipelines.status import es_state, format_status
from schemas.records import Article
from tests.support import alert_sender
from tests.support.es_faults import flood_stage
from tests.support.es_proxy import ElasticsearchProxy
from tests.support.receivers import WebhookReceiver


def _articles(n: int) -> list[Article]:
    return [Article(doc_id=f"art-{i:03d}", url=f"https://news.example.org/{i}",
                    text=f"نص الخبر رقم {i} عن انشقاق عناصر من قوات النظام.", outlet="t")
            for i in range(n)]


def _count(es_client, prefix: str, kind: str) -> int:
    es_client.indices.refresh(index=f"{prefix}-{kind}")
    return es_client.count(index=f"{prefix}-{kind}")["count"]


def test_status_line_says_what_elasticsearch_is_waiting_for():
    before = {"elasticsearch:indexed": 5, "elasticsearch:wait/disk_full": 2}
    now = {"elasticsearch:indexed": 5, "elasticsearch:wait/disk_full": 4,
           "elasticsearch:wait/unreachable": 1}
    assert format_status(now, 10, before).endswith(" es=wait:disk_full,unreachable")
    assert es_state(now, now) == "ok"  # no new wait since the last line
    assert format_status({"elasticsearch:indexed": 5}, 10).endswith(" es=ok")


@pytest.mark.es
@pytest.mark.reliability(
    "Disk full: the node over its flood-stage watermark (cluster settings), every index "
    "read-only (read_only_allow_delete, 429 cluster_block_exception) while articles, events "
    "and alerts are written; then lifted",
    checked="the bulk writer, the event store and the alert store hold and retry; the wait is "
            "counted as disk_full (status line es=wait:disk_full); after the lift every "
            "article, event and alert is stored once; no dead letter; each alert sent once")
def test_flood_stage_block_holds_every_sink_until_lifted(es_url, es_client, es_prefix,
                                                          fault_report):
    articles = _articles(40)
    changes = alert_sender.changes(5)
    outcome: dict = {}
    with WebhookReceiver() as hook, ElasticsearchProxy(es_url) as proxy, \
            flood_stage(es_client) as flood:
        blocked_after = flood.wait_blocked(f"{es_prefix}-articles")

        def run(name, build):
            p = TestPipeline()
            assert_that(build(p) | beam.Map(lambda d: d.reason), equal_to([]))
            try:
                result = p.run()
                result.wait_until_finish()
                outcome[name] = result
            except Exception as error:  # noqa: BLE001 - reported by the test
                outcome[f"{name} error"] = error

        sinks = {  # one pipeline per sink, side by side: each meets the block
            "articles": lambda p: (p | beam.Create(articles) | WriteToElasticsearch(
                proxy.url, functools.partial(article_doc, prefix=es_prefix),
                index_prefix=es_prefix, max_retry_wait=600)
            ).dead_letter,
            "events": lambda p: (p | beam.Create(changes) | WriteEvents(
                proxy.url, prefix=es_prefix)).dead_letter,
            "alerts": lambda p: (p | beam.Create(changes) | SendAlerts(
                [hook.json_url("/hook")], proxy.url, index_prefix=es_prefix,
                settings=alert_sender.settings(10, 60))).dead_letter,
        }
        writers = [threading.Thread(target=run, args=item, daemon=True)
                   for item in sinks.items()]
        for writer in writers:
            writer.start()
        for path in ("_bulk", f"{es_prefix}-events/_doc/", f"{es_prefix}-alerts/_create/"):
            assert proxy.wait_for(  # met the block and came back
                lambda r, path=path: sum(path in x[2] for x in proxy.requests) >= 2,
                timeout=120), f"no retry of {path}"
        assert _count(es_client, es_prefix, "articles") == 0
        assert hook.requests == []
        flood.lift()
        released_after = flood.wait_released(f"{es_prefix}-articles")
        for writer in writers:
            writer.join(300)
        done_after = time.monotonic() - flood.lifted_at
        assert not any(w.is_alive() for w in writers), "the writers did not finish"

    assert set(outcome) == set(sinks), outcome  # no error, e.g. no dead letter
    assert _count(es_client, es_prefix, "articles") == len(articles)
    assert _count(es_client, es_prefix, "events") == len(changes)
    assert sorted(r.json["event_id"] for r in hook.requests) == sorted(
        c.event.event_id for c in changes)
    waits = {}
    for name, result in outcome.items():
        counters = {f"{c.key.metric.namespace}:{c.key.metric.name}": c.committed or c.attempted
                    for c in result.metrics().query(MetricsFilter())["counters"]}
        waits[name] = counters.get("elasticsearch:wait/disk_full", 0)
        assert es_state(counters) == "wait:disk_full", (name, counters)
    assert all(waits.values()), waits
    fault_report.observed = (
        f"block on after {blocked_after:.0f} s; disk_full waits per sink {waits}; released {released_after:.0f} s after the lift; all stored "
        f"{done_after:.0f} s after the lift")
