"""`defwatch run` plumbing: runner choice, options with environment fallbacks, status line."""
from __future__ import annotations

import io
import logging
import os
import stat

import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines import backfill_cmd, run_cmd
from pipelines.options import DefwatchOptions, resolved, unknown_options
from pipelines.status import format_status


@pytest.fixture
def fake_prism(tmp_path, monkeypatch):
    binary = tmp_path / "prism"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("DEFWATCH_PRISM", str(binary))
    return str(binary)


def test_prism_is_the_default_runner_when_its_binary_is_there(fake_prism):
    args = run_cmd.runner_args([])
    assert "--runner=PrismRunner" in args and f"--prism_location={fake_prism}" in args
    assert "--environment_type=LOOPBACK" in args and "--streaming" in args
    assert "--experiments=disable_prism_server_singleton" in args


def test_portable_runs_outlive_beams_five_minute_job_stream_deadline(fake_prism):
    # Beam's default --job_server_timeout (300 s) is the deadline of the job's state stream:
    # the soak saw every Prism run reported FAILED (and cancelled) at 5:00.
    timeout = run_cmd._flag_value(run_cmd.runner_args([]), "--job_server_timeout")
    assert int(timeout) >= 365 * 86400
    kept = run_cmd.runner_args(["--job_server_timeout=900"])
    assert [a for a in kept if a.startswith("--job_server_timeout")] == ["--job_server_timeout=900"]
    assert "--job_server_timeout" not in " ".join(run_cmd.runner_args(["--runner=DirectRunner"]))


def test_an_explicit_runner_is_kept(fake_prism):
    args = run_cmd.runner_args(["--runner=FlinkRunner", "--flink_master=[local]"])
    assert "--runner=FlinkRunner" in args and not any("prism" in a for a in args)
    assert "--environment_type=LOOPBACK" in args


