"""Feed parsing and polling: charsets, bozo feeds, cursors, hostile items, the PTransforms."""
import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from connectors.cursors import InMemoryCursorStore, NamedInMemoryStore
from connectors.feeds import FeedPoller, PollFeeds, ReadFromFeeds, parse_feed
from connectors.http_fetch import Fetcher, FetchSettings
from schemas.records import FeedConfig
from tests.support.loopback_site import LoopbackSite

FAST = FetchSettings(allow_hosts=("127.0.0.1",), connect_timeout=1.0, read_timeout=1.0,
                     deadline=2.0, host_delay=0.0, backoff=0.01, backoff_max=0.05,
                     retry_after_max=0.1)
TITLE = "انشقاق عناصر من قوات النظام في ريف الرقة الشرقي"
SUMMARY = "قالت مصادر محلية إن أربعة عناصر غادروا حاجزاً قرب بلدة معدان ليلاً."
FEED = FeedConfig(id="raqqa_news", url="http://127.0.0.1/feed", name="أخبار الرقة")


def rss(items: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (f'{declaration}<rss version="2.0"><channel><title>أخبار</title>'
            f"<link>http://example.org/</link>{items}</channel></rss>")


ITEM = (f"<item><title>{TITLE}</title><link>http://example.org/a/1?utm_source=rss</link>"
        f"<guid>urn:news:1</guid><pubDate>Sun, 12 May 2024 10:15:00 +0300</pubDate>"
        f"<description>&lt;p&gt;{SUMMARY}&lt;/p&gt;</description></item>")


@pytest.fixture(scope="module")
def site():
    with LoopbackSite() as server:
        yield server


@pytest.fixture
def fetcher():
    with Fetcher(FAST) as instance:
        yield instance


def test_parse_feed_entry_fields():
    entries, bozo = parse_feed(rss(ITEM).encode("utf-8"), FEED)
    assert bozo is None
    [entry] = entries
    assert entry.title == TITLE and entry.summary == SUMMARY
    assert entry.url == "http://example.org/a/1"  # canonical: tracking parameter dropped
    assert entry.entry_id == "urn:news:1"
    assert entry.published == "2024-05-12T07:15:00Z"
    assert (entry.feed_id, entry.outlet, entry.kind, entry.inline_text) == (
        "raqqa_news", "أخبار الرقة", "rss", False)


@pytest.mark.parametrize("declaration, header", [
    ('<?xml version="1.0" encoding="windows-1256"?>', None),  # declared in the document
    ('<?xml version="1.0"?>', None),  # undeclared: sniffed
    ('<?xml version="1.0"?>', "windows-1256"),  # declared in the HTTP header only
    ('<?xml version="1.0" encoding="iso-8859-1"?>', None),  # declared wrongly
])
def test_windows_1256_feed(declaration, header):
    body = rss(ITEM, declaration).encode("cp1256")
    entries, _ = parse_feed(body, FEED, header)
    assert [(e.title, e.summary) for e in entries] == [(TITLE, SUMMARY)]


def test_malformed_feed_is_used_and_bozo_reported():
    broken = rss(ITEM + "<item><title>خبر & آخر</title><link>http://example.org/a/2</link>"
                 "</item>").replace("</channel></rss>", "")
    entries, bozo = parse_feed(broken.encode("utf-8"), FEED)
    assert [e.url for e in entries] == ["http://example.org/a/1", "http://example.org/a/2"]
    assert bozo and bozo.startswith("SAXParseException")


def test_empty_feed():
    assert parse_feed(rss("").encode(), FEED) == ([], None)


def test_atom_feed():
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>x</title><entry><title>{TITLE}</title><id>tag:x,2024:5</id>"
            '<link href="https://example.org/b/5"/><updated>2024-05-12T08:00:00+02:00</updated>'
            f"<summary>{SUMMARY}</summary></entry></feed>")
    [entry] = parse_feed(atom.encode(), FEED)[0]
    assert (entry.url, entry.entry_id, entry.published) == (
        "https://example.org/b/5", "tag:x,2024:5", "2024-05-12T06:00:00Z")


def test_feed_gaining_items_emits_each_once_and_uses_304(site, fetcher):
    feed = site.feed("/gain.xml")
    config = FeedConfig(id="gain", url=site.url("/gain.xml"))
    poller = FeedPoller(fetcher, InMemoryCursorStore())
    feed.add_item("الأول", "http://example.org/n/1", pub_date="2024-05-01T08:00:00Z")
    first = poller.poll(config)
    assert [e.title for e in first.entries] == ["الأول"]
    again = poller.poll(config)
    assert again.not_modified and again.entries == [] and again.dead_letters == []
    feed.add_item("الثاني", "http://example.org/n/2", pub_date="2024-05-02T08:00:00Z")
    feed.add_item("الثالث", "http://example.org/n/3", pub_date="2024-05-03T08:00:00Z")
    third = poller.poll(config)
    assert [e.title for e in third.entries] == ["الثالث", "الثاني"]
    assert third.parsed == 3 and third.newest == "2024-05-03T08:00:00Z"
    conditional = [r for r in site.requests if r.path == "/gain.xml"][1:]
    assert all("if-none-match" in r.headers for r in conditional)


