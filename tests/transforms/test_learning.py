"""Gold folds, training examples and the shipped linear scorers."""
import json
import re

from schemas.records import Document
from transforms import lexicon
from transforms.analysis import analyse_document
from transforms.learning.folds import (
    CONFIRM,
    EXPLORE,
    HOLDOUT,
    N_FOLDS,
    assign_folds,
    redraw,
    split,
)
from transforms.learning.gold import examples, link_events
from transforms.learning.linear import LinearModel, load


def _row(doc_id, *keys):
    return {"doc_id": doc_id, "events": [{"event_key": k} for k in keys]}


def test_reports_of_one_incident_share_a_fold_and_recaps_link_incidents():
    rows = [_row("a", "k1"), _row("b", "k1"), _row("c", "k1", "k2"), _row("d", "k2"),
            _row("e"), _row("f", "k9")]
    folds = assign_folds(rows)
    assert folds["a"] == folds["b"] == folds["c"] == folds["d"]
    assert set(folds.values()) <= set(range(N_FOLDS))


def test_folds_are_stable_when_reports_are_added():
    rows = [_row(f"r{i}", f"k{i}") for i in range(200)]
    before = assign_folds(rows)
    after = assign_folds([*rows, _row("new", "k-new"), _row("other")])
    assert all(after[k] == v for k, v in before.items())
    dev, held = split(rows)
    assert held and dev and len(dev) + len(held) == len(rows)
    assert all(before[str(r["doc_id"])] == HOLDOUT for r in held)


def test_a_redrawn_split_keeps_the_untouched_fold_and_moves_whole_incidents():
    rows = [_row(f"r{i}", f"k{i // 2}") for i in range(300)] + [_row("c", "k1", "k2")]
    base = assign_folds(rows)
    first, again, second = redraw(rows, 1), redraw(rows, 1), redraw(rows, 2)
    assert first == again
    for drawn in (first, second):
        assert {d for d, f in drawn.items() if f == HOLDOUT} == \
            {d for d, f in base.items() if f == HOLDOUT}
        assert set(drawn.values()) == set(range(N_FOLDS))
        assert drawn["r2"] == drawn["r3"] == drawn["c"] == drawn["r4"] == drawn["r5"]
    moved = sum(first[d] != base[d] for d in base)
    assert moved > 100 and sum(first[d] != second[d] for d in base) > 100


def test_the_explored_and_confirming_halves_part_the_development_folds():
    development = set(range(N_FOLDS)) - {HOLDOUT}
    assert set(EXPLORE) | set(CONFIRM) == development
    assert not set(EXPLORE) & set(CONFIRM)


def test_linear_model_scores_and_round_trips(tmp_path):
    model = LinearModel("demo", {"a": 2.0, "b": -1.0}, -0.5, 0.6, {"C": 1.0})
    assert model.margin({"a": 1.0, "unknown": 5.0}) == 1.5
    assert 0.81 < model.probability({"a": 1.0}) < 0.82
    (tmp_path / "demo.json").write_text(model.to_json(), encoding="utf-8")
    again = load("demo", str(tmp_path))
    assert again.weights == model.weights and again.threshold == 0.6


def test_shipped_scorers_are_linear_models_over_named_features():
    for name in ("sentence", "group"):
        model = load(name)
        assert model.weights and 0 < model.threshold < 1
        assert model.meta["examples"] > 1000 and model.meta["gold_digest"]
        # structural features only: the only words in feature names are unit heads of
        # data/units.yaml (as units.head_noun gives them, and the bare force nouns), never a
        # word of a report
        heads = {h[2:] if h.startswith("ال") else h
                 for key in ("heads", "bare_only") for h in lexicon.words("units", key)}
        worded = {k.split("=", 1)[1] for k in model.weights
                  if "=" in k and re.search(r"[\u0600-\u06ff]", k)}
        assert worded <= heads, sorted(worded - heads)


def test_gold_events_are_tied_to_the_sentences_that_tell_them():
    text = ("انشقاق عناصر من الفرقة 17\nأفادت مصادر بانشقاق 7 عناصر من الفرقة 17 في البوكمال. "
            "وقال المصدر إن الطقس كان بارداً.")
    row = {"doc_id": "x", "text": text, "events": [
        {"group_ar": "الفرقة 17", "count": 7, "place_ar": "البوكمال",
         "evidence": "أفادت مصادر بانشقاق 7 عناصر من الفرقة 17 في البوكمال."}]}
    sentences = analyse_document(Document(doc_id="x", text=text))
    linked = link_events(row, sentences, lambda a, b: bool(a and b and a in b or b in a))
    told = sorted(sentences[i].text[:10] for i in linked)
    assert told == ["أفادت مصاد", "انشقاق عنا"]  # the evidence and the headline that retells it
    assert json.dumps(sorted(linked)) == "[0, 1]"


def test_a_sentence_naming_no_group_in_a_report_of_an_incident_is_no_example():
    # "وأكد المصدر أن العناصر فرّوا إلى الشمال" names no group: its defectors may be those the
    # gold event tells, so it is neither a positive nor a negative example; in a report with
    # no gold event the same sentence is a negative one.
    text = ("أفادت مصادر بانشقاق 7 عناصر من الفرقة 17 في البوكمال. "
            "وأكد المصدر أن العناصر فروا إلى الشمال بعد ذلك.")
    event = {"group_ar": "الفرقة 17", "count": 7, "place_ar": "البوكمال",
             "evidence": "أفادت مصادر بانشقاق 7 عناصر من الفرقة 17 في البوكمال."}
    same = lambda a, b: bool(a and b and (a in b or b in a))  # noqa: E731
    told = {"doc_id": "x", "text": text, "events": [event]}
    none = {"doc_id": "y", "text": text, "events": []}
    sent, _ = examples([told, none], {"x": 1, "y": 1}, same)
    labels = {e.doc_id: sorted(x.label for x in sent if x.doc_id == e.doc_id) for e in sent}
    assert labels == {"x": [1], "y": [0, 0]}


def test_a_sentence_whose_gold_group_is_named_elsewhere_gives_no_group_examples():
    # The gold names the brigade ("اللواء 9") of a later sentence; the sentence that tells the
    # act names only the force, so the group scorer has no right choice to learn from there:
    # its candidates are no examples (as negatives they would teach that every group is wrong).
    # A sentence that names the gold group gives its candidates, the right one positive.
    same = lambda a, b: bool(a and b and (a in b or b in a))  # noqa: E731
    elsewhere = "أفادت مصادر بانشقاق 12 عنصراً من قوات النظام في ريف حمص."
    named = "أفادت مصادر بانشقاق 12 عنصراً من اللواء 9 في ريف حمص."
    rows = [{"doc_id": d, "text": text, "events": [
        {"group_ar": "اللواء 9", "count": 12, "place_ar": "ريف حمص", "evidence": text}]}
        for d, text in (("x", elsewhere), ("y", named))]
    sent, groups = examples(rows, {"x": 1, "y": 1}, same)
    assert sorted(e.doc_id for e in sent) == ["x", "y"]  # both still teach the sentence scorer
    assert {e.doc_id for e in groups} == {"y"}
    assert sum(e.label for e in groups) == 1
