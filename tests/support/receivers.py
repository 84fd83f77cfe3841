"""Real loopback alert receivers: an HTTP webhook receiver and an SMTP server (aiosmtpd).

Usage::

    from tests.support.receivers import SmtpReceiver, WebhookReceiver

    with WebhookReceiver() as hook, SmtpReceiver() as smtp:
        hook.url("/hook")            # http://127.0.0.1:PORT/hook
        hook.json_url("/hook")       # json://127.0.0.1:PORT/hook (the alert URL form)
        hook.set_down(503)           # answer every request with 503 (still recorded)
        hook.set_down(None)          # back up: 200
        hook.on_request = fn         # called with each WebhookRequest before it is answered
        hook.unique_deliveries()     # 2xx requests, repeats of an Idempotency-Key dropped
        hook.requests                # every WebhookRequest (method, path, headers, body, json)
        hook.wait_for(2, timeout=10)  # block until 2 requests arrived (False on timeout)
        smtp.mailto_url("desk@example.org")  # apprise mailto:// URL for plain SMTP
        smtp.messages                # every EmailMessageRecord (sender, recipients, subject, body)
        smtp.wait_for(1, timeout=10)

Requests that get a 5xx while the receiver is down are in ``requests`` with ``status`` set,
so a test can tell delivered calls (``hook.delivered``) from failed attempts.
"""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class WebhookRequest:
    """One request the webhook receiver got, and the status it answered."""
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    received: float = field(default_factory=time.time)  # epoch seconds (alert latency)

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class _Recorder:
    """A list that threads append to and tests wait on."""

    def __init__(self):
        self.items: list = []
        self._cond = threading.Condition()

    def add(self, item) -> None:
        with self._cond:
            self.items.append(item)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.items) >= count, timeout=timeout)


class WebhookReceiver:
    """A threaded HTTP server on 127.0.0.1 recording every request; can be switched down."""

    def __init__(self):
        self._recorder = _Recorder()
        self._down_status: int | None = None
        self.on_request = None  # fault injection at the moment an alert arrives
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status = receiver._down_status or 200
                request = WebhookRequest(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()},
                    body, status)
                if receiver.on_request is not None:
                    receiver.on_request(request)
                receiver._recorder.add(request)
                answer = b'{"ok": true}' if status < 300 else b'{"error": "down"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_PUT = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def json_url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def set_down(self, status: int | None = 503) -> None:
        """Answer every request with ``status`` (a 5xx); None brings the receiver back up."""
        self._down_status = status

    @property
    def requests(self) -> list[WebhookRequest]:
        return list(self._recorder.items)

    @property
    def delivered(self) -> list[WebhookRequest]:
        """The requests answered with 2xx."""
        return [r for r in self._recorder.items if r.status < 300]

    def unique_deliveries(self) -> list[WebhookRequest]:
        """What a receiver that drops repeated ``Idempotency-Key``s keeps (in arrival order)."""
        seen, kept = set(), []
        for request in self.delivered:
            key = request.headers.get("idempotency-key")
            if key is None or key not in seen:
                kept.append(request)
                seen.add(key)
        return kept

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        return self._recorder.wait_for(count, timeout)


@dataclass
class EmailMessageRecord:
    """One e-mail the SMTP server accepted, decoded."""
    sender: str
    recipients: list[str]
    subject: str
    body: str
    raw: bytes = field(repr=False, default=b"")


class _SmtpHandler:
    def __init__(self, recorder: _Recorder):
        self._recorder = recorder

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = message.get_body(preferencelist=("plain", "html")) or message
        self._recorder.add(EmailMessageRecord(
            sender=envelope.mail_from, recipients=list(envelope.rcpt_tos),
            subject=str(message.get("Subject", "")), body=part.get_content(),
            raw=envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpReceiver:
    """An aiosmtpd SMTP server on 127.0.0.1 (no TLS, no auth) collecting messages."""

    def __init__(self):
        self._recorder = _Recorder()
        self.port = _free_port()
        self._controller = Controller(_SmtpHandler(self._recorder), hostname="127.0.0.1",
                                      port=self.port)

    def __enter__(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    def mailto_url(self, to: str = "desk@example.org",
                   sender: str = "alerts@defwatch.test") -> str:
        """An apprise URL sending plain-text mail here over SMTP without TLS."""
        return (f"mailto://127.0.0.1:{self.port}?from={sender}&to={to}"
                f"&mode=insecure&format=text")

    @property
    def messages(self) -> list[EmailMessageRecord]:
        return list(self._recorder.items)

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        return self._recorder.wait_for(count, timeout)
