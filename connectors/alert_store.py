"""The alert claims in ``<prefix>-alerts``: one alert per incident across restarts and workers.

Before an alert is sent, ``claim`` creates ``<prefix>-alerts/<alert_id>`` with
``op_type=create``; a conflict means another worker (or an earlier run) owns it, so the caller
skips it. A claim carries a random ``claim_token``: when the create reached Elasticsearch but
its answer was lost (a dropped connection), the retry conflicts with our own document and the
token says it is ours. The document is ``Alert.to_dict()`` plus unmapped bookkeeping kept in
``_source``:

- ``event``: the event as alerted (so a retry needs nothing else);
- ``pending``: keys of the channels not yet delivered; ``channel_status``: key → status;
- ``leases``: channel key → ``{"owner", "until"}``: who is sending to that channel right now;
- ``updated_at`` / ``next_attempt``: epoch seconds of the last change and of the next retry.

Delivery, per (alert, channel): ``lease`` (compare-and-set: only one sender at a time; a
channel already delivered is never leased again) → send with the alert's ``delivery_id`` →
``record`` the outcome and drop the lease. Every store call is held and retried while
Elasticsearch is unreachable, so an outage between the send and the record delays the record
and never causes a second send. Only a sender that DIES between its send and its record leaves
a lease that expires; the alert is then sent again with the SAME ``delivery_id`` (at least
once, with an idempotency key: see ``docs/reliability.md``).

``due_for_retry`` finds documents still ``failed`` (next attempt due) or ``claimed`` with no
live lease and either stale or left over from an earlier run (``orphaned_before``: held in a
burst digest or in flight when that run ended), with fewer than the allowed attempts.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from connectors.elasticsearch_io import call_with_retry
from schemas.indices import alias
from schemas.records import Alert, stable_id

MAX_ERRORS = 10  # errors kept on a document (the most recent)
DONE = ("delivered", "digested")


class AlertStoreError(RuntimeError):
    """The alert document could not be updated (too many concurrent writers)."""


def overall_status(doc: dict[str, Any]) -> str:
    """delivered | digested | failed | claimed, from the per-channel statuses of ``doc``."""
    statuses = doc.get("channel_status") or {}
    if not doc.get("pending"):
        if doc.get("status") == "filtered":
            return "filtered"
        return "digested" if "digested" in statuses.values() else "delivered"
    return "failed" if "failed" in statuses.values() else "claimed"


def delivery_id(alert_id: str, channel_key: str) -> str:
    """The id every (re)send of one alert to one channel carries: receivers drop repeats."""
    return stable_id("delivery", alert_id, channel_key, length=24)


def claim_document(alert: Alert, event: dict[str, Any], channel_keys: list[str],
                   now: float | None = None) -> dict[str, Any]:
    """The document a claim creates: the Alert, the event and the channels still to send to."""
    now = time.time() if now is None else now
    return {**alert.to_dict(), "event": event, "pending": list(channel_keys),
            "channel_status": {}, "leases": {}, "updated_at": now, "next_attempt": None}


def live_lease(doc: dict[str, Any], channel_key: str, now: float) -> dict[str, Any] | None:
    """The unexpired lease on ``channel_key`` of ``doc``, if any."""
    lease = (doc.get("leases") or {}).get(channel_key)
    return lease if lease and float(lease.get("until") or 0) > now else None


def take_lease(doc: dict[str, Any], channel_key: str, owner: str, now: float,
               seconds: float) -> dict[str, Any] | None:
    """``doc`` leased to ``owner`` for ``channel_key``; None when done or leased by another."""
    if channel_key not in (doc.get("pending") or []) or (
            (doc.get("channel_status") or {}).get(channel_key) in DONE):
        return None
    lease = live_lease(doc, channel_key, now)
    if lease and lease.get("owner") != owner:
        return None
    leases = {**(doc.get("leases") or {}), channel_key: {"owner": owner, "until": now + seconds}}
    return {**doc, "leases": leases, "updated_at": now}


def apply_outcome(doc: dict[str, Any], channel_key: str, status: str, tries: int,
                  error: str | None, next_attempt: float | None, now: float,
                  delivered_iso: str) -> dict[str, Any]:
    """``doc`` after one delivery round to ``channel_key`` (status delivered|digested|failed)."""
    doc = dict(doc)
    doc["leases"] = {k: v for k, v in (doc.get("leases") or {}).items() if k != channel_key}
    doc["channel_status"] = {**(doc.get("channel_status") or {}), channel_key: status}
    doc["attempts"] = int(doc.get("attempts") or 0) + tries
    if error:
        doc["errors"] = [*(doc.get("errors") or []), error][-MAX_ERRORS:]
    if status in DONE:
        doc["pending"] = [k for k in doc.get("pending") or [] if k != channel_key]
    doc["status"] = overall_status(doc)
    if doc["status"] in DONE:
        doc["delivered"] = doc.get("delivered") or delivered_iso
        doc["next_attempt"] = None
    else:
        doc["next_attempt"] = next_attempt
    doc["updated_at"] = now
    return doc


class AlertStore:
    """Claims and delivery records in ``<prefix>-alerts`` (id = alert id)."""

    def __init__(self, client: Elasticsearch, index_prefix: str = "defwatch",
                 max_retry_wait: float = 3600.0):
        self._client = client
        self.index = alias("alerts", index_prefix)
        self.max_retry_wait = max_retry_wait  # hold through an outage this long, then raise

    def _held(self, fn: Callable[[], Any], what: str) -> Any:
        """``fn()`` retried while Elasticsearch is unreachable (see ``call_with_retry``)."""
        return call_with_retry(fn, max_wait=self.max_retry_wait, what=what)

    def claim(self, alert_id: str, doc: dict[str, Any]) -> bool:
        """Create the alert document; False when it exists already (claimed before)."""
        token = uuid.uuid4().hex
        doc = {**doc, "claim_token": token}

        def create() -> bool:
            try:
                self._client.create(index=self.index, id=alert_id, document=doc)
            except ConflictError:
                found = self._get(alert_id)  # our own create, answered too late?
                return found is not None and found[0].get("claim_token") == token
            return True

        return self._held(create, f"alert claim {alert_id}")

    def get(self, alert_id: str) -> tuple[dict[str, Any], int, int] | None:
        """``(source, seq_no, primary_term)`` of the document, or None."""
        return self._held(lambda: self._get(alert_id), f"alert read {alert_id}")

    def _get(self, alert_id: str) -> tuple[dict[str, Any], int, int] | None:
        try:
            found = self._client.get(index=self.index, id=alert_id)
        except NotFoundError:
            return None
        return found["_source"], found["_seq_no"], found["_primary_term"]

    def modify(self, alert_id: str, change: Callable[[dict[str, Any]], dict[str, Any] | None],
               retries: int = 8) -> dict[str, Any] | None:
        """Read, ``change`` and write back with optimistic concurrency; None if change says so.

        Held through an outage as a whole: a write whose answer was lost is re-read and
        ``change`` applied to what is stored (``change`` must be idempotent, as every change
        here is: it sets a lease or a channel's outcome).
        """
        return self._held(lambda: self._modify(alert_id, change, retries),
                          f"alert update {alert_id}")

    def _modify(self, alert_id: str, change: Callable[[dict[str, Any]], dict[str, Any] | None],
                retries: int) -> dict[str, Any] | None:
        for _ in range(retries):
            found = self._get(alert_id)
            if found is None:
                return None
            source, seq_no, primary_term = found
            updated = change(dict(source))
            if updated is None:
                return None
            try:
                self._client.index(index=self.index, id=alert_id, document=updated,
                                   if_seq_no=seq_no, if_primary_term=primary_term)
            except ConflictError:
                continue
            return updated
        raise AlertStoreError(f"alert {alert_id}: too many concurrent updates")

    def lease(self, alert_id: str, channel_key: str, owner: str, seconds: float,
              now: float | None = None) -> dict[str, Any] | None:
        """Lease one channel of the alert to ``owner`` (None: delivered, or another sends)."""
        now = time.time() if now is None else now
        return self.modify(alert_id, lambda doc: take_lease(doc, channel_key, owner, now,
                                                            seconds))

    def due_for_retry(self, max_attempts: int, stale_seconds: float,
                      now: float | None = None, size: int = 200,
                      orphaned_before: float | None = None) -> list[tuple[str, dict]]:
        """Documents to retry (see the module doc), held through an outage."""
        return self._held(lambda: self._due(max_attempts, stale_seconds, now, size,
                                            orphaned_before), "alert retry sweep")

    def _due(self, max_attempts: int, stale_seconds: float, now: float | None, size: int,
             orphaned_before: float | None) -> list[tuple[str, dict]]:
        now = time.time() if now is None else now
        self._client.options(ignore_status=404).indices.refresh(index=self.index)
        query = {"bool": {"filter": [
            {"terms": {"status": ["claimed", "failed"]}},
            {"range": {"attempts": {"lt": max_attempts}}}]}}
        try:
            result = self._client.search(index=self.index, query=query, size=size,
                                         sort=[{"created": "asc"}])
        except NotFoundError:
            return []
        due = []
        for hit in result["hits"]["hits"]:
            doc = hit["_source"]
            if retry_ready(doc, now, stale_seconds, orphaned_before):
                due.append((hit["_id"], doc))
        return due


def retry_ready(doc: dict[str, Any], now: float, stale_seconds: float,
                orphaned_before: float | None = None) -> bool:
    """True for a document the sweep should (re)send now (see the module doc)."""
    pending = [k for k in doc.get("pending") or [] if not live_lease(doc, k, now)]
    if not pending or not doc.get("event"):
        return False
    if doc.get("status") == "failed":
        return (doc.get("next_attempt") or 0) <= now
    updated = doc.get("updated_at") or 0
    expired = any((doc.get("leases") or {}).get(k) for k in pending)  # its sender died
    return expired or updated <= now - stale_seconds or (
        orphaned_before is not None and updated < orphaned_before)
