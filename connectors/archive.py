"""Replay files for backfills: the JSON Lines input of DESIGN.md and WARC archives.

- JSONL (optionally ``.gz``): one object per line, ``{"doc_id", "url", "title", "published",
  "text", "html"}`` (extra fields, such as the gold ``events``, are ignored). A line that is
  not JSON, not an object, or has neither text nor html becomes a dead letter naming the file
  and line. A missing ``doc_id`` is derived from the URL.
- WARC (``.warc``/``.warc.gz``, via warcio): every ``response`` record with an HTML payload
  becomes a Document holding the decoded ``html``; ``doc_id`` is ``stable_id(canonical url)``.

:func:`iter_documents` is the pure generator (used by ``defwatch extract``);
:class:`ReadFromArchive` is the PTransform (``main`` Documents and ``dead_letter``).
Paths may be globs and any filesystem Beam knows (``gs://…``).
"""
from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from connectors.charset import decode_bytes
from connectors.entry_utils import canonical_url
from schemas.records import DEAD_LETTER, DeadLetter, Document, stable_id

__all__ = ["iter_documents", "ReadFromArchive"]

GZIP_MAGIC = b"\x1f\x8b"
HTML_TYPES = ("text/html", "application/xhtml+xml")
STRING_FIELDS = ("doc_id", "url", "title", "published", "text", "html", "outlet")
PAYLOAD_CHARS = 2000


def iter_documents(path: str) -> Iterator[Document | DeadLetter]:
    """Documents of one JSONL or WARC file, and a DeadLetter for each bad line or record."""
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
            stream = io.BufferedReader(raw) if not hasattr(raw, "peek") else raw
            if _is_warc(stream):
                yield from _warc_documents(stream, path)
            else:
                yield from _jsonl_documents(stream, path)
    except (OSError, EOFError, ArchiveLoadFailed) as error:
        yield DeadLetter(stage="archive", reason="unreadable_file", source=path,
                         detail=str(error))


def _is_warc(stream) -> bool:
    """True when the stream holds a WARC file (plain or gzip'd records)."""
    head = stream.peek(4096)[:4096]
    if head.startswith(GZIP_MAGIC):
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(16)
        except (OSError, EOFError):
            return False
    return head.lstrip().startswith(b"WARC/")


def _jsonl_documents(stream, path: str) -> Iterator[Document | DeadLetter]:
    """Documents of a JSON Lines stream (gzip'd or not)."""
    if stream.peek(2)[:2] == GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream)
    for number, raw in enumerate(stream, start=1):
        line = raw.decode("utf-8", errors="replace").strip()
        if line:
            yield _line_document(line, path, number)


def _line_document(line: str, path: str, number: int) -> Document | DeadLetter:
    """One JSONL line as a Document, or a DeadLetter naming file and line."""
    where = f"{path}:{number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        return _letter("bad_json", where, f"line {number}: {error}", line)
    if not isinstance(data, dict):
        return _letter("not_an_object", where, f"line {number}: {type(data).__name__}", line)
    wrong = [k for k in STRING_FIELDS if data.get(k) is not None and not isinstance(data[k], str)]
    if wrong:
        return _letter("bad_field_type", where, f"line {number}: not strings: {wrong}", line)
    if not (data.get("text") or "").strip() and not (data.get("html") or "").strip():
        return _letter("no_content", where, f"line {number}: neither text nor html", line)
    if not data.get("doc_id"):
        if not data.get("url"):
            return _letter("missing_doc_id", where, f"line {number}: no doc_id and no url", line)
        data["doc_id"] = stable_id(canonical_url(data["url"]))
    return Document.from_dict(data)


def _warc_documents(stream, path: str) -> Iterator[Document | DeadLetter]:
    """Documents of the HTML ``response`` records of a WARC stream."""
    for record in ArchiveIterator(stream):
        if record.rec_type != "response":
            continue
        url = record.rec_headers.get_header("WARC-Target-URI")
        http = record.http_headers
        ctype = (http.get_header("Content-Type") or "") if http else ""
        if not url or ctype.split(";")[0].strip().lower() not in HTML_TYPES:
            continue
        status = http.get_statuscode() if http else None
        if status and not status.startswith("2"):
            continue
        body = record.content_stream().read()
        charset = _charset(ctype)
        url = canonical_url(url)
        yield Document(doc_id=stable_id(url), url=url, html=decode_bytes(body, charset))


def _charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type value."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("'\"") or None
    return None


def _letter(reason: str, where: str, detail: str, line: str) -> DeadLetter:
    return DeadLetter(stage="archive", reason=reason, source=where, detail=detail,
                      payload=line[:PAYLOAD_CHARS])


class _ReadArchiveFn(beam.DoFn):
    """A file path → its Documents (main) and dead letters."""

    def process(self, path: str):
        for item in iter_documents(path):
            if isinstance(item, DeadLetter):
                beam.metrics.Metrics.counter("archive", f"{item.stage}/{item.reason}").inc()
                yield beam.pvalue.TaggedOutput(DEAD_LETTER, item)
            else:
                yield item


def expand_paths(pattern: str) -> list[str]:
    """The files a path or glob names (the path itself when nothing matches)."""
    try:
        matches = FileSystems.match([pattern])[0].metadata_list
    except (OSError, ValueError, beam.io.filesystem.BeamIOError):
        return [pattern]  # reading it reports the problem as a dead letter
    return sorted(m.path for m in matches) or [pattern]


class ReadFromArchive(beam.PTransform):
    """PBegin → Documents of JSONL/WARC files (``main``) and ``dead_letter``."""

    def __init__(self, path: str | list[str], label=None):
        super().__init__(label)
        self._patterns = [path] if isinstance(path, str) else list(path)
        if not self._patterns:
            raise ValueError("ReadFromArchive needs a path")

    def expand(self, pbegin):
        paths = [p for pattern in self._patterns for p in expand_paths(pattern)]
        return (pbegin
                | "Paths" >> beam.Create(paths)
                | "Read" >> beam.ParDo(_ReadArchiveFn()).with_outputs(DEAD_LETTER, main="main"))
