"""Polling one feed: fetch (conditionally), parse by ``kind``, select what is new (no Beam).

:class:`FeedPoller` is the logic behind ``ReadFromFeeds``, the streaming pipeline's
``FetchNewPages`` and ``defwatch feeds check``. One ``poll(feed, pending)``:

1. reads the feed's cursor and fetches the feed with the hardened fetcher, conditionally
   (``If-None-Match``/``If-Modified-Since``) when the cursor holds validators;
2. parses it with the parser of the feed's ``kind`` (rss, telegram, sitemap);
3. selects the new entries (:func:`connectors.cursors.select_new`): not seen, not ``pending``
   (handed out earlier and not committed yet), at most ``max_new`` of them, newest first;
   the rest are ``deferred`` to the next poll;
4. refuses entries whose URL is not http(s) (dead letters, stage ``feed``, with their ref so
   the cursor moves past them too).

Who moves the cursor: with ``commit=True`` (one-shot runs, ``feeds check``) the poller commits
what it hands out at once. The streaming pipeline polls with ``commit=False``: its commit step
adds the entries after their articles, events and alert claims are written (see
``connectors.cursor_commit``). Validators are stored only when a poll leaves nothing new,
deferred or pending, so a 304 can never hide an entry that was not processed.
"""
from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field

from connectors import url_guard
from connectors.cursors import MAX_NEW_PER_POLL, CursorStore, select_new
from connectors.http_fetch import Fetcher, FetchError
from connectors.rss import parse_feed
from connectors.sitemap import parse_sitemap
from connectors.telegram import parse_telegram_preview
from schemas.records import DeadLetter, EntryRef, FeedConfig, FeedEntry

PARSERS = {"rss": parse_feed, "telegram": parse_telegram_preview, "sitemap": parse_sitemap}


@dataclass
class PollOutcome:
    """What one poll of one feed produced (entries, dead letters) and how it went."""
    feed: FeedConfig
    entries: list[FeedEntry] = field(default_factory=list)  # new entries handed out
    dead_letters: list[DeadLetter] = field(default_factory=list)
    refused: list[EntryRef] = field(default_factory=list)  # new entries dead-lettered
    deferred: int = 0  # new entries left for the next poll (per-poll limit)
    status: int | None = None
    not_modified: bool = False
    parsed: int = 0  # entries in the document, new or not
    newest: str | None = None  # newest published time in the document
    problem: str | None = None  # bozo reason or other parse note
    error: str | None = None  # fetch/parse failure reason
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether the feed itself failed (unreachable, unparsable): it backs off."""
        return self.error is not None


class FeedPoller:
    """Polls feeds with a Fetcher and a CursorStore (see module doc)."""

    def __init__(self, fetcher: Fetcher, store: CursorStore, max_new: int | None = None,
                 commit: bool = True):
        self.fetcher = fetcher
        self.store = store
        self.max_new = MAX_NEW_PER_POLL if max_new is None else max_new
        self.commit = commit

    def poll(self, feed: FeedConfig, pending: Collection[str] = ()) -> PollOutcome:
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
            self._parse(feed, result.body, result.charset, cursor, pending, outcome)
            if self.commit and (outcome.entries or outcome.refused):
                self.store.commit(feed.id, [EntryRef.of(e) for e in outcome.entries]
                                  + outcome.refused)
            handed_out = outcome.entries or outcome.refused or pending
            settled = not outcome.deferred and (self.commit or not handed_out)
            if outcome.error is None and settled and (
                    result.etag != cursor.get("etag")
                    or result.last_modified != cursor.get("last_modified")):
                self.store.set_validators(feed.id, result.etag, result.last_modified)
        outcome.elapsed = time.monotonic() - started
        return outcome

    def _parse(self, feed: FeedConfig, body: bytes, charset: str | None, cursor: dict,
               pending: Collection[str], outcome: PollOutcome) -> None:
        """Parse the document; hand out unseen entries with safe URLs (see module doc)."""
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
        selection = select_new(entries, cursor, pending, self.max_new)
        outcome.deferred = selection.deferred
        for entry in selection.taken:
            try:
                url_guard.check_scheme(entry.url)
            except url_guard.UnsafeURL as error:
                outcome.dead_letters.append(_letter(feed, error.reason, error.detail, entry.url))
                outcome.refused.append(EntryRef.of(entry))
                continue
            outcome.entries.append(entry)


def _letter(feed: FeedConfig, reason: str, detail: str | None, url: str | None,
            payload: bytes | None = None) -> DeadLetter:
    """A dead letter of the feed stage."""
    text = payload.decode("utf-8", "replace") if payload else None
    return DeadLetter(stage="feed", reason=reason, source=feed.id, url=url, detail=detail,
                      payload=text)
