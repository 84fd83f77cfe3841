"""ExtractDefectionEvents on the DirectRunner: events out, duplicates skipped, failures dead."""
import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import DEAD_LETTER, Article, Document
from transforms.extraction import ExtractDefectionEvents

TEXT = "انشق 6 عناصر من ميليشيا الدفاع الوطني في بلدة الكسرة بريف دير الزور الغربي."


def test_documents_and_articles_give_events_and_bad_input_is_dead_lettered():
    inputs = [
        Document(doc_id="doc", text=TEXT),
        Article(doc_id="art", url="https://example.org/a", text=TEXT),
        Article(doc_id="dup", url="https://example.org/b", text=TEXT, duplicate_of="art"),
        "not a document",
    ]
    with TestPipeline() as pipeline:
        out = pipeline | beam.Create(inputs) | ExtractDefectionEvents()
        summary = out.main | beam.Map(lambda e: (e.evidence[0].doc_id, e.actor.id, e.count,
                                                 e.location.name_ar))
        assert_that(summary, equal_to([("doc", "ndf", 6, "الكسرة"), ("art", "ndf", 6, "الكسرة")]))
        reasons = out[DEAD_LETTER] | beam.Map(lambda d: (d.stage, d.reason))
        assert_that(reasons, equal_to([("extract", "error:TypeError")]), label="dead")
