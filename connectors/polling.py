"""Polling one feed: fetch (conditionally), parse by ``kind``, keep what is new (no Beam).

:class:`FeedPoller` is the logic behind the ``PollFeeds`` PTransform and ``defwatch feeds
check``: it reads the feed's cursor (ETag, Last-Modified, seen entry ids), fetches with the
hardened fetcher, parses with the parser of the feed's ``kind`` (rss, telegram, sitemap),
drops entries already seen, refuses entries whose URL is not http(s), stores the cursor, and
returns a :class:`PollOutcome` holding new entries and dead letters (stage ``feed``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from connectors import url_guard
from connectors.cursors import CursorStore, remember
from connectors.http_fetch import Fetcher, FetchError
from connectors.rss import parse_feed
from connectors.sitemap import parse_sitemap
from connectors.telegram import parse_telegram_preview
from schemas.records import DeadLetter, FeedConfig, FeedEntry

PARSERS = {"rss": parse_feed, "telegram": parse_telegram_preview, "sitemap": parse_sitemap}


@dataclass
class PollOutcome:
    """What one poll of one feed produced (entries, dead letters) and how it went."""
    feed: FeedConfig
    entries: list[FeedEntry] = field(default_factory=list)  # new entries only
    dead_letters: list[DeadLetter] = field(default_factory=list)
    status: int | None = None
    not_modified: bool = False
    parsed: int = 0  # entries in the document, new or not
    newest: str | None = None  # newest published time in the document
    problem: str | None = None  # bozo reason or other parse note
    error: str | None = None  # fetch/parse failure reason
    elapsed: float = 0.0


class FeedPoller:
    """Polls feeds with a Fetcher and a CursorStore: new entries out, cursor updated."""

    def __init__(self, fetcher: Fetcher, store: CursorStore):
        self.fetcher = fetcher
        self.store = store

    def poll(self, feed: FeedConfig) -> PollOutcome:
        """Fetch ``feed`` (conditionally), parse it and return what is new."""
        started = time.monotonic()
        outcome = PollOutcome(feed)
        cursor = self.store.get(feed.id)
        try:
            result = self.fetcher.fetch(feed.url, cursor.get("etag"), cursor.get("last_modified"))
        except FetchError as error:
            outcome.error = error.reason
            outcome.dead_letters.append(_letter(feed, error.reason, error.detail, feed.url))
            outcome.elapsed = time.monotonic() - started
            return outcome
        outcome.status, outcome.not_modified = result.status, result.not_modified
        if not result.not_modified:
            self._parse(feed, result.body, result.charset, cursor, outcome)
            cursor.update(etag=result.etag, last_modified=result.last_modified)
            self.store.put(feed.id, cursor)
        outcome.elapsed = time.monotonic() - started
        return outcome

    def _parse(self, feed: FeedConfig, body: bytes, charset: str | None, cursor: dict,
               outcome: PollOutcome) -> None:
        """Parse the document; keep unseen entries with safe URLs; update ``cursor['seen']``."""
        parser = PARSERS.get(feed.kind)
        if parser is None:
            outcome.error = "unknown_kind"
            outcome.dead_letters.append(_letter(feed, "unknown_kind", feed.kind, feed.url))
            return
        try:
            entries, outcome.problem = parser(body, feed, charset)
        except Exception as error:  # noqa: BLE001 - one odd document must not stop polling
            outcome.error = "parser_error"
            outcome.dead_letters.append(_letter(feed, "parser_error", repr(error), feed.url,
                                                payload=body[:2000]))
            return
        outcome.parsed = len(entries)
        outcome.newest = max((e.published for e in entries if e.published), default=None)
        if not entries and outcome.problem:
            outcome.error = "unparsable_feed"
            outcome.dead_letters.append(_letter(feed, "unparsable_feed", outcome.problem,
                                                feed.url, payload=body[:2000]))
            return
        seen = set(cursor.get("seen") or [])
        fresh = [e for e in _unique(entries) if e.entry_id not in seen]
        for entry in fresh:
            try:
                url_guard.check_scheme(entry.url)
            except url_guard.UnsafeURL as error:
                outcome.dead_letters.append(_letter(feed, error.reason, error.detail, entry.url))
                continue
            outcome.entries.append(entry)
        cursor["seen"] = remember(cursor.get("seen") or [], [e.entry_id for e in fresh])


def _unique(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Entries without repeated ids, first occurrence kept."""
    by_id: dict[str, FeedEntry] = {}
    for entry in entries:
        by_id.setdefault(entry.entry_id, entry)
    return list(by_id.values())


def _letter(feed: FeedConfig, reason: str, detail: str | None, url: str | None,
            payload: bytes | None = None) -> DeadLetter:
    """A dead letter of the feed stage."""
    text = payload.decode("utf-8", "replace") if payload else None
    return DeadLetter(stage="feed", reason=reason, source=feed.id, url=url, detail=detail,
                      payload=text)
