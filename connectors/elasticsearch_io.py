"""``WriteToElasticsearch``: a bulk sink that never drops a document.

Records are turned into ``(index alias, id, source)`` by a ``doc_fn`` *before* a ``Reshuffle``,
so a retried bundle rewrites the same ids instead of adding copies. A private DoFn buffers
documents and sends one bulk request when the buffer reaches a count, a size in bytes or an
age (and always in ``finish_bundle``, so a slow trickle is flushed within seconds).

Per-document outcomes come from ``elasticsearch.helpers.streaming_bulk``:

* rejected with 429, 5xx, or the request failed to connect / timed out: only those documents
  are sent again, with capped exponential backoff, for at most ``max_retry_wait`` seconds
  (Elasticsearch down: the bundle holds and retries, nothing is lost);
* rejected for good (mapping errors and other 4xx): a ``DeadLetter`` with the reason, which
  is itself written to ``<prefix>-deadletter`` and returned on the ``dead_letter`` output;
* still failing after ``max_retry_wait``: a ``DeadLetter`` with reason ``retry_exhausted``.

Example::

    out = articles | WriteToElasticsearch(target, article_doc)   # target: es_client.EsTarget
    out.main         # IndexedDoc for every stored document
    out.dead_letter  # DeadLetter for every document that could not be stored
"""
from __future__ import annotations

import functools
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.utils.windowed_value import WindowedValue
from elastic_transport import TransportError
from elasticsearch import ApiError, helpers

from connectors.es_client import EsTarget
from schemas.indices import alias
from schemas.records import DEAD_LETTER, Article, DeadLetter

__all__ = ["WriteToElasticsearch", "IndexedDoc", "article_doc", "dead_letter_doc",
           "call_with_retry", "is_retryable"]

LOG = logging.getLogger(__name__)
NAMESPACE = "elasticsearch"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PAYLOAD_LIMIT = 20_000  # characters of a rejected document kept on its dead letter

DocFn = Callable[[Any], tuple[str, str, dict]]


@dataclass
class IndexedDoc:
    """One document stored in Elasticsearch (main output of ``WriteToElasticsearch``)."""
    index: str
    doc_id: str
    result: str  # created | updated | noop | exists (op_type=create on an existing id)


@dataclass
class _Action:
    """A document ready for the bulk API; made before the Reshuffle so ids are fixed."""
    index: str
    doc_id: str
    source: dict
    size: int  # bytes of the JSON body
    error: str | None = None  # why no document could be made (dead-lettered by the writer)


@dataclass
class BulkSettings:
    """Batching and retry settings of the bulk writer (documented defaults in one place)."""
    max_batch_docs: int = 500
    max_batch_bytes: int = 5 * 1024 * 1024
    max_batch_age: float = 2.0  # seconds: a trickle is flushed at least this often
    initial_backoff: float = 0.5
    max_backoff: float = 10.0
    max_retry_wait: float = 3600.0  # seconds of retrying before a document is dead-lettered
    request_timeout: float | None = None  # seconds per bulk request (None: the target's)
    op_type: str = "index"  # index (replace) | create (first write wins; 409 counts as stored)


def article_doc(article: Article, prefix: str = "defwatch") -> tuple[str, str, dict]:
    """An ``Article`` as ``(defwatch-articles, doc_id, source)``."""
    return alias("articles", prefix), article.doc_id, article.to_dict()


def dead_letter_doc(letter: DeadLetter, prefix: str = "defwatch") -> tuple[str, str, dict]:
    """A ``DeadLetter`` as ``(defwatch-deadletter, id, source)``; the id makes replays idempotent."""
    return alias("deadletter", prefix), letter.id, letter.to_dict()


def _to_action(record: Any, doc_fn: DocFn) -> _Action:
    """Apply ``doc_fn`` and measure the body: the deterministic id is fixed here.

    A record ``doc_fn`` cannot handle becomes an action carrying the error, which the writer
    turns into a dead letter (the pipeline goes on).
    """
    try:
        index, doc_id, source = doc_fn(record)
        if not doc_id:
            raise ValueError(f"doc_fn returned an empty id for {type(record).__name__}")
        size = len(json.dumps(source, ensure_ascii=False, default=str).encode("utf-8"))
    except Exception as error:  # noqa: BLE001 - bad input is data, not a crash
        return _Action(index="", doc_id="", source={"record": repr(record)[:PAYLOAD_LIMIT]},
                       size=0, error=f"{type(error).__name__}: {error}")
    return _Action(index=index, doc_id=str(doc_id), source=source, size=size)


