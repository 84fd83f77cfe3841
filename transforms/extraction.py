"""``ExtractDefectionEvents``: documents or cleaned articles in, defection events out.

A thin Beam wrapper around the pure ``transforms.extract.extract_events``. Articles marked as
near-duplicates (``duplicate_of`` set) are skipped: only the canonical copy of a story gives
events. A document that makes extraction fail goes to the dead-letter output with the reason.

    out = docs | ExtractDefectionEvents()
    out.main         # DefectionEvent
    out.dead_letter  # DeadLetter(stage="extract", ...)
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from schemas.records import DEAD_LETTER, Article, DeadLetter, Document
from transforms.extract import extract_events

__all__ = ["ExtractDefectionEvents"]

NAMESPACE = "defwatch.extract"
PAYLOAD_CHARS = 2000


def as_document(item) -> Document:
    """The extraction input of a Document, an Article or a dict of the JSONL input shape."""
    if isinstance(item, Document):
        return item
    if isinstance(item, Article):
        return item.to_document()
    if isinstance(item, dict):
        return Document.from_dict(item)
    raise TypeError(f"cannot extract events from {type(item).__name__}")


class _ExtractFn(beam.DoFn):
    """Events of one document; failures become dead letters."""

    def __init__(self):
        self.documents = Metrics.counter(NAMESPACE, "documents")
        self.events = Metrics.counter(NAMESPACE, "events")
        self.skipped = Metrics.counter(NAMESPACE, "skipped/duplicate")
        self.failed = Metrics.counter(NAMESPACE, "extract/error")

    def process(self, item):
        if getattr(item, "duplicate_of", None):
            self.skipped.inc()
            return
        try:
            doc = as_document(item)
            events = extract_events(doc)
        except Exception as error:  # noqa: BLE001 - one bad document never stops the pipeline
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="extract", reason=f"error:{type(error).__name__}",
                source=getattr(item, "feed_id", None), url=getattr(item, "url", None),
                detail=str(error)[:500], payload=_payload(item)))
            return
        self.documents.inc()
        for event in events:
            self.events.inc()
            yield event


def _payload(item) -> str:
    """A short reference to the failed input (its id and the start of its text)."""
    doc_id = getattr(item, "doc_id", None) or (item.get("doc_id") if isinstance(item, dict)
                                               else None)
    text = getattr(item, "text", None) or (item.get("text") if isinstance(item, dict) else "")
    return f"{doc_id}: {(text or '')[:PAYLOAD_CHARS]}"


class ExtractDefectionEvents(beam.PTransform):
    """PCollection[Document | Article] → DefectionEvent (main) and DeadLetter (dead_letter)."""

    def expand(self, pcoll):
        return pcoll | "Extract" >> beam.ParDo(_ExtractFn()).with_outputs(
            DEAD_LETTER, main="main")
