"""The defwatch entry point: version, usage errors, and which error comes first."""
from __future__ import annotations

import socket

from pipelines import cli


def _closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_version_and_unknown_commands(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"defwatch {cli.version()}"
    assert cli.version()[0].isdigit()
    assert cli.main(["extrct"]) == 2
    assert "unknown command 'extrct'" in capsys.readouterr().err


def test_a_missing_feeds_file_is_named_before_an_unreachable_elasticsearch(tmp_path, capsys):
    missing = tmp_path / "feeds.yaml"
    assert cli.main(["run", "--feeds", str(missing), "--es-url", _closed_url(),
                     "--runner", "DirectRunner"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(missing) in err[0] and "cannot reach" not in err[0]
