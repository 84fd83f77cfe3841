"""Alert text from hostile articles reaches every channel inert: no pings, no hidden links, no HTML.

Real deliveries to loopback receivers: the JSON webhook and Mattermost (HTTP receivers), e-mail
(an SMTP server), and Discord, Slack and Telegram through a TLS-terminating stand-in for their
own hosts (``tests/support/service_proxy.py``). The event's evidence sentence, place name and
source URL carry mentions, Markdown, HTML, a header injection and a bidi override.
"""
from __future__ import annotations

import dataclasses
import email
import email.policy
import json

import pytest

from connectors.alert_channels import Deliverer, parse_channel
from connectors.alert_escape import ZWSP
from connectors.alert_message import build_message, webhook_payload
from tests.connectors.alert_events import make_event
from tests.support.receivers import SmtpReceiver, WebhookReceiver
from tests.support.service_proxy import ServiceProxy

HOSTILE = ("@everyone @here @channel @all <@123456789> <@&987654> <!here> <!channel> "
           "[click here](https://evil.example/login) **bold** _it_ `code` "
           "<script>alert(1)</script> <b>html</b> &amp; \u202etxt.exe")
PLACE = "الصالحية\r\nBcc: victim@example.org <@&42>"
PINGS = ("@everyone", "@here", "@channel", "@all")


def _hostile_event():
    event = make_event(url="https://evil.example/a_(b)?q=<x>")
    evidence = dataclasses.replace(event.evidence[0], text=HOSTILE, end=len(HOSTILE))
    location = dataclasses.replace(event.location, name_ar=PLACE)
    return dataclasses.replace(event, evidence=[evidence], location=location)


@pytest.fixture
def delivered(tmp_path, monkeypatch):
    """Send the hostile alert to every channel; what each receiver got."""
    event = _hostile_event()
    message = build_message(event)
    payload = webhook_payload(event, message)
    with WebhookReceiver() as hook, WebhookReceiver() as mattermost, SmtpReceiver() as smtp, \
            ServiceProxy(tmp_path) as proxy:
        proxy.environment(monkeypatch)
        channels = {
            "webhook": hook.json_url("/hook"),
            "mattermost": f"mmost://127.0.0.1:{mattermost.port}/mmtoken123",
            "email": smtp.mailto_url("desk@example.org"),
            "email_html": smtp.mailto_url("html@example.org").replace("format=text",
                                                                      "format=html"),
            "discord": "discord://123456789012/discord-token-abc",
            "slack": "slack://T1ABCDEFG/B1ABCDEFG/slacktoken0123456789abcd/#desk",
            "telegram": "tgram://123456789:telegramtokenABCDEFGHIJ/-100123",
        }
        deliverer = Deliverer(timeout=10)
        try:
            for url in channels.values():
                deliverer.send(parse_channel(url), message.title, message.body, payload)
        finally:
            deliverer.close()
        assert smtp.wait_for(2, timeout=10)
        yield {
            "webhook": hook.requests[0].json,
            "mattermost": mattermost.requests[0].json,
            "email": {m.recipients[0]: m for m in smtp.messages},
            "discord": proxy.to("discord.com"),
            "slack": proxy.to("hooks.slack.com"),
            "telegram": proxy.to("api.telegram.org"),
        }


def _no_pings(text: str) -> None:
    for ping in PINGS:
        assert ping not in text.replace("@" + ZWSP, "")  # only broken forms remain
    assert "\u202e" not in text


def test_discord_pings_nobody_and_shows_links_and_markdown_literally(delivered):
    (request,) = delivered["discord"]
    assert request.path.startswith("/api/webhooks/123456789012/discord-token-abc")
    body = request.json
    assert body["allowed_mentions"] == {"parse": []}
    content = body["content"]
    _no_pings(content)
    assert "<@123456789>" not in content and "\\<@" + ZWSP + "123456789\\>" in content
    assert "[click here](" not in content and "\\[click here\\]" in content
    assert "<https://evil.example/login>" in content  # a visible link, never masked
    assert "**bold**" not in content and "<script>" not in content
    assert "\r" not in content and "الصالحية Bcc: victim" in content  # one line, as text


def test_mattermost_gets_escaped_markdown_and_broken_mentions(delivered):
    text = delivered["mattermost"]["text"]
    _no_pings(text)
    assert "[click here](" not in text and "\\[click here\\]" in text
    assert "<script>" not in text and "**bold**" not in text


def test_slack_gets_entities_for_its_control_characters(delivered):
    (request,) = delivered["slack"]
    sent = json.dumps(request.json, ensure_ascii=False)
    assert "<!here>" not in sent and "<!channel>" not in sent and "<@123456789>" not in sent
    assert "&lt;!here&gt;" in sent and "&lt;script&gt;" in sent
    _no_pings(sent)


def test_telegram_gets_escaped_html(delivered):
    (request,) = delivered["telegram"]
    body = request.json
    assert body["parse_mode"].upper() == "HTML"
    assert "<script>" not in body["text"] and "<b>html</b>" not in body["text"]
    assert "&lt;script&gt;" in body["text"]
    _no_pings(body["text"])


def test_email_has_no_header_injection_and_html_mail_is_escaped(delivered):
    assert set(delivered["email"]) == {"desk@example.org", "html@example.org"}
    html_parts = {}
    for address, record in delivered["email"].items():
        message = email.message_from_bytes(record.raw, policy=email.policy.default)
        assert message.get("Bcc") is None and "victim" not in (message.get("To") or "")
        assert record.recipients == [address]
        assert "\n" not in str(message.get("Subject"))
        html_parts[address] = [part.get_content() for part in message.walk()
                               if part.get_content_type() == "text/html"]
    assert html_parts["html@example.org"], "the format=html mail has no text/html part"
    for html in html_parts["html@example.org"]:
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert "<b>html</b>" not in html
    assert html_parts["desk@example.org"] == []  # format=text: plain text only


def test_the_webhook_carries_the_text_as_json_data(delivered):
    payload = delivered["webhook"]
    assert payload["evidence"][0]["text"] == HOSTILE  # structured data, for the receiver
    assert payload["location"]["name_ar"] == PLACE


def test_long_discord_messages_are_cut_at_line_ends_within_the_limit():
    from connectors.alert_channels import DISCORD_MAX_CHARS, _chunks, discord_webhook
    text = "\n".join(f"line {i} " + "x" * 150 for i in range(40))
    pieces = _chunks(text, DISCORD_MAX_CHARS)
    assert len(pieces) > 1 and all(len(p) <= DISCORD_MAX_CHARS for p in pieces)
    assert "\n".join(pieces) == text
    assert discord_webhook("discord://desk@1234/tok-en/extra") == (
        "https://discord.com/api/webhooks/1234/tok-en", "desk")
