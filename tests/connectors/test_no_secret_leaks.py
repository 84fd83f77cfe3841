"""Nothing secret is stored or printed: real commands run with planted secrets, then everything
they wrote (stdout, stderr, every document of their indices, every file) is searched for them.

Planted: a webhook ``?token=``, a Mattermost token, an Elasticsearch API key and a password in
the Elasticsearch URL. The alert receivers fail (one answers 500 echoing the request line back,
one refuses connections), so the secrets reach error texts, logs and the stored delivery
records, where they must arrive masked.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from connectors.redact import MASK, redact, redact_url, url_secrets

pytestmark = pytest.mark.es

TOKEN = "tokPLANTED4f9a1c"
MM_TOKEN = "mmPLANTEDx7q2w9e5r"
API_KEY = "QVBJS0VZUExBTlRFRDpzM2NyM3Q="
PASSWORD = "pwPLANTED-8d3k"
SECRETS = (TOKEN, MM_TOKEN, API_KEY, PASSWORD)
REPORT = ("انشق 6 عناصر من ميليشيا الدفاع الوطني في بلدة الكسرة بريف دير الزور الغربي، "
          "وتوجهوا إلى مناطق سيطرة قسد.")


# ----------------------------------------------------------------------------- the helper

@pytest.mark.parametrize("text, gone", [
    ("POST https://hooks.example/x?token=abc123secret&x=1 failed", "abc123secret"),
    ("HTTPConnectionPool(host='h', port=1): Max retries exceeded with url: "
     "/hook?token=abc123secret (Caused by ...)", "abc123secret"),
    ("http://writer:hunter2pass@es.example:9200/_bulk", "hunter2pass"),
    ("tgram://123456:AAbbCCddEEff/-100 unreachable", "AAbbCCddEEff"),
    ("slack://T0AAAA/B0BBBB/xoxbTOKEN1234567890abcd/#desk", "xoxbTOKEN1234567890abcd"),
    ("https://hooks.slack.com/services/T0AA/B0BB/Xy12Zz34Ww56Vv78Uu90", "Xy12Zz34Ww56Vv78Uu90"),
    ("Authorization: ApiKey QVBJS0VZOnNlY3JldA==", "QVBJS0VZOnNlY3JldA=="),
    ("config api_key=abcdef123456 password: s3cr3tvalue", "s3cr3tvalue"),
])
def test_redact_masks_credentials_in_urls_headers_and_pairs(text, gone):
    cleaned = redact(text)
    assert gone not in cleaned and MASK in cleaned


def test_known_secrets_are_masked_in_every_encoding():
    secret = "a b/c+d=="
    for form in (secret, quote(secret, safe=""), quote(secret, safe="").replace("%20", "+")):
        assert redact(f"x {form} y", [secret]) == f"x {MASK} y"
    assert redact_url("https://desk.example/hook?token=t0k&lang=ar") == \
        f"https://desk.example/hook?token={MASK}&lang=ar"
    assert set(url_secrets("json://h/hook?token=t0k3n1")) == {"t0k3n1"}


# ----------------------------------------------------------------------------- end to end

class _EchoingFailure(BaseHTTPRequestHandler):
    """Answers 500 with the request line in the body, as some receivers do."""

    def do_POST(self):  # noqa: N802 - http.server API
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = f"cannot handle {self.command} {self.path}".encode()
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _defwatch(*args: str, env: dict) -> subprocess.CompletedProcess:
    binary = Path(sys.executable).with_name("defwatch")
    return subprocess.run([str(binary), *args], capture_output=True, text=True, env=env,
                          timeout=240)


def _everything_in(es_client, prefix: str) -> str:
    es_client.indices.refresh(index=f"{prefix}-*")
    docs = []
    for index in es_client.indices.get(index=f"{prefix}-*"):
        hits = es_client.search(index=index, size=1000)["hits"]["hits"]
        docs += [hit["_source"] for hit in hits]
    return json.dumps(docs, ensure_ascii=False)


def test_a_run_with_planted_secrets_stores_and_prints_none_of_them(tmp_path, es_url, es_client,
                                                                    es_prefix):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingFailure)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    archive = tmp_path / "archive.jsonl"
    archive.write_text(json.dumps({"doc_id": "leak-1", "url": "https://example.org/1",
                                   "published": "2024-04-02", "text": REPORT},
                                  ensure_ascii=False) + "\n{broken\n", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith("DEFWATCH_")}
    host, port = es_url.split("://", 1)[1].split(":")
    with_password = f"http://writer:{PASSWORD}@{host}:{port}"
    closed = f"http://127.0.0.1:{_closed_port()}"
    runs = [
        _defwatch("backfill", str(archive), "--es-url", with_password, "--index-prefix",
                  es_prefix, "--no-setup", "--quiet",
                  "--alert", f"json://127.0.0.1:{server.server_port}/hook?token={TOKEN}",
                  "--alert", f"mmost://127.0.0.1:{_closed_port()}/{MM_TOKEN}", env=base),
        _defwatch("search", "--index-prefix", es_prefix, "--format", "jsonl",
                  env={**base, "DEFWATCH_ES_URL": es_url, "DEFWATCH_ES_API_KEY": API_KEY}),
        _defwatch("setup", "--es-url", closed, "--es-api-key", API_KEY, env=base),
        _defwatch("search", "--es-url", f"http://writer:{PASSWORD}@127.0.0.1:"
                  f"{_closed_port()}", env=base),
    ]
    server.shutdown()
    server.server_close()
    assert [r.returncode for r in runs] == [0, 0, 1, 1], [r.stderr[-2000:] for r in runs]
    stored = _everything_in(es_client, es_prefix)
    alerts = [json.loads(line) for line in runs[1].stdout.splitlines()]
    assert alerts, "the backfill made no event: nothing was alerted"
    failures = es_client.search(index=f"{es_prefix}-alerts")["hits"]["hits"]
    errors = [e for hit in failures for e in hit["_source"].get("errors") or []]
    # both failures recorded; the receiver's answer quoted the token back, masked
    assert len(errors) >= 2 and any(f"token={MASK}" in e for e in errors), errors
    written = [r.stdout + r.stderr for r in runs] + [stored] + [
        p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    for secret in SECRETS:
        for form in {secret, quote(secret, safe=""), quote(secret)}:
            leaks = [text[max(0, text.find(form) - 80):text.find(form) + 80]
                     for text in written if form in text]
            assert not leaks, f"{secret!r} leaked: {leaks}"
