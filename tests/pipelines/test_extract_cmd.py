"""`defwatch extract`: JSONL documents in, sorted events JSONL out, on the DirectRunner."""
import json

from pipelines import cli

DOCS = [
    {"doc_id": "b", "url": "https://example.org/b", "title": None, "published": "2024-04-02",
     "text": "انشق 6 عناصر من ميليشيا الدفاع الوطني في بلدة الكسرة بريف دير الزور الغربي، "
             "وتوجهوا إلى مناطق سيطرة قسد.", "events": [{"ignored": True}]},
    {"doc_id": "a", "url": "https://example.org/a", "published": "2024-04-01",
     "html": "<html><head><title>خبر</title></head><body><article><h1>خبر</h1>"
             "<p>أفادت مصادر محلية بأن ستة عناصر من ميليشيا الدفاع الوطني انشقوا في بلدة "
             "الكسرة بريف دير الزور الغربي مساء أمس، وعبروا النهر إلى مناطق سيطرة قسد.</p>"
             "<p>وأضافت المصادر أن دوريات الأمن العسكري داهمت منازل ذويهم في البلدة بحثاً "
             "عنهم، واعتقلت عدداً من أقاربهم.</p></article></body></html>"},
    {"doc_id": "c", "text": "تستمر الاشتباكات بين الفصائل في ريف حلب الشمالي."},
]


def write_input(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n{bad json\n",
                    encoding="utf-8")
    return path


def read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_extract_writes_sorted_events_and_reports_progress(tmp_path, capsys):
    out = tmp_path / "events.jsonl"
    assert cli.main(["extract", str(write_input(tmp_path)), "-o", str(out)]) == 0
    events = read(out)
    assert [e["evidence"][0]["doc_id"] for e in events] == ["a", "b"]
    assert all(e["actor"]["id"] == "ndf" and e["count"] == 6 for e in events)
    assert all(e["location"]["name_ar"] == "الكسرة" for e in events)
    assert events[0]["destination"]["id"] == "sdf"
    assert "arrests_of_relatives" in events[0]["consequences"]
    err = capsys.readouterr().err
    assert "3 documents read (1 bad lines)" in err and "2 events found" in err


def test_extract_is_deterministic_and_dedup_clusters(tmp_path):
    source = write_input(tmp_path)
    first, second, clustered = tmp_path / "1.jsonl", tmp_path / "2.jsonl", tmp_path / "3.jsonl"
    assert cli.main(["extract", str(source), "-o", str(first), "--quiet"]) == 0
    assert cli.main(["extract", str(source), "-o", str(second), "--quiet"]) == 0
    assert [e["event_id"] for e in read(first)] == [e["event_id"] for e in read(second)]
    assert cli.main(["extract", str(source), "-o", str(clustered), "--dedup", "--quiet"]) == 0
    incidents = read(clustered)
    assert len(incidents) == 1
    assert {s["doc_id"] for s in incidents[0]["sources"]} == {"a", "b"}


def test_missing_input_file(tmp_path, capsys):
    assert cli.main(["extract", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o")]) == 2
    assert "cannot read" in capsys.readouterr().err
