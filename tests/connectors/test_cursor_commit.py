"""CommitCursors: refs are committed once the watermark of the progress outputs passed them."""
from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream

from connectors.cursor_commit import CommitCursors
from connectors.cursors import InMemoryCursorStore
from schemas.records import EntryRef

LOG: list[str] = []  # what happened, in order: "seen <id>" on the progress path, "commit <ids>"


class _LoggingStore(InMemoryCursorStore):
    def commit(self, feed_id, refs):
        LOG.append("commit " + ",".join(sorted(r.entry_id for r in refs)))
        return super().commit(feed_id, refs)


STORE = _LoggingStore()


def _store():
    return STORE


def _seen(element):
    LOG.append(f"seen {element[1].entry_id}")
    return element


@pytest.mark.parametrize("hold, expected", [
    (0, ["seen a", "commit a", "seen b", "commit b"]),  # a is done before b comes
    (5, ["seen a", "seen b", "commit a", "commit b"]),  # a may still be held 5 s upstream
])
def test_refs_commit_once_the_progress_watermark_passed_them(hold, expected):
    global STORE
    STORE = _LoggingStore()
    LOG.clear()
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    stream = (TestStream()
              .add_elements([beam.window.TimestampedValue(("f", EntryRef("f", "a")), 100)])
              .advance_watermark_to(103)
              .add_elements([beam.window.TimestampedValue(("f", EntryRef("f", "b")), 103.5)])
              .advance_watermark_to(200)
              .advance_watermark_to_infinity())
    with TestPipeline(options=options) as p:
        refs = p | stream | "Progress" >> beam.Map(_seen)
        _ = refs | CommitCursors(_store, [refs], hold_seconds=hold)
    assert LOG == expected
    assert STORE.get("f")["seen"] == ["a", "b"]
