"""The one hardened HTTP fetcher used by every source (feeds, Telegram, sitemaps, articles).

What it guarantees, whatever the server does:

- only http/https, and every hop of a redirect chain is resolved and checked by
  :mod:`connectors.url_guard` before connecting (``--allow-host`` entries ``HOST`` or
  ``HOST:PORT``, port checked on every hop); the connection goes to the checked address;
- ONE wall-clock ``deadline`` per fetch that covers the name lookup, connect, TLS, status
  line, headers, body, redirects, retries and waits: the sockets of the fetch are shut down
  when it passes (:mod:`connectors.deadline`), so a server trickling its headers or body a
  byte a second cannot hold it; ``connect_timeout``/``read_timeout`` bound each step inside it;
- a body cap (``max_bytes``, counted after gzip decoding) enforced while streaming;
- at most ``max_redirects`` redirects;
- conditional GET with ``ETag`` / ``Last-Modified`` (a 304 returns ``not_modified``);
- retries with capped exponential backoff and jitter on timeouts, connection errors, 429 and
  5xx, honouring ``Retry-After`` up to ``retry_after_max`` seconds, all inside the deadline;
- a per-host politeness delay and concurrency limit, shared by every fetcher in the process;
- :func:`cancel_fetches` ends every fetch in flight at once (shutdown).

Every failure is a :class:`FetchError` whose ``reason`` is short and machine-friendly and
names what happened: ``timeout``, ``connection_refused``, ``dns_error``, ``tls_error``,
``connection_reset``, ``connection_error`` (other socket errors), ``private_address``,
``scheme_not_allowed``, ``bad_url``, ``too_large``, ``too_many_redirects``,
``http_status:503``, ``cancelled``.

Example::

    fetcher = Fetcher(FetchSettings(allow_hosts=("127.0.0.1",)))
    result = fetcher.fetch("https://example.org/feed", etag=cursor.get("etag"))
    if not result.not_modified:
        print(result.status, result.text[:100])
"""
from __future__ import annotations

import contextlib
import dataclasses
import email.utils
import functools
import random
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError, NameResolutionError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from connectors import url_guard
from connectors.charset import decode_bytes
from connectors.deadline import Deadline, cancel_all
from connectors.deadline import current as current_deadline

USER_AGENT = ("defection-watch/0.1 (Arabic news monitoring for research; "
              "+https://github.com/defection-watch/defection-watch)")
ACCEPT = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
          "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
CHUNK_BYTES = 64 * 1024
MAX_POOLS = 64  # connection pools kept open per Fetcher (one per host and address)


@dataclass(frozen=True)
class FetchSettings:
    """Every knob of the fetcher, with its default (seconds, bytes)."""
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0  # total per fetch: redirects, retries, waits and body included
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    retries: int = 3  # extra attempts after the first
    backoff: float = 1.0  # first backoff wait; doubles on each retry, with jitter
    backoff_max: float = 30.0
    retry_after_max: float = 60.0  # cap on a server's Retry-After
    host_delay: float = 1.0  # minimum gap between two requests to one host
    host_concurrency: int = 2  # requests in flight to one host
    allow_hosts: tuple[str, ...] = ()  # exempt from the private-address guard (not link-local)
    ca_certs: str | None = None  # PEM bundle to trust instead of the system's (private CAs)

    def __post_init__(self):
        for entry in self.allow_hosts:
            url_guard.parse_allow_host(entry)  # ValueError naming a bad entry, up front
        if self.deadline <= 0:
            raise ValueError(f"the fetch deadline must be positive, got {self.deadline}")

    def replace(self, **changes) -> FetchSettings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


