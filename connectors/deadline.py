"""One wall-clock deadline per fetch, enforced on the sockets the fetch uses.

A socket timeout bounds one ``recv``; a server that trickles its status line, headers or body
a byte a second never trips it. A :class:`Deadline` therefore knows the sockets of its fetch,
and one shared watchdog thread shuts them down (``SHUT_RDWR``) the moment the deadline passes
or the deadline is cancelled (shutdown of the pipeline), so the blocked call returns at once::

    with Deadline(30.0) as deadline:      # the current deadline of this thread
        sock = socket.create_connection(address, timeout=deadline.remaining())
        deadline.watch(sock)               # shut down when the 30 s are over
        ...
    deadline.expired, deadline.cancelled   # why a socket call failed

The fetcher's connection classes call :func:`current` to find the deadline to register with.
"""
from __future__ import annotations

import heapq
import socket
import threading
import time

__all__ = ["Deadline", "current", "cancel_all"]

_LOCAL = threading.local()
_ACTIVE: set[Deadline] = set()  # deadlines inside their ``with`` block, for cancel_all()
_ACTIVE_LOCK = threading.Lock()


def current() -> Deadline | None:
    """The deadline of the fetch running on this thread, if any."""
    return getattr(_LOCAL, "deadline", None)


def cancel_all(reason: str = "cancelled") -> int:
    """Cancel every deadline in force in the process (shutdown); returns how many."""
    with _ACTIVE_LOCK:
        active = list(_ACTIVE)
    for deadline in active:
        deadline.cancel(reason)
    return len(active)


def _shutdown(sock: socket.socket) -> None:
    """Make every blocked or later call on ``sock`` fail at once (the owner closes it)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed or never connected
        pass


class Deadline:
    """A point in time (monotonic clock) after which the watched sockets are shut down."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + max(0.0, seconds)
        self.cancelled: str | None = None  # the reason, once cancelled
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._fired = False
        self._woken = threading.Event()  # set on cancel: interrupts sleep()
        self._previous: Deadline | None = None

    def remaining(self) -> float:
        """Seconds left (0 when passed or cancelled)."""
        if self.cancelled:
            return 0.0
        return max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        """True once the deadline has passed or was cancelled."""
        return self.cancelled is not None or time.monotonic() >= self.at

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it already has)."""
        with self._lock:
            fired = self._fired
            if not fired:
                self._sockets.add(sock)
        if fired or self.expired:
            _shutdown(sock)

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (at most until the deadline; a cancel wakes it at once)."""
        self._woken.wait(min(max(0.0, seconds), self.remaining()))

    def cancel(self, reason: str = "cancelled") -> None:
        """End the deadline now: its sockets are shut down, ``cancelled`` says why."""
        self.cancelled = self.cancelled or reason
        self._woken.set()
        self.fire()

    def fire(self) -> None:
        """Shut down every watched socket (the watchdog calls this when the time is up)."""
        with self._lock:
            self._fired = True
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            _shutdown(sock)

    def __enter__(self) -> Deadline:
        self._previous = current()
        _LOCAL.deadline = self
        with _ACTIVE_LOCK:
            _ACTIVE.add(self)
        _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc) -> None:
        _WATCHDOG.remove(self)
        with _ACTIVE_LOCK:
            _ACTIVE.discard(self)
        _LOCAL.deadline = self._previous
        with self._lock:
            self._sockets.clear()


class _Watchdog:
    """One daemon thread firing deadlines in time order (a heap, woken on earlier ones)."""

    def __init__(self):
        self._heap: list[tuple[float, int, Deadline]] = []
        self._live: set[int] = set()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline) -> None:
        with self._wake:
            heapq.heappush(self._heap, (deadline.at, id(deadline), deadline))
            self._live.add(id(deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="defwatch-deadlines",
                                                daemon=True)
                self._thread.start()
            self._wake.notify()

    def remove(self, deadline: Deadline) -> None:
        with self._wake:
            self._live.discard(id(deadline))

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._heap and id(self._heap[0][2]) not in self._live:
                    heapq.heappop(self._heap)  # finished before its time
                if not self._heap:
                    self._wake.wait()
                    continue
                at, _, deadline = self._heap[0]
                delay = at - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._heap)
                self._live.discard(id(deadline))
            deadline.fire()


_WATCHDOG = _Watchdog()
