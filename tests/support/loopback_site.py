"""A real HTTP server on 127.0.0.1, in a thread, serving routes a test registers.

It reproduces the failure modes of the real web (slow, hanging, huge, 5xx, 429, redirect
loops, redirects to private addresses, wrong charsets) so connectors are tested against real
sockets, not mocks. Every request is recorded, so a test can assert what was (not) fetched.

Usage::

    from tests.support.loopback_site import LoopbackSite, Response

    with LoopbackSite() as site:
        site.static("/a.html", "<html>…</html>")                  # text/html; utf-8
        site.static("/b.html", page.encode("cp1256"), content_type="text/html")  # no charset
        feed = site.feed("/feed.xml", title="Deir ez-Zor news")  # RSS that can gain items
        feed.add_item(title="…", link=site.url("/a.html"), pub_date="2024-05-01T08:00:00Z")
        site.sequence("/flaky", [Response(503), Response(200, b"ok")])  # last one repeats
        site.sequence("/busy", [Response(429, headers={"Retry-After": "1"}), Response(200)])
        site.hang("/never")                     # accepts, never answers until close()
        site.huge("/huge", 50_000_000)          # streams zeros (no Content-Length)
        site.drip("/slow", b"x" * 1000, chunk=10, interval=0.5)  # a slow trickle
        site.trickle_head("/tarpit", interval=0.5)  # status line and headers, byte by byte
        site.redirect("/loop1", "/loop2"); site.redirect("/loop2", "/loop1")
        site.redirect("/evil", "http://169.254.169.254/latest/meta-data/")
        site.route("/custom", lambda request: Response(200, request.path.encode()))
        site.url("/a.html")                     # http://127.0.0.1:PORT/a.html
        site.hits("/a.html")                    # how many GETs it received
        site.requests                           # every Request, in arrival order

    LoopbackSite(tls=(cert_file, key_file))     # the same over HTTPS
    LoopbackSite(host="127.0.0.7")              # its own loopback address (an outlet's host)

Routes match the request path with its query string first, then the path alone; unknown
paths get 404. Registering a path again replaces its route (so a page can change).
Static routes and feeds answer conditional requests: an ``ETag`` (default: a hash of the
body) and an optional ``Last-Modified``; ``If-None-Match``/``If-Modified-Since`` give 304.
"""
from __future__ import annotations

import email.utils
import hashlib
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape


@dataclass
class Request:
    """One request the site received."""
    method: str
    path: str  # path and query string
    headers: dict[str, str]  # lower-case names


@dataclass
class Response:
    """A canned answer; ``body`` may be str (encoded with ``encoding``) or bytes."""
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/plain; charset=utf-8"
    encoding: str = "utf-8"

    def body_bytes(self) -> bytes:
        return self.body.encode(self.encoding) if isinstance(self.body, str) else self.body


Handler = Callable[[Request], "Response | _Special"]


class _Special:
    """Answers that are not a plain response (hang, endless body)."""


@dataclass
class _Hang(_Special):
    seconds: float | None  # None: until the site closes


@dataclass
class _Huge(_Special):
    size: int
    declare_length: bool


@dataclass
class _Drip(_Special):
    body: bytes
    chunk: int
    interval: float


@dataclass
class _TrickleHead(_Special):
    interval: float


@dataclass
class FeedItem:
    title: str
    link: str
    guid: str | None = None
    pub_date: str | None = None  # ISO-8601 (rendered as RFC 822)
    description: str | None = None


