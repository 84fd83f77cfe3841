"""A loopback HTTP proxy in front of the real Elasticsearch that can go down and come back.

Tests point a writer at ``proxy.url`` and switch ``proxy.mode``:

* ``up``: requests are forwarded to Elasticsearch unchanged;
* ``down``: every connection is closed without an answer (what a stopped node looks like to
  the client: a connection error);
* ``unavailable``: every request is answered ``503``;
* ``reject_first_item``: bulk requests are forwarded, then the first item of the answer is
  rewritten to a ``429`` (the document *was* stored, so a retry must rewrite, not duplicate).

``proxy.refuse`` (None, or a ``(method, path, body) -> bool``) answers ``503`` to the requests
it picks, whatever the mode, recorded with mode ``refused`` (e.g. only the bulk writes of
one index).

``proxy.requests`` records ``(mode, method, path, body)`` of every request received and
``proxy.wait_for(predicate)`` blocks until a request matching it has arrived.
"""
from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.request

HOP_HEADERS = {"connection", "transfer-encoding", "content-length", "keep-alive"}


class ElasticsearchProxy:
    """See the module docstring; use as a context manager."""

    def __init__(self, upstream: str, mode: str = "up"):
        self.upstream = upstream.rstrip("/")
        self.mode = mode
        self.refuse = None
        self.requests: list[tuple[str, str, str, bytes]] = []
        self._arrived = threading.Condition()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ElasticsearchProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, predicate, timeout: float = 30.0) -> bool:
        """Block until a recorded request satisfies ``predicate`` (or the timeout passes)."""
        with self._arrived:
            return self._arrived.wait_for(
                lambda: any(predicate(r) for r in self.requests), timeout=timeout)

    def bulk_bodies(self, mode: str | None = None) -> list[list[dict]]:
        """The action lines of every ``_bulk`` request received (optionally in one mode)."""
        bodies = []
        for req_mode, _, path, body in list(self.requests):
            if "_bulk" in path and (mode is None or req_mode == mode):
                lines = [json.loads(x) for x in body.decode("utf-8").splitlines() if x.strip()]
                bodies.append([x for x in lines if len(x) == 1 and next(iter(x)) in (
                    "index", "create", "update", "delete")])
        return bodies

    def _record(self, mode, method, path, body) -> None:
        with self._arrived:
            self.requests.append((mode, method, path, body))
            self._arrived.notify_all()

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                mode = proxy.mode
                refuse = proxy.refuse
                if refuse is not None and refuse(self.command, self.path, body):
                    mode = "refused"
                proxy._record(mode, self.command, self.path, body)
                if mode == "down":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if mode in ("unavailable", "refused"):
                    self._reply(503, b'{"error":"unavailable","status":503}')
                    return
                status, payload = self._forward(body)
                if mode == "reject_first_item" and "_bulk" in self.path and status == 200:
                    payload = _reject_first(payload)
                self._reply(status, payload)

            def _forward(self, body: bytes) -> tuple[int, bytes]:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_HEADERS and k.lower() != "host"}
                req = urllib.request.Request(proxy.upstream + self.path, data=body or None,
                                             method=self.command, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        return resp.status, resp.read()
                except urllib.error.HTTPError as error:
                    return error.code, error.read()

            def _reply(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        return Handler


def _reject_first(payload: bytes) -> bytes:
    """Rewrite the first item of a bulk answer to a 429 rejection."""
    answer = json.loads(payload)
    items = answer.get("items") or []
    if items:
        op = next(iter(items[0]))
        items[0][op] = {**items[0][op], "status": 429, "error": {
            "type": "es_rejected_execution_exception", "reason": "rejected by the test proxy"}}
        answer["errors"] = True
    return json.dumps(answer).encode("utf-8")
