"""Progress of long commands on stderr: documents done, documents per second and ETA (tqdm).

On a terminal, a live tqdm bar. Elsewhere (logs, CI, pipes) the same numbers as one plain
line every ``interval`` seconds, so a log shows the work moving without carriage returns.

Beam DoFns that run in this process (the DirectRunner, Prism with a LOOPBACK environment)
count through a registry keyed by the bar's token: ``beam.Map(tick, progress.token)`` is
picklable and counts one item when it runs here; on a remote worker it does nothing.

    with Progress("defwatch extract", total=len(docs), unit="doc") as progress:
        ... | beam.Map(tick, progress.token) | ...
"""
from __future__ import annotations

import re
import sys
import threading
import uuid
from typing import Any, TextIO

from tqdm import tqdm

__all__ = ["Progress", "tick"]

LINE_FORMAT = ("{desc}: {n_fmt}/{total_fmt} {unit}s, {rate_fmt}, elapsed {elapsed}, "
               "ETA {remaining}")
_ACTIVE: dict[str, Progress] = {}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class _Lines:
    """A stream for tqdm that turns its carriage-return refreshes into whole lines."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._last = ""

    def write(self, text: str) -> None:
        line = ANSI.sub("", text).replace("\r", "").strip()
        if line and line != self._last:
            self._last = line
            self._stream.write(line + "\n")

    def flush(self) -> None:
        self._stream.flush()


class Progress:
    """A progress bar (terminal) or periodic progress lines (anything else) on ``stream``."""

    def __init__(self, desc: str, total: int | None = None, unit: str = "doc",
                 quiet: bool = False, stream: TextIO | None = None, interval: float = 5.0):
        stream = stream or sys.stderr
        terminal = bool(getattr(stream, "isatty", lambda: False)())
        self.token = uuid.uuid4().hex
        self._lock = threading.Lock()
        self._started = False
        self._bar = tqdm(
            total=total, desc=desc, unit=unit, disable=quiet, leave=True,
            file=stream if terminal else _Lines(stream),
            mininterval=0.2 if terminal else interval, dynamic_ncols=terminal,
            bar_format=None if terminal else LINE_FORMAT)

    @property
    def count(self) -> int:
        return int(self._bar.n)

    def update(self, n: int = 1) -> None:
        with self._lock:
            if not self._started:  # rate and ETA count from the first item, not from creation
                self._started = True
                self._bar.reset(total=self._bar.total)
            self._bar.update(n)

    def set_total(self, total: int | None) -> None:
        with self._lock:
            self._bar.total = total
            self._bar.refresh()

    def close(self) -> None:
        _ACTIVE.pop(self.token, None)
        with self._lock:
            self._bar.close()

    def __enter__(self) -> Progress:
        _ACTIVE[self.token] = self
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def tick(item: Any, token: str) -> Any:
    """Count ``item`` on the progress bar ``token`` (when it lives in this process)."""
    progress = _ACTIVE.get(token)
    if progress is not None:
        progress.update(1)
    return item
