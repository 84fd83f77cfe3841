"""``SendAlerts``: one alert per new defection, exactly once, to every configured channel.

Input: ``EventChange`` records (``DeduplicateEvents`` / ``WriteEvents``). ``new`` raises an
alert; ``update`` raises one only with ``AlertSettings.update_alerts`` and a material change
(count or corroboration, see ``alert_kind``); ``unchanged`` never does. A change that raises
none claims the event's first alert again (``owed_first_alert``): a conflict, unless the run
that wrote the event was killed before it claimed the alert. Steps::

    ClaimAlerts   create <prefix>-alerts/<alert_id> (op_type=create): a conflict means an
                  earlier run or another worker owns it → skip. Apply the channel filters
                  (no channel wants it → status ``filtered``). Emit (channel key, job).
    LimitBurst    keyed by channel: the first ``max_per_minute`` alerts of a minute go out
                  one by one, the rest wait in state and leave as ONE digest.
    Deliver       lease the (alert, channel) on the document (one sender at a time, never
                  one already delivered), send (webhook POST or apprise) with the alert's
                  ``delivery_id``, retrying ``inline_attempts`` times with capped exponential
                  backoff; record status/attempts/errors on the document, held and retried
                  while Elasticsearch is down (an outage after the send never re-sends).
    RetryDue      a sweep (once at start, and on every tick given to ``RetryFailedAlerts``)
                  that re-sends ``failed`` documents whose next attempt is due, ``claimed``
                  ones left by an earlier run (held in a digest or in flight when it ended)
                  or stale, and those whose sender died mid-send (lease expired: sent again
                  with the same ``delivery_id``), until ``max_attempts``; after that the
                  document stays ``failed`` (visible in Kibana) and a dead letter says so.

Exactly once, as a receiver sees it: every alert is sent at least once, and a second send can
only follow a crash between a send and its record; it carries the same ``delivery_id`` (JSON
field, and the ``Idempotency-Key`` header of webhooks; per event inside a digest), so a
receiver that drops ids it has seen gets each alert exactly once.

Burst protection uses a keyed stateful DoFn with an EVENT-TIME timer (element timestamp +
``digest_delay``): event-time timers fire when the watermark passes them in streaming and at
the end of input in batch, so the same code holds back and flushes the digest on the
DirectRunner, Prism and Flink. (A processing-time timer is never fired by the batch
DirectRunner: the held-back alerts would be lost.) The per-minute count itself uses wall time.

Output: ``DoOutputsTuple`` with ``main`` (the ``Alert`` records after each outcome) and
``dead_letter``. Usage::

    out = changes | SendAlerts(load_channels(["json://127.0.0.1:8080/hook"]),
                               target, kibana_url="http://kibana:5601")  # an EsTarget
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms import window
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
    BagStateSpec,
    ReadModifyWriteStateSpec,
    TimerSpec,
    on_timer,
)
from apache_beam.utils.timestamp import Duration

from connectors.alert_channels import Channel, Deliverer, DeliveryError, parse_channel
from connectors.alert_message import (
    LinkSettings,
    build_digest,
    build_message,
    digest_payload,
    summary_line,
    webhook_payload,
)
from connectors.alert_store import (
    AlertStore,
    apply_outcome,
    claim_document,
    delivery_id,
)
from connectors.es_client import EsTarget
from schemas.records import (
    DEAD_LETTER,
    Alert,
    DeadLetter,
    DefectionEvent,
    EventChange,
    stable_id,
    utc_now_iso,
)

__all__ = ["SendAlerts", "RetryFailedAlerts", "AlertSettings", "alert_kind"]

NAMESPACE = "defwatch.alerts"
FILTERED = "filtered"


@dataclass(frozen=True)
class AlertSettings:
    """Every alert setting with its default (override with ``replace`` or keywords)."""
    update_alerts: bool = False  # alert on updates with a material change
    update_min_count_change: int = 5  # |new count - old count| at least this …
    update_min_count_ratio: float = 0.5  # … or at least this fraction of the old count
    update_min_corroboration_change: int = 0  # > 0: corroboration up by this alerts too
    max_per_minute: int = 10  # per channel; beyond it alerts go out as one digest
    digest_delay: float = 60.0  # seconds (event time) a digest collects before it is sent
    inline_attempts: int = 3  # tries per delivery round before the document says failed
    max_attempts: int = 8  # tries in all (rounds × tries) before giving up
    backoff_base: float = 2.0  # seconds; doubles per attempt
    backoff_cap: float = 300.0  # longest wait between attempts (sweep schedule)
    inline_backoff_cap: float = 10.0  # longest sleep inside a delivery round
    claim_timeout: float = 300.0  # a ``claimed`` document untouched this long is retried
    lease_seconds: float = 120.0  # a sender's hold on (alert, channel); > one delivery round
    timeout: float = 10.0  # seconds per HTTP/SMTP request
    sweep_on_start: bool = True  # SendAlerts retries due documents once when it starts


def backoff(attempt: int, settings: AlertSettings, cap: float | None = None) -> float:
    """Seconds to wait after ``attempt`` failed tries: base·2^(attempt-1), capped."""
    cap = settings.backoff_cap if cap is None else cap
    return min(cap, settings.backoff_base * 2 ** max(0, attempt - 1))


def alert_kind(change: EventChange, settings: AlertSettings) -> str | None:
    """``new``, ``update`` (enabled and material) or None (no alert) for one change."""
    if change.kind == "new":
        return "new"
    if change.kind != "update" or not settings.update_alerts or change.previous is None:
        return None
    old, new = change.previous, change.event
    if old.count is not None and new.count is not None and old.count != new.count:
        delta = abs(new.count - old.count)
        if delta >= settings.update_min_count_change or (
                old.count and delta / old.count >= settings.update_min_count_ratio):
            return "update"
    if old.count is None and new.count is not None:
        return "update"
    step = settings.update_min_corroboration_change
    if step > 0 and new.corroboration - old.corroboration >= step:
        return "update"
    return None


def owed_first_alert(change: EventChange) -> str | None:
    """``new`` for a change to a stored event that raises no alert of its own: its first alert
    is claimed again, a no-op (the claim exists) unless the run that wrote the event died
    before claiming it — SIGKILLed between ``WriteEvents`` and ``ClaimAlerts``, when the next
    run sees the event as stored and would never alert it."""
    return "new" if change.kind in ("unchanged", "update") else None


def alert_id_for(event: DefectionEvent, kind: str) -> str:
    """``event_id`` for the first alert; updates get an id of their count and corroboration."""
    if kind == "new":
        return event.event_id
    return f"{event.event_id}-update-{stable_id(event.count, event.corroboration, length=8)}"


@dataclass
class _AlertJob:
    """One claimed alert on its way to one channel."""
    alert_id: str
    kind: str
    event: DefectionEvent


def _channels(channels: Iterable[Any] | None) -> list[Channel]:
    """Channels from URLs, feeds.yaml mappings or Channel objects (validated up front)."""
    return [parse_channel(c) for c in channels or []]


class _Dispatcher:
    """Sends jobs to a channel (one alert or one digest) and records the outcome."""

    def __init__(self, store: AlertStore, deliverer: Deliverer, settings: AlertSettings,
                 links: LinkSettings):
        self.store, self.deliverer, self.settings, self.links = store, deliverer, settings, links
        self.owner = uuid.uuid4().hex  # this sender's name on the leases it takes
        self.sent = beam.metrics.Metrics.counter(NAMESPACE, "alert/delivered")
        self.digests = beam.metrics.Metrics.counter(NAMESPACE, "alert/digest")
        self.failed = beam.metrics.Metrics.counter(NAMESPACE, "alert/failed_attempt")
        self.gave_up = beam.metrics.Metrics.counter(NAMESPACE, "alert/gave_up")
        self.done_before = beam.metrics.Metrics.counter(NAMESPACE, "alert/already_delivered")

    def _lease(self, job: _AlertJob, channel: Channel) -> bool:
        """Take (alert, channel) for this sender; False when delivered or another sends."""
        return self.store.lease(job.alert_id, channel.key, self.owner,
                                self.settings.lease_seconds) is not None

    def _send(self, channel: Channel, jobs: list[_AlertJob]) -> tuple[int, str | None]:
        """Deliver with inline retries; (tries, last error or None)."""
        ids = [delivery_id(j.alert_id, channel.key) for j in jobs]
        if len(jobs) == 1:
            job = jobs[0]
            message = build_message(job.event, job.kind, self.links)
            payload = {**webhook_payload(job.event, message, job.kind, self.links),
                       "delivery_id": ids[0]}
            key = ids[0]
        else:
            events = [j.event for j in jobs]
            message = build_digest(events, self.links)
            payload = digest_payload(events, message, self.links)
            for entry, one in zip(payload["events"], ids, strict=True):
                entry["delivery_id"] = one
            key = stable_id("digest", *sorted(ids), length=24)
            payload["delivery_id"] = key
        error = None
        for attempt in range(1, self.settings.inline_attempts + 1):
            try:
                self.deliverer.send(channel, message.title, message.body, payload,
                                    delivery_id=key)
                return attempt, None
            except DeliveryError as failure:
                self.failed.inc()
                error = f"{utc_now_iso()} {channel.label()}: {failure}"
                if attempt < self.settings.inline_attempts:
                    time.sleep(backoff(attempt, self.settings, self.settings.inline_backoff_cap))
        return self.settings.inline_attempts, error

    def dispatch(self, channel: Channel, jobs: list[_AlertJob]) -> Iterator[Any]:
        """Send ``jobs`` (digest when more than one) to ``channel``; yield Alerts/DeadLetters."""
        live = []
        for job in jobs:
            try:
                leased = self._lease(job, channel)
            except Exception as failure:  # noqa: BLE001 - store down past the wait: a dead letter
                yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                    stage="alert", reason=f"alert_lease:{type(failure).__name__}",
                    source=channel.label(), detail=str(failure)[:500], payload=job.alert_id))
                continue
            if leased:
                live.append(job)
            else:
                self.done_before.inc()
        if not live:
            return
        tries, error = self._send(channel, live)
        digest = len(live) > 1
        status = "failed" if error else ("digested" if digest else "delivered")
        if not error:
            (self.digests if digest else self.sent).inc()
        for job in live:
            yield from self._record(job, channel, status, tries, error)

    def _record(self, job: _AlertJob, channel: Channel, status: str, tries: int,
                error: str | None) -> Iterator[Any]:
        now = time.time()

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            attempts = int(doc.get("attempts") or 0) + tries
            retry_at = now + backoff(attempts, self.settings)
            return apply_outcome(doc, channel.key, status, tries, error, retry_at, now,
                                 utc_now_iso())

        try:
            doc = self.store.modify(job.alert_id, change)
        except Exception as failure:  # noqa: BLE001 - recorded as a dead letter
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="alert", reason=f"alert_record:{type(failure).__name__}",
                source=channel.label(), detail=str(failure)[:500], payload=job.alert_id))
            return
        if doc is None:
            return
        if doc["status"] == "failed" and doc["attempts"] >= self.settings.max_attempts:
            self.gave_up.inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="alert", reason="alert_undeliverable", source=channel.label(),
                detail=error, payload=job.alert_id))
        yield Alert.from_dict(doc)


class _StoreDoFn(beam.DoFn):
    """Base of the DoFns that talk to the alert store (client made in setup)."""

    def __init__(self, channels: list[Channel], target: EsTarget, settings: AlertSettings,
                 links: LinkSettings):
        self._channels = {c.key: c for c in channels}
        self._target, self._settings, self._links = target, settings, links
        self._client = self._deliverer = None

    def setup(self):
        self._client = self._target.client()
        self._store = AlertStore(self._client, self._target.index_prefix)
        self._deliverer = Deliverer(timeout=self._settings.timeout)
        self._dispatcher = _Dispatcher(self._store, self._deliverer, self._settings, self._links)

    def teardown(self):
        if self._deliverer is not None:
            self._deliverer.close()
        if self._client is not None:
            self._client.close()


class _ClaimAlerts(_StoreDoFn):
    """EventChange → claim in ES → (channel key, job) per channel whose filter it passes."""

    def __init__(self, *args):
        super().__init__(*args)
        self._skipped = beam.metrics.Metrics.counter(NAMESPACE, "claim/no_alert")
        self._claimed_before = beam.metrics.Metrics.counter(NAMESPACE, "claim/already_claimed")
        self._filtered = beam.metrics.Metrics.counter(NAMESPACE, "claim/filtered")
        self._errors = beam.metrics.Metrics.counter(NAMESPACE, "claim/store_error")

    def process(self, change: EventChange):
        kind = alert_kind(change, self._settings) or owed_first_alert(change)
        if kind is None:
            self._skipped.inc()
            return
        event = change.event
        targets = [c for c in self._channels.values() if c.filters.matches(event)]
        alert_id = alert_id_for(event, kind)
        alert = Alert(event_id=event.event_id, status="claimed" if targets else "filtered",
                      channels=[c.label() for c in targets], kind=kind,
                      summary=summary_line(event))
        doc = claim_document(alert, event.to_dict(), [c.key for c in targets])
        try:
            claimed = self._store.claim(alert_id, doc)
        except Exception as failure:  # noqa: BLE001 - the store is down: a dead letter
            self._errors.inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="alert", reason=f"alert_claim:{type(failure).__name__}",
                detail=str(failure)[:500], payload=alert_id))
            return
        if not claimed:
            self._claimed_before.inc()
            return
        if not targets:
            self._filtered.inc()
            yield beam.pvalue.TaggedOutput(FILTERED, alert)
            return
        for channel in targets:
            yield channel.key, _AlertJob(alert_id, kind, event)


class _LimitBurst(beam.DoFn):
    """Per channel: pass ``max_per_minute`` alerts a minute, hold the rest for one digest."""

    WINDOW = ReadModifyWriteStateSpec("window", PickleCoder())  # (start epoch s, sent)
    HELD = BagStateSpec("held", PickleCoder())
    ARMED = ReadModifyWriteStateSpec("armed", PickleCoder())
    FLUSH = TimerSpec("flush", TimeDomain.WATERMARK)

    def __init__(self, settings: AlertSettings):
        self._settings = settings
        self._held_counter = beam.metrics.Metrics.counter(NAMESPACE, "burst/held")

    def process(self, item, timestamp=beam.DoFn.TimestampParam,
                window_state=beam.DoFn.StateParam(WINDOW), held=beam.DoFn.StateParam(HELD),
                armed=beam.DoFn.StateParam(ARMED), flush=beam.DoFn.TimerParam(FLUSH)):
        key, job = item
        now = time.time()
        start, sent = window_state.read() or (now, 0)
        if now - start >= 60.0:
            start, sent = now, 0
        if sent < self._settings.max_per_minute and not armed.read():
            window_state.write((start, sent + 1))
            yield key, [job]
            return
        self._held_counter.inc()
        held.add(job)
        window_state.write((start, sent))
        if not armed.read():
            armed.write(True)
            flush.set(timestamp + Duration(seconds=self._settings.digest_delay))

    @on_timer(FLUSH)
    def flush_digest(self, key=beam.DoFn.KeyParam, window_state=beam.DoFn.StateParam(WINDOW),
                     held=beam.DoFn.StateParam(HELD), armed=beam.DoFn.StateParam(ARMED)):
        jobs = list(held.read())
        held.clear()
        armed.clear()
        window_state.write((time.time(), 1))
        if jobs:
            yield key, jobs


class _DeliverAlerts(_StoreDoFn):
    """(channel key, jobs) → one alert or one digest sent; Alert records of the outcome."""

    def process(self, item):
        key, jobs = item
        channel = self._channels.get(key)
        if channel is None:
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="alert", reason="unknown_channel", payload=key))
            return
        yield from self._dispatcher.dispatch(channel, jobs)


class _RetryDueAlerts(_StoreDoFn):
    """Any tick → re-send the alert documents that are due (see ``AlertStore.due_for_retry``)."""

    def __init__(self, *args, started_at: float):
        super().__init__(*args)
        self._started_at = started_at  # claims untouched since before it: an earlier run's

    def process(self, _tick):
        now = time.time()
        try:
            due = self._store.due_for_retry(self._settings.max_attempts,
                                            self._settings.claim_timeout, now,
                                            orphaned_before=self._started_at)
        except Exception as failure:  # noqa: BLE001 - the store is down: a dead letter
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="alert", reason=f"alert_sweep:{type(failure).__name__}",
                detail=str(failure)[:500]))
            return
        per_channel: dict[str, list[_AlertJob]] = {}
        for alert_id, doc in due:
            job = _AlertJob(alert_id, doc.get("kind") or "new",
                            DefectionEvent.from_dict(doc["event"]))
            for key in doc.get("pending") or []:
                if key in self._channels:
                    per_channel.setdefault(key, []).append(job)
        for key, jobs in per_channel.items():
            channel = self._channels[key]
            if len(jobs) > self._settings.max_per_minute:
                yield from self._dispatcher.dispatch(channel, jobs)
            else:
                for job in jobs:
                    yield from self._dispatcher.dispatch(channel, [job])


class _SplitOutputs(beam.DoFn):
    """Alerts to ``main``, DeadLetters to ``dead_letter``."""

    def process(self, item):
        if isinstance(item, DeadLetter):
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, item)
        else:
            yield item


def _common(channels, target, api_key, index_prefix, kibana_url, settings):
    channels = _channels(channels)
    settings = settings or AlertSettings()
    if settings.max_per_minute < 1 or settings.inline_attempts < 1 or settings.max_attempts < 1:
        raise ValueError("max_per_minute, inline_attempts and max_attempts must be >= 1")
    target = EsTarget.coerce(target, api_key=api_key, index_prefix=index_prefix)
    return (channels, target, settings,
            LinkSettings(kibana_url=kibana_url, index_prefix=target.index_prefix))


class RetryFailedAlerts(beam.PTransform):
    """Ticks (any elements) → a sweep per tick re-sending due alerts; Alerts + dead letters.

    Wire it to a periodic impulse in streaming pipelines so a receiver that was down gets its
    alerts once it is back, without waiting for new events. ``started_at`` (default: when the
    transform is built, i.e. the run's start) marks claims older than it as an earlier run's.
    """

    def __init__(self, channels, target: EsTarget | str | None = None, api_key=None,
                 index_prefix=None, kibana_url=None, settings: AlertSettings | None = None,
                 started_at: float | None = None):
        super().__init__()
        self._args = _common(channels, target, api_key, index_prefix, kibana_url, settings)
        self._started_at = time.time() if started_at is None else started_at

    def expand(self, ticks):
        sweep = _RetryDueAlerts(*self._args, started_at=self._started_at)
        return ticks | "RetryDue" >> beam.ParDo(sweep).with_outputs(DEAD_LETTER, main="main")


class SendAlerts(beam.PTransform):
    """EventChanges → alerts on every configured channel, once; Alert records + dead letters."""

    def __init__(self, channels, target: EsTarget | str | None = None, api_key=None,
                 index_prefix=None, kibana_url=None, settings: AlertSettings | None = None):
        super().__init__()
        self._args = _common(channels, target, api_key, index_prefix, kibana_url, settings)
        self._started_at = time.time()

    def expand(self, changes):
        channels, _, settings, _ = self._args
        changes = changes | "GlobalWindow" >> beam.WindowInto(window.GlobalWindows())
        if not channels:
            parts = [changes | "NoChannels" >> beam.Filter(lambda _: False)]
        else:
            claims = changes | "ClaimAlerts" >> beam.ParDo(_ClaimAlerts(*self._args)).with_outputs(
                DEAD_LETTER, FILTERED, main="main")
            sent = (claims.main
                    | "LimitBurst" >> beam.ParDo(_LimitBurst(settings))
                    | "Deliver" >> beam.ParDo(_DeliverAlerts(*self._args)).with_outputs(
                        DEAD_LETTER, main="main"))
            parts = [claims[FILTERED], claims[DEAD_LETTER], sent.main, sent[DEAD_LETTER]]
            if settings.sweep_on_start:
                swept = (changes.pipeline | "StartSweep" >> beam.Impulse()
                         | "RetryOnStart" >> RetryFailedAlerts(channels, *self._sweep_args(),
                                                             started_at=self._started_at))
                parts += [swept.main, swept[DEAD_LETTER]]
        return (parts | "Collect" >> beam.Flatten()
                | "Outputs" >> beam.ParDo(_SplitOutputs()).with_outputs(DEAD_LETTER, main="main"))

    def _sweep_args(self):
        _, target, settings, links = self._args
        return target, None, None, links.kibana_url, settings

