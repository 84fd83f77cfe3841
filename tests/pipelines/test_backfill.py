"""`defwatch backfill`: an archive through the same transforms into the real Elasticsearch."""
from __future__ import annotations

import json

import pytest

from deploy.sample_site import PAGE, load_samples
from pipelines import backfill, backfill_cmd
from schemas.records import Document


def _report(slug: str) -> dict:
    return next(r for r in load_samples()["reports"] if r["slug"] == slug)


def _archive(tmp_path) -> str:
    """A JSONL archive: two outlets on one incident (text and html), one other, one bad line."""
    first, second, other = (_report("duwayr-ndf-21"), _report("duwayr-ndf-16"),
                            _report("bread-prices-deir"))
    html = PAGE.format(title=second["title"], outlet="شبكة الشرق", published=second[
        "published"], paragraphs="".join(f"<p>{p}</p>" for p in second["paragraphs"]))
    lines = [
        {"doc_id": "arch-1", "url": "https://furat.example/duwayr-21", "title": first["title"],
         "published": first["published"][:10], "text": "\n".join(first["paragraphs"])},
        {"doc_id": "arch-2", "url": "https://sharq.example/duwayr-16", "title": None,
         "published": second["published"][:10], "html": html},
        {"doc_id": "arch-3", "url": "https://furat.example/bread", "title": other["title"],
         "published": other["published"][:10], "text": "\n".join(other["paragraphs"])},
    ]
    path = tmp_path / "archive.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines)
                    + "\n{not json\n", encoding="utf-8")
    return str(path)


def test_documents_become_articles_from_html_or_text():
    html = PAGE.format(title="عنوان", outlet="منفذ", published="2026-11-21T00:00:00Z",
                       paragraphs="<p>" + "انشق عنصران من الدفاع الوطني في الدوير. " * 5 + "</p>")
    from_html = backfill.article_from_document(Document(doc_id="d1", url="https://x/1",
                                                        html=html))
    assert from_html.text.startswith("انشق عنصران") and "الأكثر قراءة" not in from_html.text
    assert (from_html.doc_id, from_html.text_source) == ("d1", "archive")
    from_text = backfill.article_from_document(Document(doc_id="d2", text="نص الخبر"))
    assert from_text.text == "نص الخبر"
    empty = backfill.article_from_document(Document(doc_id="d3", text="  "))
    assert (empty.stage, empty.reason) == ("clean", "no_text")


def _events(es_client, prefix):
    es_client.indices.refresh(index=f"{prefix}-events")
    return [h["_source"] for h in es_client.search(index=f"{prefix}-events", size=50)[
        "hits"]["hits"]]


@pytest.mark.es
def test_backfill_indexes_articles_events_and_dead_letters_and_reruns_add_nothing(
        tmp_path, es_url, es_client, es_prefix, capsys):
    archive = _archive(tmp_path)
    argv = ["--es-url", es_url, "--index-prefix", es_prefix, "--no-setup"]
    assert backfill_cmd.main([archive, *argv]) == 0
    progress = capsys.readouterr().err
    assert "defwatch backfill: read: 4/4 records" in progress
    assert "defwatch backfill: extracted: 3/4 articles" in progress  # each article once
    es_client.indices.refresh(index=f"{es_prefix}-articles,{es_prefix}-deadletter")
    articles = {h["_id"] for h in es_client.search(index=f"{es_prefix}-articles")["hits"][
        "hits"]}
    assert articles == {"arch-1", "arch-2", "arch-3"}
    events = _events(es_client, es_prefix)
    assert len(events) == 1  # both outlets' reports merged; the bread report is no event
    event = events[0]
    assert {s["doc_id"] for s in event["sources"]} == {"arch-1", "arch-2"}
    assert event["actor"]["id"] == "ndf" and event["location"]["name_ar"] == "الدوير"
    letters = es_client.search(index=f"{es_prefix}-deadletter")["hits"]["hits"]
    assert [h["_source"]["stage"] for h in letters] == ["archive"]

    assert backfill_cmd.main([archive, *argv]) == 0  # a re-run rewrites, never duplicates
    again = _events(es_client, es_prefix)
    assert [e["event_id"] for e in again] == [event["event_id"]]
    assert len(again[0]["sources"]) == 2


def test_a_file_that_matches_nothing_is_a_usage_error(tmp_path, capsys):
    from pipelines import cli
    assert cli.main(["backfill", str(tmp_path / "missing.jsonl")]) == 2
    assert capsys.readouterr().err.strip() == \
        f"defwatch backfill: cannot read {tmp_path / 'missing.jsonl'}: no such file"


def test_an_unreachable_elasticsearch_is_one_line_naming_it(tmp_path, capsys):
    import socket

    from pipelines import cli
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    assert cli.main(["backfill", _archive(tmp_path), "--es-url", url]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"defwatch backfill: cannot install the indices: cannot reach {url}: connection refused"]


@pytest.mark.es
def test_every_record_failing_exits_1_with_the_dead_letters_stored(tmp_path, es_url, es_client,
                                                                    es_prefix, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"doc_id": "x", "html": 5}\n\xff\xfe\n{nope\n')
    assert backfill_cmd.main([str(bad), "--es-url", es_url, "--index-prefix", es_prefix,
                              "--no-setup"]) == 1
    es_client.indices.refresh(index=f"{es_prefix}-deadletter")
    reasons = sorted(h["_source"]["reason"] for h in es_client.search(
        index=f"{es_prefix}-deadletter")["hits"]["hits"])
    assert reasons == ["bad_field_type", "bad_json", "undecodable"]
    assert "every record failed (3 dead letters" in capsys.readouterr().err