def test_direct_runner_with_a_warning_without_prism(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("DEFWATCH_PRISM", str(tmp_path / "missing"))
    monkeypatch.setattr(run_cmd, "PROJECT_ROOT", tmp_path)
    args = run_cmd.runner_args([])
    assert "--runner=DirectRunner" in args
    assert "--environment_type=LOOPBACK" not in args
    assert "Prism not found" in caplog.text


def test_options_parse_flags_and_fall_back_to_the_environment(monkeypatch):
    monkeypatch.setenv("DEFWATCH_ES_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("DEFWATCH_ES_API_KEY", "k3y")
    monkeypatch.setenv("DEFWATCH_ALERTS", "json://127.0.0.1:1/hook, mailto://a@b")
    known, beam_args = run_cmd.parser().parse_known_args([
        "--feeds", "f.yaml", "--alert", "json://127.0.0.1:2/x", "--allow-host", "127.0.0.1",
        "--poll-interval", "30", "--runner", "PrismRunner", "--duration", "5"])
    assert beam_args == ["--runner", "PrismRunner"]
    opts = resolved(PipelineOptions(run_cmd.argv_of(known)))
    assert isinstance(opts, DefwatchOptions)
    assert opts.es_url == "http://127.0.0.1:9999" and opts.es_api_key == "k3y"
    assert opts.alert == ["json://127.0.0.1:2/x", "json://127.0.0.1:1/hook", "mailto://a@b"]
    assert opts.allow_host == ["127.0.0.1"]
    assert (opts.poll_interval, opts.duration, opts.feeds) == (30.0, 5.0, "f.yaml")
    assert opts.drain_seconds == 30 and opts.article_decision_delay == 0


def test_an_explicit_es_url_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("DEFWATCH_ES_URL", "http://127.0.0.1:9999")
    opts = resolved(PipelineOptions(["--es-url=http://127.0.0.1:1234"]))
    assert opts.es_url == "http://127.0.0.1:1234"


def test_run_without_feeds_is_a_usage_error(capsys):
    assert run_cmd.main([]) == 2
    assert "--feeds" in capsys.readouterr().err


def test_status_line_sums_counters_by_stage():
    totals = {"feeds:poll/polled": 3, "feeds:entries/new": 9, "articles:article/page": 7, "articles:article/summary": 1,
              "defwatch.article_dedup:article_dedup/near_duplicate": 1,
              "defwatch.event_dedup:dedup/new": 2, "defwatch.event_dedup:dedup/update": 1,
              "elasticsearch:indexed": 11, "defwatch.deadletters:feed/http_status": 1,
              "defwatch.deadletters:fetch/private_address": 2, "articles:fetch/timeout": 4,
              "articles:fetch/ok": 7}
    line = format_status(totals, 3725)
    assert line.startswith("defwatch 01:02:05 ")
    assert "polls=3" in line and "entries=9" in line and "new=2" in line and "upd=1" in line
    assert "fetched=7" in line and "articles=8" in line
    assert "indexed=11" in line and "dead=3" in line and "dup=1" in line
    assert "\n" not in line


def test_prism_binary_is_found_in_the_project_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("DEFWATCH_PRISM", raising=False)
    (tmp_path / ".cache/bin").mkdir(parents=True)
    binary = tmp_path / ".cache/bin/prism"
    binary.write_text("")
    monkeypatch.setattr(run_cmd, "PROJECT_ROOT", tmp_path)
    assert run_cmd.prism_binary() is None  # not executable
    os.chmod(binary, 0o755)
    assert run_cmd.prism_binary() == str(binary)


@pytest.mark.parametrize("command", [run_cmd.main, backfill_cmd.main])
def test_a_mistyped_option_is_a_usage_error_naming_it(command, capsys):
    head = ["--feeds", "feeds.yaml"] if command is run_cmd.main else ["archive.jsonl"]
    assert command([*head, "--duraton", "60"]) == 2
    err = capsys.readouterr().err
    assert "unknown option '--duraton' (did you mean --duration?)" in err


@pytest.mark.parametrize("command", [run_cmd.main, backfill_cmd.main])
def test_the_commands_set_up_logging_with_secret_redaction(command):
    from connectors.redact import RedactingFilter
    root = logging.getLogger()
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    try:
        head = ["--feeds", "feeds.yaml"] if command is run_cmd.main else ["archive.jsonl"]
        assert command([*head, "--duraton", "60"]) == 2
        assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    finally:
        root.removeHandler(handler)


def test_beam_options_pass_the_check_and_typos_of_them_do_not():
    beam_args = ["--runner=PrismRunner", "--prism_location", "/opt/prism", "--streaming",
                 "--flink_master=[local]", "--environment_type=LOOPBACK",
                 "--experiments=disable_prism_server_singleton", "--setup_file", "./setup.py"]
    assert unknown_options(beam_args) == []
    assert unknown_options(["--runer", "PrismRunner"]) == ["--runer", "PrismRunner"]


def test_a_bad_allow_host_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        run_cmd.main(["--feeds", "feeds.yaml", "--allow-host", "127.0.0.1:http"])
    assert caught.value.code == 2
    assert "expected HOST:PORT" in capsys.readouterr().err


def test_status_line_names_the_feeds_backing_off():
    assert " backoff=2(never,tarpit) es=ok" in format_status({}, 5, waiting=["never", "tarpit"])
    assert " backoff=0 " in format_status({}, 5, waiting=[])
    assert "backoff" not in format_status({}, 5)


def test_the_failed_alert_sweep_runs_on_every_nth_tick_after_the_start():
    from apache_beam.utils.timestamp import Timestamp

    from pipelines.streaming import _sweep_due
    start = 1_000.0
    due = [t for t in range(0, 250) if _sweep_due(start + t, start, 1.0, 60.0)]
    assert due == [60, 120, 180, 240]  # not on the first tick (the start itself)
    assert _sweep_due(start + 59.6, start, 1.0, 60.0)  # a late tick still counts as the 60th
    assert not _sweep_due(start + 60.6, start, 1.0, 60.0)
    assert _sweep_due(Timestamp(start + 10), start, 2.0, 10.0)  # Beam's tick timestamps
    assert not _sweep_due(Timestamp(start + 8), start, 2.0, 10.0)
    # a sweep interval shorter than a tick: every tick after the start
    assert [t for t in range(4) if _sweep_due(start + t, start, 1.0, 0.2)] == [1, 2, 3]
    assert not _sweep_due(start - 5, start, 1.0, 60.0)  # a tick before the start: none


def test_a_worker_thread_failing_after_a_cancel_is_one_line_not_a_traceback(capfd):
    """The in-process SDK worker's 'read_state' thread raises when a cancel closes its stream."""
    import threading

    def fail():
        raise ConnectionError("stream closed")

    previous = threading.excepthook
    threading.excepthook = run_cmd._thread_error
    try:
        run_cmd.CANCELLING.set()
        worker = threading.Thread(target=fail, name="read_state")
        worker.start()
        worker.join()
        err = capfd.readouterr().err
        assert "read_state stopped with the job (ConnectionError)" in err
        assert "Traceback" not in err
        run_cmd.CANCELLING.clear()  # before a cancel, the default report
        worker = threading.Thread(target=fail, name="other")
        worker.start()
        worker.join()
        assert "Traceback" in capfd.readouterr().err
    finally:
        threading.excepthook = previous
        run_cmd.CANCELLING.clear()


def test_a_second_signal_exits_130_even_when_the_job_reported_its_end_first(monkeypatch):
    """The waiter may record the job's end before the second signal's handler does: the exit
    code still says the run was cut short (it said 0 once under load)."""
    import threading
    import types

    import apache_beam as beam

    def second_signal_after_the_end(result, waiter, *_):
        waiter.join(30)  # the job has ended and the waiter has said so
        raise KeyboardInterrupt

    monkeypatch.setattr(run_cmd, "_watch", second_signal_after_the_end)
    pipeline = beam.Pipeline(runner="DirectRunner")
    _ = pipeline | beam.Create([1, 2, 3]) | beam.Map(lambda x: x)
    hook = threading.excepthook  # kept by the run after a cancel (threads fail as it exits)
    try:
        code = run_cmd.run_until_stopped(pipeline, types.SimpleNamespace(status_interval=0))
    finally:
        run_cmd.CANCELLING.clear()
        threading.excepthook = hook
    assert code == 130
