"""Feed cursors: what is new, the per-poll limit, the newest ids kept, the in-memory stores."""
import pickle

from connectors.cursors import (
    MAX_SEEN,
    CursorStore,
    InMemoryCursorStore,
    NamedInMemoryStore,
    commit_entries,
    empty_cursor,
    normalise,
    select_new,
)
from schemas.records import EntryRef, FeedEntry


def entry(number: int, published: bool = True) -> FeedEntry:
    when = f"2024-{1 + number // 28 // 24 % 12:02d}-{1 + number // 24 % 28:02d}T{number % 24:02d}:00:00Z"
    return FeedEntry(feed_id="f", url=f"http://example.org/{number}", entry_id=f"id{number}",
                     published=when if published else None)


def feed(count: int, published: bool = True) -> list[FeedEntry]:
    """A document listing ``count`` entries, newest first (as feeds do)."""
    return [entry(n, published) for n in reversed(range(count))]


def refs(entries) -> list[EntryRef]:
    return [EntryRef.of(e) for e in entries]


def test_new_entries_newest_first_up_to_the_limit_and_the_rest_next_time():
    cursor = empty_cursor()
    first = select_new(feed(10), cursor, limit=4)
    assert [e.entry_id for e in first.taken] == ["id9", "id8", "id7", "id6"]
    assert first.deferred == 6
    cursor = commit_entries(cursor, refs(first.taken))
    second = select_new(feed(10), cursor, limit=4)
    assert [e.entry_id for e in second.taken] == ["id5", "id4", "id3", "id2"]
    assert second.deferred == 2


def test_pending_entries_are_not_handed_out_twice():
    taken = select_new(feed(3), empty_cursor(), limit=None).taken
    again = select_new(feed(3), empty_cursor(), pending={e.entry_id for e in taken})
    assert again.taken == [] and again.deferred == 0


def test_undated_entries_follow_feed_order():
    selection = select_new(feed(5, published=False), empty_cursor(), limit=2)
    assert [e.entry_id for e in selection.taken] == ["id4", "id3"]


def test_a_feed_listing_more_than_the_cursor_holds_re_emits_nothing():
    document = feed(MAX_SEEN + 1500)  # the case: 2,000-id cursors re-emitted 98%
    cursor, handed_out = empty_cursor(), []
    for _ in range(20):
        selection = select_new(document, cursor, limit=1000)
        handed_out += [e.entry_id for e in selection.taken]
        cursor = commit_entries(cursor, refs(selection.taken))
    assert len(handed_out) == len(set(handed_out))  # nothing handed out twice
    assert {e.entry_id for e in document[:MAX_SEEN]} <= set(handed_out)  # the newest all came
    assert len(cursor["seen"]) == MAX_SEEN
    assert cursor["seen"][-1] == f"id{MAX_SEEN + 1499}"  # the newest kept
    assert select_new(document, cursor).taken == []
    newer = [entry(MAX_SEEN + 1500), *document]
    assert [e.entry_id for e in select_new(newer, cursor).taken] == [f"id{MAX_SEEN + 1500}"]


def test_an_undated_feed_larger_than_the_cursor_re_emits_nothing():
    document = feed(MAX_SEEN + 300, published=False)
    cursor = empty_cursor()
    for _ in range(20):
        selection = select_new(document, cursor, limit=1000)
        cursor = commit_entries(cursor, refs(selection.taken))
    assert select_new(document, cursor).taken == []
    assert len(cursor["seen"]) == MAX_SEEN


def test_an_undated_entry_in_a_full_cursor_of_dated_ones_is_kept_and_not_re_emitted():
    cursor = commit_entries(empty_cursor(), refs(feed(MAX_SEEN)))
    undated = entry(MAX_SEEN + 10, published=False)
    cursor = commit_entries(cursor, refs([undated]))
    assert "id" + str(MAX_SEEN + 10) in cursor["seen"] and len(cursor["seen"]) == MAX_SEEN
    assert select_new([undated, *feed(MAX_SEEN)], cursor).taken == []


def test_an_undated_entry_committed_with_a_full_batch_of_dated_ones_is_kept():
    undated = entry(MAX_SEEN + 10, published=False)
    cursor = commit_entries(empty_cursor(), refs([*feed(MAX_SEEN), undated]))
    assert "id" + str(MAX_SEEN + 10) in cursor["seen"] and len(cursor["seen"]) == MAX_SEEN
    assert select_new([undated, *feed(MAX_SEEN)], cursor).taken == []


def test_commit_keeps_the_newest_by_published_time_whatever_the_commit_order():
    cursor = commit_entries(empty_cursor(), refs([entry(5), entry(1)]), limit=2)
    cursor = commit_entries(cursor, refs([entry(3)]), limit=2)
    assert cursor["seen"] == ["id3", "id5"] and cursor["floor"] == entry(1).published
    assert select_new([entry(0)], cursor).taken == []  # older than the floor
    assert [e.entry_id for e in select_new([entry(4)], cursor).taken] == ["id4"]


def test_old_cursors_without_published_times_are_read():
    cursor = normalise({"etag": "e", "seen": ["a", "b", "a"]})
    assert cursor == {"etag": "e", "last_modified": None, "seen": ["a", "b"],
                      "published": [None, None], "floor": None}


def test_in_memory_store_copies_cursors_and_commits():
    store = InMemoryCursorStore()
    assert isinstance(store, CursorStore)
    assert store.get("x") == empty_cursor()
    store.set_validators("x", '"1"', None)
    store.commit("x", refs([entry(1)]))
    cursor = store.get("x")
    assert (cursor["etag"], cursor["seen"]) == ('"1"', ["id1"])
    cursor["seen"].append("b")
    assert store.get("x")["seen"] == ["id1"]


def test_named_factory_is_picklable_and_shared():
    factory = pickle.loads(pickle.dumps(NamedInMemoryStore("t-cursors")))
    factory().commit("f", [EntryRef("f", "z")])
    assert NamedInMemoryStore("t-cursors")().get("f")["seen"] == ["z"]
    assert NamedInMemoryStore("other")().get("f") == empty_cursor()
