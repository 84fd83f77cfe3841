"""Real Elasticsearch faults for tests: the disk flood-stage block, through cluster settings.

``flood_stage(client)`` makes the node believe its disk is over the flood-stage watermark
(every watermark set above the disk's size, disk checks on): Elasticsearch itself puts the
``index.blocks.read_only_allow_delete`` block on every index with a shard on the node, and
writes fail with ``429 cluster_block_exception`` — exactly what a full disk does. ``lift()``
resets the settings; Elasticsearch releases the block itself (7.4+). The node's own
``cluster.info.update.interval`` (minimum 10 s) paces both.

Usage::

    with flood_stage(es_client) as flood:
        flood.wait_blocked(index)   # the block is on: writes to ``index`` are refused
        …                           # the pipeline holds and retries
        flood.lift()                # Elasticsearch removes the block within ~10 s
"""
from __future__ import annotations

import contextlib
import time

from elasticsearch import ApiError

FLOOD = {
    "cluster.info.update.interval": "10s",
    "cluster.routing.allocation.disk.threshold_enabled": True,
    "cluster.routing.allocation.disk.watermark.low": "1000tb",
    "cluster.routing.allocation.disk.watermark.high": "1000tb",
    "cluster.routing.allocation.disk.watermark.flood_stage": "1000tb",
}


class FloodStage:
    """The flood-stage fault on one node or cluster (see the module docstring)."""

    def __init__(self, client):
        self.client = client
        self.engaged_at = self.blocked_at = self.lifted_at = None

    def engage(self) -> None:
        self.client.cluster.put_settings(persistent=FLOOD)
        self.engaged_at = time.monotonic()

    def lift(self) -> None:
        self.client.cluster.put_settings(persistent=dict.fromkeys(FLOOD))
        self.lifted_at = time.monotonic()

    def blocked(self, index: str) -> bool:
        """True when ``index`` carries the read-only-allow-delete block."""
        settings = self.client.indices.get_settings(index=index, flat_settings=True)
        return any(s["settings"].get("index.blocks.read_only_allow_delete") == "true"
                   for s in settings.values())

    def wait_blocked(self, index: str, timeout: float = 90.0) -> float:
        """Poll until Elasticsearch has blocked ``index``; seconds it took."""
        return self._wait(lambda: self.blocked(index), timeout, f"{index} never blocked")

    def wait_released(self, index: str, timeout: float = 90.0) -> float:
        """Poll until Elasticsearch has released ``index``; seconds since ``lift``."""
        return self._wait(lambda: not self.blocked(index), timeout, f"{index} still blocked")

    def _wait(self, condition, timeout: float, message: str) -> float:
        start = time.monotonic()
        deadline = start + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(ApiError):
                if condition():
                    return time.monotonic() - start
            time.sleep(0.5)
        raise AssertionError(message)


@contextlib.contextmanager
def flood_stage(client):
    """Engage the flood stage; always lift it (and clear any block left) on the way out."""
    flood = FloodStage(client)
    flood.engage()
    try:
        yield flood
    finally:
        flood.lift()
        client.options(ignore_status=(400, 404)).indices.put_settings(
            index="_all", settings={"index.blocks.read_only_allow_delete": None},
            expand_wildcards="all")
