"""Shared fixtures: the real Elasticsearch node and per-test index prefixes.

``es_url`` is ``DEFWATCH_ES_URL`` when set, else the project's local node (``deploy/local_es``),
started once per session (and stopped at the end only if this session started it).
``es_prefix`` gives a test its own index prefix with the templates, indices and aliases of
every kind installed (``schemas.index_setup.install``); ``es_bare_prefix`` gives a unique prefix
with nothing installed. Both delete every ``<prefix>-*`` index and template afterwards.
"""
from __future__ import annotations

import os
import uuid

import pytest

from connectors.es_client import make_client
from deploy import local_es
from schemas import index_setup

pytest_plugins = ["tests.support.reliability_table"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "es: needs a real Elasticsearch node (es_url fixture)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "e2e: end-to-end run of the pipeline on a portable runner")


@pytest.fixture(scope="session")
def es_url():
    """Base URL of the Elasticsearch node the tests use."""
    if os.environ.get("DEFWATCH_ES_URL"):
        yield os.environ["DEFWATCH_ES_URL"].rstrip("/")
        return
    running = local_es.status()
    if running:
        yield running["url"]
        return
    try:
        url = local_es.start()
    except local_es.LocalESError as error:
        pytest.fail(f"could not start the local Elasticsearch: {error}", pytrace=False)
    try:
        yield url
    finally:
        local_es.stop()


@pytest.fixture(scope="session")
def es_client(es_url):
    """An ``Elasticsearch`` client for ``es_url``."""
    client = make_client(es_url)
    yield client
    client.close()


def _delete_prefix(client, prefix: str) -> None:
    """Delete every index and index template named ``<prefix>-*`` (explicit names only)."""
    pattern = f"{prefix}-*"
    indices = list(client.indices.get(index=pattern, expand_wildcards="all",
                                      ignore_unavailable=True, allow_no_indices=True))
    if indices:
        client.indices.delete(index=",".join(indices), ignore_unavailable=True)
    templates = client.options(ignore_status=404).indices.get_index_template(name=pattern)
    for item in templates.get("index_templates", []):
        client.indices.delete_index_template(name=item["name"])


def _unique_prefix() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def es_prefix(es_client):
    """A unique index prefix with every template, index and alias installed."""
    prefix = _unique_prefix()
    index_setup.install(es_client, prefix=prefix)
    yield prefix
    _delete_prefix(es_client, prefix)


@pytest.fixture
def es_bare_prefix(es_client):
    """A unique index prefix with nothing installed (the test creates what it needs)."""
    prefix = _unique_prefix()
    yield prefix
    _delete_prefix(es_client, prefix)
