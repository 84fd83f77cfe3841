"""``DefwatchOptions``: every option of ``defwatch run`` / ``backfill`` in one PipelineOptions.

Beam's own options (``--runner``, ``--prism_location``, ``--flink_master``, …) are parsed by
Beam next to these. The Elasticsearch connection flags are those of every command
(``connectors.es_client.add_es_arguments``); ``es_target(options)`` gives the resolved
``EsTarget``. Options that carry secrets or deployment addresses fall back to the environment
(``DEFWATCH_ES_*``, and ``DEFWATCH_ALERTS``: comma-separated alert URLs, added to every
``--alert``).
"""
from __future__ import annotations

import argparse
import difflib
import os
from collections.abc import Iterable

from apache_beam.options.pipeline_options import PipelineOptions

from connectors.alerts import AlertSettings
from connectors.es_client import EsTarget, add_es_arguments, add_flag, es_target_from_args
from connectors.url_guard import parse_allow_host

DEFAULTS = {
    "tick_interval": 1.0,  # seconds between hand-overs of finished polls and due checks
    "status_interval": 30.0,
    "dedup_window_days": 21,
    "article_decision_delay": 0,  # streaming: articles go on at once, copies linked later
    "drain_seconds": 30.0,  # SIGINT/SIGTERM: time for in-flight work to finish
    "drain_margin": 20.0,  # seconds of drain on top of a non-zero article decision delay
    "max_new_per_poll": 50,
    "poll_workers": None,  # one per feed, at least 16, at most 64
    "host_delay": 1.0,
    "backoff_max": 900.0,
    "alert_max_per_minute": 10,
    "alert_digest_seconds": 15.0,
    "alert_lease_seconds": AlertSettings.lease_seconds,
}


