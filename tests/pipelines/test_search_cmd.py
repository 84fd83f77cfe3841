"""``defwatch search`` against the real Elasticsearch: filters, sorts and formats over events
of known dates and places."""
from __future__ import annotations

import csv
import io
import json

import pytest

from pipelines import event_export, search_cmd
from schemas.records import Actor, DateRange, DefectionEvent
from tests.schemas.samples import full_event, second_event
from tests.support.known_events import _event, indexed_known_events, known_events

pytestmark = pytest.mark.es


@pytest.fixture(scope="module")
def flags(es_client, es_url):
    """The known events indexed once for the module under its own prefix; the CLI flags."""
    with indexed_known_events(es_client, es_url, "search") as flags:
        yield flags


def _ids(capsys, argv: list[str]) -> list[str]:
    assert search_cmd.main([*argv, "--format", "jsonl"]) == 0, capsys.readouterr().err
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line)["event_id"] for line in lines]


def _set(capsys, argv):
    return set(_ids(capsys, argv))


@pytest.mark.parametrize("args, expected", [
    (["--since", "2021-05-05"], {"ndf-duwayr", "irgc-bukamal", "ahrar-saraqib", "fifth-busra"}),
    (["--until", "2021-05"], {"ndf-duwayr"}),
    (["--since", "2021-06", "--until", "2024"], {"irgc-bukamal", "ahrar-saraqib"}),
    (["--since", "7d"], {"fifth-busra"}),
    (["--since", "1w", "--undated"], {"fifth-busra", "sdf-raqqa"}),
    (["--since", "3m", "--until", "2d"], {"fifth-busra"}),
])
def test_dates_filter_on_the_incidents_own_date(capsys, flags, args, expected):
    assert _set(capsys, ["", *args, *flags]) == expected


@pytest.mark.parametrize("actor, expected", [
    ("الدفاع الوطني", {"ndf-duwayr"}),
    ("دفاع وطني", {"ndf-duwayr"}),  # without the article
    ("NDF", {"ndf-duwayr"}),  # the id, whatever the case
    ("national defence", {"ndf-duwayr"}),
    ("جيش الاحرار", {"ahrar-saraqib"}),  # alef without hamza
    ("group:جيش_الاحرار", {"ahrar-saraqib"}),
    ("قوات النظام", {"ndf-duwayr"}),  # the force a unit belongs to
    ("الحرس الثوري الايراني", {"irgc-bukamal"}),
    ("لواء الباقر", set()),
    ("ميليشيا الدفاع الوطني", {"ndf-duwayr"}),  # an alias of the table, not the stored name
])
def test_actor_by_name_or_id(capsys, flags, actor, expected):
    assert _set(capsys, ["", "--actor", actor, *flags]) == expected


@pytest.mark.parametrize("args, expected", [
    (["--side", "iran_backed"], {"irgc-bukamal"}),
    (["--place", "البوكمال"], {"irgc-bukamal"}),
    (["--place", "الدوير"], {"ndf-duwayr"}),
    (["--governorate", "دير الزور"], {"ndf-duwayr", "irgc-bukamal"}),
    (["--governorate", "ادلب"], {"ahrar-saraqib"}),
    (["--governorate", "Deir ez-Zor"], {"ndf-duwayr", "irgc-bukamal"}),  # English name
    (["--destination", "قوات سوريا الديمقراطية"], {"ndf-duwayr"}),  # an alias, not the stored name
    (["--destination", "sdf"], {"ndf-duwayr"}),
    (["--destination", "الجيش الوطني"], {"ahrar-saraqib"}),
    (["--min-count", "20"], {"ndf-duwayr", "ahrar-saraqib"}),
    (["--outlet", "deir monitor"], {"ndf-duwayr"}),
    (["--outlet", "furatpost.example.com"], {"irgc-bukamal"}),
    (["--with-weapons"], {"ndf-duwayr", "ahrar-saraqib"}),
    (["--commander"], {"irgc-bukamal"}),
    (["--near", "34.45,40.92", "--radius", "50"], {"ndf-duwayr", "irgc-bukamal"}),
    (["--near", "34.45,40.92", "--radius", "5"], {"irgc-bukamal"}),
    (["--near", "34.45,40.92", "--radius", "50", "--side", "regime"], {"ndf-duwayr"}),
])
def test_filters(capsys, flags, args, expected):
    assert _set(capsys, ["", *args, *flags]) == expected


@pytest.mark.parametrize("sort, expected", [
    (None, ["fifth-busra", "ahrar-saraqib", "irgc-bukamal", "ndf-duwayr", "sdf-raqqa"]),
    ("date", ["fifth-busra", "ahrar-saraqib", "irgc-bukamal", "ndf-duwayr", "sdf-raqqa"]),
    ("count", ["ahrar-saraqib", "ndf-duwayr", "fifth-busra", "irgc-bukamal", "sdf-raqqa"]),
    ("corroboration", ["ahrar-saraqib", "ndf-duwayr", "fifth-busra", "irgc-bukamal",
                       "sdf-raqqa"]),
])
def test_sorts(capsys, flags, sort, expected):
    assert _ids(capsys, ["", *(["--sort", sort] if sort else []), *flags]) == expected


