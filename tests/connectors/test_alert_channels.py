"""Alert channel configuration (flags, env, feeds.yaml), filters and secret expansion."""
from __future__ import annotations

import pytest

from connectors.alert_channels import (
    ChannelConfigError,
    ChannelFilter,
    Deliverer,
    DeliveryError,
    load_channels,
    parse_channel,
)
from tests.connectors.alert_events import BRIGADE, make_event
from tests.support.receivers import WebhookReceiver


def test_url_filters_are_parsed_and_removed_from_the_url():
    channel = parse_channel("json://hooks.example.org/a?x=1&filter_governorate_ar=دير الزور"
                            "&filter_min_count=10&filter_actors=ndf,saa")
    assert channel.url == "json://hooks.example.org/a?x=1"
    assert channel.filters == ChannelFilter(("دير الزور",), ("ndf", "saa"), 10)
    assert channel.resolved_url({}) == "http://hooks.example.org/a?x=1"
    assert parse_channel("jsons://h.example.org/b").resolved_url({}).startswith("https://")


def test_filters_match_governorate_actor_and_count():
    wanted = ChannelFilter(("دير الزور",), ("ndf",), 10)
    assert wanted.matches(make_event(count=18))
    assert not wanted.matches(make_event(count=5))
    assert not wanted.matches(make_event(governorate="الرقة"))
    assert not wanted.matches(make_event(actor=BRIGADE))
    assert ChannelFilter(actors=("irgc",)).matches(make_event(actor=BRIGADE))  # parent id
    assert not ChannelFilter(min_count=3).matches(make_event(count=None))
    assert ChannelFilter().matches(make_event(count=None))


def test_load_channels_merges_flags_env_and_feeds_yaml(tmp_path):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        "feeds: []\nalerts:\n"
        "  - url: mailto://smtp.example.org?to=desk@example.org\n"
        "    name: desk\n"
        "    filters: {governorate_ar: دير الزور, min_count: 10, actors: [ndf]}\n"
        "  - url: json://a.example.org/hook\n", encoding="utf-8")
    channels = load_channels(["json://a.example.org/hook"], feeds,
                             env={"DEFWATCH_ALERTS": "slack://${SLACK_TOKEN}/#desk"})
    assert [c.url for c in channels] == ["json://a.example.org/hook",
                                         "slack://${SLACK_TOKEN}/#desk",
                                         "mailto://smtp.example.org?to=desk@example.org"]
    assert channels[2].label() == "desk" and channels[2].filters.min_count == 10
    assert channels[1].resolved_url({"SLACK_TOKEN": "T1/B2/C3"}) == "slack://T1/B2/C3/#desk"
    assert "${" not in channels[1].label() and "T1" not in channels[1].label()
    with pytest.raises(ChannelConfigError, match="SLACK_TOKEN"):
        channels[1].resolved_url({})


def test_bad_configuration_is_refused():
    with pytest.raises(ChannelConfigError):
        parse_channel("not a url")
    with pytest.raises(ChannelConfigError, match="unknown alert filter"):
        parse_channel({"url": "json://h/x", "filters": {"province": "x"}})
    with pytest.raises(ChannelConfigError, match="min_count"):
        parse_channel("json://h/x?filter_min_count=many")


def test_webhook_delivery_and_failure_reason():
    with WebhookReceiver() as hook:
        deliverer = Deliverer(timeout=5)
        channel = parse_channel(hook.json_url("/in"))
        deliverer.send(channel, "t", "b", {"event_id": "e1"})
        assert [r.json for r in hook.requests] == [{"event_id": "e1"}]
        hook.set_down(503)
        with pytest.raises(DeliveryError) as failure:
            deliverer.send(channel, "t", "b", {"event_id": "e1"})
        assert failure.value.reason == "http_status:503"
        deliverer.close()
