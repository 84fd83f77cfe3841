"""The feed scheduler against real loopback outlets, each on its own address.

Hanging and trickling outlets next to good ones, a failing feed that backs off, a slow one
that is never polled twice at once, the per-poll limit, pending entries, stop and finish.
"""
from __future__ import annotations

import random
import socket
import time

import pytest

from connectors import feed_scheduler
from connectors.cursors import InMemoryCursorStore
from connectors.feed_scheduler import (
    FeedScheduler,
    PageReady,
    PollDone,
    ScheduleSettings,
    backoff_delay,
)
from connectors.http_fetch import FetchSettings
from schemas.records import EntryRef, FeedConfig
from tests.support.loopback_site import LoopbackSite, Response

HOSTS = ("127.0.0.21", "127.0.0.22", "127.0.0.23")
FETCH = FetchSettings(allow_hosts=HOSTS, connect_timeout=1.0, read_timeout=30.0,
                      deadline=30.0, host_delay=0.0, retries=0)
FAST = ScheduleSettings(tick_interval=0.05, poll_interval=0.2, workers=8, backoff_max=60.0)


@pytest.fixture
def outlets():
    with LoopbackSite(HOSTS[0]) as one, LoopbackSite(HOSTS[1]) as two, \
            LoopbackSite(HOSTS[2]) as hostile:
        yield one, two, hostile


def news_feed(site: LoopbackSite, path: str, count: int):
    """A feed of ``count`` items whose pages the site serves."""
    feed = site.feed(path)
    for number in range(count):
        page = f"{path}-{number}.html"
        site.static(page, f"<html><body><article><p>خبر رقم {number}</p></article></body></html>")
        feed.add_item(f"خبر {number}", site.url(page), guid=f"{path}-{number}",
                      pub_date=f"2024-05-{number + 1:02d}T08:00:00Z")
    return FeedConfig(id=path.strip("/").replace(".xml", ""), url=site.url(path),
                      poll_interval=10)


def scheduler_for(feeds, settings=FAST, store=None, fetch=FETCH, clock=time.time):
    store = store or InMemoryCursorStore()
    return FeedScheduler(feeds, settings, fetch, lambda: store, clock=clock)


def tick_until(scheduler, condition, timeout: float = 10.0, tick=None) -> list:
    """Tick (every 50 ms) and collect what is handed over until ``condition(items)`` holds."""
    items: list = []
    deadline = time.monotonic() + timeout
    while not condition(items):
        assert time.monotonic() < deadline, f"not reached in {timeout}s: {items}"
        items += (tick or scheduler.tick)()
        time.sleep(0.05)
    return items


def pages(items) -> list[str]:
    return [item.ref.entry_id for item in items if isinstance(item, PageReady)]


def polls(items, feed_id: str | None = None) -> list[PollDone]:
    return [item for item in items if isinstance(item, PollDone)
            and (feed_id is None or item.outcome.feed.id == feed_id)]


def test_hanging_and_trickling_outlets_do_not_hold_the_good_ones(outlets):
    one, two, hostile = outlets
    hostile.hang("/never.xml")
    hostile.trickle_head("/tarpit.xml", interval=0.2)
    feeds = [news_feed(one, "/one.xml", 3), news_feed(two, "/two.xml", 2),
             FeedConfig(id="never", url=hostile.url("/never.xml")),
             FeedConfig(id="tarpit", url=hostile.url("/tarpit.xml"))]
    scheduler = scheduler_for(feeds)
    try:
        items = tick_until(scheduler, lambda items: len(pages(items)) == 5)
        # every good page was handed over while both hostile polls were still in flight
        assert not polls(items, "never") and not polls(items, "tarpit")
        assert hostile.hits("/never.xml") == 1 and hostile.hits("/tarpit.xml") == 1
    finally:
        scheduler.close()


def test_polls_of_one_feed_never_overlap(outlets):
    one, _, _ = outlets
    one.drip("/slow.xml", b"<rss><channel></channel></rss>", chunk=4, interval=0.1)
    feed = FeedConfig(id="slow", url=one.url("/slow.xml"))  # ~0.8 s a poll, due every 0.2 s
    scheduler = scheduler_for([feed])
    try:
        items = tick_until(scheduler, lambda items: len(polls(items)) >= 3)
        assert one.hits("/slow.xml") <= len(polls(items)) + 1  # at most one in flight
    finally:
        scheduler.close()


def test_a_failing_feed_backs_off_exponentially_then_recovers(outlets):
    one, _, _ = outlets
    feed = news_feed(one, "/flaky.xml", 1)
    working = one.feed("/flaky-ok.xml")  # what the feed serves once it recovers
    working.add_item("خبر", one.url("/flaky.xml-0.html"), guid="flaky-0")
    one.sequence("/flaky.xml", [Response(503)] * 3 + [
        Response(200, working.render(), content_type="application/rss+xml")])
    now = [1000.0]
    scheduler = scheduler_for([feed], clock=lambda: now[0])
    waits = []
    try:
        for failures in (1, 2, 3):
            done = polls(tick_until(scheduler, lambda items: polls(items)))[0]
            assert done.outcome.error == "http_status:503"
            waits.append(done.backoff)
            assert scheduler.backing_off() == {feed.id: pytest.approx(done.backoff)}
            now[0] += done.backoff * 0.5
            assert scheduler.tick() == [] and one.hits("/flaky.xml") == failures  # waits
            now[0] += done.backoff * 0.5 + 0.01
        assert pages(tick_until(scheduler, lambda items: pages(items))) == ["flaky-0"]
        assert scheduler.backing_off() == {}
    finally:
        scheduler.close()
    interval = FAST.interval(feed)
    for failures, wait in enumerate(waits, start=1):
        assert 0.8 * interval * 2 ** failures <= wait <= 1.2 * interval * 2 ** failures


