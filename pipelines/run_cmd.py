"""``defwatch run --feeds FEEDS.yaml [...]``: the continuous pipeline, until stopped.

- Installs the index templates and aliases first (``schemas.index_setup.install``).
- Runner: Beam's ``--runner`` when given; else Prism when its binary is in the project cache
  (``.cache/bin/prism``, built by ``deploy/runners/build_prism.sh``, or ``DEFWATCH_PRISM``);
  else the DirectRunner, with a warning (its streaming mode fires timers early).
- SIGINT/SIGTERM: no feed is polled any more and the fetches in flight end; the job is
  cancelled as soon as everything handed out is processed and committed (the scheduler
  says so when the SDK worker runs in this process), at the latest ``--drain-seconds`` after
  the signal. ``--duration S`` ends the impulse after S seconds, so the pipeline drains and
  finishes by itself; if it has not after S + ``--drain-seconds``, it is cancelled. Either
  way the command returns within ``CANCEL_GRACE`` seconds of the cancel: a run always ends.
- A one-line status on stderr every ``--status-interval`` seconds (feeds backing off named).
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from pipelines.logs import configure_logging
from pipelines.options import DefwatchOptions, unknown_options, unknown_options_message

LOG = logging.getLogger("defwatch.run")
PROJECT_ROOT = Path(__file__).resolve().parents[1]
JOB_STREAM_TIMEOUT = 10 * 365 * 86400  # seconds: longer than any run (see runner_args)
CANCEL_GRACE = 8.0  # seconds a cancelled job gets to stop before the command returns
QUIET_CHECKS = 3  # idle checks in a row (0.5 s apart) that make a stopping run drained


EXAMPLES = """examples:
  defwatch run --feeds deploy/feeds.yaml --alert json://desk.example.org/hook
  defwatch run --feeds feeds.yaml --duration 600 --poll-interval 60 --status-interval 10
  defwatch run --feeds site.yaml --allow-host 127.0.0.1:8080 --fetch-deadline 20
  defwatch run --feeds feeds.yaml --runner FlinkRunner --flink_master=[local]

