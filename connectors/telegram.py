"""Public Telegram channel previews (``https://t.me/s/<channel>``) as feed entries.

The preview page lists a channel's latest messages as ``div.tgme_widget_message`` blocks with
``data-post="<channel>/<number>"``, the text in ``.tgme_widget_message_text`` and the time in
``time[datetime]``. Each message becomes a :class:`FeedEntry` whose ``summary`` is the whole
text (``inline_text=True``: no article fetch) and whose URL is the permalink
``https://t.me/<channel>/<number>``. Messages without text (photos, stickers) are skipped.

``connectors.feeds.ReadFromTelegram(channels, settings)`` polls channels once; the streaming
pipeline polls them with ``PollFeeds`` like any feed of ``kind: telegram``.
"""
from __future__ import annotations

import lxml.etree
import lxml.html

from connectors.charset import decode_bytes
from connectors.entry_utils import html_to_text, outlet_of, utc_iso
from schemas.records import FeedConfig, FeedEntry

PREVIEW_URL = "https://t.me/s/{channel}"
PERMALINK = "https://t.me/{post}"
MESSAGES = "//div[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message ')]"
MESSAGE_TEXT = (".//div[contains(concat(' ', normalize-space(@class), ' '), "
                "' tgme_widget_message_text ')][not(ancestor::*[contains(@class, "
                "'tgme_widget_message_reply')])]")
MESSAGE_TIME = ".//time[@datetime]"
TITLE_CHARS = 120


def preview_url(channel: str) -> str:
    """The public preview page of a channel name (``@name`` or ``name``)."""
    return PREVIEW_URL.format(channel=channel.lstrip("@").strip("/"))


def parse_telegram_preview(body: bytes, feed: FeedConfig,
                           declared_charset: str | None = None
                           ) -> tuple[list[FeedEntry], str | None]:
    """Entries of a t.me/s/ preview page (oldest first) and a problem note, if any."""
    text = decode_bytes(body, declared_charset)
    if not text.strip():
        return [], "empty_page"
    try:
        root = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError) as error:
        return [], f"unparsable_page: {error}"
    messages = root.xpath(MESSAGES)
    entries = [entry for node in messages if (entry := _message_entry(node, feed))]
    if not messages and "tgme_channel_info" not in text:
        return [], "not_a_telegram_preview"
    return entries, None


def _message_entry(node: lxml.html.HtmlElement, feed: FeedConfig) -> FeedEntry | None:
    """One message block as an entry, or None when it has no post id or no text."""
    post = (node.get("data-post") or "").strip("/")
    text_nodes = node.xpath(MESSAGE_TEXT)
    if not post or not text_nodes:
        return None
    text = html_to_text(lxml.html.tostring(text_nodes[0], encoding="unicode"))
    if not text:
        return None
    times = node.xpath(MESSAGE_TIME)
    first_line = text.split("\n", 1)[0]
    return FeedEntry(
        feed_id=feed.id, url=PERMALINK.format(post=post), entry_id=post,
        title=first_line[:TITLE_CHARS], summary=text,
        published=utc_iso(times[0].get("datetime")) if times else None,
        outlet=outlet_of(feed), kind="telegram", inline_text=True)
