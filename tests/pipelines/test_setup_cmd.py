"""``defwatch setup`` against the real Elasticsearch and a loopback stand-in for Kibana's API."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelines import setup_cmd

pytestmark = pytest.mark.es


class _KibanaImport(BaseHTTPRequestHandler):
    """Records each import request; answers like Kibana's ``_import`` API."""
    requests: list[dict] = []
    answer: dict = {"success": True, "successCount": 6}

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append({"path": self.path, "xsrf": self.headers.get("kbn-xsrf"),
                                    "auth": self.headers.get("Authorization"),
                                    "type": self.headers.get("Content-Type"), "body": body})
        payload = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def kibana():
    _KibanaImport.requests = []
    _KibanaImport.answer = {"success": True, "successCount": 6}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KibanaImport)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_installs_then_reports_nothing_to_do(capsys, es_url, es_client, es_bare_prefix):
    argv = ["--es-url", es_url, "--index-prefix", es_bare_prefix]
    assert setup_cmd.main(argv) == 0
    first = capsys.readouterr().out.splitlines()
    assert f"index {es_bare_prefix}-events-v1: created" in first and first[-1] == "changed"
    assert setup_cmd.main(argv) == 0
    second = capsys.readouterr().out.splitlines()
    assert second[-1].startswith("nothing to do")
    assert all(line.endswith(": unchanged") for line in second[:-1])
    assert es_client.indices.exists_alias(name=f"{es_bare_prefix}-alerts")


def test_imports_the_saved_objects_into_kibana(capsys, kibana, es_url, es_bare_prefix):
    tiles = "https://tiles.internal.example/{z}/{x}/{y}.png"
    argv = ["--es-url", es_url, "--index-prefix", es_bare_prefix, "--kibana-url", kibana,
            "--kibana-api-key", "k3y", "--basemap-url", tiles]
    assert setup_cmd.main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "kibana: imported 6 saved objects"
    (request,) = _KibanaImport.requests
    assert request["path"] == "/api/saved_objects/_import?overwrite=true"
    assert request["xsrf"] and request["auth"] == "ApiKey k3y"
    assert request["type"].startswith("multipart/form-data")
    payload = setup_cmd.kibana_objects(es_bare_prefix, tiles)
    assert payload in request["body"]
    objects = [json.loads(line) for line in payload.decode().splitlines()]
    assert {o["attributes"]["title"] for o in objects if o["type"] == "index-pattern"} == {
        f"{es_bare_prefix}-events"}
    (mapping,) = [o for o in objects if o["type"] == "map"]
    assert json.loads(mapping["attributes"]["layerListJSON"])[0]["sourceDescriptor"][
        "urlTemplate"] == tiles


def test_the_default_basemap_is_filled_in():
    text = setup_cmd.kibana_objects().decode()
    assert "DEFWATCH_BASEMAP_URL" not in text and "tile.openstreetmap.org/{z}/{x}/{y}" in text


@pytest.mark.parametrize("url", ["tiles.example.org/{z}/{x}/{y}.png",
                                 "https://tiles.example.org/tiles.png"])
def test_a_basemap_url_without_tiles_is_bad_usage(capsys, url):
    with pytest.raises(SystemExit) as stop:
        setup_cmd.main(["--basemap-url", url])
    assert stop.value.code == 2 and "--basemap-url" in capsys.readouterr().err


def test_a_failed_kibana_import_is_an_error(capsys, kibana, es_url, es_bare_prefix):
    _KibanaImport.answer = {"success": False, "errors": [{"id": "x", "error": {"type": "bad"}}]}
    argv = ["--es-url", es_url, "--index-prefix", es_bare_prefix, "--kibana-url", kibana]
    assert setup_cmd.main(argv) == 1
    assert "Kibana import failed" in capsys.readouterr().err
