"""`defwatch extract`: JSONL documents in, sorted events JSONL out, on the DirectRunner.

Bad input (undecodable bytes, wrong field types, over-long lines, binary files) becomes dead
letters beside the output while the good lines are processed; exit codes tell the outcome.
"""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

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
    assert "3 documents read, 1 bad records" in err and "2 events found" in err
    assert "defwatch extract: 3/3 docs" in err  # the progress line, documents/s and ETA
    letters = read(tmp_path / "events.deadletters.jsonl")
    assert [(d["reason"], d["source"].rsplit(":", 1)[1]) for d in letters] == [("bad_json", "4")]


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


def test_missing_input_file_unknown_option_and_bad_output_are_usage_errors(tmp_path, capsys):
    source = write_input(tmp_path)
    assert cli.main(["extract", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == \
        f"defwatch extract: cannot read {tmp_path / 'nope.jsonl'}: no such file"
    assert cli.main(["extract", str(source), "-o", str(tmp_path / "o"), "--runer=x"]) == 2
    assert capsys.readouterr().err.strip() == ("defwatch extract: unknown option '--runer=x' "
                                               "(did you mean --runner?); see defwatch extract "
                                               "--help")
    assert cli.main(["extract", str(source), "-o", str(tmp_path / "o"), "--dedupe"]) == 2
    assert "unknown option '--dedupe' (did you mean --dedup?)" in capsys.readouterr().err
    # extract runs no streaming pipeline: run's own options are unknown here too
    assert cli.main(["extract", str(source), "-o", str(tmp_path / "o"), "--feeds=f.yaml"]) == 2
    assert "unknown option '--feeds=f.yaml'" in capsys.readouterr().err
    assert cli.main(["extract", str(source), "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


GOOD = {"doc_id": "good", "url": "https://example.org/g", "published": "2024-04-02",
        "text": DOCS[0]["text"]}


def test_bad_lines_become_dead_letters_and_the_good_ones_are_processed(tmp_path, capsys):
    source = tmp_path / "mixed.jsonl"
    with open(source, "wb") as out:
        out.write(b'{"doc_id": "utf", "text": "\xff\xfe\x00 broken"}\n')
        out.write(json.dumps({"doc_id": "html-int", "html": 123}).encode() + b"\n")
        out.write(json.dumps({"doc_id": "text-obj", "text": {"a": 1}}).encode() + b"\n")
        out.write(b'{"doc_id": "long", "text": "' + "انشق ".encode() * 100_000 + b'"}\n')
        out.write(json.dumps(GOOD, ensure_ascii=False).encode() + b"\n")
        out.write(b"\x00\x01\x02 binary junk\n")
    output = tmp_path / "events.jsonl"
    assert cli.main(["extract", str(source), "-o", str(output), "--max-line-bytes",
                     "65536"]) == 0
    events = read(output)
    assert [e["evidence"][0]["doc_id"] for e in events] == ["good"]
    assert events[0]["actor"]["id"] == "ndf" and events[0]["count"] == 6
    letters = read(tmp_path / "events.deadletters.jsonl")
    assert [(d["source"].rsplit(":", 1)[1], d["reason"]) for d in letters] == [
        ("1", "undecodable"), ("2", "bad_field_type"), ("3", "bad_field_type"),
        ("4", "line_too_long"), ("6", "bad_json")]
    assert "html is int" in letters[1]["detail"] and "text is dict" in letters[2]["detail"]
    assert "more than the 65536 allowed" in letters[3]["detail"]
    assert len(letters[3]["payload"]) < 10_000  # the over-long line is not kept whole
    err = capsys.readouterr().err
    assert "6 records: 1 processed, 5 dead letters" in err
    assert f"→ {tmp_path / 'events.deadletters.jsonl'}" in err


def test_every_record_failing_exits_1(tmp_path):
    source = tmp_path / "binary.bin"
    source.write_bytes(bytes(range(256)) * 64 + b"\n\xff\xfe\n")
    dead = tmp_path / "dead.jsonl"
    assert cli.main(["extract", str(source), "-o", str(tmp_path / "e.jsonl"), "--quiet",
                     "--dead-letters", str(dead)]) == 1
    assert read(tmp_path / "e.jsonl") == []
    reasons = [d["reason"] for d in read(dead)]
    assert "undecodable" in reasons and set(reasons) <= {"undecodable", "bad_json"}


def test_stdin_to_stdout(tmp_path, monkeypatch, capsys):
    lines = "\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines.encode("utf-8"))))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["extract", "-", "-o", "-", "--quiet"]) == 0
    out, err = capsys.readouterr()
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["evidence"][0]["doc_id"] for e in events] == ["a", "b"]
    assert err == "" and os.listdir(tmp_path) == []  # no file named '-', nothing else


def test_the_installed_command_prints_no_stray_warnings(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n", encoding="utf-8")
    binary = Path(sys.executable).with_name("defwatch")
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                             check=True)
    assert version.stdout.startswith("defwatch ") and version.stderr == ""
    run = subprocess.run([str(binary), "extract", str(source), "-o", "-"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and json.loads(run.stdout.splitlines()[0])["count"] == 6
    noise = [line for line in run.stderr.splitlines()
             if not line.startswith("defwatch extract: ")]
    assert noise == []
