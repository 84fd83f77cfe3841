"""RSS 0.9x/1.0/2.0 and Atom documents as :class:`FeedEntry` records (no network, no Beam).

The bytes are decoded first (:mod:`connectors.charset`, so an undeclared windows-1256 feed
is correct Arabic) and the XML declaration's encoding is dropped; feedparser then parses the
UTF-8 text and never fetches anything itself. Bozo feeds are used when entries parse.
"""
from __future__ import annotations

import re

import feedparser

from connectors.charset import decode_bytes
from connectors.entry_utils import canonical_url, html_to_text, outlet_of, utc_iso
from schemas.records import FeedConfig, FeedEntry

XML_DECLARATION_ENCODING = re.compile(
    r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""", re.IGNORECASE)


def parse_feed(body: bytes, feed: FeedConfig, declared_charset: str | None = None
               ) -> tuple[list[FeedEntry], str | None]:
    """Entries of an RSS/Atom document and the bozo reason (None for a clean feed).

    Entries without a link (or a URL-like id) cannot be fetched or cited: they are left out
    and the reason says how many.
    """
    text = decode_bytes(body, declared_charset).lstrip("\ufeff")
    text = XML_DECLARATION_ENCODING.sub(r"\1", text, count=1)
    parsed = feedparser.parse(text.encode("utf-8"), response_headers={
        "content-type": "application/xml; charset=utf-8"})
    bozo = None
    if parsed.get("bozo"):
        error = parsed.get("bozo_exception")
        bozo = f"{type(error).__name__}: {error}" if error else "bozo"
    entries = [e for item in parsed.entries if (e := _entry(item, feed))]
    missing = len(parsed.entries) - len(entries)
    if missing and not bozo:
        bozo = f"entries_without_url: {missing} of {len(parsed.entries)}"
    return entries, bozo


def _entry(item: dict, feed: FeedConfig) -> FeedEntry | None:
    """One feedparser entry as a FeedEntry (None when it names no URL)."""
    guid = item.get("id") or None
    link = item.get("link") or (guid if guid and guid.startswith(("http:", "https:")) else None)
    if not link:
        return None
    summary = html_to_text(item.get("summary"))
    content = html_to_text(" ".join(c.get("value", "") for c in item.get("content") or []))
    if content and len(content) > len(summary or ""):
        summary = content
    published = item.get("published_parsed") or item.get("updated_parsed")
    return FeedEntry(
        feed_id=feed.id, url=canonical_url(link) if _is_http(link) else link.strip(),
        entry_id=guid or link, title=html_to_text(item.get("title")), summary=summary,
        published=utc_iso(published), outlet=outlet_of(feed), kind="rss")


def _is_http(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://"))
