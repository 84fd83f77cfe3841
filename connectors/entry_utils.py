"""Small helpers shared by the feed, Telegram and sitemap parsers: URLs, times, summaries."""
from __future__ import annotations

import calendar
import datetime as dt
import email.utils
import re
import time
from urllib.parse import urlsplit

import courlan
import lxml.html

from schemas.records import FeedConfig

BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "blockquote", "tr")
SPACES = re.compile(r"[ \t\u00a0]+")
BLANK_LINES = re.compile(r"\s*\n\s*")


def canonical_url(url: str) -> str:
    """The canonical form of an article URL (courlan: lower-case host, no tracking params)."""
    url = url.strip()
    try:
        cleaned = courlan.clean_url(url) or url
        return courlan.normalize_url(cleaned, strict=True)
    except (ValueError, AttributeError):
        return url


def outlet_of(feed: FeedConfig) -> str:
    """The outlet name of a feed: its name, else its domain."""
    return feed.name or (urlsplit(feed.url).hostname or feed.id)


def utc_iso(value: object) -> str | None:
    """A time (struct_time in UTC, datetime, ISO-8601 or RFC 822 text) as ISO-8601 UTC 'Z'."""
    if value is None or value == "":
        return None
    if isinstance(value, time.struct_time):
        when = dt.datetime.fromtimestamp(calendar.timegm(value), dt.timezone.utc)
    elif isinstance(value, dt.datetime):
        when = value
    else:
        when = _parse_time_text(str(value).strip())
        if when is None:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    when = when.astimezone(dt.timezone.utc).replace(microsecond=0)
    return when.isoformat().replace("+00:00", "Z")


def _parse_time_text(text: str) -> dt.datetime | None:
    """ISO-8601 (date or date-time) or RFC 822 text as a datetime, else None."""
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def html_to_text(fragment: str | None) -> str | None:
    """Plain text of an HTML fragment (feed summary, message), line breaks kept."""
    if not fragment or not fragment.strip():
        return None
    if "<" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return fragment.strip()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter(*BLOCK_TAGS):
        block.tail = "\n" + (block.tail or "")
    text = SPACES.sub(" ", root.text_content())
    return BLANK_LINES.sub("\n", text).strip() or None