class LoopbackFeed:
    """An RSS 2.0 feed whose items a test can add while the site runs."""

    def __init__(self, title: str, link: str, encoding: str = "utf-8",
                 declare_encoding: bool = True):
        self.title = title
        self.link = link
        self.encoding = encoding
        self.declare_encoding = declare_encoding
        self.items: list[FeedItem] = []
        self._lock = threading.Lock()

    def add_item(self, title: str, link: str, guid: str | None = None,
                 pub_date: str | None = None, description: str | None = None) -> FeedItem:
        """Add an item (shown first, as feeds list newest first)."""
        item = FeedItem(title, link, guid, pub_date, description)
        with self._lock:
            self.items.insert(0, item)
        return item

    def render(self) -> bytes:
        """The feed document as bytes in the feed's encoding."""
        with self._lock:
            items = list(self.items)
        parts = []
        for item in items:
            fields = [f"<title>{escape(item.title)}</title>", f"<link>{escape(item.link)}</link>"]
            if item.guid:
                fields.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
            if item.pub_date:
                fields.append(f"<pubDate>{_rfc822(item.pub_date)}</pubDate>")
            if item.description:
                fields.append(f"<description>{escape(item.description)}</description>")
            parts.append("<item>" + "".join(fields) + "</item>")
        declaration = (f'<?xml version="1.0" encoding="{self.encoding}"?>'
                       if self.declare_encoding else '<?xml version="1.0"?>')
        text = (f'{declaration}\n<rss version="2.0"><channel><title>{escape(self.title)}'
                f"</title><link>{escape(self.link)}</link><description>test</description>"
                + "".join(parts) + "</channel></rss>")
        return text.encode(self.encoding)


def _rfc822(iso: str) -> str:
    """An ISO-8601 time as an RFC 822 date (what RSS uses)."""
    from datetime import datetime
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return email.utils.format_datetime(when)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


