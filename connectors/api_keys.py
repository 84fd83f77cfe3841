"""Least-privilege API keys: a writer for the pipeline and a read-only key for analysts.

``defwatch setup --create-api-keys DIR`` (run with administrator credentials) makes sure DIR
holds two keys, each in its own file written with mode 0600 (the encoded ``id:key`` that
``--es-api-key`` / ``DEFWATCH_ES_API_KEY_FILE`` take):

- ``writer.api_key``: reads and writes the project's own indices (``<prefix>-*``) and
  nothing else: no cluster privileges, no other index, no template or index management (so
  the pipeline runs with ``--no-setup`` after ``setup`` installed the templates).
- ``analyst.api_key``: reads ``<prefix>-*`` (``defwatch search``, scripts).

A key whose file exists, that Elasticsearch still knows as valid and that does not expire
within ``RENEW_WITHIN`` is kept (setup is idempotent); otherwise a new one is minted and the
file replaced atomically. Keys expire after ``--api-key-expiration`` (default 90d; ``never``
for none): a running pipeline keeps its key until it restarts, so restart it within the
renewal window after ``setup`` renewed the key.
"""
from __future__ import annotations

import base64
import binascii
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

__all__ = ["ROLES", "role_descriptors", "ensure_api_key", "write_secret", "KeyOutcome",
           "DEFAULT_EXPIRATION", "parse_duration"]

DEFAULT_EXPIRATION = "90d"
RENEW_WITHIN = 14 * 86400  # seconds: a key expiring sooner is replaced by setup
ROLES = {
    # create_doc/index: alert claims (op_type=create), events, articles, cursors, dead
    # letters; maintenance: the refresh before a dedup lookup; view_index_metadata: aliases.
    "writer": ["read", "create_doc", "index", "view_index_metadata", "maintenance"],
    "analyst": ["read", "view_index_metadata"],
}
DURATION = re.compile(r"^(\d+)(d|h|m|s)$")
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass(frozen=True)
class KeyOutcome:
    """What ``ensure_api_key`` did: ``created`` or ``kept``, and the key's id and expiry."""
    role: str
    status: str
    key_id: str
    path: Path
    expires: str | None  # ISO time, None when it never expires


def parse_duration(text: str) -> str | None:
    """``90d``/``12h``/``30m``/``600s`` as Elasticsearch wants it; None for ``never``/``0``."""
    text = (text or "").strip().lower()
    if text in ("never", "0", "none"):
        return None
    if not DURATION.match(text):
        raise ValueError(f"API key expiration must look like 90d, 12h, 30m or never, got {text!r}")
    return text


def role_descriptors(role: str, prefix: str) -> dict[str, Any]:
    """The role descriptors of the ``writer`` or ``analyst`` key for ``<prefix>-*``."""
    if role not in ROLES:
        raise ValueError(f"unknown API key role {role!r}; expected one of {sorted(ROLES)}")
    return {f"defwatch_{role}": {
        "cluster": [],
        "indices": [{"names": [f"{prefix}-*"], "privileges": ROLES[role]}],
    }}


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` with mode 0600, atomically (never readable by others)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _key_id(encoded: str) -> str | None:
    """The id inside an encoded API key (base64 of ``id:key``), or None."""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    key_id, sep, _ = decoded.partition(":")
    return key_id if sep and key_id else None


def _still_good(client: Elasticsearch, key_id: str, now: float) -> dict | None:
    """The key's info when it is valid and not expiring within ``RENEW_WITHIN``."""
    try:
        keys = client.security.get_api_key(id=key_id)["api_keys"]
    except NotFoundError:
        return None
    for key in keys:
        expiration = key.get("expiration")  # epoch milliseconds, absent when never
        if key.get("invalidated") or (expiration and expiration / 1000 < now + RENEW_WITHIN):
            return None
        return key
    return None


def _iso(millis: int | None) -> str | None:
    if not millis:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(millis / 1000))


def ensure_api_key(client: Elasticsearch, role: str, prefix: str, directory: Path,
                   expiration: str | None = DEFAULT_EXPIRATION,
                   now: float | None = None) -> KeyOutcome:
    """Keep the valid key in ``directory/<role>.api_key`` or mint a new one into it."""
    now = time.time() if now is None else now
    path = Path(directory) / f"{role}.api_key"
    if path.exists():
        key_id = _key_id(path.read_text(encoding="utf-8"))
        found = _still_good(client, key_id, now) if key_id else None
        if found is not None:
            os.chmod(path, 0o600)
            return KeyOutcome(role, "kept", key_id, path, _iso(found.get("expiration")))
    body: dict[str, Any] = {
        "name": f"defwatch-{prefix}-{role}",
        "role_descriptors": role_descriptors(role, prefix),
        "metadata": {"application": "defection-watch", "role": role, "index_prefix": prefix},
    }
    if expiration:
        body["expiration"] = expiration
    created = client.security.create_api_key(**body)
    write_secret(path, created["encoded"] + "\n")
    return KeyOutcome(role, "created", created["id"], path, _iso(created.get("expiration")))
