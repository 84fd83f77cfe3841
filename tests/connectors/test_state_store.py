"""ElasticsearchCursorStore against the real Elasticsearch, and through a proxy that goes down."""
from __future__ import annotations

import threading

import pytest

from connectors.cursors import MAX_SEEN, empty_cursor
from connectors.state_store import ElasticsearchCursorStore
from schemas.records import EntryRef
from tests.support.es_proxy import ElasticsearchProxy

pytestmark = pytest.mark.es


def refs(*ids: str, published: str | None = None) -> list[EntryRef]:
    return [EntryRef("dez24", entry_id, published) for entry_id in ids]


def test_a_new_store_resumes_from_the_committed_cursor(es_url, es_client, es_bare_prefix):
    first = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    assert first.get("dez24") == empty_cursor()
    first.set_validators("dez24", 'W/"abc"', "Tue, 24 Nov 2026 10:00:00 GMT")
    first.commit("dez24", refs("u1", "u2", "u1"))
    first.close()
    restarted = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    cursor = restarted.get("dez24")
    assert (cursor["etag"], cursor["last_modified"], cursor["seen"]) == (
        'W/"abc"', "Tue, 24 Nov 2026 10:00:00 GMT", ["u1", "u2"])
    assert restarted.get("other") == empty_cursor()
    stored = es_client.get(index=f"{es_bare_prefix}-state", id="dez24")["_source"]
    assert stored["feed_id"] == "dez24" and stored["updated"]
    restarted.close()


def test_validators_and_commits_do_not_overwrite_each_other(es_url, es_bare_prefix,
                                                            monkeypatch):
    store = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    other = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    store.commit("dez24", refs("a"))
    real_read, reads = store._read, []

    def read_then_other_writer(feed_id):
        """The commit's read; on the first one, another writer stores new validators
        between that read and the commit's write (which must then not drop them)."""
        result = real_read(feed_id)
        reads.append(result[0].get("etag"))
        if len(reads) == 1:
            other.set_validators(feed_id, '"e2"', None)
        return result

    monkeypatch.setattr(store, "_read", read_then_other_writer)
    store.commit("dez24", refs("b"))
    assert reads == [None, '"e2"']  # the first write conflicted; the retry read the etag
    cursor = ElasticsearchCursorStore(es_url, None, es_bare_prefix).get("dez24")
    assert (cursor["etag"], cursor["seen"]) == ('"e2"', ["a", "b"])
    store.close()
    other.close()


def test_seen_ids_are_capped_to_the_newest(es_url, es_bare_prefix):
    store = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    store.put("big", {"seen": [f"id{i}" for i in range(MAX_SEEN + 10)]})
    seen = ElasticsearchCursorStore(es_url, None, es_bare_prefix).get("big")["seen"]
    assert len(seen) == MAX_SEEN and seen[0] == "id10" and seen[-1] == f"id{MAX_SEEN + 9}"
    store.close()


def test_a_commit_holds_while_elasticsearch_is_down_and_lands_after(es_url, es_client,
                                                                    es_bare_prefix):
    with ElasticsearchProxy(es_url, mode="up") as proxy:
        store = ElasticsearchCursorStore(proxy.url, None, es_bare_prefix)
        store.commit("feed", refs("a"))
        proxy.mode = "down"
        assert store.get("feed")["seen"] == ["a"]  # answered from memory
        committed = threading.Event()
        worker = threading.Thread(target=lambda: (store.commit("feed", refs("b")),
                                                  committed.set()))
        worker.start()
        assert proxy.wait_for(lambda r: r[0] == "down" and r[1] == "GET", timeout=10)
        assert not committed.is_set()  # held, not dropped
        proxy.mode = "up"
        worker.join(30)
        assert committed.is_set()
        assert es_client.get(index=f"{es_bare_prefix}-state", id="feed")["_source"]["seen"] == [
            "a", "b"]
        store.close()
