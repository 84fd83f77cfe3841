"""feeds.yaml loading and validation."""
from pathlib import Path

import pytest

from connectors.feed_registry import FeedRegistryError, load_feeds, parse_feeds

DEPLOY_FEEDS = Path(__file__).parents[2] / "deploy" / "feeds.yaml"


def test_deploy_feeds_file_is_valid_and_weighted_east():
    feeds = load_feeds(DEPLOY_FEEDS)
    assert len(feeds) >= 10
    assert {f.kind for f in feeds} == {"rss", "telegram", "sitemap"}
    assert all(f.url.startswith("https://") and f.language == "ar" for f in feeds)


def test_every_problem_is_reported_with_its_entry():
    data = {"feeds": [
        {"id": "ok", "url": "https://a.org/feed"},
        {"id": "ok", "url": "https://b.org/feed"},
        {"id": "bad_kind", "url": "https://c.org/feed", "kind": "atom"},
        {"id": "Bad Id", "url": "ftp://d.org/x", "poll_interval": 1, "colour": "red"},
        "just a string",
    ]}
    with pytest.raises(FeedRegistryError) as caught:
        parse_feeds(data, "f.yaml")
    lines = str(caught.value).splitlines()
    assert lines == [
        "f.yaml: entry 2 (id 'ok'): duplicate id",
        "f.yaml: entry 3 (id 'bad_kind'): kind 'atom' is not one of rss, telegram, sitemap",
        "f.yaml: entry 4 (id 'Bad Id'): unknown field 'colour'",
        "f.yaml: entry 4 (id 'Bad Id'): id must be lower-case letters, digits, '_', '-' or '.'",
        "f.yaml: entry 4 (id 'Bad Id'): url must be an http(s) URL, got 'ftp://d.org/x'",
        "f.yaml: entry 4 (id 'Bad Id'): poll_interval must be an integer >= 10 seconds, got 1",
        "f.yaml: entry 5: must be a mapping, not str",
    ]


def test_poll_interval_override_and_defaults(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - id: a\n    url: https://a.org/feed\n", encoding="utf-8")
    [feed] = load_feeds(path, poll_interval=60)
    assert (feed.kind, feed.language, feed.poll_interval) == ("rss", "ar", 60)


@pytest.mark.parametrize("text", ["feeds: 3\n", "[1, 2]\n", "feeds: []\n", "a: [\n"])
def test_unusable_files(tmp_path, text):
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedRegistryError, match=str(path)):
        load_feeds(path)
