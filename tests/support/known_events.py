"""Five events of known dates, places, sides and sources, written for the tests of
``defwatch search`` and ``defwatch brief`` (not taken from any report)."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from schemas import index_setup
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

TODAY = dt.date.today()

def _event(event_id, actor, count, place, governorate, geo, date, **extra) -> DefectionEvent:
    """A test event (the text is written for the test, not taken from a report)."""
    defaults = dict(count_qualifier="exact" if count else "none", includes_commander=False,
                    with_weapons=False, corroboration=1,
                    sources=[Source(doc_id=f"{event_id}-1", outlet="منفذ",
                                    url=f"https://news.example.org/{event_id}")],
                    evidence=[Evidence(doc_id=f"{event_id}-1", text=f"انشقاق في {place}",
                                       start=0, end=12)],
                    first_seen="2026-01-01T00:00:00Z", last_seen="2026-01-01T00:00:00Z")
    defaults.update(extra)
    return DefectionEvent(event_id=event_id, actor=actor, count=count,
                          location=Location(name_ar=place, governorate_ar=governorate,
                                            geo=GeoPoint(*geo) if geo else None),
                          date=date, **defaults)


def known_events() -> list[DefectionEvent]:
    """ndf-duwayr, irgc-bukamal, ahrar-saraqib, sdf-raqqa (undated), fifth-busra (recent)."""
    recent = (TODAY - dt.timedelta(days=3)).isoformat()
    return [
        _event("ndf-duwayr",
               Actor(id="ndf", name_ar="الدفاع الوطني", name_en="National Defence Forces",
                     parent_ar="قوات النظام", parent_id="regime", side="regime"),
               21, "الدوير", "دير الزور", (34.57, 40.79),
               DateRange("2021-05-01", "2021-05-10", "مطلع الشهر الجاري", "week"),
               destination=Destination(name_ar="قسد", name_en="Syrian Democratic Forces",
                                       id="sdf"),
               with_weapons=True, corroboration=2,
               sources=[Source(doc_id="d1", outlet="أخبار الشرق",
                               url="https://news.example.org/1"),
                        Source(doc_id="d2", outlet="Deir Monitor",
                               url="https://other.example.net/9")]),
        _event("irgc-bukamal",
               Actor(id="irgc", name_ar="الحرس الثوري الإيراني",
                     name_en="Islamic Revolutionary Guard Corps", side="iran_backed"),
               7, "البوكمال", "دير الزور", (34.4536, 40.9367),
               DateRange("2021-06-02", "2021-06-02", "الأربعاء", "day"), includes_commander=True,
               sources=[Source(doc_id="d3", outlet="فرات بوست",
                               url="https://furatpost.example.com/3")]),
        _event("ahrar-saraqib",
               Actor(id="group:جيش_الاحرار", name_ar="جيش الأحرار", parent_ar="هيئة تحرير الشام",
                     parent_id="hts", side="hts"),
               40, "سراقب", "إدلب", (35.8646, 36.8047),
               DateRange("2024-03-01", "2024-03-31", "آذار 2024", "month"),
               destination=Destination(name_ar="الجيش الوطني السوري", id="sna"),
               with_weapons=True, corroboration=3),
        _event("sdf-raqqa", Actor(id="sdf", name_ar="قسد", side="sdf"), None, "الرقة", "الرقة",
               (35.9528, 39.0079), DateRange(precision="unknown"),
               first_seen=f"{(TODAY - dt.timedelta(days=2)).isoformat()}T10:00:00Z"),
        _event("fifth-busra",
               Actor(id="fifth_corps", name_ar="الفيلق الخامس", side="russian_backed"),
               12, "بصرى الشام", "درعا", (32.5167, 36.4833),
               DateRange(recent, recent, "أمس", "day")),
    ]




@contextmanager
def indexed_known_events(es_client, es_url: str, name: str) -> Iterator[list[str]]:
    """The known events indexed under a prefix of their own (``t-NAME-…``, installed and
    refreshed); yields the CLI flags that point a command at them, uninstalls afterwards."""
    prefix = f"t-{name}-{uuid.uuid4().hex[:8]}"
    index_setup.install(es_client, prefix=prefix)
    try:
        for event in known_events():
            es_client.index(index=f"{prefix}-events", id=event.event_id,
                            document=event.to_dict())
        es_client.indices.refresh(index=f"{prefix}-events")
        yield ["--es-url", es_url, "--index-prefix", prefix]
    finally:
        index_setup.uninstall(es_client, prefix)
