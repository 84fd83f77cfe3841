"""Replay files for backfills: the JSON Lines input of docs/design.md and WARC archives.

- JSONL (optionally ``.gz``): one object per line, ``{"doc_id", "url", "title", "published",
  "text", "html"}`` (extra fields, such as the gold ``events``, are ignored). A line that is
  not UTF-8 (``undecodable``), longer than ``max_line_bytes`` (``line_too_long``, default
  ``MAX_LINE_BYTES``; the rest of such a line is skipped without being held in memory), not
  JSON (``bad_json``), not an object, with a field of the wrong type (``bad_field_type``) or
  with neither text nor html becomes a dead letter naming the file and line; the other lines
  go on. A missing ``doc_id`` is derived from the URL.
- WARC (``.warc``/``.warc.gz``, via warcio): every ``response`` record with an HTML payload
  becomes a Document holding the decoded ``html``; ``doc_id`` is ``stable_id(canonical url)``.

:func:`iter_documents` (a path) and :func:`read_documents` (an open binary stream, e.g.
stdin) are the pure generators (used by ``defwatch extract``);
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

__all__ = ["iter_documents", "read_documents", "ReadFromArchive", "MAX_LINE_BYTES"]

GZIP_MAGIC = b"\x1f\x8b"
HTML_TYPES = ("text/html", "application/xhtml+xml")
STRING_FIELDS = ("doc_id", "url", "title", "published", "text", "html", "outlet")
PAYLOAD_CHARS = 2000
MAX_LINE_BYTES = 8 * 1024 * 1024  # one JSONL document; pages are ~0.1-1 MB
SKIP_CHUNK = 1 << 20


def iter_documents(path: str, max_line_bytes: int = MAX_LINE_BYTES
                   ) -> Iterator[Document | DeadLetter]:
    """Documents of one JSONL or WARC file, and a DeadLetter for each bad line or record."""
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
            yield from read_documents(raw, path, max_line_bytes)
    except (OSError, EOFError, ArchiveLoadFailed) as error:
        yield DeadLetter(stage="archive", reason="unreadable_file", source=path,
                         detail=str(error))


def read_documents(raw, source: str, max_line_bytes: int = MAX_LINE_BYTES
                   ) -> Iterator[Document | DeadLetter]:
    """Documents of an open binary JSONL or WARC stream named ``source`` (and dead letters)."""
    stream = io.BufferedReader(raw) if not hasattr(raw, "peek") else raw
    if _is_warc(stream):
        yield from _warc_documents(stream, source)
    else:
        yield from _jsonl_documents(stream, source, max_line_bytes)


def _is_warc(stream) -> bool:
    """True when the stream holds a WARC file (plain or gzip'd records)."""
    head = stream.peek(4096)[:4096]
    if head.startswith(GZIP_MAGIC):
        try:
            head = gzip.GzipFile(fileobj=io.BytesIO(head)).read(16)
        except (OSError, EOFError):
            return False
    return head.lstrip().startswith(b"WARC/")


def _lines(stream, limit: int) -> Iterator[tuple[int, bytes, int]]:
    """``(number, line, size)`` of each line; an over-long line comes cut at ``limit`` bytes
    (with its full ``size``), the rest of it read past in chunks, never held whole."""
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        size = len(raw)
        if size > limit and not raw.endswith(b"\n"):
            raw = raw[:limit]
            while True:
                chunk = stream.readline(SKIP_CHUNK)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
        yield number, raw, size


def _jsonl_documents(stream, path: str, max_line_bytes: int = MAX_LINE_BYTES
                     ) -> Iterator[Document | DeadLetter]:
    """Documents of a JSON Lines stream (gzip'd or not)."""
    if stream.peek(2)[:2] == GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=stream)
    for number, raw, size in _lines(stream, max_line_bytes):
        where = f"{path}:{number}"
        if size > max_line_bytes and len(raw) == max_line_bytes:
            yield _letter("line_too_long", where, f"line {number}: {size} bytes, more than "
                          f"the {max_line_bytes} allowed (--max-line-bytes)",
                          raw[:PAYLOAD_CHARS * 4].decode("utf-8", errors="backslashreplace"))
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield _letter("undecodable", where, f"line {number}: not UTF-8 (byte "
                          f"{raw[error.start:error.start + 1]!r} at offset {error.start})",
                          raw.decode("utf-8", errors="backslashreplace"))
            continue
        line = line.strip().lstrip("\ufeff")
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
    wrong = [f"{k} is {type(data[k]).__name__}" for k in STRING_FIELDS
             if data.get(k) is not None and not isinstance(data[k], str)]
    if wrong:
        return _letter("bad_field_type", where, f"line {number}: must be strings or null: "
                       f"{', '.join(wrong)}", line)
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

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES):
        self._max_line_bytes = max_line_bytes

    def process(self, path: str):
        for item in iter_documents(path, self._max_line_bytes):
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

    def __init__(self, path: str | list[str], label=None,
                 max_line_bytes: int = MAX_LINE_BYTES):
        super().__init__(label)
        self._max_line_bytes = max_line_bytes
        self._patterns = [path] if isinstance(path, str) else list(path)
        if not self._patterns:
            raise ValueError("ReadFromArchive needs a path")

    def expand(self, pbegin):
        paths = [p for pattern in self._patterns for p in expand_paths(pattern)]
        return (pbegin
                | "Paths" >> beam.Create(paths)
                | "Read" >> beam.ParDo(_ReadArchiveFn(self._max_line_bytes)).with_outputs(
                    DEAD_LETTER, main="main"))
