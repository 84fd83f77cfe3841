"""Load and validate ``feeds.yaml`` into :class:`FeedConfig` records.

Every problem is reported at once, each naming the entry (position and id) and the field::

    deploy/feeds.yaml: entry 3 (id 'raqqa_post'): kind 'atom' is not one of rss, telegram, sitemap
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from schemas.records import FeedConfig

KINDS = ("rss", "telegram", "sitemap")
FIELDS = frozenset({"id", "name", "url", "kind", "language", "poll_interval"})
FEED_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
URL = re.compile(r"^https?://[^\s/]+", re.IGNORECASE)
MIN_POLL_INTERVAL = 10


class FeedRegistryError(ValueError):
    """feeds.yaml is unreadable or has invalid entries; the message lists every problem."""


def _entry_problems(position: int, entry: object, ids: set[str]) -> list[str]:
    """What is wrong with one entry (empty when valid)."""
    if not isinstance(entry, dict):
        return [f"entry {position}: must be a mapping, not {type(entry).__name__}"]
    label = f"entry {position} (id {entry.get('id')!r})"
    problems = [f"{label}: unknown field {key!r}" for key in entry if key not in FIELDS]
    feed_id = entry.get("id")
    if not isinstance(feed_id, str) or not FEED_ID.match(feed_id):
        problems.append(f"{label}: id must be lower-case letters, digits, '_', '-' or '.'")
    elif feed_id in ids:
        problems.append(f"{label}: duplicate id")
    url = entry.get("url")
    if not isinstance(url, str) or not URL.match(url):
        problems.append(f"{label}: url must be an http(s) URL, got {url!r}")
    kind = entry.get("kind", "rss")
    if kind not in KINDS:
        problems.append(f"{label}: kind {kind!r} is not one of {', '.join(KINDS)}")
    interval = entry.get("poll_interval", 300)
    if not isinstance(interval, int) or isinstance(interval, bool) or (
            interval < MIN_POLL_INTERVAL):
        problems.append(f"{label}: poll_interval must be an integer >= {MIN_POLL_INTERVAL} "
                        f"seconds, got {interval!r}")
    for key in ("name", "language"):
        if key in entry and not isinstance(entry[key], str):
            problems.append(f"{label}: {key} must be a string")
    return problems


def parse_feeds(data: object, source: str = "feeds.yaml",
                poll_interval: int | None = None) -> list[FeedConfig]:
    """FeedConfigs from parsed YAML, or FeedRegistryError listing every problem."""
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), list):
        raise FeedRegistryError(f"{source}: expected a mapping with a 'feeds' list")
    problems, feeds, ids = [], [], set()
    for position, entry in enumerate(data["feeds"], start=1):
        found = _entry_problems(position, entry, ids)
        if found:
            problems.extend(found)
            continue
        ids.add(entry["id"])
        feed = FeedConfig.from_dict(entry)
        if poll_interval is not None:
            feed.poll_interval = poll_interval
        feeds.append(feed)
    if problems:
        raise FeedRegistryError("\n".join(f"{source}: {p}" for p in problems))
    if not feeds:
        raise FeedRegistryError(f"{source}: no feeds")
    return feeds


def load_feeds(path: str | Path, poll_interval: int | None = None) -> list[FeedConfig]:
    """Read and validate a feeds.yaml file; ``poll_interval`` overrides every feed's."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FeedRegistryError(f"{path}: cannot read: {error}") from None
    return parse_feeds(data, str(path), poll_interval)
