"""Article deduplication: the same URL once, syndicated copies linked to their original.

``DeduplicateArticles`` takes ``Article`` records and gives each one back once:

1. Exact: articles are keyed by canonical URL (courlan); a re-polled or re-ingested URL with a
   doc_id already seen is dropped (counted as ``article_dedup/repeat``); another doc_id for the
   same canonical URL is marked as a copy of the first one.
2. Near-duplicates: a MinHash signature of the text's word shingles is cut into LSH bands and
   each ``(band_index, band_hash)`` is a Beam key, so candidate pairs meet on a worker without
   comparing every pair. Each band's keyed state keeps its recent members (expiring on an
   event-time timer); a candidate is verified by the estimated Jaccard similarity of the whole
   signatures (``threshold``, default 0.6: copies with a new headline, intro or footer
   keep well above it; two outlets writing up one incident share a few quoted phrases, far below) and the later article of the pair is linked to the
   earlier one (published, else first seen; a tie goes to the smaller doc_id).
3. Decision, per doc_id, in one of two modes:

   - ``decision_delay_seconds > 0`` (batch, ``backfill``): the links found by all bands are
     gathered until the watermark passes the article's time + the delay; the copy gets
     ``duplicate_of`` = the earliest similar article, and extraction skips articles that
     have it (``is_copy``). In batch every link is known before any decision (the watermark
     only moves at the end), so the result does not depend on input order.
   - ``decision_delay_seconds == 0`` (streaming, the default of ``defwatch run``): the article
     goes on at once (a link known by then is applied), so its events are extracted and
     alerted within seconds instead of waiting for the watermark. A link found afterwards
     (within ``link_window_seconds``) emits the article again with ``duplicate_of`` set: the
     article document is rewritten with the link, and the copy is not extracted again. Its
     events were extracted once and merged into the original's event by event dedup (one
     alert per incident: the alert claim), so the copy shows among the event's sources.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
    BagStateSpec,
    ReadModifyWriteStateSpec,
    TimerSpec,
    on_timer,
)
from apache_beam.utils.timestamp import Duration

from schemas.records import DEAD_LETTER, Article, DeadLetter
from transforms import fingerprint

NAMESPACE = "defwatch.article_dedup"
DEFAULT_THRESHOLD = 0.6
DEFAULT_RETENTION_DAYS = 7
DEFAULT_DECISION_DELAY_SECONDS = 60
DEFAULT_LINK_WINDOW_SECONDS = 3600  # immediate mode: how long a late link still applies
INVALID = "!invalid"


@dataclass(frozen=True)
class _Member:
    """An article as a band remembers it."""
    doc_id: str
    order: tuple[str, str]
    signature: tuple[int, ...]


def article_order(article: Article) -> tuple[str, str]:
    """Which of two copies is the original: earliest published/first seen, then doc_id."""
    return (article.published or article.fetched_at or "~", article.doc_id)


def is_copy(article: Article) -> bool:
    """Whether extraction should skip the article (a copy of another one)."""
    return bool(article.duplicate_of)


class _KeyByUrl(beam.DoFn):
    def process(self, article):
        if not isinstance(article, Article):
            yield INVALID, article
        else:
            yield fingerprint.canonical_url(article.url) or "doc:" + article.doc_id, article


class _FirstPerUrl(beam.DoFn):
    """Keyed by canonical URL: drop repeats of a doc_id, mark other doc_ids as copies."""

    FIRST = ReadModifyWriteStateSpec("first", PickleCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, retention_days: int):
        self._retention = Duration(seconds=retention_days * 86400)
        self._repeat = beam.metrics.Metrics.counter(NAMESPACE, "article_dedup/repeat")
        self._same_url = beam.metrics.Metrics.counter(NAMESPACE, "article_dedup/same_url")

    def process(self, element, timestamp=beam.DoFn.TimestampParam,
                first=beam.DoFn.StateParam(FIRST), expiry=beam.DoFn.TimerParam(EXPIRY)):
        key, article = element
        if key == INVALID:
            yield article
            return
        seen = first.read()
        if seen is None:
            first.write(article.doc_id)
            expiry.set(timestamp + self._retention)
            yield article
        elif seen == article.doc_id:
            self._repeat.inc()
        else:
            self._same_url.inc()
            yield dataclasses.replace(article, duplicate_of=seen)

    @on_timer(EXPIRY)
    def expire(self, first=beam.DoFn.StateParam(FIRST)):
        first.clear()


class _Fingerprint(beam.DoFn):
    """Article → its band keys (main) and the article itself for the decision (``article``)."""

    def __init__(self, num_perm: int, bands: int):
        self._num_perm, self._bands = num_perm, bands

    def process(self, article):
        if not isinstance(article, Article):
            yield beam.pvalue.TaggedOutput("article", (INVALID, ("invalid", article)))
        else:
            yield beam.pvalue.TaggedOutput("article", (article.doc_id, ("article", article)))
            if not article.duplicate_of:  # a copy by URL needs no fingerprint
                sig = fingerprint.signature(article.text, self._num_perm)
                member = _Member(article.doc_id, article_order(article), tuple(sig))
                for index, digest in fingerprint.band_keys(sig, self._bands):
                    yield f"{index}:{digest}", member


class _MatchInBand(beam.DoFn):
    """Keyed by one LSH band: verify candidates, link the later article to the earlier one."""

    MEMBERS = BagStateSpec("members", PickleCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, threshold: float, retention_days: int):
        self._threshold = threshold
        self._retention = Duration(seconds=retention_days * 86400)
        self._candidates = beam.metrics.Metrics.counter(NAMESPACE, "article_dedup/candidate")

    def process(self, element, timestamp=beam.DoFn.TimestampParam,
                members=beam.DoFn.StateParam(MEMBERS), expiry=beam.DoFn.TimerParam(EXPIRY)):
        _, new = element
        for old in members.read():
            if old.doc_id == new.doc_id:
                return
            self._candidates.inc()
            if fingerprint.estimated_jaccard(old.signature, new.signature) < self._threshold:
                continue
            early, late = sorted((old, new), key=lambda m: m.order)
            yield late.doc_id, ("link", early.order)
        members.add(new)
        expiry.set(timestamp + self._retention)

    @on_timer(EXPIRY)
    def expire(self, members=beam.DoFn.StateParam(MEMBERS)):
        members.clear()


class _Decide(beam.DoFn):
    """Keyed by doc_id: emit the article with its original (see the module doc's modes)."""

    ARTICLE = ReadModifyWriteStateSpec("article", PickleCoder())
    ORIGINAL = ReadModifyWriteStateSpec("original", PickleCoder())
    DECIDE = TimerSpec("decide", TimeDomain.WATERMARK)

    def __init__(self, delay_seconds: int, link_window_seconds: int):
        self._immediate = delay_seconds <= 0
        self._delay = Duration(seconds=link_window_seconds if self._immediate
                               else delay_seconds)
        self._copies = beam.metrics.Metrics.counter(NAMESPACE, "article_dedup/near_duplicate")
        self._late = beam.metrics.Metrics.counter(NAMESPACE, "article_dedup/late_link")
        self._linked_after = beam.metrics.Metrics.counter(NAMESPACE,
                                                          "article_dedup/linked_after")

    def process(self, element, timestamp=beam.DoFn.TimestampParam,
                article=beam.DoFn.StateParam(ARTICLE), original=beam.DoFn.StateParam(ORIGINAL),
                decide=beam.DoFn.TimerParam(DECIDE)):
        doc_id, (kind, value) = element
        if kind == "invalid":
            beam.metrics.Metrics.counter(NAMESPACE, "article_dedup/invalid").inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="dedup", reason="not_an_article", detail=type(value).__name__,
                payload=repr(value)[:2000]))
            return
        if kind == "article":
            if self._immediate:
                yield from self._pass_on(value, original.read(), article)
            else:
                article.write(value)
            decide.set(timestamp + self._delay)
            return
        held = original.read()
        if held is None or value < held:
            original.write(value)
        emitted = article.read()
        if self._immediate and emitted is not None and not emitted.duplicate_of:
            self._linked_after.inc()  # the article went on before this link: rewrite it
            yield from self._pass_on(emitted, original.read(), article)
        elif emitted is None:  # article not here yet, or already decided: clean up later
            decide.set(timestamp + self._delay)

    def _pass_on(self, value: Article, first, article):
        """Immediate mode: emit ``value`` with the link known so far; remember it."""
        if first is not None and not value.duplicate_of:
            self._copies.inc()
            value = dataclasses.replace(value, duplicate_of=first[1])
        article.write(value)
        yield value

    @on_timer(DECIDE)
    def emit(self, article=beam.DoFn.StateParam(ARTICLE),
             original=beam.DoFn.StateParam(ORIGINAL)):
        held, first = article.read(), original.read()
        article.clear()
        original.clear()
        if self._immediate:  # already emitted: the link window is over
            return
        if held is None:
            self._late.inc()
            return
        if first is not None and not held.duplicate_of:
            self._copies.inc()
            held = dataclasses.replace(held, duplicate_of=first[1])
        yield held