def test_seen_ids_hold_without_etag(site, fetcher):
    site.static("/no-etag.xml", rss(ITEM).encode(), content_type="application/rss+xml",
                etag=False)
    config = FeedConfig(id="noetag", url=site.url("/no-etag.xml"))
    poller = FeedPoller(fetcher, InMemoryCursorStore())
    assert len(poller.poll(config).entries) == 1
    second = poller.poll(config)
    assert not second.not_modified and second.entries == [] and second.parsed == 1


def test_hostile_items_are_dead_lettered(site, fetcher):
    items = "".join(f"<item><title>t{i}</title><link>{link}</link></item>" for i, link in
                    enumerate(["file:///etc/passwd", "gopher://example.org/1",
                               "http://example.org/ok"]))
    site.static("/hostile.xml", rss(items).encode(), content_type="application/rss+xml")
    outcome = FeedPoller(fetcher, InMemoryCursorStore()).poll(
        FeedConfig(id="hostile", url=site.url("/hostile.xml")))
    assert [e.url for e in outcome.entries] == ["http://example.org/ok"]
    assert sorted((d.stage, d.reason, d.url.split(":")[0]) for d in outcome.dead_letters) == [
        ("feed", "scheme_not_allowed", "file"), ("feed", "scheme_not_allowed", "gopher")]


def test_unparsable_and_unreachable_feeds_are_dead_lettered(site, fetcher):
    site.static("/not-a-feed", "<html><body><p>صفحة</p><div></body>")
    site.hang("/hang.xml")
    poller = FeedPoller(fetcher, InMemoryCursorStore())
    broken = poller.poll(FeedConfig(id="broken", url=site.url("/not-a-feed")))
    hanging = poller.poll(FeedConfig(id="hanging", url=site.url("/hang.xml")))
    assert [(d.stage, d.reason, d.source) for d in broken.dead_letters] == [
        ("feed", "unparsable_feed", "broken")]
    assert [(d.reason, d.url) for d in hanging.dead_letters] == [
        ("timeout", site.url("/hang.xml"))]


def test_poll_feeds_transform_across_two_runs(site):
    feed = site.feed("/beam.xml", encoding="windows-1256", declare_encoding=False,
                     content_type="application/rss+xml")
    feed.add_item(TITLE, "http://example.org/b/1", guid="b1", description=SUMMARY)
    configs = [FeedConfig(id="beam", url=site.url("/beam.xml")),
               FeedConfig(id="gone", url=site.url("/gone.xml"))]
    store = NamedInMemoryStore("test_poll_feeds_transform")

    def run():
        with BeamTestPipeline() as pipeline:
            out = pipeline | ReadFromFeeds(configs, FAST, store)
            assert_that(out.main | beam.Map(lambda e: (e.feed_id, e.title, e.summary)),
                        equal_to(expected), label="Entries")
            assert_that(out.dead_letter | beam.Map(lambda d: (d.source, d.reason)),
                        equal_to([("gone", "http_status:404")]), label="DeadLetters")

    expected = [("beam", TITLE, SUMMARY)]
    run()
    feed.add_item("خبر جديد", "http://example.org/b/2", guid="b2")
    expected = [("beam", "خبر جديد", None)]
    run()


def test_poll_feeds_is_applied_to_a_pcollection(site):
    site.static("/one.xml", rss(ITEM).encode(), content_type="application/rss+xml")
    with BeamTestPipeline() as pipeline:
        out = (pipeline | beam.Create([FeedConfig(id="one", url=site.url("/one.xml"))])
               | PollFeeds(FAST, NamedInMemoryStore("test_poll_feeds_pcoll")))
        assert_that(out.main | beam.Map(lambda e: e.entry_id), equal_to(["urn:news:1"]))


def test_empty_feed_poll_is_not_a_failure(site, fetcher):
    site.feed("/empty.xml")
    outcome = FeedPoller(fetcher, InMemoryCursorStore()).poll(
        FeedConfig(id="empty", url=site.url("/empty.xml")))
    assert (outcome.status, outcome.entries, outcome.dead_letters, outcome.error) == (
        200, [], [], None)


def test_entries_without_url_are_reported_and_scripts_stripped():
    items = ITEM + "<item><title>بلا رابط</title></item>" + (
        "<item><title>t</title><link>http://example.org/s</link><description>"
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;نص&lt;/p&gt;</description></item>")
    entries, problem = parse_feed(rss(items).encode(), FEED)
    assert [e.url for e in entries] == ["http://example.org/a/1", "http://example.org/s"]
    assert problem == "entries_without_url: 1 of 3"
    assert entries[1].summary == "نص"