def _classify(status: Any) -> str:
    """``retry`` for 429/5xx/no status (connection error), else ``reject``."""
    if not isinstance(status, int) or status in RETRY_STATUSES:
        return "retry"
    return "reject"


def _error_reason(info: dict) -> str:
    """A short reason from one bulk item's error: the Elasticsearch error type or the status."""
    error = info.get("error")
    if isinstance(error, dict) and error.get("type"):
        return str(error["type"])
    return f"status:{info.get('status')}"


def _error_detail(info: dict) -> str:
    """A readable message from one bulk item's error."""
    error = info.get("error")
    if isinstance(error, dict):
        caused = error.get("caused_by") or {}
        return f"{error.get('reason')}" + (f" ({caused.get('reason')})" if caused else "")
    return str(error)[:1000]


def _backoff(attempt: int, initial: float, cap: float) -> float:
    """Capped exponential backoff with full jitter for retry number ``attempt`` (0-based)."""
    return random.uniform(0.5, 1.0) * min(cap, initial * (2 ** attempt))


def _windowed(out: Any, timestamp: Any, window: Any) -> Any:
    """``out`` in the window and at the timestamp of the element it came from."""
    if isinstance(out, beam.pvalue.TaggedOutput):
        return beam.pvalue.TaggedOutput(out.tag, WindowedValue(out.value, timestamp, [window]))
    return WindowedValue(out, timestamp, [window])


WAIT_REASONS = {  # Elasticsearch's reason → what the status line calls the wait
    "cluster_block_exception": "disk_full",  # flood-stage watermark: read-only-allow-delete
    "es_rejected_execution_exception": "overloaded", "status:429": "overloaded",
    "connection": "unreachable",
}


def wait_reason(reason: str) -> str:
    """``disk_full`` | ``overloaded`` | ``unreachable`` | ``error`` for a retried failure."""
    return WAIT_REASONS.get(reason, "error")


def _error_wait_reason(error: BaseException) -> str:
    """``wait_reason`` of a failed single call (an ``ApiError`` or a ``TransportError``)."""
    if isinstance(error, ApiError):
        body = error.body if isinstance(error.body, dict) else {}
        kind = (body.get("error") or {}).get("type") if isinstance(body.get("error"), dict) \
            else None
        return wait_reason(kind or f"status:{error.status_code}")
    return wait_reason("connection")


def wait_out(delay: float, reasons: set[str] | frozenset[str]) -> None:
    """Sleep ``delay`` seconds before a retry, counting the seconds slept as waited.

    ``elasticsearch:wait/<why>`` is the number of seconds writers spent waiting for
    Elasticsearch (``why`` from ``wait_reason``), rounded up: the wait sleeps at most a second
    at a time and each sleep counts one, so ``wait_out(0.3)`` counts 1, ``wait_out(2.5)`` 3 and
    ``wait_out(0)`` nothing. It grows all through an outage, so every status line during one
    says ``es=wait:<why>``.
    """
    counters = [beam.metrics.Metrics.counter(NAMESPACE, f"wait/{r}") for r in sorted(reasons)]
    end = time.monotonic() + delay
    while (left := end - time.monotonic()) > 0:
        time.sleep(min(1.0, left))
        for counter in counters:
            counter.inc()


def is_retryable(error: BaseException) -> bool:
    """True for errors worth waiting out: no connection, timeouts, 429 and 5xx answers."""
    if isinstance(error, ApiError):
        return error.status_code in RETRY_STATUSES
    return isinstance(error, TransportError)


def call_with_retry(fn: Callable[[], Any], max_wait: float = 3600.0,
                    initial_backoff: float = 0.5, max_backoff: float = 10.0,
                    what: str = "elasticsearch call") -> Any:
    """``fn()``, retried with capped backoff while it fails with a retryable error.

    Holds for at most ``max_wait`` seconds (Elasticsearch restarting, overloaded), then
    raises the last error; any other error is raised at once. For single-document writes
    and reads that must not be lost to an outage (event upserts, candidate lookups).
    """
    deadline = time.monotonic() + max_wait
    attempt = 0
    while True:
        try:
            return fn()
        except (ApiError, TransportError) as error:
            if not is_retryable(error) or time.monotonic() >= deadline:
                raise
            delay = min(_backoff(attempt, initial_backoff, max_backoff),
                        max(0.0, deadline - time.monotonic()))
            if attempt in (0, 5) or attempt % 20 == 0:
                LOG.warning("%s failed (%s); retrying in %.1fs (attempt %d)", what,
                            type(error).__name__, delay, attempt + 1)
            beam.metrics.Metrics.counter(NAMESPACE, "retry/call").inc()
            wait_out(delay, {_error_wait_reason(error)})
            attempt += 1


