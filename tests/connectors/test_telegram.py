"""Telegram channel previews (t.me/s/…) as inline-text entries."""
from pathlib import Path

from connectors.cursors import InMemoryCursorStore
from connectors.feeds import FeedPoller
from connectors.http_fetch import Fetcher, FetchSettings
from connectors.telegram import parse_telegram_preview, preview_url
from schemas.records import FeedConfig
from tests.support.loopback_site import LoopbackSite

PREVIEW = (Path(__file__).parent / "data" / "telegram_preview.html").read_bytes()
FEED = FeedConfig(id="tg_furat_local", url="https://t.me/s/furat_local",
                  name="شبكة الفرات المحلية", kind="telegram")


def test_messages_become_inline_entries():
    entries, problem = parse_telegram_preview(PREVIEW, FEED)
    assert problem is None
    assert [(e.url, e.entry_id, e.published) for e in entries] == [
        ("https://t.me/furat_local/1040", "furat_local/1040", "2024-05-12T21:40:05Z"),
        ("https://t.me/furat_local/1042", "furat_local/1042", "2024-05-12T22:15:30Z"),
    ]  # 1041 is a photo without text
    first, reply = entries
    assert first.summary == (
        "عاجل | ريف دير الزور الشرقي\nفرار ستة عناصر من ميليشيا الدفاع الوطني من نقطتهم في "
        "بلدة الصالحية باتجاه مناطق قسد، وسط استنفار أمني في المنطقة. 🚨")
    assert first.title == "عاجل | ريف دير الزور الشرقي"
    assert reply.summary == ("تحديث: مصادر الشبكة تؤكد وصول العناصر الستة إلى بلدة ذيبان،\n"
                             "ومن بينهم قائد مجموعة يتحدر من مدينة الميادين.")
    assert all(e.inline_text and e.kind == "telegram" and e.outlet == FEED.name
               for e in entries)


def test_not_a_preview_page():
    assert parse_telegram_preview(b"<html><body><p>hi</p></body></html>", FEED) == (
        [], "not_a_telegram_preview")


def test_preview_url():
    assert preview_url("@furat_local") == "https://t.me/s/furat_local"


def test_polled_like_a_feed():
    settings = FetchSettings(allow_hosts=("127.0.0.1",), deadline=2.0, host_delay=0.0)
    with LoopbackSite() as site, Fetcher(settings) as fetcher:
        site.static("/s/furat_local", PREVIEW, content_type="text/html; charset=utf-8")
        feed = FeedConfig(id="tg", url=site.url("/s/furat_local"), kind="telegram")
        poller = FeedPoller(fetcher, InMemoryCursorStore())
        assert len(poller.poll(feed).entries) == 2
        assert poller.poll(feed).entries == []