class LoopbackSite:
    """The server: start on construction, ``close()`` (or use as a context manager)."""

    def __init__(self, host: str = "127.0.0.1", tls: tuple[str, str] | None = None):
        """Start serving; ``tls=(cert_file, key_file)`` serves HTTPS instead of HTTP."""
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.requests: list[Request] = []
        site = self

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the http.server hook name
                site._serve(self)

            def log_message(self, *args):  # silence per-request logging
                pass

        class _Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                """Record (not print) errors: clients hang up on hostile routes by design."""
                site.errors.append(repr(sys.exc_info()[1]))

        self.errors: list[str] = []  # exceptions raised while serving (clients hanging up)
        self._server = _Server((host, 0), _RequestHandler)
        self.scheme = "https" if tls else "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # -- lifecycle
    def __enter__(self) -> LoopbackSite:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release hanging handlers and stop the server."""
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- addresses and bookkeeping
    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this site."""
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def hits(self, path: str) -> int:
        """How many requests ``path`` (path and query) received."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    # -- registering routes
    def route(self, path: str, handler: Handler | Response) -> None:
        """Serve ``path`` with a Response or a callable ``handler(Request) -> Response``."""
        with self._lock:
            self._routes[path] = handler if callable(handler) else (lambda _r, h=handler: h)

    def static(self, path: str, body: bytes | str, content_type: str | None = None,
               headers: dict[str, str] | None = None, etag: str | bool = True,
               last_modified: str | None = None) -> None:
        """Fixed bytes; str bodies are UTF-8 and default to ``text/html; charset=utf-8``.

        ``etag=True`` derives an ETag from the body, a string sets it, False sends none;
        conditional requests that match get 304.
        """
        if isinstance(body, str):
            body = body.encode("utf-8")
            content_type = content_type or "text/html; charset=utf-8"
        extra = dict(headers or {})
        if etag:
            extra["ETag"] = _etag(body) if etag is True else etag
        if last_modified:
            extra["Last-Modified"] = last_modified
        answer = Response(200, body, extra, content_type)
        self.route(path, lambda request: _conditional(request, answer))

    def feed(self, path: str, title: str = "loopback feed", encoding: str = "utf-8",
             declare_encoding: bool = True, content_type: str | None = None) -> LoopbackFeed:
        """An RSS feed at ``path`` that can gain items; ETag follows its content."""
        feed = LoopbackFeed(title, self.base_url, encoding, declare_encoding)
        ctype = content_type or f"application/rss+xml; charset={encoding}"

        def handler(request: Request) -> Response:
            body = feed.render()
            return _conditional(request, Response(200, body, {"ETag": _etag(body)}, ctype))

        self.route(path, handler)
        return feed

    def sequence(self, path: str, responses: list[Response]) -> None:
        """Answer with each response in turn; the last one repeats."""
        queue = list(responses)
        lock = threading.Lock()

        def handler(_request: Request) -> Response:
            with lock:
                return queue.pop(0) if len(queue) > 1 else queue[0]

        self.route(path, handler)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect ``path`` to ``location`` (relative or absolute)."""
        self.route(path, Response(status, b"", {"Location": location}, None))

    def hang(self, path: str, seconds: float | None = None) -> None:
        """Accept the request and send nothing for ``seconds`` (None: until close())."""
        self.route(path, lambda _r: _Hang(seconds))

    def huge(self, path: str, size: int, declare_length: bool = False) -> None:
        """Stream ``size`` bytes of zeros, with or without a Content-Length header."""
        self.route(path, lambda _r: _Huge(size, declare_length))

    def trickle_head(self, path: str, interval: float = 0.5) -> None:
        """Send the status line and then an endless header one byte every ``interval`` s.

        Every read gets a byte well within any read timeout, so only a deadline that covers
        the status line and headers ends the request.
        """
        self.route(path, lambda _r: _TrickleHead(interval))

    def drip(self, path: str, body: bytes, chunk: int = 16, interval: float = 0.2) -> None:
        """Send headers at once, then ``body`` ``chunk`` bytes every ``interval`` seconds."""
        self.route(path, lambda _r: _Drip(body, chunk, interval))

    # -- serving
    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        request = Request("GET", http.path, {k.lower(): v for k, v in http.headers.items()})
        with self._lock:
            self.requests.append(request)
            handler = self._routes.get(request.path) or self._routes.get(
                urlsplit(request.path).path)
        answer = handler(request) if handler else Response(404, b"not found")
        try:
            if isinstance(answer, _Hang):
                self._closing.wait(answer.seconds)
                http.close_connection = True
                return
            if isinstance(answer, _Huge):
                self._send_huge(http, answer)
                return
            if isinstance(answer, _Drip):
                self._send_drip(http, answer)
                return
            if isinstance(answer, _TrickleHead):
                self._send_trickle(http, answer)
                return
            body = answer.body_bytes()
            http.send_response(answer.status)
            if answer.content_type:
                http.send_header("Content-Type", answer.content_type)
            for name, value in answer.headers.items():
                http.send_header(name, value)
            http.send_header("Content-Length", str(len(body)))
            http.end_headers()
            http.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            http.close_connection = True

    def _send_drip(self, http: BaseHTTPRequestHandler, answer: _Drip) -> None:
        """Write the body slowly, chunk by chunk, until done or closing."""
        http.send_response(200)
        http.send_header("Content-Type", "text/html; charset=utf-8")
        http.send_header("Content-Length", str(len(answer.body)))
        http.end_headers()
        for start in range(0, len(answer.body), answer.chunk):
            http.wfile.write(answer.body[start:start + answer.chunk])
            http.wfile.flush()
            if self._closing.wait(answer.interval):
                break
        http.close_connection = True

    def _send_trickle(self, http: BaseHTTPRequestHandler, answer: _TrickleHead) -> None:
        """Status line, then ``X-Slow: aaaa…`` one byte at a time until the client leaves."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Slow: "
        position = 0
        while not self._closing.is_set():
            byte = head[position:position + 1] if position < len(head) else b"a"
            http.wfile.write(byte)
            http.wfile.flush()
            position += 1
            if self._closing.wait(answer.interval):
                break
        http.close_connection = True

    def _send_huge(self, http: BaseHTTPRequestHandler, answer: _Huge) -> None:
        """Write zeros until ``size`` or until the client goes away."""
        http.send_response(200)
        http.send_header("Content-Type", "application/octet-stream")
        if answer.declare_length:
            http.send_header("Content-Length", str(answer.size))
        else:
            http.send_header("Connection", "close")
        http.end_headers()
        chunk, sent = bytes(65536), 0
        while sent < answer.size and not self._closing.is_set():
            http.wfile.write(chunk)
            sent += len(chunk)
        http.close_connection = True


def _conditional(request: Request, answer: Response) -> Response:
    """304 when the request's validators match ``answer``, else ``answer``."""
    etag = answer.headers.get("ETag")
    if etag and request.headers.get("if-none-match") == etag:
        return Response(304, b"", {"ETag": etag}, None)
    modified = answer.headers.get("Last-Modified")
    since = request.headers.get("if-modified-since")
    if modified and since and "if-none-match" not in request.headers:
        if email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(
                modified):
            return Response(304, b"", {"Last-Modified": modified}, None)
    return answer


def http_date(epoch: float | None = None) -> str:
    """An HTTP date (for Last-Modified headers)."""
    return email.utils.formatdate(time.time() if epoch is None else epoch, usegmt=True)
