"""WriteToElasticsearch against the real Elasticsearch, directly and through a loopback proxy."""
from __future__ import annotations

import collections
import functools
import threading

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from connectors import elasticsearch_io
from connectors.elasticsearch_io import (
    BulkSettings,
    IndexedDoc,
    WriteToElasticsearch,
    _backoff,
    _classify,
    _to_action,
    article_doc,
    wait_out,
)
from schemas.records import Article, DeadLetter
from tests.support.es_proxy import ElasticsearchProxy

FAST = {"initial_backoff": 0.02, "max_backoff": 0.2}


def _articles(prefix: str, n: int) -> list[Article]:
    return [Article(doc_id=f"a{i}", url=f"https://example.org/{i}",
                    text=f"انشق {i} عناصر من الدفاع الوطني في ريف دير الزور")
            for i in range(n)]


def _doc(prefix: str, record: dict) -> tuple[str, str, dict]:
    return f"{prefix}-articles", record["id"], record["source"]


def _search_ids(es_client, index: str) -> list[str]:
    es_client.indices.refresh(index=index)
    hits = es_client.search(index=index, size=1000, query={"match_all": {}})["hits"]["hits"]
    return sorted(h["_id"] for h in hits)


def test_backoff_is_capped_and_grows():
    assert 0.5 <= _backoff(0, 1.0, 30.0) <= 1.0
    assert 4.0 <= _backoff(3, 1.0, 30.0) <= 8.0  # half to full jitter of 2**3
    assert 15.0 <= _backoff(5, 1.0, 30.0) <= 30.0  # 2**5 capped at 30
    assert _backoff(50, 1.0, 30.0) <= 30.0


@pytest.mark.parametrize("delay, sleeps, counted", [
    (0, [], 0), (0.3, [0.3], 1), (1.0, [1.0], 1), (2.5, [1.0, 1.0, 0.5], 3)])