def test_backoff_is_capped():
    rng = random.Random(7)
    for failures in range(1, 40):
        for _ in range(50):
            assert backoff_delay(failures, interval=60.0, cap=900.0, rng=rng) <= 900.0
    assert backoff_delay(30, interval=60.0, cap=900.0) == 900.0
    # 60·2^4 = 960: jitter below 0.9375 brings it under the cap, above it the cap holds
    waits = {backoff_delay(4, interval=60.0, cap=900.0, rng=rng) for _ in range(200)}
    assert max(waits) == 900.0 and min(waits) < 900.0
    assert 0.8 * 120 <= backoff_delay(1, interval=60.0, cap=900.0) <= 1.2 * 120


def test_at_most_the_per_poll_limit_the_rest_on_the_next_poll(outlets):
    one, _, _ = outlets
    feed = news_feed(one, "/five.xml", 5)
    store = InMemoryCursorStore()
    scheduler = scheduler_for([feed], ScheduleSettings(tick_interval=0.05, poll_interval=0.2,
                                                       max_new_per_poll=2), store)
    try:
        first = tick_until(scheduler, lambda items: polls(items))
        assert pages(first) == ["/five.xml-4", "/five.xml-3"]  # newest first
        assert polls(first)[0].outcome.deferred == 3
        rest = tick_until(scheduler, lambda items: len(polls(items)) >= 3)
        assert sorted(pages(rest)) == ["/five.xml-0", "/five.xml-1", "/five.xml-2"]
    finally:
        scheduler.close()


def test_handed_out_entries_wait_for_their_commit_and_come_again_after_a_restart(outlets):
    one, _, _ = outlets
    feed = news_feed(one, "/pending.xml", 2)
    store = InMemoryCursorStore()
    first = scheduler_for([feed], store=store)
    try:
        items = tick_until(first, lambda items: len(pages(items)) == 2)
        items = tick_until(first, lambda items: len(polls(items)) >= 3)  # polled again …
        assert pages(items) == []  # … nothing handed out twice
        assert store.get(feed.id)["seen"] == [] and not first.idle()  # not committed yet
    finally:
        first.close()
    restarted = scheduler_for([feed], store=store)  # a crash before the commit: nothing lost
    try:
        items = tick_until(restarted, lambda items: len(pages(items)) == 2)
        store.commit(feed.id, [EntryRef(feed.id, entry_id) for entry_id in pages(items)])
        feed_scheduler.note_committed(feed.id, pages(items))  # as CommitCursors does
    finally:
        restarted.close()
    again = scheduler_for([feed], store=store)
    try:
        items = tick_until(again, lambda items: len(polls(items)) >= 2)
        assert pages(items) == []
    finally:
        again.close()


def test_stop_ends_fetches_in_flight_and_gives_their_entries_back(outlets):
    one, _, hostile = outlets
    feed = FeedConfig(id="stuck", url=one.url("/stuck.xml"))
    one.static("/stuck.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>t'
               f"</title><item><title>خبر</title><link>{hostile.url('/stuck.html')}</link>"
               "<guid>stuck-1</guid></item></channel></rss>",
               content_type="application/rss+xml")
    hostile.hang("/stuck.html")
    scheduler = scheduler_for([feed])
    try:
        scheduler.tick()
        tick_until(scheduler, lambda _: hostile.hits("/stuck.html") == 1)
        started = time.monotonic()
        scheduler.stop()
        items = tick_until(scheduler, lambda items: polls(items), timeout=3.0)
        assert time.monotonic() - started < 2.0
        assert pages(items) == [] and polls(items)[0].released == 1
        assert scheduler.idle()
    finally:
        scheduler.close()


def test_finish_waits_for_polls_in_flight_then_hands_over_what_they_fetched(outlets):
    one, _, hostile = outlets
    hostile.hang("/never.xml")
    feeds = [news_feed(one, "/done.xml", 2), FeedConfig(id="never", url=hostile.url("/never.xml"))]
    scheduler = scheduler_for(feeds)
    try:
        scheduler.tick()
        tick_until(scheduler, lambda _: hostile.hits("/never.xml") == 1)
        started = time.monotonic()
        items = scheduler.finish(wait_seconds=1.0)  # the hanging poll is cancelled after 1 s
        assert time.monotonic() - started < 4.0
        assert sorted(pages(items)) == ["/done.xml-0", "/done.xml-1"]
        assert [p.outcome.error for p in polls(items, "never")] == ["cancelled"]
        assert scheduler.tick() == [] and hostile.hits("/never.xml") == 1  # no new polls
    finally:
        scheduler.close()


def test_a_refused_connection_is_a_failed_poll(outlets):
    with socket.socket() as probe:
        probe.bind((HOSTS[2], 0))
        port = probe.getsockname()[1]
    feed = FeedConfig(id="closed", url=f"http://{HOSTS[2]}:{port}/feed.xml")
    scheduler = scheduler_for([feed])
    try:
        done = polls(tick_until(scheduler, lambda items: polls(items)))[0]
        assert done.outcome.error == "connection_refused" and done.backoff
        assert [d.reason for d in done.outcome.dead_letters] == ["connection_refused"]
    finally:
        scheduler.close()
