"""DeduplicateArticles: exact URL repeats and syndicated near-duplicates."""
from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from dedup_fixtures import COPY, ORIGINAL, REWRITE

from schemas.records import Article
from transforms.article_dedup import DeduplicateArticles, is_copy


def _article(doc_id, text, url, published):
    return Article(doc_id=doc_id, url=url, text=text, published=published)


ARTICLES = [
    _article("b-copy", COPY, "https://copier.example/n/9", "2024-05-05"),
    _article("a-orig", ORIGINAL, "https://origin.example/n/1", "2024-05-04"),
    _article("c-rewrite", REWRITE, "https://third.example/n/4", "2024-05-04"),
    _article("a-orig", ORIGINAL, "https://origin.example/n/1?utm_source=feed", "2024-05-04"),
    _article("a-other-id", ORIGINAL, "https://origin.example/n/1#comments", "2024-05-04"),
    _article("z-empty", "", "https://empty.example/1", None),
]


def _verdicts(out):
    return out | beam.Map(lambda a: (a.doc_id, a.duplicate_of))


def test_syndicated_copy_links_to_the_earliest_original_in_batch():
    for order in (ARTICLES, list(reversed(ARTICLES))):
        with TestPipeline() as p:
            out = p | beam.Create(order) | DeduplicateArticles()
            assert_that(_verdicts(out.main), _batch_verdicts)


def _batch_verdicts(actual):
    """The re-polled URL once; the copy → the earliest original; the rewrite stays apart."""
    verdicts = dict(actual)
    assert len(actual) == 5, actual  # the exact repeat of a-orig is dropped
    assert sorted(verdicts) == ["a-orig", "a-other-id", "b-copy", "c-rewrite", "z-empty"]
    # a-orig and a-other-id share a canonical URL: whichever came first is the original
    by_url = sorted(d for d in ("a-orig", "a-other-id") if verdicts[d] is None)
    assert len(by_url) == 1
    other = ({"a-orig", "a-other-id"} - set(by_url)).pop()
    assert verdicts[other] == by_url[0]
    assert verdicts["b-copy"] == by_url[0]  # published a day later than the original
    assert verdicts["c-rewrite"] is None and verdicts["z-empty"] is None


def test_streaming_copy_after_the_original_is_marked():
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    stream = (TestStream()
              .add_elements([beam.window.TimestampedValue(ARTICLES[1], 100)])
              .advance_watermark_to(1000)
              .add_elements([beam.window.TimestampedValue(ARTICLES[0], 2000),
                             beam.window.TimestampedValue(ARTICLES[2], 2000)])
              # decisions are timer outputs: let them fire before the end of the global
              # window, as the DirectRunner's assert_that closes it at once at infinity
              .advance_watermark_to(5000)
              .advance_watermark_to_infinity())
    with TestPipeline(options=options) as p:
        out = p | stream | DeduplicateArticles()
        assert_that(_verdicts(out.main), equal_to([
            ("a-orig", None), ("b-copy", "a-orig"), ("c-rewrite", None)]))


def test_not_an_article_is_a_dead_letter():
    with TestPipeline() as p:
        out = p | beam.Create(["garbage"]) | DeduplicateArticles()
        assert_that(out.dead_letter | beam.Map(lambda d: d.reason),
                    equal_to(["not_an_article"]))


def test_is_copy():
    assert is_copy(Article(doc_id="x", url="u", text="t", duplicate_of="y"))
    assert not is_copy(Article(doc_id="x", url="u", text="t"))


@pytest.mark.parametrize("delay, emitted_at", [(0, 100.0), (60, 160.0)])
def test_immediate_mode_passes_articles_on_without_waiting_for_the_watermark(delay, emitted_at):
    """Streaming default (delay 0): emitted as the article comes, not by a watermark timer."""
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    stream = (TestStream()
              .add_elements([beam.window.TimestampedValue(ARTICLES[1], 100),
                             beam.window.TimestampedValue(ARTICLES[2], 100)])
              .advance_watermark_to(1000)
              .advance_watermark_to_infinity())
    with TestPipeline(options=options) as p:
        out = p | stream | DeduplicateArticles(decision_delay_seconds=delay)
        stamped = out.main | beam.Map(
            lambda a, ts=beam.DoFn.TimestampParam: (a.doc_id, float(ts)))
        assert_that(stamped, equal_to([("a-orig", emitted_at), ("c-rewrite", emitted_at)]))


def test_immediate_mode_links_a_copy_found_afterwards_by_emitting_it_again():
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    stream = (TestStream()  # the later copy arrives first, its original afterwards
              .add_elements([beam.window.TimestampedValue(ARTICLES[0], 100)])
              .add_elements([beam.window.TimestampedValue(ARTICLES[1], 200)])
              .advance_watermark_to_infinity())
    with TestPipeline(options=options) as p:
        out = p | stream | DeduplicateArticles(decision_delay_seconds=0)
        assert_that(_verdicts(out.main), equal_to([
            ("b-copy", None), ("a-orig", None), ("b-copy", "a-orig")]))
