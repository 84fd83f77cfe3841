"""A real three-node Elasticsearch cluster on loopback loses a node in the middle of a write.

``defwatch local-es start --nodes 3`` starts the cluster on its own ports and data
directories; the project's templates give every index one replica. While the bulk writer
stores a stream of articles through a surviving node, the node holding the articles' primary
shard is SIGKILLed: the replica is promoted, the writes go on, none is lost or doubled. When
the node is started again it rejoins and the cluster returns to green.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from elasticsearch import Elasticsearch

from connectors.elasticsearch_io import WriteToElasticsearch, article_doc
from deploy import local_es
from schemas import index_setup
from schemas.records import Article
from tests.support.reliability_table import full_mode

DOCS = 6000 if full_mode() else 1500
HEAP = "256m"


def _free_base() -> int:
    """A base port whose three HTTP ports and transport ports are free and hold no node data
    of this checkout (a stopped single node's data would refuse a cluster: 9250, 9260, …)."""
    for base in range(9250, 9400, 10):
        ports = [p for i in range(3) for p in (base + i, base + 100 + i)]
        free = not any(local_es.Layout(local_es.cache_dir(), base + i).node.exists()
                       for i in range(3))
        for port in ports:
            with socket.socket() as sock:
                free = free and sock.connect_ex(("127.0.0.1", port)) != 0
        if free:
            return base
    raise AssertionError("no free ports for a 3-node cluster between 9250 and 9400")


@pytest.fixture(scope="module")
def cluster():
    """The first port of a fresh 3-node cluster (stopped and its data removed afterwards)."""
    base = _free_base()
    try:
        local_es.start(base, heap=HEAP, nodes=3, timeout=300)
    except local_es.LocalESError as error:
        pytest.fail(f"could not start the 3-node cluster: {error}", pytrace=False)
    try:
        yield base
    finally:
        local_es.stop(base)
        for i in range(3):
            shutil.rmtree(local_es.Layout(local_es.cache_dir(), base + i).node,
                          ignore_errors=True)


def _wait(condition, timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() < start + timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.3)
    raise AssertionError(f"{what} not within {timeout:.0f} s")


def _articles(n: int) -> list[Article]:
    return [Article(doc_id=f"c-{i:05d}", url=f"https://news.example.org/c/{i}",
                    text=f"تقرير رقم {i} عن انشقاق عناصر.", outlet="cluster") for i in range(n)]


@pytest.mark.es
@pytest.mark.slow
@pytest.mark.reliability(
    "Three-node cluster (local-es --nodes 3, one replica): the node holding the articles' "
    "primary shard SIGKILLed in the middle of a bulk write, then started again",
    checked="status shows 3 nodes; the cluster stays yellow, never red; the write goes on "
            "and every article is stored once; no dead letter; the node rejoins and the "
            "cluster returns to green")
def test_a_node_killed_mid_write_loses_nothing_and_the_cluster_returns_to_green(
        cluster, fault_report):
    info = local_es.status(cluster)
    assert info is not None and info["cluster_nodes"] == 3
    assert [n["port"] for n in info["nodes"]] == [cluster, cluster + 1, cluster + 2]
    client = Elasticsearch([n["url"] for n in info["nodes"]], request_timeout=30)
    prefix = "cluster-test"
    index_setup.install(client, prefix=prefix)
    health = client.cluster.health(wait_for_status="green", timeout="60s")
    assert health["status"] == "green"
    index = next(iter(client.indices.get_alias(name=f"{prefix}-articles")))
    assert client.indices.get_settings(index=index, name="index.number_of_replicas",
                                       include_defaults=True)[index]["settings"][
        "index"]["number_of_replicas"] == "1"
    shards = client.cat.shards(index=index, format="json")
    primary = next(s["node"] for s in shards if s["prirep"] == "p")
    victim = next(n for n in info["nodes"] if f"defwatch-{n['port']}" == primary)
    entry = next(n for n in info["nodes"] if n is not victim)["url"]

    articles = _articles(DOCS)
    failures: list = []

    def write():
        try:
            with TestPipeline() as p:
                out = (p | beam.Create(articles)
                       | WriteToElasticsearch(entry, functools.partial(article_doc, prefix=prefix),
                                              index_prefix=prefix, max_batch_docs=20))
                assert_that(out.dead_letter | beam.Map(lambda d: d.reason), equal_to([]))
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    survivor = Elasticsearch(entry, request_timeout=30)  # health and counts, after the kill too

    def stored() -> int:
        survivor.indices.refresh(index=f"{prefix}-articles")
        return survivor.count(index=f"{prefix}-articles")["count"]

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    _wait(lambda: stored() >= DOCS // 10, 120, "the first articles")
    os.kill(victim["pid"], signal.SIGKILL)
    killed_at, at_kill = time.monotonic(), stored()
    _wait(lambda: survivor.cluster.health()["number_of_nodes"] == 2, 60, "the node's loss")
    seen = set()
    writer_done = _wait(lambda: (seen.add(survivor.cluster.health()["status"]) or
                                 not writer.is_alive()), 600, "the end of the write")
    assert not failures, failures
    assert "red" not in seen, seen
    assert at_kill < DOCS and stored() == DOCS  # went on after the kill; each once (ids)

    local_es.start(cluster, heap=HEAP, nodes=3, timeout=300)
    green = _wait(lambda: survivor.cluster.health(wait_for_status="green", timeout="5s")[
        "status"] == "green", 300, "green")
    assert local_es.status(cluster)["cluster_nodes"] == 3
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "local-es", "status", "--port",
                          str(cluster)], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert all(f"node http://127.0.0.1:{cluster + i} pid" in out for i in range(3)), out
    assert stored() == DOCS
    client.close()
    survivor.close()
    fault_report.observed = (
        f"{DOCS} articles, {at_kill} stored at the kill; the rest stored "
        f"{writer_done:.0f} s later (health {sorted(seen)}); green {green:.0f} s after "
        f"the node's restart ({time.monotonic() - killed_at:.0f} s after the kill)")
