"""Unit tests of the event pair score, blocking and merge policy."""
from __future__ import annotations

import dataclasses

from dedup_fixtures import (
    DUWAYR_16,
    DUWAYR_21,
    EAST_125,
    KHURAITA_5,
    LIWA,
    OFFICER_A,
    OFFICER_B,
    OFFICER_C,
    REGIME,
    SUBAIKHAN_6,
    report,
)

from schemas.records import Location, Source
from transforms.event_match import (
    MatchSettings,
    block_key,
    merge_events,
    merged_count,
    place_relation,
    score_pair,
)

SETTINGS = MatchSettings.load()


def test_same_incident_16_vs_21_from_two_outlets_merges():
    first = report("d1", DUWAYR_21, count=21, place="الدوير", area="ريف البوكمال",
                   outlet="outlet-a.example", weapons=True)
    second = report("d2", DUWAYR_16, count=16, place="الدوير", published="2024-03-12",
                    outlet="outlet-b.example")
    pair = score_pair(first, second, SETTINGS)
    assert pair.merge and pair.score >= SETTINGS.threshold
    assert pair.parts["place"] == 2.0 and pair.parts["count"] == 1.0


def test_different_villages_same_day_never_merge():
    a = report("d1", KHURAITA_5, count=5, place="الخريطة")
    b = report("d2", SUBAIKHAN_6, count=6, place="السبخة")
    pair = score_pair(a, b, SETTINGS)
    assert pair.veto == "place"


def test_same_village_months_apart_never_merges():
    a = report("d1", DUWAYR_21, count=21, place="الدوير", published="2024-03-10")
    b = report("d2", DUWAYR_21, count=21, place="الدوير", published="2024-07-02")
    assert score_pair(a, b, SETTINGS).veto == "date"


def test_dated_incidents_outside_window_never_merge_even_if_published_close():
    a = report("d1", DUWAYR_21, count=21, place="الدوير", date=("2024-01-01", "2024-01-05"))
    b = report("d2", DUWAYR_16, count=16, place="الدوير", date=("2024-03-01", "2024-03-03"))
    assert score_pair(a, b, SETTINGS).veto == "date"


def test_overlapping_incident_dates_add_evidence():
    a = report("d1", DUWAYR_21, count=21, place="الدوير", date=("2024-03-01", "2024-03-07"))
    b = report("d2", DUWAYR_16, count=16, place="الدوير", date=("2024-03-05", "2024-03-05"))
    assert score_pair(a, b, SETTINGS).parts["date"] == 1.0


def test_far_apart_counts_do_not_merge():
    a = report("d1", KHURAITA_5, count=5, place="ريف دير الزور الشرقي")
    b = report("d2", EAST_125, count=125, place="ريف دير الزور الشرقي")
    pair = score_pair(a, b, SETTINGS)
    assert pair.parts["count"] < 0 and pair.score < SETTINGS.threshold


def test_different_actors_never_merge():
    a = report("d1", DUWAYR_21, count=21, place="الدوير")
    b = report("d2", DUWAYR_21, actor=LIWA, count=21, place="الدوير")
    assert score_pair(a, b, SETTINGS).veto == "actor"


def test_parent_actor_merges_only_with_place_and_count():
    child = report("d1", DUWAYR_21, count=21, place="الدوير")
    parent_same = report("d2", DUWAYR_16, actor=REGIME, count=21, place="الدوير")
    parent_vague = report("d3", DUWAYR_16, actor=REGIME, place="الدوير")
    assert score_pair(child, parent_same, SETTINGS).merge
    assert score_pair(child, parent_vague, SETTINGS).veto == "parent_needs_place_and_count"
    merged = merge_events(child, parent_same, SETTINGS)
    assert merged.actor.id == "ndf"


def test_two_events_of_one_document_never_merge():
    a = report("d1", KHURAITA_5, count=5, place="الخريطة", start=0)
    b = report("d1", KHURAITA_5, count=5, place="الخريطة", start=300)
    assert score_pair(a, b, SETTINGS).veto == "same_document"


def test_village_inside_named_area_is_containment():
    village = Location(name_ar="الدوير", area_ar="ريف البوكمال", governorate_ar="دير الزور")
    area = Location(name_ar="ريف البوكمال", governorate_ar="دير الزور")
    other_gov = Location(name_ar="الدوير", governorate_ar="الرقة")
    assert place_relation(village, area, SETTINGS) == "contains"
    assert place_relation(area, village, SETTINGS) == "contains"
    assert place_relation(village, other_gov, SETTINGS) == "conflict"
    assert place_relation(village, Location(), SETTINGS) == "unknown"


def test_individual_defectors_told_apart_by_names_in_evidence():
    a = report("d1", OFFICER_A, count=1, gov=None, dest="fsa")
    b = report("d2", OFFICER_B, count=1, gov=None, dest="fsa")
    c = report("d3", OFFICER_C, count=1, gov=None, dest="fsa")
    same, other = score_pair(a, b, SETTINGS), score_pair(a, c, SETTINGS)
    assert same.score >= SETTINGS.threshold > other.score


