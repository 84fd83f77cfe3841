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


def test_says_how_to_get_maven_when_it_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(local_es.LocalESError, match="apt-get install maven"):
        local_es.find_mvn()


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
