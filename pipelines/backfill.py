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

from connectors.archive import ReadFromArchive
from pipelines.streaming import _main, build_article_steps, write_dead_letters
from schemas.records import DEAD_LETTER, Article, DeadLetter, Document, utc_now_iso
from transforms.clean import clean_html

NAMESPACE = "defwatch.backfill"


def article_from_document(document: Document) -> Article | DeadLetter:
    """The Article of an archived Document: its cleaned HTML, else its text; else a DeadLetter."""
    text, extra = document.text, {}
    if document.html:
        cleaned = clean_html(document.html, document.url)
        if cleaned is not None:
            text = cleaned.text
            extra = {"author": cleaned.author, "sitename": cleaned.sitename}
            document_title = document.title or cleaned.title
            published = document.published or cleaned.date
        else:
            document_title, published = document.title, document.published
    else:
        document_title, published = document.title, document.published
    if not text or not text.strip():
        return DeadLetter(stage="clean", reason="no_text", source="archive", url=document.url,
                          detail="document has neither usable html nor text",
                          payload=document.doc_id)
    return Article(doc_id=document.doc_id, url=document.url or "", text=text,
                   title=document_title, published=published, outlet=document.outlet,
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


def build_backfill_pipeline(p: beam.Pipeline, options: PipelineOptions, paths: list[str]):
    """Wire the backfill into ``p``; returns the written ``EventChange``s."""
    dead_letters: list = []
    documents = _main(p | "ReadFromArchive" >> ReadFromArchive(paths), dead_letters)
    articles = _main(documents | "DocumentsToArticles" >> DocumentsToArticles(), dead_letters)
    written = build_article_steps(articles, options, dead_letters)
    write_dead_letters(dead_letters, options)
    return written


def run(paths: list[str], argv: list[str] | None = None):
    """Build and run the backfill over ``paths``; returns the finished PipelineResult."""
    options = PipelineOptions(argv)
    p = beam.Pipeline(options=options)
    build_backfill_pipeline(p, options, paths)
    result = p.run()
    result.wait_until_finish()
    return result