class DeduplicateArticles(beam.PTransform):
    """``Article`` → each article once; copies carry ``duplicate_of`` (see module doc).

    Returns ``out.main`` and ``out.dead_letter``.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = fingerprint.NUM_PERM,
                 bands: int = fingerprint.BANDS, retention_days: int = DEFAULT_RETENTION_DAYS,
                 decision_delay_seconds: int = DEFAULT_DECISION_DELAY_SECONDS,
                 link_window_seconds: int = DEFAULT_LINK_WINDOW_SECONDS):
        super().__init__()
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if bands <= 0 or num_perm % bands:
            raise ValueError(f"num_perm ({num_perm}) must be a multiple of bands ({bands})")
        self._threshold, self._num_perm, self._bands = threshold, num_perm, bands
        self._retention, self._delay = retention_days, decision_delay_seconds
        self._link_window = link_window_seconds

    def expand(self, articles):
        first = (articles
                 | "KeyByUrl" >> beam.ParDo(_KeyByUrl()).with_output_types(tuple[str, Any])
                 | "FirstPerUrl" >> beam.ParDo(_FirstPerUrl(self._retention)))
        prints = first | "Fingerprint" >> beam.ParDo(
            _Fingerprint(self._num_perm, self._bands)).with_output_types(
                tuple[str, _Member]).with_outputs("article", main="bands")
        links = prints.bands | "MatchInBand" >> beam.ParDo(
            _MatchInBand(self._threshold, self._retention)).with_output_types(tuple[str, tuple])
        return ((prints.article, links)
                | "JoinByDoc" >> beam.Flatten().with_output_types(tuple[str, tuple])
                | "Decide" >> beam.ParDo(_Decide(self._delay, self._link_window)).with_outputs(
                    DEAD_LETTER, main="main"))


__all__ = ["DeduplicateArticles", "article_order", "is_copy"]
