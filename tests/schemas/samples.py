"""Hand-written sample events (news-style Arabic written for the tests) with every field set."""
from __future__ import annotations

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

EVIDENCE_NDF = ("وأفادت مصادر محلية عن انشقاق ١٢ عنصراً من ميليشيا الدفاع الوطني في بلدة الدوير "
                "بريف البوكمال، ووصولهم بأسلحتهم إلى مناطق سيطرة قسد شرق الفرات.")
EVIDENCE_IRGC = ("وانشق سبعة عناصر من اللواء 47 التابع للحرس الثوري الإيراني في مدينة البوكمال "
                 "بينهم قيادي ميداني، بسبب تأخر الرواتب.")


def full_event() -> DefectionEvent:
    """An event with every field of the record filled in."""
    return DefectionEvent(
        event_id="ev-ndf-duwayr",
        actor=Actor(id="ndf", name_ar="الدفاع الوطني", name_en="National Defence Forces",
                    parent_ar="قوات النظام", parent_id="regime", side="regime"),
        count=12, count_qualifier="exact", count_range=[12, 12],
        includes_commander=False, with_weapons=True,
        location=Location(name_ar="الدوير", area_ar="ريف البوكمال", governorate_ar="دير الزور",
                          name_en="al-Duwayr", geo=GeoPoint(lat=34.4547, lon=40.9186),
                          precision="district", place_id="geonames:170063"),
        destination=Destination(name_ar="قسد", name_en="Syrian Democratic Forces", id="sdf"),
        date=DateRange(start="2021-05-01", end="2021-05-10", text_ar="مطلع الشهر الجاري",
                       precision="week"),
        reasons=["frontline_deployment", "mistreatment"],
        consequences=["arrest_campaign"],
        evidence=[Evidence(doc_id="doc-1", text=EVIDENCE_NDF, start=0, end=len(EVIDENCE_NDF),
                           url="https://news.example.org/a/1")],
        sources=[Source(doc_id="doc-1", url="https://news.example.org/a/1",
                        outlet="أخبار الشرق", published="2021-05-11"),
                 Source(doc_id="doc-2", url="https://other.example.net/p/9",
                        outlet="Deir Monitor", published="2021-05-12T08:30:00Z")],
        first_seen="2021-05-11T09:00:00Z", last_seen="2021-05-12T10:00:00Z",
        corroboration=2,
    )


def second_event() -> DefectionEvent:
    """A sparser event elsewhere (no destination, approximate count)."""
    return DefectionEvent(
        event_id="ev-irgc-bukamal",
        actor=Actor(id="irgc", name_ar="الحرس الثوري الإيراني",
                    name_en="Islamic Revolutionary Guard Corps", side="iran_backed"),
        count=7, count_qualifier="exact", includes_commander=True,
        location=Location(name_ar="البوكمال", governorate_ar="دير الزور", name_en="Abu Kamal",
                          geo=GeoPoint(lat=34.4536, lon=40.9367), precision="city"),
        date=DateRange(start="2021-06-02", precision="day"),
        reasons=["unpaid_salaries"],
        evidence=[Evidence(doc_id="doc-3", text=EVIDENCE_IRGC, start=10,
                           end=10 + len(EVIDENCE_IRGC))],
        sources=[Source(doc_id="doc-3", outlet="أخبار الشرق", published="2021-06-03")],
        first_seen="2021-06-03T07:00:00Z", last_seen="2021-06-03T07:00:00Z",
    )