def test_wait_out_counts_the_seconds_it_sleeps(monkeypatch, delay, sleeps, counted):
    now, slept, counts = [100.0], [], collections.Counter()

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    class Counter:
        def __init__(self, name):
            self.name = name

        def inc(self, n=1):
            counts[self.name] += n

    monkeypatch.setattr(elasticsearch_io.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(elasticsearch_io.time, "sleep", sleep)
    monkeypatch.setattr(elasticsearch_io.beam.metrics.Metrics, "counter",
                        lambda namespace, name: Counter(f"{namespace}:{name}"))
    wait_out(delay, {"unreachable", "disk_full"})
    assert slept == sleeps
    assert counts == ({"elasticsearch:wait/unreachable": counted,
                       "elasticsearch:wait/disk_full": counted} if counted else {})


def test_statuses_are_classified():
    assert [_classify(s) for s in (429, 503, 500, None, "N/A", 400, 404)] == [
        "retry", "retry", "retry", "retry", "retry", "reject", "reject"]


def test_ids_are_fixed_before_the_reshuffle():
    action = _to_action(Article(doc_id="x1", url="u", text="نص"), article_doc)
    assert (action.index, action.doc_id) == ("defwatch-articles", "x1")
    assert action.size > len("نص")
    bad = _to_action({"id": ""}, lambda r: ("i", r["id"], {}))
    assert bad.error.startswith("ValueError") and "record" in bad.source


def test_settings_are_validated_up_front():
    with pytest.raises(TypeError):
        WriteToElasticsearch("http://x", doc_fn="not callable")
    with pytest.raises(TypeError):
        WriteToElasticsearch("http://x", article_doc, max_batch_doc=3)
    with pytest.raises(ValueError):
        WriteToElasticsearch("http://x", article_doc, op_type="upsert")


@pytest.mark.es
def test_writes_every_document_once_even_when_written_twice(es_url, es_client, es_prefix):
    articles = _articles(es_prefix, 7)
    doc_fn = functools.partial(article_doc, prefix=es_prefix)
    for _ in range(2):  # a replay rewrites the same ids
        with TestPipeline() as p:
            out = (p | beam.Create(articles)
                   | WriteToElasticsearch(es_url, doc_fn, index_prefix=es_prefix,
                                          max_batch_docs=3))
            assert_that(out.main | beam.Map(lambda d: d.doc_id),
                        equal_to([a.doc_id for a in articles]), label="stored")
            assert_that(out.dead_letter, equal_to([]), label="no_dead_letters")
    assert _search_ids(es_client, f"{es_prefix}-articles") == sorted(a.doc_id for a in articles)
    stored = es_client.get(index=f"{es_prefix}-articles", id="a3")["_source"]
    assert stored["text"].startswith("انشق 3 عناصر")


@pytest.mark.es
def test_mapping_errors_become_dead_letters_in_the_deadletter_index(es_url, es_client,
                                                                    es_bare_prefix):
    es_client.indices.create(index=f"{es_bare_prefix}-articles",
                             mappings={"properties": {"count": {"type": "integer"}}})
    records = [{"id": "good", "source": {"count": 21}},
               {"id": "bad", "source": {"count": "واحد وعشرون"}},
               {"no_id": True}]
    with TestPipeline() as p:
        out = (p | beam.Create(records)
               | WriteToElasticsearch(es_url, functools.partial(_doc, es_bare_prefix),
                                      index_prefix=es_bare_prefix))
        assert_that(out.main | beam.Map(lambda d: d.doc_id), equal_to(["good"]), label="ok")
        assert_that(out.dead_letter | beam.Map(lambda d: (d.stage, d.reason, d.url)),
                    equal_to([("index", "document_parsing_exception",
                               f"{es_bare_prefix}-articles/bad"),
                              ("index", "bad_document", "/")]), label="dead")
    assert _search_ids(es_client, f"{es_bare_prefix}-articles") == ["good"]
    es_client.indices.refresh(index=f"{es_bare_prefix}-deadletter")
    letters = es_client.search(index=f"{es_bare_prefix}-deadletter")["hits"]["hits"]
    assert len(letters) == 2
    letter = next(x["_source"] for x in letters if x["_source"]["reason"] != "bad_document")
    assert letter["reason"] == "document_parsing_exception"
    assert "واحد وعشرون" in letter["payload"] and letter["detail"]


@pytest.mark.es
def test_only_the_rejected_document_is_sent_again(es_url, es_client, es_bare_prefix):
    records = [{"id": f"d{i}", "source": {"n": i}} for i in range(4)]
    with ElasticsearchProxy(es_url, mode="reject_first_item") as proxy:
        proxy_mode_switch = threading.Thread(target=lambda: (
            proxy.wait_for(lambda r: "_bulk" in r[2]), setattr(proxy, "mode", "up")))
        proxy_mode_switch.start()
        with TestPipeline() as p:
            out = (p | beam.Create(records)
                   | WriteToElasticsearch(proxy.url, functools.partial(_doc, es_bare_prefix),
                                          index_prefix=es_bare_prefix, max_batch_docs=10, **FAST))
            assert_that(out.main | beam.Map(lambda d: d.doc_id),
                        equal_to([r["id"] for r in records]))
        proxy_mode_switch.join()
        bodies = proxy.bulk_bodies()
    assert [len(b) for b in bodies] == [4, 1]  # the retry carries only the 429'd document
    assert bodies[1][0]["index"]["_id"] == bodies[0][0]["index"]["_id"]
    assert _search_ids(es_client, f"{es_bare_prefix}-articles") == ["d0", "d1", "d2", "d3"]


@pytest.mark.es
def test_holds_while_elasticsearch_is_down_and_loses_nothing(es_url, es_client, es_bare_prefix):
    records = [{"id": f"e{i}", "source": {"n": i}} for i in range(25)]

    def come_back(proxy):
        # Down for three bulk attempts in a row (connection closed), 503 for two, then up.
        proxy.wait_for(lambda r: r[0] == "down" and "_bulk" in r[2])
        proxy.wait_for(lambda r: sum(1 for x in proxy.requests if x[0] == "down") >= 3)
        proxy.mode = "unavailable"
        proxy.wait_for(lambda r: sum(1 for x in proxy.requests if x[0] == "unavailable") >= 2)
        proxy.mode = "up"

    with ElasticsearchProxy(es_url, mode="down") as proxy:
        thread = threading.Thread(target=come_back, args=(proxy,))
        thread.start()
        with TestPipeline() as p:
            out = (p | beam.Create(records)
                   | WriteToElasticsearch(proxy.url, functools.partial(_doc, es_bare_prefix),
                                          index_prefix=es_bare_prefix, max_batch_docs=10, **FAST))
            assert_that(out.dead_letter, equal_to([]))
        thread.join()
        modes = [r[0] for r in proxy.requests if "_bulk" in r[2]]
    assert modes.count("down") >= 3 and modes.count("unavailable") >= 2
    assert _search_ids(es_client, f"{es_bare_prefix}-articles") == sorted(r["id"] for r in records)


@pytest.mark.es
def test_gives_up_after_max_wait_with_a_dead_letter(es_url, es_client, es_bare_prefix):
    with ElasticsearchProxy(es_url, mode="unavailable") as proxy:
        with TestPipeline() as p:
            out = (p | beam.Create([{"id": "late", "source": {"n": 1}}])
                   | WriteToElasticsearch(proxy.url, functools.partial(_doc, es_bare_prefix),
                                          index_prefix=es_bare_prefix, write_dead_letters=False,
                                          max_retry_wait=0.3, **FAST))
            assert_that(out.dead_letter | beam.Map(lambda d: (d.reason, d.url)),
                        equal_to([("retry_exhausted", f"{es_bare_prefix}-articles/late")]))
        assert len(proxy.bulk_bodies()) >= 2


@pytest.mark.es
def test_create_op_type_counts_an_existing_id_as_stored(es_url, es_client, es_bare_prefix):
    index = f"{es_bare_prefix}-alerts"
    es_client.index(index=index, id="ev1", document={"status": "claimed"}, refresh=True)
    with TestPipeline() as p:
        out = (p | beam.Create([{"id": "ev1"}, {"id": "ev2"}])
               | WriteToElasticsearch(es_url, lambda r: (index, r["id"], {"status": "new"}),
                                      index_prefix=es_bare_prefix, op_type="create"))
        assert_that(out.main, equal_to([IndexedDoc(index, "ev1", "exists"),
                                        IndexedDoc(index, "ev2", "created")]))
    assert es_client.get(index=index, id="ev1")["_source"]["status"] == "claimed"


def test_bulk_settings_defaults_flush_a_trickle_within_seconds():
    assert BulkSettings().max_batch_age <= 5.0


def test_dead_letters_have_stable_ids():
    a = DeadLetter(stage="index", reason="r", url="u", payload="p", time="t1")
    b = DeadLetter(stage="index", reason="r", url="u", payload="p", time="t2")
    assert a.id == b.id


@pytest.mark.es
def test_call_with_retry_waits_out_an_outage(es_url, es_client, es_bare_prefix):
    from connectors.elasticsearch_io import call_with_retry
    from connectors.es_client import make_client
    with ElasticsearchProxy(es_url, mode="down") as proxy:
        client = make_client(proxy.url).options(max_retries=0)
        back = threading.Thread(target=lambda: (
            proxy.wait_for(lambda r: sum(1 for x in proxy.requests if x[0] == "down") >= 3),
            setattr(proxy, "mode", "up")))
        back.start()
        result = call_with_retry(lambda: client.index(
            index=f"{es_bare_prefix}-events", id="ev", document={"n": 1}), **FAST)
        back.join()
        assert result["result"] == "created"
        proxy.mode = "unavailable"
        with pytest.raises(Exception) as raised:
            call_with_retry(lambda: client.get(index=f"{es_bare_prefix}-events", id="ev"),
                            max_wait=0.2, **FAST)
        assert getattr(raised.value, "status_code", None) == 503
        client.close()


@pytest.mark.es
def test_a_streaming_trickle_is_flushed_without_waiting_for_a_full_batch(es_url, es_client,
                                                                         es_bare_prefix):
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
    from apache_beam.testing.test_stream import TestStream

    stream = (TestStream()
              .add_elements([{"id": "t1", "source": {"n": 1}}])
              .advance_watermark_to(10)
              .add_elements([{"id": "t2", "source": {"n": 2}}])
              .advance_watermark_to(20)
              .add_elements([{"id": "t3", "source": {"n": 3}}])
              .advance_watermark_to_infinity())
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    with TestPipeline(options=options) as p:
        out = (p | stream
               | WriteToElasticsearch(es_url, functools.partial(_doc, es_bare_prefix),
                                      index_prefix=es_bare_prefix, max_batch_docs=500))
        assert_that(out.main | beam.Map(lambda d: d.doc_id), equal_to(["t1", "t2", "t3"]))
    assert _search_ids(es_client, f"{es_bare_prefix}-articles") == ["t1", "t2", "t3"]
