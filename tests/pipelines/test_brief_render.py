"""Tests for pipelines.brief_render.render_html: the page's cells (no Elasticsearch, no browser)."""
from __future__ import annotations

import datetime as dt
import re

from pipelines.brief_data import build_brief, governorate_points
from pipelines.brief_render import render_html
from tests.support.known_events import known_events
from transforms.gazetteer import Gazetteer


def _html(events) -> str:
    places = list(Gazetteer.load())
    brief = build_brief(events, dt.date(2021, 1, 1), dt.date.today(),
                        governorate_points(places), "now")
    return render_html(brief, places)


def _incident_rows(html: str) -> list[str]:
    table = html.split('id="corroborated"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table, re.S)


def test_count_and_date_cells_keep_qualifiers_and_ranges_as_search_shows_them():
    events = known_events()
    saraqib = next(e for e in events if e.event_id == "ahrar-saraqib")
    saraqib.count_qualifier = "at_least"
    duwayr = next(e for e in events if e.event_id == "ndf-duwayr")
    duwayr.count_qualifier = "approx"
    rows = _incident_rows(_html(events))
    saraqib_row = next(r for r in rows if "سراقب" in r)
    assert '<td class="num">≥40</td>' in saraqib_row
    assert "2024-03-01…2024-03-31" in saraqib_row and "(month)" in saraqib_row
    duwayr_row = next(r for r in rows if "الدوير" in r)
    assert '<td class="num">~21</td>' in duwayr_row
    assert "2021-05-01…2021-05-10" in duwayr_row
    busra_row = next(r for r in rows if "بصرى" in r)
    assert '<td class="num">12</td>' in busra_row
    raqqa_row = next(r for r in rows if "الرقة" in r)
    assert '<td class="num">?</td>' in raqqa_row and "غير معروف" in raqqa_row


def test_the_page_allows_no_script():
    html = _html(known_events())
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "<script" not in html