def allow_host_entry(value: str) -> str:
    """An ``--allow-host`` value checked up front: ``HOST`` or ``HOST:PORT`` (argparse type)."""
    try:
        parse_allow_host(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value.strip()


class DefwatchOptions(PipelineOptions):
    """Options of the defection-watch pipelines (see ``defwatch run --help``)."""

    @classmethod
    def _add_argparse_args(cls, parser):
        def flag(name: str, **kwargs) -> None:  # "--x-y" and Beam's "--x_y", dest x_y
            add_flag(parser, name, beam=True, **kwargs)

        parser.add_argument("--feeds", help="feeds.yaml listing the feeds to poll")
        add_es_arguments(parser, beam=True)
        parser.add_argument("--alert", dest="alert", action="append", default=None,
                            help="alert URL (repeatable): http(s)/json webhook or apprise URL; "
                                 "env DEFWATCH_ALERTS adds comma-separated ones")
        flag("--alert-retry-interval",
             type=float, default=60.0,
             help="seconds between sweeps re-sending failed alerts (default 60)")
        flag("--alert-max-per-minute",
             type=int,
             default=DEFAULTS["alert_max_per_minute"],
             help="alerts sent one by one per channel and minute; the rest of "
                  "a burst goes out as digests (default 10)")
        flag("--alert-digest-seconds",
             type=float,
             default=DEFAULTS["alert_digest_seconds"],
             help="seconds a burst digest collects alerts before it is sent "
                  "(default 15)")
        flag("--alert-lease-seconds",
             type=float,
             default=DEFAULTS["alert_lease_seconds"],
             help="how long a sender holds an alert it is sending; an alert "
                  "whose sender died mid-send is sent again (same delivery id) "
                  "after this; keep it above one delivery round (default "
                  f"{DEFAULTS['alert_lease_seconds']:g})")
        flag("--allow-host", action="append",
             default=None, type=allow_host_entry, metavar="HOST[:PORT]",
             help="host exempt from the private-address guard (repeatable): "
                  "HOST allows every port of that host, HOST:PORT that port "
                  "only (also after redirects); link-local and metadata "
                  "addresses are never allowed")
        flag("--poll-interval",
             type=float, default=None,
             help="seconds between polls of every feed (overrides feeds.yaml)")
        flag("--tick-interval",
             type=float, default=DEFAULTS["tick_interval"],
             help="seconds between hand-overs of finished polls to the "
                  "pipeline and checks of which feeds are due (default 1)")
        flag("--fetch-deadline",
             type=float, default=None,
             help="seconds one feed or page fetch may take in all: lookup, "
                  "connect, headers, body, redirects, retries (default 60)")
        flag("--max-new-per-poll",
             type=int, default=DEFAULTS["max_new_per_poll"],
             help="new entries taken from a feed per poll, newest first; the "
                  "rest come on the next poll (default 50)")
        flag("--poll-workers", type=int,
             default=DEFAULTS["poll_workers"],
             help="feeds polled (with their pages) at once (default: one per "
                  "feed, at least 16, at most 64)")
        flag("--host-delay", type=float,
             default=DEFAULTS["host_delay"],
             help="politeness: seconds between two requests to one host "
                  "(default 1)")
        flag("--backoff-max", type=float,
             default=DEFAULTS["backoff_max"],
             help="longest wait before polling a failing feed again; the wait "
                  "doubles from the poll interval (default 900)")
        parser.add_argument("--duration", type=float, default=None,
                            help="stop after this many seconds (drains and flushes first)")
        flag("--kibana-url", default=None,
             help="Kibana base URL, for links in alerts")
        flag("--status-interval",
             type=float, default=DEFAULTS["status_interval"],
             help="seconds between one-line status reports on stderr "
                  "(0 = none)")
        flag("--dedup-window-days",
             type=int,
             default=DEFAULTS["dedup_window_days"],
             help="days around an incident within which reports may merge")
        flag("--article-decision-delay",
             type=int,
             default=DEFAULTS["article_decision_delay"],
             help="streaming: seconds (of watermark) an article waits for "
                  "near-duplicates before extraction; 0 (default) sends it on "
                  "at once and links a copy found later")
        flag("--drain-seconds",
             type=float, default=None,
             help="on SIGINT/SIGTERM or at the end of --duration, seconds "
                  "in-flight work gets to finish before the job is cancelled "
                  "(default 30, or the article decision delay + 20)")
        flag("--no-setup", action="store_true",
             default=False, help="do not install index templates first")


def es_target(options: PipelineOptions) -> EsTarget:
    """The Elasticsearch target of ``options`` (flags, then ``DEFWATCH_ES_*``, then defaults)."""
    return es_target_from_args(options.view_as(DefwatchOptions))


def resolved(options: PipelineOptions) -> DefwatchOptions:
    """The ``DefwatchOptions`` view of ``options`` with environment fallbacks applied.

    ``es_url``, ``es_api_key`` and ``index_prefix`` are filled from ``es_target(options)``;
    pass ``es_target(options)`` itself to connectors.
    """
    opts = options.view_as(DefwatchOptions)
    target = es_target(options)
    opts.es_url = target.url  # without user:password@ (moved to es_username/es_password)
    opts.es_api_key = target.api_key
    opts.es_username, opts.es_password = target.username, target.password
    opts.index_prefix = target.index_prefix
    alerts = list(opts.alert or [])
    alerts += [u.strip() for u in os.environ.get("DEFWATCH_ALERTS", "").split(",") if u.strip()]
    opts.alert = list(dict.fromkeys(alerts))
    opts.allow_host = list(opts.allow_host or [])
    if opts.drain_seconds is None:
        opts.drain_seconds = max(DEFAULTS["drain_seconds"],
                                 opts.article_decision_delay + DEFAULTS["drain_margin"])
    return opts


def _options_parser(beam_only: bool = False) -> argparse.ArgumentParser:
    """A parser knowing every option of every PipelineOptions class (Beam's and ours), or of
    Beam's own classes only (``beam_only``: commands that take Beam options but not ours)."""
    from apache_beam.options.pipeline_options import _BeamArgumentParser
    parser = _BeamArgumentParser(allow_abbrev=False, add_help=False)
    classes: dict[str, type] = {}
    for cls in PipelineOptions.__subclasses__():  # as Beam's own get_all_options does
        if not beam_only or cls.__module__.startswith("apache_beam"):
            classes.setdefault(str(cls), cls)
    for cls in classes.values():
        cls._add_argparse_args(parser)
    return parser


def unknown_options(args: list[str], *, beam_only: bool = False) -> list[str]:
    """The arguments in ``args`` that neither Beam nor defection-watch knows (typos); with
    ``beam_only``, those that no Beam option class knows."""
    _, unknown = _options_parser(beam_only).parse_known_args(args)
    return unknown


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string a parser knows ("--es-url", "--es_url", "-o" …)."""
    return [o for action in parser._actions for o in action.option_strings]


def unknown_options_message(prog: str, unknown: list[str], *, beam_only: bool = False,
                            also_known: Iterable[str] = ()) -> str:
    """One line naming the first unknown option, with the nearest known one when close.

    The candidates are the options ``unknown_options`` knows with the same ``beam_only``, plus
    ``also_known`` (the command's own flags, so a typo of one of them gets its hint too).
    """
    first = next((a for a in unknown if a.startswith("-")), unknown[0])
    name = first.split("=", 1)[0]
    known = option_strings(_options_parser(beam_only))
    close = difflib.get_close_matches(name, [*also_known, *known], n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    what = "unknown option" if first.startswith("-") else "unexpected argument"
    return f"{prog}: {what} {first!r}{hint}; see {prog} --help"