class _BulkWriteFn(beam.DoFn):
    """Buffers actions; flushes them by count, bytes, age and at the end of every bundle."""

    def __init__(self, target: EsTarget, settings: BulkSettings,
                 source_label: str = "elasticsearch"):
        self._target = target
        self._settings = settings
        self._source_label = source_label
        self._client = None
        self._indexed = beam.metrics.Metrics.counter(NAMESPACE, "indexed")
        self._requests = beam.metrics.Metrics.counter(NAMESPACE, "bulk_requests")
        self._retried = beam.metrics.Metrics.counter(NAMESPACE, "retried")
        self._batch_size = beam.metrics.Metrics.distribution(NAMESPACE, "batch_docs")

    def setup(self):
        self._ensure_client()

    def _ensure_client(self):
        """The client; made again if a runner tore this instance down and then reused it."""
        if self._client is None:
            timeout = self._settings.request_timeout or self._target.request_timeout
            # This DoFn does its own retrying (it must see every attempt): the client does none.
            self._client = self._target.client(request_timeout=timeout, max_retries=0,
                                               retry_on_timeout=False)
        return self._client

    def start_bundle(self):
        self._buffer: list[tuple[_Action, Any, Any]] = []
        self._bytes = 0
        self._first_at = 0.0

    def process(self, action: _Action, timestamp=beam.DoFn.TimestampParam,
                window=beam.DoFn.WindowParam):
        if action.error:
            yield self._dead_letter(action, "bad_document", action.error)
            return
        if not self._buffer:
            self._first_at = time.monotonic()
        self._buffer.append((action, timestamp, window))
        self._bytes += action.size
        s = self._settings
        if (len(self._buffer) >= s.max_batch_docs or self._bytes >= s.max_batch_bytes
                or time.monotonic() - self._first_at >= s.max_batch_age):
            for out in self._flush():
                yield _windowed(*out)

    def finish_bundle(self):
        for out in self._flush():
            yield _windowed(*out)

    def teardown(self):
        if self._client is not None:
            self._client.close()
            self._client = None

    def _flush(self):
        """Send the buffer; yields (output, timestamp, window) for every document."""
        batch, self._buffer, self._bytes = self._buffer, [], 0
        if not batch:
            return
        self._batch_size.update(len(batch))
        pending = batch
        attempt = 0
        deadline = time.monotonic() + self._settings.max_retry_wait
        while pending:
            retry: list[tuple[_Action, Any, Any]] = []
            reasons: set[str] = set()
            for item, (ok, outcome) in zip(pending, self._send([a for a, _, _ in pending]), strict=True):
                action, timestamp, window = item
                if ok:
                    self._indexed.inc()
                    yield IndexedDoc(action.index, action.doc_id, outcome), timestamp, window
                elif outcome[0] == "retry":
                    retry.append(item)
                    reasons.add(outcome[1])
                else:
                    yield self._dead_letter(action, outcome[1], outcome[2]), timestamp, window
            if not retry:
                return
            reason = ", ".join(sorted(reasons))
            if time.monotonic() >= deadline:
                for action, timestamp, window in retry:
                    yield (self._dead_letter(action, "retry_exhausted",
                                             f"still failing after {attempt + 1} attempts"),
                           timestamp, window)
                return
            delay = _backoff(attempt, self._settings.initial_backoff, self._settings.max_backoff)
            delay = min(delay, max(0.0, deadline - time.monotonic()))
            if attempt in (0, 5) or attempt % 20 == 0:
                LOG.warning("elasticsearch: %d document(s) not stored yet (%s); retrying in "
                            "%.1fs (attempt %d)", len(retry), reason, delay, attempt + 1)
            self._retried.inc(len(retry))
            wait_out(delay, {wait_reason(r) for r in reasons})
            attempt += 1
            pending = retry

    def _send(self, actions: list[_Action]) -> list[tuple[bool, Any]]:
        """One bulk request; per document ``(True, result)`` or ``(False, (kind, reason, detail))``."""
        self._requests.inc()
        op_type = self._settings.op_type
        bulk = [{"_op_type": op_type, "_index": a.index, "_id": a.doc_id, "_source": a.source}
                for a in actions]
        try:
            items = list(helpers.streaming_bulk(
                self._ensure_client(), bulk, chunk_size=len(bulk), max_chunk_bytes=1 << 62,
                raise_on_error=False, raise_on_exception=False, max_retries=0, yield_ok=True))
        except TransportError as error:  # connection refused, timeout, TLS: nothing was stored
            beam.metrics.Metrics.counter(NAMESPACE, "retry/connection").inc()
            return [(False, ("retry", "connection", str(error)))] * len(actions)
        results: list[tuple[bool, Any]] = []
        for ok, item in items:
            info = next(iter(item.values()))
            status = info.get("status")
            if ok:
                results.append((True, info.get("result", "created")))
            elif op_type == "create" and status == 409:
                results.append((True, "exists"))
            else:
                kind = _classify(status)
                reason = _error_reason(info)
                beam.metrics.Metrics.counter(NAMESPACE, f"{kind}/{reason}").inc()
                results.append((False, (kind, reason, _error_detail(info))))
        return results

    def _dead_letter(self, action: _Action, reason: str, detail: str):
        """The dead letter of a document that could not be stored."""
        beam.metrics.Metrics.counter(NAMESPACE, f"dead_letter/{reason}").inc()
        payload = json.dumps(action.source, ensure_ascii=False, default=str)[:PAYLOAD_LIMIT]
        letter = DeadLetter(stage="index", reason=reason, source=self._source_label,
                            url=f"{action.index}/{action.doc_id}", detail=detail[:2000],
                            payload=payload)
        return beam.pvalue.TaggedOutput(DEAD_LETTER, letter)


