"""``EsTarget``: one Elasticsearch settings object for every command and connector."""
from __future__ import annotations

import argparse
import pickle
import socket

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from connectors.es_client import (
    EsConfigError,
    EsTarget,
    add_es_arguments,
    describe_error,
    es_target_from_args,
)
from pipelines import cli, run_cmd
from pipelines.options import es_target


def _parse(argv, env=None):
    parser = argparse.ArgumentParser()
    add_es_arguments(parser)
    return es_target_from_args(parser.parse_args(argv), env or {})


def test_defaults_are_the_local_node_and_the_defwatch_prefix():
    target = _parse([])
    assert (target.url, target.index_prefix, target.api_key) == (
        "http://127.0.0.1:9200", "defwatch", None)
    assert target.client_kwargs() == {"hosts": ["http://127.0.0.1:9200"],
                                      "request_timeout": 30.0}


def test_flags_win_over_the_environment_which_wins_over_defaults(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("ZmlsZWtleQ==\n")
    env = {"DEFWATCH_ES_URL": "https://env.example:9243", "DEFWATCH_ES_API_KEY_FILE":
           str(key_file), "DEFWATCH_INDEX_PREFIX": "envprefix",
           "DEFWATCH_ES_REQUEST_TIMEOUT": "12", "DEFWATCH_ES_VERIFY_CERTS": "false"}
    from_env = _parse([], env)
    assert (from_env.url, from_env.api_key, from_env.index_prefix) == (
        "https://env.example:9243", "ZmlsZWtleQ==", "envprefix")
    assert from_env.request_timeout == 12.0 and from_env.verify_certs is False
    flagged = _parse(["--es-url", "https://flag.example", "--es-username", "u",
                      "--es-password", "p", "--index-prefix", "mine"], env)
    # explicit credentials replace every credential from the environment
    assert (flagged.url, flagged.username, flagged.password, flagged.api_key) == (
        "https://flag.example", "u", "p", None)
    assert flagged.index_prefix == "mine"
    assert flagged.client_kwargs()["basic_auth"] == ("u", "p")


def test_a_cloud_id_replaces_the_url():
    target = _parse([], {"DEFWATCH_ES_CLOUD_ID": "desk:ZXUtd2VzdC0xLmF3cy5mb3VuZC5pbyRhYmMkZGVm",
                         "DEFWATCH_ES_URL": "http://ignored:9200"})
    assert target.url is None and target.display == "cloud deployment 'desk'"
    assert "hosts" not in target.client_kwargs() and target.client_kwargs()["cloud_id"]
    flagged = _parse(["--es-url", "http://127.0.0.1:9200"],
                     {"DEFWATCH_ES_CLOUD_ID": "desk:abc"})
    assert flagged.url == "http://127.0.0.1:9200" and flagged.cloud_id is None


def test_credentials_in_the_url_move_out_of_it_and_never_show():
    target = EsTarget.from_env({}, url="https://writer:s3cr%40t@es.example:9243/")
    assert (target.url, target.username, target.password) == (
        "https://es.example:9243", "writer", "s3cr@t")
    shown = repr(target) + target.display
    assert "s3cr" not in shown and "api_key=" not in repr(EsTarget(api_key="k" * 20))


@pytest.mark.parametrize("argv, message", [
    (["--es-api-key", "k", "--es-username", "u", "--es-password", "p"], "not both"),
    (["--es-username", "u"], "needs a password"),
    (["--es-url", "ftp://x"], "http(s)://"),
    (["--es-ssl-fingerprint", "abc"], "SHA-256"),
    (["--es-ca-certs", "/nonexistent/ca.pem"], "not found"),
    (["--index-prefix", "Bad Prefix"], "index prefix"),
    (["--es-url", "http://a:1", "--es-cloud-id", "x:y"], "not both"),
])
def test_contradictions_are_usage_errors(argv, message):
    with pytest.raises(EsConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _parse(argv)


def test_contradictions_exit_2_from_the_command_line(capsys):
    assert cli.main(["search", "--es-api-key", "k", "--es-username", "u"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["defwatch search: give an API key or a username and password, not both"]


def test_tls_options_become_client_options(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    verified = _parse(["--es-url", "https://es:9200", "--es-ca-certs", str(ca)])
    assert verified.client_kwargs()["ca_certs"] == str(ca)
    assert verified.client_kwargs()["verify_certs"] is True
    pinned = _parse(["--es-url", "https://es:9200", "--es-ssl-fingerprint", "AB:" * 31 + "AB"])
    assert pinned.client_kwargs()["ssl_assert_fingerprint"] == "ab" * 32
    unverified = _parse(["--es-url", "https://es:9200", "--no-verify-certs"])
    assert unverified.client_kwargs()["verify_certs"] is False


def test_settings_survive_pickling_for_beam_workers():
    target = EsTarget.from_env({}, url="https://es:9200", api_key="a2V5", index_prefix="p1")
    assert pickle.loads(pickle.dumps(target)) == target


def test_pipeline_options_take_the_same_flags_in_both_spellings(monkeypatch):
    monkeypatch.setenv("DEFWATCH_ES_PASSWORD", "from-env")
    known, _ = run_cmd.parser().parse_known_args(
        ["--feeds", "f.yaml", "--es-url", "https://es:9200", "--no-verify-certs",
         "--es-username", "writer", "--es_request_timeout", "7", "--index-prefix", "p2"])
    options = PipelineOptions(run_cmd.argv_of(known))
    target = es_target(options)
    assert (target.url, target.username, target.password) == (
        "https://es:9200", "writer", "from-env")
    assert target.verify_certs is False and target.request_timeout == 7.0
    assert target.index_prefix == "p2"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_cluster_is_one_line_naming_the_url(capsys):
    url = f"http://127.0.0.1:{_closed_port()}"
    target = EsTarget.from_env({}, url=url, request_timeout=2)
    with pytest.raises(Exception) as caught:
        target.client(max_retries=0).cluster.health()
    assert describe_error(caught.value, target) == f"cannot reach {url}: connection refused"
    assert cli.main(["setup", "--es-url", url]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"defwatch setup: could not install the indices: cannot reach {url}: "
                   "connection refused"]