@dataclass
class FetchResult:
    """What a fetch returned: status, final URL after redirects, headers and body."""
    url: str
    status: int
    final_url: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    not_modified: bool = False
    elapsed: float = 0.0
    attempts: int = 1

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ('' when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, if any."""
        for param in self.headers.get("content-type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip("'\"") or None
        return None

    @functools.cached_property
    def text(self) -> str:
        """The body decoded (declared charset, then sniffing; see connectors.charset)."""
        return decode_bytes(self.body, self.charset)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class FetchError(Exception):
    """A fetch that failed; ``reason`` is machine-friendly, ``detail`` is for people."""

    def __init__(self, reason: str, detail: str = "", url: str | None = None,
                 retry_after: float | None = None, retryable: bool = False):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.url = url
        self.retry_after = retry_after
        self.retryable = retryable

    def __reduce__(self):
        return (FetchError, (self.reason, self.detail, self.url, self.retry_after,
                             self.retryable))


class _HostGate:
    """Concurrency limit and politeness delay for one host, shared in the process."""

    def __init__(self, concurrency: int):
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next_start = 0.0

    def reserve(self, delay: float) -> float:
        """Book the next start time; return how long to wait for it."""
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + delay
            return start - now


_GATES: dict[str, _HostGate] = {}
_GATES_LOCK = threading.Lock()


def _gate(host: str, concurrency: int) -> _HostGate:
    """The process-wide gate of ``host``."""
    with _GATES_LOCK:
        gate = _GATES.get(host)
        if gate is None:
            gate = _GATES[host] = _HostGate(concurrency)
        return gate


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class _WatchedConnection:
    """Registers its socket with the thread's current :class:`Deadline` (see module doc)."""

    def _new_conn(self):
        sock = super()._new_conn()
        deadline = current_deadline()
        if deadline is not None:
            deadline.watch(sock)
        return sock

    def request(self, *args, **kwargs):
        deadline = current_deadline()
        if deadline is not None and self.sock is not None:  # a kept-alive connection
            deadline.watch(self.sock)
        return super().request(*args, **kwargs)


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def cancel_fetches() -> int:
    """End every fetch in flight in this process at once (reason ``cancelled``)."""
    return cancel_all("cancelled")


def connection_error(error: BaseException, host: str, url: str) -> FetchError:
    """The FetchError of a failed connection or request, naming what happened."""
    deadline = current_deadline()
    if deadline is not None and deadline.cancelled:
        return FetchError("cancelled", f"{host}: {deadline.cancelled}", url)
    if deadline is not None and deadline.expired:
        return FetchError("timeout", f"{host}: the fetch deadline passed", url)
    cause = error.__cause__ or error.__context__
    if isinstance(error, NameResolutionError):
        return FetchError("dns_error", f"{host}: {cause or error}", url, retryable=True)
    if isinstance(error, NewConnectionError) and isinstance(cause, ConnectionRefusedError):
        return FetchError("connection_refused", f"{host}: connection refused", url,
                          retryable=True)
    if isinstance(error, SSLError) or isinstance(cause, ssl.SSLError):
        return FetchError("tls_error", f"{host}: {error}", url)
    if isinstance(error, Urllib3Timeout) and not isinstance(error, NewConnectionError):
        return FetchError("timeout", f"{host}: {error}", url, retryable=True)
    reset = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
    if isinstance(error, reset) or isinstance(cause, reset) or any(
            isinstance(arg, reset) for arg in getattr(error, "args", ())):
        return FetchError("connection_reset", f"{host}: {error}", url, retryable=True)
    return FetchError("connection_error", f"{host}: {error}", url, retryable=True)


class Fetcher:
    """Fetches URLs under :class:`FetchSettings`; thread-safe; close() when done."""

    def __init__(self, settings: FetchSettings | None = None,
                 sleep: Callable[[float], None] | None = None):
        self.settings = settings or FetchSettings()
        self._sleep = sleep  # tests record waits; default: wait inside the deadline
        self._pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()
        self._lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            pool.close()

    def fetch(self, url: str, etag: str | None = None,
              last_modified: str | None = None) -> FetchResult:
        """GET ``url`` (conditionally when etag/last_modified are given), or FetchError."""
        with Deadline(self.settings.deadline) as deadline:
            attempt = 0
            while True:
                attempt += 1
                try:
                    result = self._follow(url, etag, last_modified, deadline)
                except FetchError as error:
                    if error.url is None:
                        error.url = url
                    if deadline.cancelled and error.reason != "cancelled":
                        raise FetchError("cancelled", deadline.cancelled, url) from None
                    wait = self._retry_wait(error, attempt, deadline)
                    if wait is None:
                        raise
                    self._wait(wait, deadline)
                    continue
                result.elapsed = self.settings.deadline - deadline.remaining()
                result.attempts = attempt
                return result

    def _wait(self, seconds: float, deadline: Deadline) -> None:
        """Sleep ``seconds`` (injected sleep in tests; else cut short by a cancel)."""
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            deadline.sleep(seconds)

    def _retry_wait(self, error: FetchError, attempt: int, deadline: Deadline) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to give up."""
        s = self.settings
        if not error.retryable or attempt > s.retries or deadline.expired:
            return None
        if error.retry_after is not None:
            wait = min(error.retry_after, s.retry_after_max)
        else:
            wait = min(s.backoff_max, s.backoff * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
        if wait >= deadline.remaining():
            return None
        return wait

    def _follow(self, url: str, etag: str | None, last_modified: str | None,
                deadline: Deadline) -> FetchResult:
        """One attempt: follow redirects hop by hop, checking each hop's address."""
        current = url
        for _ in range(self.settings.max_redirects + 1):
            with self._host_slot(current, deadline):
                response = self._request(current, etag, last_modified, deadline)
                location = response.headers.get("location")
                if response.status in REDIRECT_STATUSES and location:
                    _discard(response)
                    current = urljoin(current, location.strip())
                    continue
                return self._finish(url, current, response, deadline)
        raise FetchError("too_many_redirects",
                         f"more than {self.settings.max_redirects} redirects", url)

    def _request(self, url: str, etag: str | None, last_modified: str | None,
                 deadline: Deadline) -> urllib3.BaseHTTPResponse:
        """Send one GET to the checked address of ``url``; the response body is not read."""
        s = self.settings
        try:
            scheme, host, port, address = url_guard.resolve_safe(
                url, s.allow_hosts, timeout=max(0.01, deadline.remaining()))
        except url_guard.UnsafeURL as error:
            raise FetchError(error.reason, error.detail, url) from None
        headers = {"Host": _host_header(scheme, host, port), "User-Agent": s.user_agent,
                   "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        remaining = deadline.remaining()
        if remaining <= 0:
            raise connection_error(TimeoutError("deadline"), host, url)
        try:
            timeout = urllib3.Timeout(connect=min(s.connect_timeout, remaining),
                                      read=min(s.read_timeout, remaining))
            pool = self._pool(scheme, host, port, str(address))
            return pool.urlopen("GET", path, headers=headers, redirect=False, retries=False,
                                preload_content=False, timeout=timeout,
                                assert_same_host=False, release_conn=False)
        except (HTTPError, OSError) as error:
            raise connection_error(error, host, url) from None

    @contextlib.contextmanager
    def _host_slot(self, url: str, deadline: Deadline):
        """Hold one of the host's concurrency slots, after its politeness delay."""
        s = self.settings
        host = (urlsplit(url).hostname or "").lower()
        gate = _gate(host, s.host_concurrency)
        if not gate.slots.acquire(timeout=deadline.remaining()):
            raise FetchError("timeout", f"no free slot for {host} before the deadline", url)
        try:
            wait = gate.reserve(s.host_delay)
            if wait >= deadline.remaining():
                raise FetchError("timeout", f"politeness delay for {host} passes the deadline",
                                 url, retryable=False)
            if wait > 0:
                self._wait(wait, deadline)
            yield
        finally:
            gate.slots.release()

    def _finish(self, url: str, final_url: str, response: urllib3.BaseHTTPResponse,
                deadline: Deadline) -> FetchResult:
        """Turn a final (non-redirect) response into a FetchResult or a FetchError."""
        headers = {k.lower(): v for k, v in response.headers.items()}
        status = response.status
        if status == 304:
            _discard(response)
            return FetchResult(url, status, final_url, headers, b"", not_modified=True)
        if not 200 <= status < 300:
            _discard(response)
            retry_after = parse_retry_after(headers.get("retry-after"))
            raise FetchError(f"http_status:{status}", f"{final_url} answered {status}", url,
                             retry_after=retry_after, retryable=status in RETRY_STATUSES)
        body = self._read_body(response, headers, final_url, deadline)
        return FetchResult(url, status, final_url, headers, body)

    def _read_body(self, response: urllib3.BaseHTTPResponse, headers: dict[str, str],
                   url: str, deadline: Deadline) -> bytes:
        """Stream the body under the size cap and the deadline (its watchdog enforces it)."""
        cap = self.settings.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap and "content-encoding" not in headers:
            _discard(response)
            raise FetchError("too_large", f"Content-Length {declared} > {cap} bytes", url)
        chunks, size = [], 0
        host = urlsplit(url).hostname or ""
        try:
            while True:
                chunk = response.read1(CHUNK_BYTES)
                if not chunk:
                    break
                size += len(chunk)
                if size > cap:
                    raise FetchError("too_large", f"body passed {cap} bytes", url)
                if deadline.expired:
                    raise connection_error(TimeoutError("deadline"), host, url)
                chunks.append(chunk)
            if deadline.expired:  # a shut-down socket reads as a clean end of the body
                raise connection_error(TimeoutError("deadline"), host, url)
        except (HTTPError, OSError) as error:
            raise connection_error(error, host, url) from None
        finally:
            _discard(response)
        return b"".join(chunks)

    def _pool(self, scheme: str, host: str, port: int,
              address: str) -> urllib3.HTTPConnectionPool:
        """A connection pool to ``address`` that speaks to ``host`` (TLS name checked)."""
        key = (scheme, host, port, address)
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None:
                self._pools.move_to_end(key)
            else:
                size = self.settings.host_concurrency
                if scheme == "https":
                    pool = _HTTPSPool(
                        address, port, maxsize=size, server_hostname=host,
                        assert_hostname=host, cert_reqs="CERT_REQUIRED",
                        ca_certs=self.settings.ca_certs)
                else:
                    pool = _HTTPPool(address, port, maxsize=size)
                self._pools[key] = pool
                while len(self._pools) > MAX_POOLS:  # least recently used hosts go first
                    self._pools.popitem(last=False)[1].close()
            return pool


def _host_header(scheme: str, host: str, port: int) -> str:
    """The Host header value for ``host:port``."""
    name = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return name if port == default else f"{name}:{port}"


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Close a response without reusing its connection, ignoring errors."""
    try:
        response.close()
    except Exception:  # noqa: BLE001 - closing a broken socket may fail; nothing to do
        pass
    try:
        response.release_conn()
    except Exception:  # noqa: BLE001
        pass
