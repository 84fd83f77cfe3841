"""One place that builds the Elasticsearch client from the common flags and environment."""
from __future__ import annotations

import os

from elasticsearch import Elasticsearch

DEFAULT_ES_URL = "http://127.0.0.1:9200"


def resolve_es_url(es_url: str | None = None) -> str:
    """``--es-url``, else ``DEFWATCH_ES_URL``, else the local node's default address."""
    return es_url or os.environ.get("DEFWATCH_ES_URL") or DEFAULT_ES_URL


def make_client(es_url: str | None = None, api_key: str | None = None,
                request_timeout: float = 30.0) -> Elasticsearch:
    """A client for ``es_url`` (see ``resolve_es_url``) with the API key from flag or env."""
    api_key = api_key or os.environ.get("DEFWATCH_ES_API_KEY") or None
    return Elasticsearch(resolve_es_url(es_url), api_key=api_key,
                         request_timeout=request_timeout)
