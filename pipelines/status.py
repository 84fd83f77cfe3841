"""Beam metrics of a running pipeline → one status line for stderr.

Counters are named ``<stage>/<reason>`` in per-module namespaces; the line sums them by the
stage words an operator looks for (feeds polled, entries, articles, events, dead letters)::

    defwatch 00:02:10 polls=12 entries=48 fetched=40 articles=40 dup=3 new=5 upd=2 indexed=51 retrying=0 dead=1 backoff=2(never,tarpit) es=ok

``backoff`` counts the feeds waiting after failed polls and names them (gauges
``feeds:backoff/<feed id>`` set by the streaming source on every tick).
``es=`` says whether the writers are waiting on Elasticsearch since the previous line:
``ok``, or ``wait:<why>`` (``unreachable``, ``disk_full`` — the flood-stage read-only block —,
``overloaded``, ``error``) from the ``elasticsearch:wait/<why>`` counters of the retries.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from apache_beam.metrics.metric import MetricsFilter

LOG = logging.getLogger(__name__)

# (label on the line, predicate over "namespace:name" of a counter), in display order.
COLUMNS: list[tuple[str, Callable[[str], bool]]] = [
    ("polls", lambda k: k.endswith("poll/polled")),
    ("entries", lambda k: k.endswith("entries/new")),
    ("fetched", lambda k: k == "articles:fetch/ok"),
    ("articles", lambda k: k.split(":", 1)[-1] in (
        "article/page", "article/summary", "article/inline", "articles/converted")),
    ("dup", lambda k: k.endswith("article_dedup/near_duplicate")
     or k.endswith("article_dedup/repeat")),
    ("new", lambda k: k.endswith("dedup/new") and "article" not in k),
    ("upd", lambda k: k.endswith("dedup/update")),
    ("indexed", lambda k: k == "elasticsearch:indexed"),
    ("retrying", lambda k: k == "elasticsearch:retried"),
    ("dead", lambda k: k.startswith("defwatch.deadletters:")),
]


def counter_totals(results) -> dict[str, int]:
    """``{"namespace:name": value}`` of every counter in a ``MetricResults``."""
    totals: dict[str, int] = {}
    for item in results.query(MetricsFilter())["counters"]:
        key = f"{item.key.metric.namespace}:{item.key.metric.name}"
        # Runners fill committed, attempted or both (Prism: committed = finished bundles).
        value = max(int(item.committed or 0), int(item.attempted or 0))
        totals[key] = totals.get(key, 0) + value
    return totals


WAIT_PREFIX = "elasticsearch:wait/"
BACKOFF_GAUGE = "feeds:backoff/"


def es_state(totals: dict[str, int], previous: dict[str, int] | None = None) -> str:
    """``ok`` or ``wait:<why>[,<why>]``: the waits counted since ``previous`` (None: ever)."""
    previous = previous or {}
    waiting = sorted(k[len(WAIT_PREFIX):] for k, v in totals.items()
                     if k.startswith(WAIT_PREFIX) and v > previous.get(k, 0))
    return "wait:" + ",".join(waiting) if waiting else "ok"


def backing_off(results) -> list[str]:
    """Feed ids whose ``feeds:backoff/<id>`` gauge is set in a ``MetricResults``."""
    names = []
    for item in results.query(MetricsFilter())["gauges"]:
        key = f"{item.key.metric.namespace}:{item.key.metric.name}"
        gauge = item.committed or item.attempted
        if key.startswith(BACKOFF_GAUGE) and gauge is not None and gauge.value:
            names.append(key[len(BACKOFF_GAUGE):])
    return sorted(set(names))


def format_status(totals: dict[str, int], elapsed: float,
                  previous: dict[str, int] | None = None,
                  waiting: list[str] | None = None) -> str:
    """The one-line status for counter ``totals`` after ``elapsed`` seconds.

    ``previous``: the totals of the last line (for ``es=``); ``waiting`` names the feeds
    backing off after failed polls (None: not known, no ``backoff=``).
    """
    hours, rest = divmod(int(elapsed), 3600)
    parts = [f"defwatch {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"]
    for label, wanted in COLUMNS:
        parts.append(f"{label}={sum(v for k, v in totals.items() if wanted(k))}")
    if waiting is not None:
        parts.append(f"backoff={len(waiting)}" + (f"({','.join(waiting)})" if waiting else ""))
    parts.append(f"es={es_state(totals, previous)}")
    return " ".join(parts)


def live_metrics(result):
    """Current metrics of a running ``PipelineResult`` (portable runners are asked anew)."""
    service = getattr(result, "_job_service", None)
    if service is not None:
        from apache_beam.portability.api import beam_job_api_pb2
        from apache_beam.runners.portability.portable_runner import PortableMetrics
        response = service.GetJobMetrics(
            beam_job_api_pb2.GetJobMetricsRequest(job_id=result._job_id))
        return PortableMetrics(response)
    return result.metrics()


class StatusReporter:
    """A daemon thread printing ``format_status`` every ``interval`` seconds to ``write``."""

    def __init__(self, result, interval: float, write: Callable[[str], None]):
        self._result = result
        self._interval = interval
        self._write = write
        self._stop = threading.Event()
        self._start = time.monotonic()
        self._previous: dict[str, int] | None = None  # totals at the last line (es= state)
        self._thread = threading.Thread(target=self._loop, name="defwatch-status", daemon=True)

    def start(self) -> StatusReporter:
        if self._interval > 0:
            self._thread.start()
        return self

    def line(self) -> str:
        """The status line now (``status unavailable`` when the runner does not say)."""
        try:
            results = live_metrics(self._result)
            totals, waiting = counter_totals(results), backing_off(results)
        except Exception as error:  # noqa: BLE001 - a status line must never stop the run
            LOG.debug("metrics unavailable: %s", error)
            return f"defwatch status unavailable ({type(error).__name__})"
        line = format_status(totals, time.monotonic() - self._start, self._previous, waiting)
        self._previous = totals
        return line

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._write(self.line())


def summarize(keys: Iterable[str]) -> list[str]:
    """Counter names not shown on the status line (for a final, full report)."""
    return [k for k in keys if not any(wanted(k) for _, wanted in COLUMNS)]
