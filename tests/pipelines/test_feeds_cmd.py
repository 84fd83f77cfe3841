"""`defwatch feeds check`: a status table over real loopback feeds."""
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
