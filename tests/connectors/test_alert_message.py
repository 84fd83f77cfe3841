"""The alert text and webhook JSON built from a DefectionEvent (pure functions)."""
from __future__ import annotations

from urllib.parse import unquote

from connectors.alert_message import (
    LinkSettings,
    build_digest,
    build_message,
    digest_payload,
    kibana_link,
    osm_link,
    webhook_payload,
)
from tests.connectors.alert_events import SENTENCE, make_event

KIBANA = LinkSettings(kibana_url="http://kibana.local:5601/", index_prefix="defwatch")


def test_message_holds_every_field_in_arabic_and_english():
    event = make_event()
    message = build_message(event, "new", KIBANA)
    body = message.body
    for expected in ("انشقاق جديد", "الدفاع الوطني", "18", "15–18", "الصالحية",
                     "محافظة دير الزور", "2024-05-02 – 2024-05-04", "مطلع الأسبوع", "قسد",
                     SENTENCE, "https://news.example.org/2024/05/salhiyah",
                     "New defection", "National Defence Forces [ndf]", "al-Salhiyah",
                     "Deir ez-Zor governorate", "Syrian Democratic Forces",
                     "https://www.openstreetmap.org/?mlat=35.0123&mlon=40.4567"
                     "#map=12/35.0123/40.4567",
                     "http://kibana.local:5601/app/discover#/", "evt-salhiyah"):
        assert expected in body, expected
    assert body.index("الدفاع الوطني") < body.index("National Defence Forces")
    assert "الدفاع الوطني" in message.title and "National Defence Forces" in message.title


def test_qualifier_and_missing_parts_are_worded_not_invented():
    event = make_event(count=None)
    event.location.geo = None
    event.destination = None
    body = build_message(event).body
    assert "العدد: غير معروف" in body and "Count: unknown" in body
    assert "openstreetmap" not in body and "Kibana" not in body and "الوجهة" not in body
    approx = make_event(count=25)
    approx.count_qualifier = "approx"
    assert "العدد: نحو 25" in build_message(approx).body
    assert "Count: about 25" in build_message(approx).body


def test_links():
    event = make_event()
    assert osm_link(event) == ("https://www.openstreetmap.org/?mlat=35.0123&mlon=40.4567"
                               "#map=12/35.0123/40.4567")
    link = unquote(kibana_link("evt-salhiyah", KIBANA))
    assert link.startswith("http://kibana.local:5601/app/discover#/?")
    assert "dataViewId:'defwatch-events'" in link and 'event_id:"evt-salhiyah"' in link
    assert kibana_link("x", LinkSettings()) is None


def test_webhook_payload_holds_the_whole_event():
    event = make_event()
    message = build_message(event, "new", KIBANA)
    payload = webhook_payload(event, message, "new", KIBANA)
    assert {k: v for k, v in payload.items()
            if k not in ("kind", "title", "message", "links")} == event.to_dict()
    assert payload["event_id"] == "evt-salhiyah" and payload["kind"] == "new"
    assert payload["message"] == message.body
    assert payload["links"]["map"].startswith("https://www.openstreetmap.org/")


def test_digest_lists_every_event_once():
    events = [make_event(event_id=f"e{i}", count=10 + i) for i in range(4)]
    message = build_digest(events, KIBANA)
    assert "4" in message.title and "موجز" in message.title
    assert message.body.count(" • ") == 4
    payload = digest_payload(events, message, KIBANA)
    assert payload["kind"] == "digest"
    assert payload["event_ids"] == ["e0", "e1", "e2", "e3"]
    assert [e["count"] for e in payload["events"]] == [10, 11, 12, 13]
