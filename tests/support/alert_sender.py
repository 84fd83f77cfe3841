"""A worker that sends alerts in its own process, so a test can SIGKILL it mid-send.

``python -m tests.support.alert_sender ES_URL PREFIX CHANNEL_URL COUNT MAX_PER_MINUTE LEASE``
runs ``SendAlerts`` (DirectRunner) over COUNT new test events ``evt-00``, ``evt-01``, …
"""
from __future__ import annotations

import sys

import apache_beam as beam

from connectors.alerts import AlertSettings, SendAlerts
from schemas.records import EventChange
from tests.connectors.alert_events import make_event


def changes(count: int) -> list[EventChange]:
    """The test events, as new ones (the same on every call)."""
    return [EventChange("new", make_event(f"evt-{i:02d}", count=10 + i)) for i in range(count)]


def settings(max_per_minute: int, lease_seconds: float) -> AlertSettings:
    return AlertSettings(max_per_minute=max_per_minute, lease_seconds=lease_seconds,
                         backoff_base=0.01, inline_attempts=2, timeout=5, digest_delay=1)


def main(argv: list[str]) -> int:
    es_url, prefix, channel, count, per_minute, lease = argv
    with beam.Pipeline(runner="DirectRunner") as p:
        _ = (p | beam.Create(changes(int(count)))
             | SendAlerts([channel], es_url, index_prefix=prefix,
                          settings=settings(int(per_minute), float(lease))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
