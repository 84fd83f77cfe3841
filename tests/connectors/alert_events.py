"""Defection events for the alert tests (own fixture sentences, news style)."""
from __future__ import annotations

import dataclasses

from schemas.records import (
    Actor,
    DateRange,
    DefectionEvent,
    Destination,
    Evidence,
    GeoPoint,
    Location,
    Source,
)

NDF = Actor(id="ndf", name_ar="الدفاع الوطني", name_en="National Defence Forces",
            parent_ar="قوات النظام", parent_id="regime")
BRIGADE = Actor(id="irgc_47", name_ar="اللواء 47", name_en="IRGC Brigade 47",
                parent_ar="الحرس الثوري الإيراني", parent_id="irgc")
SDF = Destination(name_ar="قسد", name_en="Syrian Democratic Forces", id="sdf")

SENTENCE = ("وأفادت مصادر محلية بأن 18 عنصراً من ميليشيا الدفاع الوطني فرّوا من مواقعهم في بلدة "
            "الصالحية بريف دير الزور الشرقي وعبروا نهر الفرات نحو مناطق سيطرة قسد.")


def make_event(event_id: str = "evt-salhiyah", count: int | None = 18,
               governorate: str = "دير الزور", actor: Actor = NDF,
               url: str = "https://news.example.org/2024/05/salhiyah",
               corroboration: int = 1) -> DefectionEvent:
    """A realistic event: NDF members crossing to SDF areas near al-Salhiyah."""
    return DefectionEvent(
        event_id=event_id, actor=dataclasses.replace(actor), count=count,
        count_qualifier="exact" if count else "none",
        count_range=[max(1, count - 3), count] if count else None, with_weapons=True,
        location=Location(name_ar="الصالحية", area_ar="ريف دير الزور الشرقي",
                          governorate_ar=governorate, name_en="al-Salhiyah",
                          geo=GeoPoint(lat=35.0123, lon=40.4567), precision="village"),
        destination=dataclasses.replace(SDF),
        date=DateRange(start="2024-05-02", end="2024-05-04", text_ar="مطلع الأسبوع"),
        evidence=[Evidence(doc_id="d1", text=SENTENCE, start=0, end=len(SENTENCE), url=url)],
        sources=[Source(doc_id="d1", url=url, outlet="news.example.org",
                        published="2024-05-04")],
        first_seen="2024-05-04T08:00:00Z", last_seen="2024-05-04T08:00:00Z",
        corroboration=corroboration)
