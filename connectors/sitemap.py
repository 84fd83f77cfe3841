"""News sitemaps (``<news:news>`` entries) as feed entries, for outlets without RSS.

A Google News sitemap lists ``<url><loc>`` elements with ``<news:news>`` children holding the
title, the publication date and the publication name. When a sitemap has no news entries at
all, its ``<url>`` elements with a recent ``<lastmod>`` (``max_age_days``) are used instead.
Sitemap indexes are not followed (point the feed at the news sitemap itself). Parsing never
resolves entities or touches the network. ``connectors.feeds.ReadFromSitemap`` polls them.
"""
from __future__ import annotations

import datetime as dt

import lxml.etree

from connectors.charset import decode_bytes
from connectors.entry_utils import canonical_url, outlet_of, utc_iso
from schemas.records import FeedConfig, FeedEntry

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9"}
MAX_AGE_DAYS = 7


def _parser() -> lxml.etree.XMLParser:
    """A safe, forgiving XML parser (one per call: lxml parsers are not thread-safe)."""
    return lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                                huge_tree=False, remove_comments=True)


def parse_sitemap(body: bytes, feed: FeedConfig, declared_charset: str | None = None,
                  max_age_days: int = MAX_AGE_DAYS) -> tuple[list[FeedEntry], str | None]:
    """Entries of a news sitemap and a problem note (None when the XML was clean)."""
    text = decode_bytes(body, declared_charset).lstrip("\ufeff")
    if not text.strip():
        return [], "empty_document"
    parser = _parser()
    try:
        root = lxml.etree.fromstring(_drop_declaration(text).encode("utf-8"), parser)
    except lxml.etree.XMLSyntaxError as error:
        return [], f"XMLSyntaxError: {error}"
    if root is None:
        return [], "XMLSyntaxError: no root element"
    errors = parser.error_log
    problem = f"XMLSyntaxError: {errors[0].message}" if len(errors) else None
    if lxml.etree.QName(root).localname == "sitemapindex":
        return [], "sitemap_index_not_followed"
    urls = root.findall("sm:url", NS) or root.findall("url")
    news = [u for u in urls if u.find("news:news", NS) is not None]
    if news:
        return [e for u in news if (e := _news_entry(u, feed))], problem
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=max_age_days)
    recent = [e for u in urls if (e := _plain_entry(u, feed)) and e.published
              and e.published >= cutoff.isoformat().replace("+00:00", "Z")]
    return recent, problem


def _drop_declaration(text: str) -> str:
    """The document without its XML declaration (it is re-encoded as UTF-8)."""
    stripped = text.lstrip()
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        return stripped[end + 2:] if end >= 0 else stripped
    return stripped


def _text(node: lxml.etree._Element, path: str) -> str | None:
    """Stripped text of the first match of ``path`` under ``node``."""
    found = node.find(path, NS)
    value = (found.text or "").strip() if found is not None else ""
    return value or None


def _news_entry(node: lxml.etree._Element, feed: FeedConfig) -> FeedEntry | None:
    """One ``<url>`` with ``<news:news>`` as an entry (None without a location)."""
    loc = _text(node, "sm:loc") or _text(node, "loc")
    if not loc:
        return None
    return FeedEntry(
        feed_id=feed.id, url=canonical_url(loc), entry_id=loc,
        title=_text(node, "news:news/news:title"),
        published=utc_iso(_text(node, "news:news/news:publication_date")),
        outlet=_text(node, "news:news/news:publication/news:name") or outlet_of(feed),
        kind="sitemap")


def _plain_entry(node: lxml.etree._Element, feed: FeedConfig) -> FeedEntry | None:
    """One plain ``<url>`` (loc + lastmod) as an entry."""
    loc = _text(node, "sm:loc") or _text(node, "loc")
    if not loc:
        return None
    lastmod = _text(node, "sm:lastmod") or _text(node, "lastmod")
    return FeedEntry(feed_id=feed.id, url=canonical_url(loc), entry_id=loc,
                     published=utc_iso(lastmod), outlet=outlet_of(feed), kind="sitemap")
