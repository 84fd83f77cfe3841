"""A loopback stand-in for the chat services' own HTTPS endpoints (Discord, Slack, Telegram).

apprise and ``Deliverer`` send to fixed hosts (``discord.com``, ``hooks.slack.com``,
``api.telegram.org``). Through ``HTTPS_PROXY`` they reach this proxy instead: it answers
``CONNECT host:443``, terminates TLS with a certificate for that host signed by a test CA
(trusted through ``REQUESTS_CA_BUNDLE``), records each request and answers the way the
service does. Nothing leaves the machine.

    with ServiceProxy(tmp_path) as proxy, proxy.environment(monkeypatch):
        deliverer.send(...)              # to discord://…, slack://…, tgram://…
        proxy.requests                   # [ServiceRequest(host, method, path, headers, body)]
"""
from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support.secure_es import _name, _pem_key, make_ca

ANSWERS = {  # host → (status, content type, body) the service answers a good request with
    "api.telegram.org": (200, "application/json",
                         b'{"ok": true, "result": {"message_id": 1, "chat": {"id": 1}}}'),
    "hooks.slack.com": (200, "text/plain", b"ok"),
    "discord.com": (204, "application/json", b""),
}


@dataclass
class ServiceRequest:
    """One request a service would have received."""
    host: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class ServiceProxy:
    """An HTTPS-intercepting proxy on 127.0.0.1 that records what would reach each service."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.requests: list[ServiceRequest] = []
        self._lock = threading.Lock()
        self._ca_key, self._ca_cert = make_ca("defwatch service-proxy CA")
        self.ca_path = self.workdir / "service-proxy-ca.pem"
        self.ca_path.write_bytes(self._ca_cert.public_bytes(serialization.Encoding.PEM))
        self._contexts: dict[str, ssl.SSLContext] = {}
        proxy = self

        class Inner(BaseHTTPRequestHandler):
            """HTTP inside the tunnel: record, answer like the service."""
            protocol_version = "HTTP/1.1"
            host = ""

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy._lock:
                    proxy.requests.append(ServiceRequest(
                        self.host, self.command, self.path,
                        {k.lower(): v for k, v in self.headers.items()}, body))
                status, ctype, answer = ANSWERS.get(self.host, (200, "application/json", b"{}"))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                if answer:
                    self.wfile.write(answer)

            do_POST = do_GET = do_PUT = _record  # noqa: N815

            def log_message(self, *args):
                pass

        class Outer(BaseHTTPRequestHandler):
            """``CONNECT host:port`` → TLS as that host → ``Inner``."""

            def do_CONNECT(self):  # noqa: N802 - http.server API
                host = self.path.rsplit(":", 1)[0]
                self.send_response(200, "Connection Established")
                self.end_headers()
                try:
                    tls = proxy._context(host).wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    self.close_connection = True
                    return
                handler = type("Tunnel", (Inner,), {"host": host})
                handler(tls, self.client_address, self.server)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Outer)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _context(self, host: str) -> ssl.SSLContext:
        """A server TLS context with a certificate for ``host`` signed by the test CA."""
        with self._lock:
            if host not in self._contexts:
                import datetime as dt
                key = ec.generate_private_key(ec.SECP256R1())
                now = dt.datetime.now(dt.timezone.utc)
                cert = (x509.CertificateBuilder().subject_name(_name(host))
                        .issuer_name(self._ca_cert.subject).public_key(key.public_key())
                        .serial_number(x509.random_serial_number())
                        .not_valid_before(now - dt.timedelta(hours=1))
                        .not_valid_after(now + dt.timedelta(days=1))
                        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]),
                                       critical=False)
                        .sign(self._ca_key, hashes.SHA256()))
                cert_path = self.workdir / f"{host}.crt"
                key_path = self.workdir / f"{host}.key"
                cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
                key_path.write_bytes(_pem_key(key))
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(cert_path, key_path)
                self._contexts[host] = context
            return self._contexts[host]

    def environment(self, monkeypatch) -> None:
        """Route HTTPS through this proxy and trust its CA (loopback stays direct)."""
        monkeypatch.setenv("HTTPS_PROXY", self.url)
        monkeypatch.setenv("https_proxy", self.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self.ca_path))

    def to(self, host: str) -> list[ServiceRequest]:
        with self._lock:
            return [r for r in self.requests if r.host == host]

    def __enter__(self) -> ServiceProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