Beam options (--runner, --prism_location, --flink_master, --environment_type, …) are passed
to Beam; any other unknown option is an error (exit 2). Latency, drain and restarts:
docs/operations.md."""


def prism_binary() -> str | None:
    """Path of the Prism binary: ``DEFWATCH_PRISM`` or ``.cache/bin/prism``, if executable."""
    for candidate in (os.environ.get("DEFWATCH_PRISM"), PROJECT_ROOT / ".cache/bin/prism"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _has_flag(argv: list[str], name: str) -> bool:
    return any(a == name or a.startswith(name + "=") for a in argv)


def _flag_value(argv: list[str], name: str) -> str | None:
    """The value of ``--name=value`` or ``--name value`` in ``argv`` (the last one wins)."""
    value = None
    for i, arg in enumerate(argv):
        if arg.startswith(name + "="):
            value = arg.split("=", 1)[1]
        elif arg == name and i + 1 < len(argv):
            value = argv[i + 1]
    return value


def runner_args(beam_args: list[str]) -> list[str]:
    """Beam arguments with the default runner (Prism, else DirectRunner) filled in."""
    args = list(beam_args)
    if not _has_flag(args, "--runner"):
        prism = prism_binary()
        if prism:
            args += ["--runner=PrismRunner", f"--prism_location={prism}"]
        else:
            LOG.warning("Prism not found (.cache/bin/prism or DEFWATCH_PRISM; build it with "
                        "deploy/runners/build_prism.sh): using the DirectRunner, whose "
                        "streaming mode is for testing only")
            args += ["--runner=DirectRunner"]
    runner = _flag_value(args, "--runner") or ""
    if runner.lower().replace("runner", "") == "prism":
        # Beam shares one Prism job server per process; one started earlier without our
        # --prism_location (the DirectRunner tries Prism first) would try to download Prism.
        args.append("--experiments=disable_prism_server_singleton")
    portable = runner.lower().replace("runner", "") in ("prism", "flink", "portable", "spark")
    if portable and not _has_flag(args, "--environment_type"):
        args.append("--environment_type=LOOPBACK")
    if portable and not _has_flag(args, "--job_server_timeout"):
        # Beam's PortableRunner uses this as the gRPC deadline of the job's state and message
        # streams: with Beam's default (300 s) every run "FAILED" after five minutes.
        args.append(f"--job_server_timeout={JOB_STREAM_TIMEOUT}")
    if not _has_flag(args, "--streaming"):
        args.append("--streaming")
    return args


def parser() -> argparse.ArgumentParser:
    """The ``defwatch run`` parser (Beam's own options pass through unparsed)."""
    parser = argparse.ArgumentParser(
        allow_abbrev=False, prog="defwatch run", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES)
    DefwatchOptions._add_argparse_args(parser)
    return parser


def install_indices(target) -> None:
    """Templates, indices and aliases of every kind (``target``: an ``EsTarget``).

    Raises ``CommandError`` with one line naming the cluster when it cannot be done.
    """
    from connectors.es_client import describe_error
    from pipelines.cli import CommandError
    from schemas.index_setup import install
    client = target.client()
    try:
        install(client, target.index_prefix)
    except Exception as error:  # noqa: BLE001 - transport and API errors: one line, no trace
        raise CommandError(f"cannot install the indices: {describe_error(error, target)}",
                           exit_code=1) from error
    finally:
        client.close()


def main(argv: list[str]) -> int:
    configure_logging()  # idempotent; also when main is called without the defwatch entry
    known, beam_args = parser().parse_known_args(argv)
    unknown = unknown_options(beam_args)
    if unknown:  # a typo would otherwise be dropped by Beam with a mere warning
        print(unknown_options_message("defwatch run", unknown), file=sys.stderr)
        return 2
    if not known.feeds:
        print("defwatch run: --feeds FEEDS.yaml is required", file=sys.stderr)
        return 2
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines import streaming
    from pipelines.options import es_target, resolved

    options = PipelineOptions(runner_args(beam_args) + argv_of(known))
    opts = resolved(options)
    pipeline = beam.Pipeline(options=options)
    try:  # before Elasticsearch: a bad feeds.yaml is named even when the cluster is down
        streaming.build_streaming_pipeline(pipeline, options)
    except (OSError, ValueError) as error:  # unreadable or invalid feeds.yaml
        print(f"defwatch run: {error}", file=sys.stderr)
        return 2
    if not opts.no_setup:
        install_indices(es_target(options))
    return run_until_stopped(pipeline, opts)


def run_until_stopped(pipeline, opts) -> int:
    """Run ``pipeline`` until it finishes, ``--duration`` passes or a signal stops it."""
    from connectors import feed_scheduler
    from pipelines.status import StatusReporter

    feed_scheduler.STOP.clear()
    CANCELLING.clear()
    started = time.monotonic()
    stop_at, restore = _install_signal_handlers()
    previous_hook, threading.excepthook = threading.excepthook, _thread_error
    try:
        result = pipeline.run()  # the DirectRunner in streaming mode returns when done
        reporter = StatusReporter(result, opts.status_interval,
                                  lambda line: print(line, file=sys.stderr, flush=True)).start()
        outcome: list = []
        waiter = threading.Thread(target=lambda: outcome.append(_wait(result)), daemon=True)
        waiter.start()
        try:
            _watch(result, waiter, opts, started, stop_at)
        except KeyboardInterrupt:  # a second SIGINT/SIGTERM: stop at once, no drain
            print("defwatch run: second signal: cancelling the job now", file=sys.stderr,
                  flush=True)
            _cancel(result)
            waiter.join(CANCEL_GRACE)
            # first, whatever the waiter reported meanwhile: the job ends CANCELLED either way,
            # and the exit code must say it was cut short (it said 0 when the waiter was quick)
            outcome.insert(0, "CANCELLED (second signal: in-flight work not drained)")
        reporter.stop()
        print(reporter.line(), file=sys.stderr, flush=True)
    finally:
        restore()
        if not CANCELLING.is_set():  # after a cancel, threads may still fail while Python exits
            threading.excepthook = previous_hook
        feed_scheduler.release_all()
    state = outcome[0] if outcome else "CANCELLED (did not stop in time)"
    print(f"defwatch run: pipeline {state}", file=sys.stderr, flush=True)
    if state.startswith("CANCELLED (second signal"):
        return 130
    return 0 if state in ("DONE", "CANCELLED", "STOPPED") or stop_at() else 1


def _watch(result, waiter: threading.Thread, opts, started: float, stop_at) -> None:
    """Wait for the job; cancel it once drained or overdue; return at most CANCEL_GRACE later."""
    from connectors import feed_scheduler

    end_by = opts.duration + opts.drain_seconds if opts.duration else None
    cancelled_at, quiet = None, 0
    while waiter.is_alive():
        waiter.join(0.5)
        now = time.monotonic()
        stopping_for = now - stop_at() if stop_at() else None
        if stopping_for is not None:
            quiet = quiet + 1 if feed_scheduler.all_idle() else 0
        drained = quiet >= QUIET_CHECKS
        overdue = end_by is not None and now - started > end_by
        if cancelled_at is None and (drained or overdue or (
                stopping_for is not None and stopping_for > opts.drain_seconds)):
            why = "drained" if drained else "drain time over"
            print(f"defwatch run: {why}; cancelling the job", file=sys.stderr, flush=True)
            _cancel(result)
            cancelled_at = now
        if cancelled_at is not None and now - cancelled_at > CANCEL_GRACE:
            LOG.error("the job did not stop within %.0f s of its cancel; exiting", CANCEL_GRACE)
            return


def argv_of(known: argparse.Namespace) -> list[str]:
    """Our parsed options back as ``--name=value`` arguments for ``PipelineOptions``."""
    args = []
    for name, value in vars(known).items():
        if value is None or value is False:
            continue
        if isinstance(value, list):
            args += [f"--{name}={item}" for item in value]
        elif value is True:
            args.append(f"--{name}")
        else:
            args.append(f"--{name}={value}")
    return args


def _install_signal_handlers():
    """SIGINT/SIGTERM set ``STOP`` (a second one interrupts at once).

    Returns (a function giving the stop time, 0 = not stopped; a function restoring the
    previous handlers).
    """
    from connectors import feed_scheduler
    stopped = {"at": 0.0}

    def handle(signum, _frame):
        if stopped["at"]:
            raise KeyboardInterrupt
        stopped["at"] = time.monotonic()
        feed_scheduler.STOP.set()
        feed_scheduler.stop_all()
        print(f"defwatch run: {signal.Signals(signum).name}: no more polls; draining "
              "(signal again to stop at once)", file=sys.stderr, flush=True)

    previous = {signum: signal.signal(signum, handle)
                for signum in (signal.SIGINT, signal.SIGTERM)}

    def restore():
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return (lambda: stopped["at"]), restore


def _wait(result) -> str:
    """Wait for the job; its final state name (or the error)."""
    try:
        return str(result.wait_until_finish())
    except Exception as error:  # noqa: BLE001 - reported as the run's outcome
        if "in state CANCELLED" in str(error):  # Prism reports our own cancel as an error
            return "CANCELLED"
        LOG.error("pipeline failed: %s", error)
        return f"FAILED ({type(error).__name__})"


# Set once the job is being cancelled: the worker threads' gRPC streams close under them.
CANCELLING = threading.Event()


def _thread_error(args) -> None:
    """A background thread's error: after a cancel, one line (the in-process SDK worker's
    'read_state' thread raises when its stream closes); before it, the default report."""
    if CANCELLING.is_set():
        name = args.thread.name if args.thread is not None else "a worker thread"
        print(f"defwatch run: {name} stopped with the job ({type(args.exc_value).__name__})",
              file=sys.stderr, flush=True)
        return
    threading.__excepthook__(args)


def _cancel(result) -> None:
    """Cancel the job, tolerating runners that already stopped."""
    CANCELLING.set()
    try:
        result.cancel()
    except Exception as error:  # noqa: BLE001
        LOG.warning("cancel: %s", error)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
