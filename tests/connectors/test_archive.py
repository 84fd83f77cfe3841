"""Replay files: JSONL documents with bad lines, and WARC response records."""
import gzip
import io
import json

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from connectors.archive import ReadFromArchive, iter_documents
from schemas.records import DeadLetter, Document, stable_id
from tests.support.arabic_pages import STORIES

GOOD = {"doc_id": "d1", "url": "https://x.org/1", "title": "عنوان", "published": "2024-05-12",
        "text": "نص الخبر الأول.", "html": None, "events": [{"ignored": True}]}
LINES = [
    json.dumps(GOOD, ensure_ascii=False),
    "{not json",
    "",
    json.dumps(["a", "list"]),
    json.dumps({"doc_id": "d4", "text": "", "html": None}),
    json.dumps({"url": "https://x.org/5", "text": "نص بلا معرّف."}),
    json.dumps({"doc_id": 7, "text": "x"}),
]


def write_jsonl(path, compress=False):
    data = ("\n".join(LINES) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return str(path)


def check_jsonl(items, path):
    docs = [i for i in items if isinstance(i, Document)]
    letters = [i for i in items if isinstance(i, DeadLetter)]
    assert [(d.doc_id, d.title, d.text) for d in docs] == [
        ("d1", "عنوان", "نص الخبر الأول."),
        (stable_id("https://x.org/5"), None, "نص بلا معرّف.")]
    assert [(x.stage, x.reason, x.source) for x in letters] == [
        ("archive", "bad_json", f"{path}:2"), ("archive", "not_an_object", f"{path}:4"),
        ("archive", "no_content", f"{path}:5"), ("archive", "bad_field_type", f"{path}:7")]


def test_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "docs.jsonl")
    check_jsonl(list(iter_documents(path)), path)


def test_gzipped_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "docs.jsonl.gz", compress=True)
    check_jsonl(list(iter_documents(path)), path)


def test_missing_file_is_a_dead_letter(tmp_path):
    [letter] = iter_documents(str(tmp_path / "nope.jsonl"))
    assert (letter.reason, letter.source) == ("unreadable_file", str(tmp_path / "nope.jsonl"))


def write_warc(path):
    with open(path, "wb") as output:
        writer = WARCWriter(output, gzip=True)
        pages = [("https://east.example.org/a?utm_medium=x", STORIES[0].page_bytes("cp1256"),
                  "text/html; charset=windows-1256", "200 OK"),
                 ("https://east.example.org/b", STORIES[1].page_bytes("cp1256", declare=False),
                  "text/html", "200 OK"),
                 ("https://east.example.org/logo.png", b"\x89PNG", "image/png", "200 OK"),
                 ("https://east.example.org/gone", b"<p>gone</p>", "text/html", "404 Not Found")]
        for url, body, ctype, status in pages:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers))
        writer.write_record(writer.create_warc_record(
            "https://east.example.org/a", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    return str(path)


def test_warc_response_records(tmp_path):
    docs = list(iter_documents(write_warc(tmp_path / "crawl.warc.gz")))
    assert [d.url for d in docs] == ["https://east.example.org/a", "https://east.example.org/b"]
    assert docs[0].doc_id == stable_id("https://east.example.org/a")
    assert STORIES[0].paragraphs[0] in docs[0].html
    assert STORIES[1].paragraphs[1] in docs[1].html  # undeclared windows-1256


def test_read_from_archive_transform(tmp_path):
    jsonl = write_jsonl(tmp_path / "a.jsonl")
    write_warc(tmp_path / "b.warc.gz")
    with BeamTestPipeline() as pipeline:
        out = pipeline | ReadFromArchive(str(tmp_path / "*"))
        assert_that(out.main | beam.Map(lambda d: d.url), equal_to(
            ["https://x.org/1", "https://x.org/5", "https://east.example.org/a",
             "https://east.example.org/b"]), label="Documents")
        assert_that(out.dead_letter | beam.Map(lambda d: d.source), equal_to(
            [f"{jsonl}:2", f"{jsonl}:4", f"{jsonl}:5", f"{jsonl}:7"]), label="DeadLetters")
