"""The alert claims in ``<prefix>-alerts``: exactly-once sending across restarts and workers.

Before an alert is sent, ``claim`` creates ``<prefix>-alerts/<alert_id>`` with
``op_type=create``; a conflict means another worker (or an earlier run) owns it, so the caller
skips it. The claimant then records the outcome on that document with optimistic concurrency
(``if_seq_no``/``if_primary_term``, merged client-side: the node has no scripting). The
document is ``Alert.to_dict()`` plus unmapped bookkeeping kept in ``_source``:

- ``event``: the event as alerted (so a retry needs nothing else);
- ``pending``: keys of the channels not yet delivered; ``channel_status``: key → status;
- ``updated_at`` / ``next_attempt``: epoch seconds of the last change and of the next retry.

``due_for_retry`` finds documents still ``failed`` (next attempt due) or ``claimed`` and stale
(the claimant died between claim and send) with fewer than the allowed attempts.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from schemas.indices import alias
from schemas.records import Alert

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


def claim_document(alert: Alert, event: dict[str, Any], channel_keys: list[str],
                   now: float | None = None) -> dict[str, Any]:
    """The document a claim creates: the Alert, the event and the channels still to send to."""
    now = time.time() if now is None else now
    return {**alert.to_dict(), "event": event, "pending": list(channel_keys),
            "channel_status": {}, "updated_at": now, "next_attempt": None}


def apply_outcome(doc: dict[str, Any], channel_key: str, status: str, tries: int,
                  error: str | None, next_attempt: float | None, now: float,
                  delivered_iso: str) -> dict[str, Any]:
    """``doc`` after one delivery round to ``channel_key`` (status delivered|digested|failed)."""
    doc = dict(doc)
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

    def __init__(self, client: Elasticsearch, index_prefix: str = "defwatch"):
        self._client = client
        self.index = alias("alerts", index_prefix)

    def claim(self, alert_id: str, doc: dict[str, Any]) -> bool:
        """Create the alert document; False when it exists already (claimed before)."""
        try:
            self._client.create(index=self.index, id=alert_id, document=doc)
        except ConflictError:
            return False
        return True

    def get(self, alert_id: str) -> tuple[dict[str, Any], int, int] | None:
        """``(source, seq_no, primary_term)`` of the document, or None."""
        try:
            found = self._client.get(index=self.index, id=alert_id)
        except NotFoundError:
            return None
        return found["_source"], found["_seq_no"], found["_primary_term"]

    def modify(self, alert_id: str, change: Callable[[dict[str, Any]], dict[str, Any] | None],
               retries: int = 8) -> dict[str, Any] | None:
        """Read, ``change`` and write back with optimistic concurrency; None if change says so."""
        for _ in range(retries):
            found = self.get(alert_id)
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

    def due_for_retry(self, max_attempts: int, stale_seconds: float,
                      now: float | None = None, size: int = 200) -> list[tuple[str, dict]]:
        """Documents to retry: failed and due, or claimed and stale; fewer than max attempts."""
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
            if doc.get("status") == "failed":
                ready = (doc.get("next_attempt") or 0) <= now
            else:
                ready = (doc.get("updated_at") or 0) <= now - stale_seconds
            if ready and doc.get("pending") and doc.get("event"):
                due.append((hit["_id"], doc))
        return due
