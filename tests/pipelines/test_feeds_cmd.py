"""`defwatch feeds check`: a status table over real loopback feeds."""
import socket
import time

import pytest

from pipelines.feeds_cmd import main
from tests.support.loopback_site import LoopbackSite


def test_feeds_check_table(tmp_path, capsys):
    with LoopbackSite() as site:
        feed = site.feed("/ok.xml")
        feed.add_item("خبر", "http://example.org/1", pub_date="2024-05-12T07:15:00Z")
        feed.add_item("خبر آخر", "http://example.org/2", pub_date="2024-05-13T07:15:00Z")
        path = tmp_path / "feeds.yaml"
        path.write_text(
            "feeds:\n"
            f"  - {{id: good, url: '{site.url('/ok.xml')}'}}\n"
            f"  - {{id: missing, url: '{site.url('/missing.xml')}'}}\n"
            "  - {id: metadata, url: 'http://169.254.169.254/feed'}\n", encoding="utf-8")
        code = main(["check", str(path), "--allow-host", "127.0.0.1", "--timeout", "2"])
    out, err = capsys.readouterr()
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert code == 1
    assert rows["good"][1:5] == ["rss", "200", "2", "2024-05-13T07:15:00Z"]
    assert rows["missing"][2] == "http_status:404"
    assert rows["metadata"][2] == "private_address"
    assert "metadata: private_address" in err


def test_invalid_file_exit_code(tmp_path, capsys):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {id: x, url: 'gopher://a/'}\n", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "entry 1 (id 'x'): url must be an http(s) URL" in capsys.readouterr().err


def test_hanging_and_header_trickling_feeds_each_get_a_row_within_the_timeout(tmp_path, capsys):
    with LoopbackSite(host="127.0.0.2") as outlet, LoopbackSite(host="127.0.0.9") as hostile:
        feed = outlet.feed("/feed.xml")
        feed.add_item("خبر", "http://example.org/1", pub_date="2024-05-12T07:15:00Z")
        hostile.hang("/never.xml")
        hostile.trickle_head("/tarpit.xml", interval=0.2)
        with socket.socket() as probe:
            probe.bind(("127.0.0.9", 0))
            closed_port = probe.getsockname()[1]
        path = tmp_path / "feeds.yaml"
        path.write_text(
            "feeds:\n"
            f"  - {{id: good, url: '{outlet.url('/feed.xml')}'}}\n"
            f"  - {{id: never, url: '{hostile.url('/never.xml')}'}}\n"
            f"  - {{id: tarpit, url: '{hostile.url('/tarpit.xml')}'}}\n"
            f"  - {{id: refused, url: 'http://127.0.0.9:{closed_port}/feed.xml'}}\n"
            "  - {id: nowhere, url: 'http://no-such-outlet.invalid/feed.xml'}\n",
            encoding="utf-8")
        started = time.monotonic()
        code = main(["check", str(path), "--allow-host", "127.0.0.2", "--allow-host",
                     "127.0.0.9", "--timeout", "2"])
        elapsed = time.monotonic() - started
    out, _ = capsys.readouterr()
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert code == 1 and elapsed < 4.0
    assert {name: cells[2] for name, cells in rows.items()} == {
        "good": "200", "never": "timeout", "tarpit": "timeout",
        "refused": "connection_refused", "nowhere": "dns_error"}


def test_a_bad_allow_host_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {id: x, url: 'http://127.0.0.1/feed'}\n", encoding="utf-8")
    with pytest.raises(SystemExit) as caught:
        main(["check", str(path), "--allow-host", "http://127.0.0.1"])
    assert caught.value.code == 2
    assert "is not HOST or HOST:PORT" in capsys.readouterr().err