class WriteToElasticsearch(beam.PTransform):
    """Writes records to Elasticsearch in bulk with deterministic ids; returns stored/dead.

    ``target`` is the ``EsTarget`` (a bare URL is completed from the environment; ``api_key``
    and ``index_prefix`` override the target's). ``doc_fn(record) -> (index_alias, id,
    source_dict)`` must be picklable (a module-level function or a ``functools.partial`` of
    one). Documents rejected for good are written to ``<index_prefix>-deadletter`` (unless ``write_dead_letters=False``) and returned on the
    ``dead_letter`` output.
    """

    def __init__(self, target: EsTarget | str | None, doc_fn: DocFn,
                 api_key: str | None = None, index_prefix: str | None = None,
                 write_dead_letters: bool = True,
                 settings: BulkSettings | None = None, **overrides: Any):
        super().__init__()
        if not callable(doc_fn):
            raise TypeError("doc_fn must be callable: record -> (index, id, source)")
        settings = settings or BulkSettings()
        unknown = set(overrides) - set(BulkSettings.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown WriteToElasticsearch settings: {sorted(unknown)}")
        settings = BulkSettings(**{**settings.__dict__, **overrides})
        if settings.max_batch_docs < 1 or settings.max_batch_bytes < 1:
            raise ValueError("max_batch_docs and max_batch_bytes must be positive")
        if settings.op_type not in ("index", "create"):
            raise ValueError("op_type must be 'index' or 'create'")
        self._target = EsTarget.coerce(target, api_key=api_key, index_prefix=index_prefix)
        self._doc_fn = doc_fn
        self._write_dead_letters = write_dead_letters
        self._settings = settings

    def expand(self, pcoll):
        results = (
            pcoll
            | "AssignIds" >> beam.Map(_to_action, self._doc_fn)
            | "Reshuffle" >> beam.Reshuffle()
            | "BulkIndex" >> beam.ParDo(
                _BulkWriteFn(self._target, self._settings)
            ).with_outputs(DEAD_LETTER, main="main"))
        if self._write_dead_letters:
            _ = (results[DEAD_LETTER]
                 | "WriteDeadLetters" >> _WriteDeadLetters(self._target, self._settings))
        return results


class _WriteDeadLetters(beam.PTransform):
    """Writes dead letters to ``<prefix>-deadletter``; failures there are logged and counted."""

    def __init__(self, target: EsTarget, settings: BulkSettings):
        super().__init__()
        self._target, self._settings = target, settings

    def expand(self, pcoll):
        doc_fn = functools.partial(dead_letter_doc, prefix=self._target.index_prefix)
        results = (
            pcoll
            | "AssignIds" >> beam.Map(_to_action, doc_fn)
            | "Reshuffle" >> beam.Reshuffle()
            | "BulkIndex" >> beam.ParDo(
                _BulkWriteFn(self._target, self._settings, "deadletter")
            ).with_outputs(DEAD_LETTER, main="main"))
        return results[DEAD_LETTER] | "LogLost" >> beam.Map(_log_lost)


def _log_lost(letter: DeadLetter) -> DeadLetter:
    """Last resort for a dead letter that could not be stored either: an error log line."""
    LOG.error("dead letter could not be stored: %s %s %s", letter.reason, letter.url,
              letter.detail)
    return letter
