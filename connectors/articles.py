"""From feed entries to cleaned articles: ``entries | FetchArticles(settings) | CleanArticles()``.

- :class:`FetchArticles` fetches each entry's page with the hardened fetcher and emits one
  :class:`FetchedPage` per entry — failures included, as data (``fetch_error``), so the chain
  above loses nothing. Telegram entries (``inline_text``) are not fetched.
- :class:`CleanArticles` turns FetchedPages into :class:`Article` records with trafilatura
  (:func:`transforms.clean.clean_html`): ``text_source`` is ``page``, ``inline`` (Telegram)
  or ``summary`` (the page failed; ``fetch_error`` says why). When nothing usable is left —
  no summary to fall back on, or a URL the private-address guard refused (never summarised) —
  the entry goes to ``dead_letter`` (stage ``fetch`` or ``clean``, with the reason).

``doc_id`` is ``stable_id(canonical url)``, so a re-polled or re-fetched article keeps its id.
"""
from __future__ import annotations

from dataclasses import dataclass

import apache_beam as beam

from connectors.http_fetch import Fetcher, FetchError, FetchSettings
from schemas.records import DEAD_LETTER, Article, DeadLetter, FeedEntry, stable_id, utc_now_iso
from transforms.clean import clean_html

__all__ = ["FetchedPage", "FetchArticles", "CleanArticles", "fetch_page"]

# Reasons that mean the URL itself is hostile: never fall back to the summary.
REFUSED = frozenset({"private_address", "scheme_not_allowed", "bad_url"})
HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml", "text/plain",
                        "application/xml", "text/xml"})
METRICS_NAMESPACE = "articles"


@dataclass
class FetchedPage:
    """An entry and its fetched page (html decoded), or why the page is missing."""
    entry: FeedEntry
    html: str | None = None
    final_url: str | None = None
    status: int | None = None
    fetch_error: str | None = None  # reason of the failed fetch (FetchError.reason)
    fetch_detail: str | None = None
    fetched_at: str | None = None


def _counter(name: str):
    return beam.metrics.Metrics.counter(METRICS_NAMESPACE, name)


def fetch_page(fetcher: Fetcher, entry: FeedEntry) -> FetchedPage:
    """The page of ``entry`` (failures as data); Telegram entries are not fetched."""
    if entry.inline_text:
        return FetchedPage(entry)
    try:
        result = fetcher.fetch(entry.url)
    except FetchError as error:
        return FetchedPage(entry, fetch_error=error.reason, fetch_detail=error.detail,
                           fetched_at=utc_now_iso())
    if result.content_type not in HTML_TYPES:
        return FetchedPage(entry, final_url=result.final_url, status=result.status,
                           fetch_error="not_html", fetch_detail=result.content_type,
                           fetched_at=utc_now_iso())
    return FetchedPage(entry, html=result.text, final_url=result.final_url,
                       status=result.status, fetched_at=utc_now_iso())


def count_fetch(page: FetchedPage) -> None:
    """Count a page's fetch outcome as ``articles:fetch/<ok|reason>`` (inside a DoFn)."""
    if not page.entry.inline_text:
        _counter(f"fetch/{page.fetch_error or 'ok'}").inc()


class _FetchArticleFn(beam.DoFn):
    """Fetches the page of each FeedEntry (Telegram entries pass through unfetched)."""

    def __init__(self, settings: FetchSettings):
        self._settings = settings

    def setup(self):
        self._fetcher = Fetcher(self._settings)

    def process(self, entry: FeedEntry):
        page = fetch_page(self._fetcher, entry)
        count_fetch(page)
        yield page

    def teardown(self):
        self._fetcher.close()


class FetchArticles(beam.PTransform):
    """PCollection[FeedEntry] → PCollection[FetchedPage], one per entry (failures as data)."""

    def __init__(self, settings: FetchSettings | None = None, label=None):
        super().__init__(label)
        self._settings = settings or FetchSettings()

    def expand(self, entries):
        return (entries
                | "Spread" >> beam.Reshuffle()
                | "Fetch" >> beam.ParDo(_FetchArticleFn(self._settings)))


def article_from_page(page: FetchedPage) -> Article | DeadLetter:
    """The Article of a FetchedPage: cleaned page, inline text or summary; else a DeadLetter."""
    entry = page.entry
    base = dict(doc_id=stable_id(entry.url), url=entry.url, title=entry.title,
                published=entry.published, outlet=entry.outlet, feed_id=entry.feed_id,
                fetched_at=page.fetched_at)
    if entry.inline_text and entry.summary:
        return Article(text=entry.summary, text_source="inline", **base)
    if page.fetch_error in REFUSED:
        return DeadLetter(stage="fetch", reason=page.fetch_error, source=entry.feed_id,
                          url=entry.url, detail=page.fetch_detail)
    stage, reason, detail = "fetch", page.fetch_error, page.fetch_detail
    if page.html is not None:
        cleaned = clean_html(page.html, page.final_url or entry.url)
        if cleaned is not None:
            base.update(title=entry.title or cleaned.title,
                        published=entry.published or cleaned.date)
            return Article(text=cleaned.text, author=cleaned.author,
                           sitename=cleaned.sitename, text_source="page", **base)
        stage, reason, detail = "clean", "no_main_text", "trafilatura found no article text"
    if entry.summary:
        return Article(text=entry.summary, text_source="summary",
                       fetch_error=reason or "no_page", **base)
    return DeadLetter(stage=stage, reason=reason or "no_text", source=entry.feed_id,
                      url=entry.url, detail=f"{detail or ''} (no summary to fall back on)".strip())


class _CleanArticleFn(beam.DoFn):
    """FetchedPage → Article (or a dead letter)."""

    def process(self, page: FetchedPage):
        result = article_from_page(page)
        if isinstance(result, DeadLetter):
            _counter(f"{result.stage}/{result.reason}").inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, result)
            return
        _counter(f"article/{result.text_source}").inc()
        yield result


class CleanArticles(beam.PTransform):
    """PCollection[FetchedPage] → PCollection[Article] (``main``) and ``dead_letter``."""

    def expand(self, pages):
        return pages | "Clean" >> beam.ParDo(_CleanArticleFn()).with_outputs(
            DEAD_LETTER, main="main")
