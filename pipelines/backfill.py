"""The batch backfill: an archive (JSONL or WARC) through the same transforms into Elasticsearch.

    ReadFromArchive → DocumentsToArticles → DeduplicateArticles → WriteArticles
      → ExtractDefectionEvents → DeduplicateEvents → WriteEvents → SendAlerts
    every dead-letter output → WriteDeadLetters

Documents with ``html`` are cleaned with trafilatura (``transforms.clean``); otherwise their
``text`` is used as published. Ids are the same as in the streaming pipeline (article:
``doc_id``; event: stable ``event_id``), so a backfill over already-indexed documents rewrites
instead of duplicating. Run it with ``defwatch backfill FILE``.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from connectors.archive import MAX_LINE_BYTES, ReadFromArchive
from pipelines.progress import tick
from pipelines.streaming import _main, build_article_steps, write_dead_letters
from schemas.records import DEAD_LETTER, Article, DeadLetter, Document, utc_now_iso
from transforms.clean import CleanedPage, clean_html

NAMESPACE = "defwatch.backfill"


def _cleaned(document: Document) -> tuple[Document | DeadLetter, CleanedPage | None]:
    """``clean_document`` and the page trafilatura found (None when the text was used)."""
    text, title, published, page = document.text, document.title, document.published, None
    if document.html:
        try:
            page = clean_html(document.html, document.url)
        except Exception as error:  # noqa: BLE001 - a page that breaks the cleaner is data
            return DeadLetter(stage="clean", reason="clean_error", source="archive",
                              url=document.url, detail=f"{type(error).__name__}: {error}"[:500],
                              payload=document.doc_id), None
        if page is not None:
            text, title = page.text, document.title or page.title
            published = document.published or page.date
    if not text or not text.strip():
        return DeadLetter(stage="clean", reason="no_text", source="archive", url=document.url,
                          detail="document has neither usable html nor text",
                          payload=document.doc_id), None
    return Document(doc_id=document.doc_id, url=document.url, title=title,
                    published=published, text=text, outlet=document.outlet), page


def clean_document(document: Document) -> Document | DeadLetter:
    """``document`` with its HTML cleaned to text (trafilatura), else its text; or a DeadLetter.

    The title and date found in the page fill in those the record lacks. Shared by
    ``defwatch extract`` and the backfill, so both read a document the same way.
    """
    return _cleaned(document)[0]


def article_from_document(document: Document) -> Article | DeadLetter:
    """The Article of an archived Document: its cleaned HTML, else its text; else a DeadLetter."""
    result, page = _cleaned(document)
    if isinstance(result, DeadLetter):
        return result
    extra = {"author": page.author, "sitename": page.sitename} if page is not None else {}
    return Article(doc_id=result.doc_id, url=result.url or "", text=result.text,
                   title=result.title, published=result.published, outlet=result.outlet,
                   text_source="archive", fetched_at=utc_now_iso(), **extra)


class _DocumentToArticleFn(beam.DoFn):
    """Document → Article, or a dead letter."""

    def process(self, document: Document):
        result = article_from_document(document)
        if isinstance(result, DeadLetter):
            beam.metrics.Metrics.counter(NAMESPACE, f"dead_letter/{result.reason}").inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, result)
            return
        beam.metrics.Metrics.counter(NAMESPACE, "articles/converted").inc()
        yield result


class DocumentsToArticles(beam.PTransform):
    """Document → Article (``main``) and ``dead_letter``."""

    def expand(self, documents):
        return documents | "ToArticle" >> beam.ParDo(_DocumentToArticleFn()).with_outputs(
            DEAD_LETTER, main="main")


def build_backfill_pipeline(p: beam.Pipeline, options: PipelineOptions, paths: list[str],
                            progress: dict[str, str] | None = None,
                            max_line_bytes: int = MAX_LINE_BYTES):
    """Wire the backfill into ``p``; returns the written ``EventChange``s.

    ``progress`` maps ``read`` (every record read, good or bad) and ``articles`` (every
    article once deduplicated, just before extraction) to ``pipelines.progress`` tokens.
    """
    progress = progress or {}
    dead_letters: list = []
    read = p | "ReadFromArchive" >> ReadFromArchive(paths, max_line_bytes=max_line_bytes)
    documents = read.main | "ProgressRead" >> beam.Map(tick, progress.get("read"))
    dead_letters.append(read[DEAD_LETTER] | "ProgressBad" >> beam.Map(tick, progress.get("read")))
    articles = _main(documents | "DocumentsToArticles" >> DocumentsToArticles(), dead_letters)
    written = build_article_steps(articles, options, dead_letters,
                                  progress_token=progress.get("articles"))
    write_dead_letters(dead_letters, options)
    return written


def run(paths: list[str], argv: list[str] | None = None, progress: dict[str, str] | None = None,
        max_line_bytes: int = MAX_LINE_BYTES):
    """Build and run the backfill over ``paths``; returns the finished PipelineResult."""
    options = PipelineOptions(argv)
    p = beam.Pipeline(options=options)
    build_backfill_pipeline(p, options, paths, progress, max_line_bytes)
    result = p.run()
    result.wait_until_finish()
    return result
