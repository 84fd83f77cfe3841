"""The local Elasticsearch tooling: JDK discovery, clear errors, and the running node."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from deploy import local_es


def _fake_jdk(root: Path, name: str, major: int) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\nexit 0\n")
    (home / "bin" / "java").chmod(0o755)
    (home / "release").write_text(f'IMPLEMENTOR="Test"\nJAVA_VERSION="{major}.0.1"\n')
    return home


def test_finds_the_newest_jdk_21_or_later(tmp_path, monkeypatch):
    for name, major in [("java-17", 17), ("temurin-21", 21), ("temurin-25", 25)]:
        _fake_jdk(tmp_path, name, major)
    monkeypatch.setattr(local_es, "JVM_ROOT", tmp_path)
    monkeypatch.delenv("ES_JAVA_HOME", raising=False)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "java-17"))  # too old: ignored
    assert local_es.find_jdk() == tmp_path / "temurin-25"
    monkeypatch.setenv("ES_JAVA_HOME", str(tmp_path / "temurin-21"))
    assert local_es.find_jdk() == tmp_path / "temurin-21"


def test_says_which_jdks_it_found_when_none_is_new_enough(tmp_path, monkeypatch):
    _fake_jdk(tmp_path, "java-17", 17)
    monkeypatch.setattr(local_es, "JVM_ROOT", tmp_path)
    monkeypatch.delenv("ES_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(local_es.LocalESError, match=r"JDK 21 or newer.*java-17 \(Java 17\)"):
        local_es.find_jdk()


@pytest.fixture
def served(tmp_path):
    """A loopback HTTP server for the files under tmp_path/www (counts the requests)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    www = tmp_path / "www"
    www.mkdir()
    hits = []

    class Handler(SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            hits.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=www))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield www, f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_a_download_is_kept_only_when_its_sha512_is_the_pinned_one(tmp_path, served):
    import hashlib
    www, base, hits = served
    (www / "dist.zip").write_bytes(b"the real bytes" * 1000)
    pinned = hashlib.sha512(b"the real bytes" * 1000).hexdigest()
    target = tmp_path / "cache" / "dist.zip"
    assert local_es.download(f"{base}/dist.zip", target, pinned, log=lambda _: None) == target
    assert target.read_bytes() == b"the real bytes" * 1000
    (www / "dist.zip").write_bytes(b"substituted" * 1000)
    other = tmp_path / "cache" / "other.zip"
    with pytest.raises(local_es.LocalESError, match="SHA-512 mismatch.*deleted it"):
        local_es.download(f"{base}/dist.zip", other, pinned, log=lambda _: None)
    assert not other.exists() and not other.with_name("other.zip.part").exists()
    with pytest.raises(local_es.LocalESError, match="could not download"):
        local_es.download(f"{base}/missing.zip", other, pinned, log=lambda _: None,
                          attempts=1)


def test_a_local_maven_copy_is_read_only_from_home(tmp_path, monkeypatch):
    copy = tmp_path / ".m2" / "repository" / local_es.ARTIFACT_PATH
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"zip")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert local_es._local_maven_copy() == copy
    monkeypatch.setenv("HOME", "")
    assert local_es._local_maven_copy() is None
    monkeypatch.delenv("HOME")  # Path.home() would fall back to the account's home
    assert local_es._local_maven_copy() is None


def test_fetch_takes_the_zip_from_the_configured_repository(tmp_path, served, monkeypatch):
    www, base, hits = served
    monkeypatch.setenv("DEFWATCH_MAVEN_REPO", base)
    monkeypatch.setattr(local_es, "_local_maven_copy", lambda: None)
    payload = b"zip bytes"
    monkeypatch.setattr(local_es, "ES_ZIP_SHA512", __import__("hashlib").sha512(payload)
                        .hexdigest())
    (www / local_es.ARTIFACT_PATH).parent.mkdir(parents=True)
    (www / local_es.ARTIFACT_PATH).write_bytes(payload)
    layout = local_es.Layout(tmp_path / "home", 1)
    assert local_es.fetch(layout, log=lambda _: None).read_bytes() == payload
    assert hits == [f"/{local_es.ARTIFACT_PATH}"]


@pytest.mark.slow
def test_the_plugin_compiles_against_the_distribution_without_maven(tmp_path):
    import zipfile
    # The cache's distribution (its first unpack fetches the ~130 MB zip); no node needed.
    cached = local_es.unpack(local_es.Layout(local_es.cache_dir(), 1), log=lambda _: None)
    layout = local_es.Layout(tmp_path, 1)
    layout.install.symlink_to(cached)
    built = local_es.build_plugin(layout, local_es.find_jdk(), log=lambda _: None)
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
        descriptor = archive.read("stable-plugin-descriptor.properties").decode()
        components = json.loads(archive.read("named_components.json"))
        with zipfile.ZipFile(archive.open(f"{local_es.PLUGIN_NAME}-{local_es.ES_VERSION}.jar")
                             ) as jar:
            classes = set(jar.namelist())
    assert names == {f"{local_es.PLUGIN_NAME}-{local_es.ES_VERSION}.jar",
                     "stable-plugin-descriptor.properties", "named_components.json"}
    assert f"elasticsearch.version={local_es.ES_VERSION}" in descriptor and "=${" not in descriptor
    filters = components["org.elasticsearch.plugin.analysis.TokenFilterFactory"]
    assert {"defwatch_arabic_normalize", "pattern_capture", "unique"} <= set(filters)
    assert "org/defwatch/analysis/UniqueFilterFactory$UniqueFilter.class" in classes


def test_refuses_a_port_another_process_holds(tmp_path, monkeypatch):
    monkeypatch.setenv("DEFWATCH_HOME", str(tmp_path / "home"))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(local_es.LocalESError, match=f"port {port} is taken.*--port"):
            local_es.start(port)


def test_shows_the_log_tail_when_the_node_fails_to_start(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DEFWATCH_HOME", str(home))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    layout = local_es.Layout(home, port)
    (layout.install / "bin").mkdir(parents=True)
    script = layout.install / "bin" / "elasticsearch"
    script.write_text("#!/bin/sh\necho 'fatal error: cannot lock data directory' >&2\nexit 78\n")
    script.chmod(0o755)
    plugin_dir = layout.install / "plugins" / local_es.PLUGIN_NAME
    plugin_dir.mkdir(parents=True)
    (plugin_dir / ".defwatch-digest").write_text(local_es._plugin_digest())
    with pytest.raises(local_es.LocalESError,
                       match=r"(?s)failed to start \(exit 78\).*cannot lock data directory"):
        local_es.start(port, timeout=30)


def test_stop_without_a_running_node_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("DEFWATCH_HOME", str(tmp_path))
    assert local_es.stop(1) is False
    assert local_es.status(1) is None


@pytest.mark.es
def test_status_prints_the_url_of_a_version_9_node_last(es_url):
    port = urlparse(es_url).port
    if local_es.status(port) is None:
        pytest.skip(f"{es_url} was not started by `defwatch local-es`")
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "local-es", "status",
                          "--port", str(port)], capture_output=True, text=True, cwd=repo,
                         env={**os.environ}, timeout=60, check=True).stdout
    url = out.strip().splitlines()[-1]
    assert url == f"http://127.0.0.1:{port}"
    with urllib.request.urlopen(f"{url}/_nodes/_local", timeout=10) as response:
        nodes = json.load(response)["nodes"]
    (node,) = nodes.values()
    assert node["version"].startswith("9.")
    assert local_es.PLUGIN_NAME in {p["name"] for p in node.get("plugins", [])}
