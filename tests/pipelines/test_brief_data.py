"""Tests for pipelines.brief_data: what the brief counts, groups and places."""
from __future__ import annotations

import datetime as dt

from pipelines.brief_data import build_brief, governorate_points, map_points, timeline
from tests.support.known_events import known_events
from transforms.gazetteer import Gazetteer

SINCE, UNTIL = dt.date(2021, 1, 1), dt.date.today()


def _brief(events=None):
    events = known_events() if events is None else events
    places = list(Gazetteer.load())
    return build_brief(events, SINCE, UNTIL, governorate_points(places), "now")


def test_totals_count_incidents_defectors_and_corroboration():
    brief = _brief()
    assert (brief.incidents, brief.defectors, brief.corroborated, brief.undated) == (
        5, 21 + 7 + 40 + 12, 2, 1)


def test_tables_group_by_side_unit_and_governorate_most_defectors_first():
    brief = _brief()
    assert [(r.label_en, r.incidents, r.defectors) for r in brief.by_side] == [
        ("HTS", 1, 40), ("Regime", 1, 21), ("Russia-backed", 1, 12), ("Iran-backed", 1, 7),
        ("SDF", 1, 0)]
    assert brief.by_side[-1].undisclosed == 1
    assert [(r.label_ar, r.defectors) for r in brief.by_governorate][:2] == [
        ("إدلب", 40), ("دير الزور", 28)]
    assert brief.by_unit[0].label_ar == "جيش الأحرار"


def test_the_most_corroborated_come_first():
    assert [e.event_id for e in _brief().top[:2]] == ["ahrar-saraqib", "ndf-duwayr"]


def test_an_event_without_coordinates_is_placed_at_its_governorate():
    events = known_events()
    events[0].location.geo = None  # الدوير, دير الزور
    places = list(Gazetteer.load())
    seats = governorate_points(places)
    points, unplaced = map_points(events, seats)
    approximate = [p for p in points if p.approximate]
    assert len(approximate) == 1 and (approximate[0].lat, approximate[0].lon) == seats[
        "دير الزور"]
    events[0].location.governorate_ar = None
    assert map_points(events, seats)[1] == unplaced + 1


def test_every_governorate_has_a_seat_on_the_map():
    assert len(governorate_points(Gazetteer.load())) == 14


def test_the_timeline_is_daily_for_short_periods_and_weekly_for_long_ones():
    today = dt.date.today()
    buckets, width = timeline(known_events(), today - dt.timedelta(days=6), today)
    assert width == 1 and len(buckets) == 7
    assert sum(b.defectors for b in buckets) == 12  # only the dated incident of the week
    buckets, width = timeline(known_events(), SINCE, UNTIL)
    assert width == 7 and sum(b.incidents for b in buckets) == 4  # the undated one is not drawn
