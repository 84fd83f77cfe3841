"""ElasticsearchCursorStore against the real Elasticsearch, and through a proxy that goes down."""
from __future__ import annotations

import pytest

from connectors.state_store import MAX_SEEN, ElasticsearchCursorStore
from tests.support.es_proxy import ElasticsearchProxy

pytestmark = pytest.mark.es


def test_a_new_store_resumes_from_the_stored_cursor(es_url, es_client, es_bare_prefix):
    first = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    assert first.get("dez24") == {"etag": None, "last_modified": None, "seen": []}
    first.put("dez24", {"etag": 'W/"abc"', "last_modified": "Tue, 24 Nov 2026 10:00:00 GMT",
                        "seen": ["u1", "u2", "u1"]})
    first.close()
    restarted = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    assert restarted.get("dez24") == {"etag": 'W/"abc"',
                                      "last_modified": "Tue, 24 Nov 2026 10:00:00 GMT",
                                      "seen": ["u1", "u2"]}
    assert restarted.get("other") == {"etag": None, "last_modified": None, "seen": []}
    stored = es_client.get(index=f"{es_bare_prefix}-state", id="dez24")["_source"]
    assert stored["feed_id"] == "dez24" and stored["updated"]
    restarted.close()


def test_seen_ids_are_capped_to_the_newest(es_url, es_bare_prefix):
    store = ElasticsearchCursorStore(es_url, None, es_bare_prefix)
    store.put("big", {"seen": [f"id{i}" for i in range(MAX_SEEN + 10)]})
    seen = ElasticsearchCursorStore(es_url, None, es_bare_prefix).get("big")["seen"]
    assert len(seen) == MAX_SEEN and seen[0] == "id10" and seen[-1] == f"id{MAX_SEEN + 9}"
    store.close()


def test_keeps_cursors_while_elasticsearch_is_down_and_stores_them_after(es_url, es_client,
                                                                         es_bare_prefix):
    with ElasticsearchProxy(es_url, mode="up") as proxy:
        store = ElasticsearchCursorStore(proxy.url, None, es_bare_prefix)
        store.put("feed", {"etag": "e1", "seen": ["a"]})
        proxy.mode = "down"
        store.put("feed", {"etag": "e2", "seen": ["a", "b"]})
        assert store.get("feed")["etag"] == "e2"  # answered from memory
        assert es_client.get(index=f"{es_bare_prefix}-state", id="feed")["_source"]["etag"] == "e1"
        proxy.mode = "up"
        assert store.flush() is True
        assert es_client.get(index=f"{es_bare_prefix}-state", id="feed")["_source"]["seen"] == [
            "a", "b"]
        store.close()
