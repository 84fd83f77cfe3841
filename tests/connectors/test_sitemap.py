"""News sitemaps as feed entries."""
import datetime as dt
from pathlib import Path

from connectors.sitemap import parse_sitemap
from schemas.records import FeedConfig

SITEMAP = (Path(__file__).parent / "data" / "news_sitemap.xml").read_bytes()
FEED = FeedConfig(id="east_news", url="https://news.example.org/news-sitemap.xml",
                  kind="sitemap")


def test_news_entries():
    entries, problem = parse_sitemap(SITEMAP, FEED)
    assert problem is None
    assert [(e.url, e.published, e.outlet, e.kind) for e in entries] == [
        ("https://news.example.org/ar/2024/05/12/duwayr-ndf/", "2024-05-12T07:15:00Z",
         "شبكة أخبار الشرق", "sitemap"),
        ("https://news.example.org/ar/2024/06/03/mayadin-brigade/", "2024-06-03T00:00:00Z",
         "شبكة أخبار الشرق", "sitemap"),
    ]
    assert entries[1].title == "انشقاق مجموعة من لواء تابع للحرس الثوري في الميادين"


def test_plain_sitemap_keeps_recent_urls_only():
    today = dt.date.today().isoformat()
    body = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>https://x.org/new</loc><lastmod>{today}</lastmod></url>"
            "<url><loc>https://x.org/old</loc><lastmod>2019-01-01</lastmod></url>"
            "<url><loc>https://x.org/undated</loc></url></urlset>").encode()
    assert [e.url for e in parse_sitemap(body, FEED)[0]] == ["https://x.org/new"]


def test_index_and_broken_documents():
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>https://x.org/a.xml</loc></sitemap></sitemapindex>")
    assert parse_sitemap(index, FEED) == ([], "sitemap_index_not_followed")
    assert parse_sitemap(b"", FEED) == ([], "empty_document")
    truncated = SITEMAP[: SITEMAP.index(b"</news:title>") + 40]
    entries, problem = parse_sitemap(truncated, FEED)
    assert len(entries) == 1 and problem.startswith("XMLSyntaxError")


def test_entities_are_not_expanded():
    evil = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
            b"<loc>https://x.org/a</loc><news:news><news:title>&x;</news:title>"
            b"</news:news></url></urlset>")
    [entry] = parse_sitemap(evil, FEED)[0]
    assert "root:" not in (entry.title or "")
