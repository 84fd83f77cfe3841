"""ReadFromFeeds → FetchArticles → CleanArticles over a loopback site of Arabic news pages."""
from pathlib import Path

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from connectors.articles import CleanArticles, FetchArticles, FetchedPage, article_from_page
from connectors.cursors import NamedInMemoryStore
from connectors.feeds import ReadFromFeeds
from connectors.http_fetch import FetchSettings
from schemas.records import Article, DeadLetter, FeedConfig, FeedEntry, stable_id
from tests.support.arabic_pages import STORIES
from tests.support.loopback_site import LoopbackSite, Response

FAST = FetchSettings(allow_hosts=("127.0.0.1",), connect_timeout=1.0, read_timeout=1.0,
                     deadline=2.0, host_delay=0.0, backoff=0.01, backoff_max=0.05,
                     retry_after_max=0.1)
PREVIEW = (Path(__file__).parent / "data" / "telegram_preview.html").read_bytes()
SUMMARY = "ملخص الخبر كما ورد في الخلاصة: عناصر يغادرون مواقعهم في ريف الميادين."


def build_site(site: LoopbackSite) -> list[FeedConfig]:
    """Two feeds, a Telegram preview and a hanging feed over pages in UTF-8 and windows-1256."""
    duwayr, mayadin, raqqa, hasakah = STORIES
    site.static("/news/duwayr.html", duwayr.page())
    site.static("/news/mayadin.html", mayadin.page_bytes("cp1256"), content_type="text/html")
    site.static("/news/raqqa.html", raqqa.page_bytes("cp1256", declare=False),
                content_type="text/html")
    site.static("/news/hasakah.html", hasakah.page_bytes("cp1256", declare=False),
                content_type="text/html; charset=windows-1256")
    site.route("/news/down.html", Response(503))
    site.redirect("/news/moved.html", "http://169.254.169.254/latest/meta-data/")
    site.static("/tg/s/furat_local", PREVIEW)
    site.hang("/hanging.xml")

    east = site.feed("/east.xml", title="شبكة أخبار الشرق")
    east.add_item(duwayr.title, site.url("/news/duwayr.html"), pub_date="2024-05-12T07:15:00Z")
    east.add_item(mayadin.title, site.url("/news/mayadin.html"))
    east.add_item(raqqa.title, site.url("/news/raqqa.html"))
    east.add_item("خبر لم يعد متاحاً", site.url("/news/down.html"), description=SUMMARY)
    east.add_item("خبر محذوف", site.url("/news/deleted.html"))
    east.add_item("رابط داخلي", "http://169.254.169.254/latest/meta-data/",
                  description=SUMMARY)
    east.add_item("ملف محلي", "file:///etc/passwd", description=SUMMARY)
    east.add_item("تحويل", site.url("/news/moved.html"), description=SUMMARY)

    legacy = site.feed("/legacy.xml", title="الحسكة", encoding="windows-1256",
                       declare_encoding=False, content_type="application/rss+xml")
    legacy.add_item(hasakah.title, site.url("/news/hasakah.html"))
    return [FeedConfig(id="east", url=site.url("/east.xml"), name="شبكة أخبار الشرق"),
            FeedConfig(id="legacy", url=site.url("/legacy.xml"), name="الحسكة"),
            FeedConfig(id="tg", url=site.url("/tg/s/furat_local"), name="الفرات",
                       kind="telegram"),
            FeedConfig(id="hanging", url=site.url("/hanging.xml"))]


def test_feeds_to_clean_articles():
    duwayr, mayadin, raqqa, hasakah = STORIES
    with LoopbackSite() as site:
        feeds = build_site(site)
        url = site.url
        expected_articles = [
            (url("/news/duwayr.html"), duwayr.text, "2024-05-12T07:15:00Z", "page", None),
            (url("/news/mayadin.html"), mayadin.text, "2024-06-03", "page", None),
            (url("/news/raqqa.html"), raqqa.text, "2024-07-21", "page", None),
            (url("/news/hasakah.html"), hasakah.text, "2024-08-09", "page", None),
            (url("/news/down.html"), SUMMARY, None, "summary", "http_status:503"),
            ("https://t.me/furat_local/1040", None, "2024-05-12T21:40:05Z", "inline", None),
            ("https://t.me/furat_local/1042", None, "2024-05-12T22:15:30Z", "inline", None),
        ]
        expected_letters = [
            ("feed", "timeout", url("/hanging.xml")),
            ("feed", "scheme_not_allowed", "file"),
            ("fetch", "http_status:404", url("/news/deleted.html")),
            ("fetch", "private_address", "http://169.254.169.254/latest/meta-data/"),
            ("fetch", "private_address", url("/news/moved.html")),
        ]

        def article_row(article: Article):
            assert article.doc_id == stable_id(article.url)
            text = None if article.text_source == "inline" else article.text
            return (article.url, text, article.published, article.text_source,
                    article.fetch_error)

        def letter_row(letter: DeadLetter):
            target = "file" if letter.url.startswith("file:") else letter.url
            return (letter.stage, letter.reason, target)

        with BeamTestPipeline() as pipeline:
            entries = pipeline | ReadFromFeeds(feeds, FAST, NamedInMemoryStore("t-articles"))
            articles = entries.main | FetchArticles(FAST) | CleanArticles()
            letters = (entries.dead_letter, articles.dead_letter) | beam.Flatten()
            assert_that(articles.main | beam.Map(article_row), equal_to(expected_articles),
                        label="Articles")
            assert_that(letters | beam.Map(letter_row), equal_to(expected_letters),
                        label="DeadLetters")
        assert site.hits("/news/duwayr.html") == 1


def test_no_main_text_falls_back_to_summary_or_dead_letter():
    entry = FeedEntry(feed_id="f", url="https://x.org/a", entry_id="a", summary=SUMMARY)
    page = FetchedPage(entry, html="<html><body><nav>القائمة</nav></body></html>")
    article = article_from_page(page)
    assert (article.text, article.text_source, article.fetch_error) == (
        SUMMARY, "summary", "no_main_text")
    bare = FetchedPage(FeedEntry(feed_id="f", url="https://x.org/b", entry_id="b"),
                       html="<html></html>")
    letter = article_from_page(bare)
    assert (letter.stage, letter.reason, letter.url) == ("clean", "no_main_text",
                                                         "https://x.org/b")