def test_merge_policy_accumulates_sources_range_and_flags():
    first = report("d1", DUWAYR_21, count=21, place="الدوير", area="ريف البوكمال",
                   outlet="outlet-a.example", published="2024-03-10", reasons=("mistreatment",))
    second = report("d2", DUWAYR_16, count=16, place="ريف البوكمال", published="2024-03-12",
                    outlet="outlet-b.example", weapons=True, reasons=("deployment",))
    merged = merge_events(first, second, SETTINGS)
    assert merged.event_id == first.event_id
    assert [s.doc_id for s in merged.sources] == ["d1", "d2"]
    assert [e.doc_id for e in merged.evidence] == ["d1", "d2"]
    assert merged.count_range == [16, 21]
    assert merged.count == 16  # a 1-1 tie goes to the most recent report
    assert merged.corroboration == 2
    assert merged.with_weapons is True
    assert merged.location.name_ar == "الدوير"  # the most specific place is kept
    assert merged.reasons == ["mistreatment", "deployment"]
    assert (merged.first_seen, merged.last_seen) == ("2024-03-10", "2024-03-12")
    assert merge_events(merged, second, SETTINGS) == merged  # replay adds nothing


def test_corroboration_counts_outlets_not_documents():
    a = report("d1", DUWAYR_21, count=21, place="الدوير", url="https://www.same.example/a")
    b = report("d2", DUWAYR_21, count=21, place="الدوير", url="https://same.example/b",
               start=40)
    assert merge_events(a, b, SETTINGS).corroboration == 1


def test_merged_count_is_the_mode_then_the_latest():
    assert merged_count([("2024-01-01", 16, "exact"), ("2024-01-02", 21, "exact"),
                         ("2024-01-03", 16, "approx")]) == (16, "approx")
    assert merged_count([("2024-01-02", 21, "exact"), ("2024-01-01", 16, "exact")]) == (
        21, "exact")
    assert merged_count([]) == (None, "none")


def test_block_key_is_the_actor_family():
    assert block_key(report("d1", DUWAYR_21)) == "actor:regime"
    assert block_key(report("d1", DUWAYR_21, actor=REGIME)) == "actor:regime"
    assert block_key(report("d1", DUWAYR_21, actor=LIWA)) == "actor:irgc"
    by_name = report("d1", DUWAYR_21, actor={"name_ar": "الدفاع الوطني"})
    assert block_key(by_name) == block_key(report("d2", DUWAYR_16, actor={"name_ar": "دفاع وطني"}))
    assert block_key(report("d1", DUWAYR_21, actor={})) == "gov:دير زور"


def test_source_domain_outlet_fallback():
    a = report("d1", DUWAYR_21, count=21, place="الدوير", url="https://a.example/1")
    b = dataclasses.replace(report("d2", DUWAYR_16, count=16, place="الدوير"),
                            sources=[Source(doc_id="d2")])
    assert merge_events(a, b, SETTINGS).corroboration == 2


def test_at_least_figure_is_compatible_with_a_larger_one_only():
    at_least = report("d1", DUWAYR_21, count=10, place="الدوير", qualifier="at_least")
    larger = report("d2", DUWAYR_16, count=30, place="الدوير")
    smaller = report("d3", DUWAYR_16, count=3, place="الدوير")
    assert score_pair(at_least, larger, SETTINGS).parts["count"] == 0.0
    assert score_pair(at_least, smaller, SETTINGS).parts["count"] < 0


def test_a_shared_city_counts_less_than_a_shared_village():
    village = score_pair(report("d1", KHURAITA_5, count=5, place="الخريطة"),
                         report("d2", KHURAITA_5, count=8, place="الخريطة"), SETTINGS)
    city = score_pair(
        dataclasses.replace(report("d1", KHURAITA_5, count=5, place="الميادين"),
                            location=Location(name_ar="الميادين", governorate_ar="دير الزور",
                                              precision="city")),
        report("d2", KHURAITA_5, count=8, place="الميادين"), SETTINGS)
    governorate = score_pair(report("d1", KHURAITA_5, count=5, place="دير الزور"),
                             report("d2", KHURAITA_5, count=8, place="دير الزور"), SETTINGS)
    assert village.parts["place"] > city.parts["place"] > governorate.parts["place"] > 0


def test_first_seen_compares_only_when_neither_report_is_dated():
    dated = report("d1", DUWAYR_21, count=21, place="الدوير", published="2021-01-10")
    crawled = dataclasses.replace(report("d2", DUWAYR_16, count=16, place="الدوير",
                                         published=None), first_seen="2026-05-01T10:00:00Z")
    assert score_pair(dated, crawled, SETTINGS).merge  # crawl time says nothing about 2021
    crawled_early = dataclasses.replace(crawled, event_id="x", first_seen="2026-01-01T10:00:00Z",
                                        sources=[Source(doc_id="d3")],
                                        evidence=[dataclasses.replace(crawled.evidence[0],
                                                                      doc_id="d3")])
    assert score_pair(crawled, crawled_early, SETTINGS).veto == "date"


def test_countryside_of_a_city_does_not_contain_the_city():
    city = Location(name_ar="دير الزور", governorate_ar="دير الزور", precision="city")
    rif = Location(name_ar="ريف دير الزور", governorate_ar="دير الزور", precision="area")
    assert place_relation(city, rif, SETTINGS) == "compatible"
    child = report("d1", KHURAITA_5, count=4, place="ريف دير الزور")
    parent = report("d2", SUBAIKHAN_6, actor=REGIME, count=5, place="دير الزور")
    assert score_pair(child, parent, SETTINGS).veto == "parent_needs_place_and_count"
