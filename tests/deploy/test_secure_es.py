"""TLS, credentials and least-privilege keys against a real secured Elasticsearch on loopback.

One node with x-pack security and HTTPS (a CA and node certificate generated here) runs for
this module, next to the plain test node. The client must refuse a wrong CA and an unpinned
certificate, accept the right CA or the pinned fingerprint; ``defwatch setup`` mints a
writer key that can write only the project's indices and a read-only analyst key, in 0600
files; a backfill over TLS with the writer key and a search with the analyst key work.
"""
from __future__ import annotations

import json
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from elasticsearch import AuthorizationException

from connectors.es_client import EsTarget, describe_error
from pipelines import cli
from tests.support.secure_es import SecureNode

pytestmark = [pytest.mark.es, pytest.mark.slow]

REPORT = ("انشق 6 عناصر من ميليشيا الدفاع الوطني في بلدة الكسرة بريف دير الزور الغربي، "
          "وتوجهوا إلى مناطق سيطرة قسد.")


@pytest.fixture(scope="module")
def node():
    # Not under pytest's tmp_path: concurrent pytest sessions of one user prune each other's
    # older base directories, which would pull the data directory from under the node.
    workdir = Path(tempfile.mkdtemp(prefix="defwatch-secure-es-"))
    try:
        with SecureNode(workdir) as started:
            yield started
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _target(node, **given) -> EsTarget:
    values = {"url": node.url, "username": node.username, "password": node.password,
              "request_timeout": 10, **given}
    return EsTarget.from_env({}, **values)


def _health(target: EsTarget) -> str:
    client = target.client(max_retries=0)
    try:
        return client.cluster.health()["status"]
    finally:
        client.close()


def _refused(target: EsTarget) -> str:
    with pytest.raises(Exception) as caught:
        _health(target)
    return describe_error(caught.value, target)


def test_a_wrong_ca_is_refused_and_the_right_one_accepted(node):
    line = _refused(_target(node, ca_certs=str(node.wrong_ca_path)))
    assert line.startswith(f"cannot reach {node.url}: TLS handshake failed: certificate "
                           "verify failed")
    assert "--es-ca-certs" in line and "\n" not in line
    assert _refused(_target(node)).startswith(f"cannot reach {node.url}: TLS")  # system CAs
    assert _health(_target(node, ca_certs=str(node.ca_path))) in ("green", "yellow")


def test_the_pinned_fingerprint_is_the_trust(node):
    pinned = _target(node, ssl_fingerprint=node.fingerprint)
    assert _health(pinned) in ("green", "yellow")
    wrong = _target(node, ssl_fingerprint="00" * 32)
    assert _refused(wrong) == (f"cannot reach {node.url}: the server's certificate does not "
                               "match the pinned --es-ssl-fingerprint")


def test_no_verify_certs_connects_and_plain_http_is_explained(node, caplog):
    assert _health(_target(node, verify_certs=False)) in ("green", "yellow")
    assert "NOT verified" in caplog.text
    plain = _target(node, url=node.url.replace("https://", "http://"))
    assert "https:// needed?" in _refused(plain)


def test_bad_credentials_are_one_line(node, capsys):
    line = _refused(_target(node, ca_certs=str(node.ca_path), password="wrong-password"))
    assert line.startswith(f"{node.url} rejected the credentials (401)")
    assert cli.main(["search", "--es-url", node.url, "--es-ca-certs", str(node.wrong_ca_path),
                     "--es-username", node.username, "--es-password", node.password]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and node.url in err[0] and node.password not in err[0]


def _setup(node, prefix, keys, capsys, monkeypatch):
    monkeypatch.setenv("DEFWATCH_ES_PASSWORD", node.password)
    code = cli.main(["setup", "--es-url", node.url, "--es-ca-certs", str(node.ca_path),
                     "--es-username", node.username, "--index-prefix", prefix,
                     "--create-api-keys", str(keys)])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


def test_setup_mints_least_privilege_keys_in_private_files(node, tmp_path, capsys, monkeypatch):
    keys = tmp_path / "secrets"
    out = _setup(node, "secure", keys, capsys, monkeypatch)
    assert "api key writer: created" in out and "api key analyst: created" in out
    for role in ("writer", "analyst"):
        assert stat.S_IMODE((keys / f"{role}.api_key").stat().st_mode) == 0o600
    writer = EsTarget.from_env({}, url=node.url, ca_certs=str(node.ca_path),
                               api_key=(keys / "writer.api_key").read_text().strip()).client()
    analyst = EsTarget.from_env({}, url=node.url, ca_certs=str(node.ca_path),
                                api_key=(keys / "analyst.api_key").read_text().strip()).client()
    writer.index(index="secure-articles", id="a1", document={"doc_id": "a1", "text": "x"},
                 refresh=True)
    assert analyst.get(index="secure-articles", id="a1")["_source"]["text"] == "x"
    forbidden = [
        lambda: writer.index(index="other-index", document={"x": 1}),
        lambda: writer.indices.put_index_template(name="evil", index_patterns=["secure-*"]),
        lambda: writer.indices.delete(index="secure-articles-v1"),
        lambda: writer.security.create_api_key(name="escalate"),
        lambda: analyst.index(index="secure-articles", document={"x": 1}),
        lambda: analyst.search(index="other-index"),
    ]
    for attempt in forbidden:
        with pytest.raises(AuthorizationException):
            attempt()
    again = _setup(node, "secure", keys, capsys, monkeypatch)  # idempotent: keys kept
    assert "api key writer: kept" in again and "api key analyst: kept" in again


def test_backfill_over_tls_with_the_writer_key_then_search_with_the_analyst_key(
        node, tmp_path, capsys, monkeypatch):
    keys = tmp_path / "secrets"
    _setup(node, "tlsrun", keys, capsys, monkeypatch)
    monkeypatch.delenv("DEFWATCH_ES_PASSWORD")
    archive = tmp_path / "archive.jsonl"
    archive.write_text(json.dumps({"doc_id": "tls-1", "url": "https://example.org/1",
                                   "published": "2024-04-02", "text": REPORT},
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    common = ["--es-url", node.url, "--es-ca-certs", str(node.ca_path),
              "--index-prefix", "tlsrun"]
    monkeypatch.setenv("DEFWATCH_ES_API_KEY_FILE", str(keys / "writer.api_key"))
    assert cli.main(["backfill", str(archive), *common, "--no-setup", "--quiet"]) == 0
    admin = _target(node, ca_certs=str(node.ca_path)).client()
    admin.indices.refresh(index="tlsrun-*")
    assert admin.count(index="tlsrun-articles")["count"] == 1
    admin.close()
    monkeypatch.setenv("DEFWATCH_ES_API_KEY_FILE", str(keys / "analyst.api_key"))
    capsys.readouterr()
    assert cli.main(["search", *common, "--format", "jsonl"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [e["actor"]["id"] for e in events] == ["ndf"]
