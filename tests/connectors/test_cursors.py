"""Feed cursors: bounded seen-ids and the in-memory stores."""
import pickle

from connectors.cursors import (
    CursorStore,
    InMemoryCursorStore,
    NamedInMemoryStore,
    empty_cursor,
    remember,
)


def test_remember_keeps_newest_ids_without_repeats():
    assert remember(["a", "b", "c"], ["b", "d"], limit=3) == ["c", "b", "d"]
    assert len(remember([], (str(i) for i in range(5000)))) == 2000


def test_in_memory_store_copies_cursors():
    store = InMemoryCursorStore()
    assert isinstance(store, CursorStore)
    assert store.get("x") == empty_cursor()
    cursor = {"etag": '"1"', "last_modified": None, "seen": ["a"]}
    store.put("x", cursor)
    cursor["seen"].append("b")
    assert store.get("x")["seen"] == ["a"]


def test_named_factory_is_picklable_and_shared():
    factory = pickle.loads(pickle.dumps(NamedInMemoryStore("t-cursors")))
    factory().put("f", {"etag": None, "last_modified": None, "seen": ["z"]})
    assert NamedInMemoryStore("t-cursors")().get("f")["seen"] == ["z"]
    assert NamedInMemoryStore("other")().get("f") == empty_cursor()