def test_words_still_search_the_text_in_both_languages(capsys, flags):
    assert _ids(capsys, ["Revolutionary Guard", *flags]) == ["irgc-bukamal"]
    assert _ids(capsys, ["الانشقاقات في سراقب", *flags])[0] == "ahrar-saraqib"


def test_the_table_shows_what_an_analyst_reads_first(capsys, flags):
    assert search_cmd.main(["", "--actor", "ndf", *flags]) == 0
    header, row = capsys.readouterr().out.splitlines()
    for column in ("date", "actor", "count", "place", "destination", "corr", "first source"):
        assert column in header
    assert row.startswith("2021-05-01…2021-05-10")
    for cell in ("الدفاع الوطني / National Defence Forces", "21", "الدوير, دير الزور",
                 "قسد / Syrian Democratic Forces", "أخبار الشرق https://news.example.org/1"):
        assert cell in row
    assert search_cmd.main(["", "--actor", "لواء الباقر", *flags]) == 0
    assert capsys.readouterr().out == "no events match\n"


def test_csv_export_for_spreadsheets(capsys, flags, tmp_path):
    path = tmp_path / "events.csv"
    assert search_cmd.main(["", "--all", "--sort", "count", "--format", "csv", "-o",
                            str(path), *flags]) == 0
    assert "wrote 5 events" in capsys.readouterr().err
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: spreadsheets read the Arabic as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == list(event_export.FLAT_COLUMNS)
    first = rows[0]
    assert (first["event_id"], first["actor_name_ar"], first["count"], first["lat"],
            first["lon"], first["date_start"], first["date_precision"]) == (
        "ahrar-saraqib", "جيش الأحرار", "40", "35.8646", "36.8047", "2024-03-01", "month")
    undated = next(r for r in rows if r["event_id"] == "sdf-raqqa")
    assert (undated["date_start"], undated["date_precision"], undated["count"]) == (
        "", "unknown", "")
    assert rows[1]["outlets"] == "أخبار الشرق | Deir Monitor"


def test_geojson_export_for_gis(capsys, flags):
    assert search_cmd.main(["", "--format", "geojson", *flags]) == 0
    collection = json.loads(capsys.readouterr().out)
    assert collection["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in collection["features"]}
    assert set(by_id) == {e.event_id for e in known_events()}
    for event in known_events():
        feature = by_id[event.event_id]
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        assert feature["geometry"] == {"type": "Point", "coordinates": [
            event.location.geo.lon, event.location.geo.lat]}  # RFC 7946: longitude first
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert feature["properties"]["actor_name_ar"] == event.actor.name_ar


def test_an_unplaced_event_keeps_a_null_geometry():
    event = _event("x", Actor(name_ar="قسد"), 3, "مكان", None, None, DateRange())
    assert event_export.feature(event)["geometry"] is None


@pytest.mark.parametrize("args, message", [
    (["--since", "last week"], "'last week' is not a date"),
    (["--until", "2021-13-01"], "'2021-13-01' is not a date"),
    (["--since", "2024-01-01", "--until", "2023"], "is after --until"),
    (["--radius", "10"], "--radius needs --near"),
    (["--near", "north"], "'north' is not a point"),
    (["--near", "95,40"], "out of range"),
    (["--near", "34,40", "--radius", "0"], "must be more than 0 km"),
    (["--side", "army"], "invalid choice: 'army'"),
    (["--sort", "place"], "invalid choice: 'place'"),
    (["--min-count", "many"], "invalid int value: 'many'"),
    (["--size", "0"], "--size 0 must be at least 1"),
])
def test_bad_usage_is_one_line_and_exit_2(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        search_cmd.main(["", *args])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_says_to_run_setup_when_the_index_is_missing(capsys, es_url, es_bare_prefix):
    assert search_cmd.main(["x", "--es-url", es_url, "--index-prefix", es_bare_prefix]) == 1
    err = capsys.readouterr().err
    assert "defwatch setup" in err and len(err.strip().splitlines()) == 1


def test_an_unreachable_elasticsearch_is_one_line(capsys):
    assert search_cmd.main(["x", "--es-url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "http://127.0.0.1:9" in err and len(err.strip().splitlines()) == 1


def test_sample_events_still_round_trip(capsys, es_client, es_prefix, es_url):
    for event in (full_event(), second_event()):
        es_client.index(index=f"{es_prefix}-events", id=event.event_id,
                        document=event.to_dict(), refresh=True)
    flags = ["--es-url", es_url, "--index-prefix", es_prefix]
    assert _ids(capsys, ["الانشقاقات", *flags]) == ["ev-ndf-duwayr"]
    assert search_cmd.main(["", "--json", *flags]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [DefectionEvent.from_dict(json.loads(x)) for x in lines] == [second_event(),
                                                                       full_event()]
