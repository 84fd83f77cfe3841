"""Training examples from gold reports: which sentences tell an incident, which group it is.

A gold event (``shared/corpus/README.md`` format) is tied to the sentences that tell it: the
sentence(s) its ``evidence`` overlaps, and any other sentence with a trigger that names its
group together with its count or place (a headline, a recap). Those sentences are positive
examples for the sentence scorer; the others that hold a trigger are negative, except those
with a live trigger that name a gold event's group, or name no group in a report with gold
events (a retelling in other words), which are left out. Among the group
candidates of a positive sentence, those whose name matches the gold group (by the scorer's
own ``names_match``) are positive for the group scorer; "nobody" is positive when the gold
event names no group.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from schemas.records import Document
from transforms.analysis import Sentence, analyse_document
from transforms.incidents import (
    document_group_counts,
    group_candidates,
    group_features,
    sentence_features,
)
from transforms.normalize import fold_word

NamesMatch = Callable[[str | None, str | None], bool]
SHARED = Path(__file__).resolve().parents[3] / "shared"  # beside the repository (read-only)
SCORE_PY = SHARED / "eval" / "score.py"
DEV_JSONL = SHARED / "corpus" / "dev.jsonl"


def load_scorer(path: Path = SCORE_PY):
    """The shared scorer module (``../shared/eval/score.py``), imported from its path.

    Raises FileNotFoundError when it is absent: a gate must fail, not skip, without it."""
    if not path.is_file():
        raise FileNotFoundError(f"scorer not found at {path}")
    spec = importlib.util.spec_from_file_location("defwatch_shared_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract_rows(rows: list[dict], models=None) -> list[dict]:
    """The events ``extract_events`` gives for gold rows (``models``: the shipped ones when
    None), as dicts for the scorer."""
    from transforms.extract import extract_events  # extraction imports the learning package
    return [e.to_dict() for row in rows for e in extract_events(as_document(row), models)]


@dataclass
class Example:
    """One training example: features, label, and the group it belongs to (for CV)."""
    features: dict
    label: int
    doc_id: str
    fold: int


def as_document(row: dict) -> Document:
    """The extractor's input for a gold row (gold fields dropped)."""
    return Document(doc_id=str(row["doc_id"]), url=row.get("url"), title=row.get("title"),
                    published=row.get("published"), text=row.get("text"),
                    outlet=row.get("outlet"))


def _evidence_span(text: str, evidence: str) -> tuple[int, int] | None:
    """Offsets of the evidence in the text (exact, else by its folded first words)."""
    pos = text.find(evidence)
    if pos >= 0:
        return pos, pos + len(evidence)
    head = evidence.strip()[:40]
    pos = text.find(head) if head else -1
    if pos >= 0:
        return pos, pos + len(evidence)
    return None


def _mentions_event(s: Sentence, event: dict, names_match: NamesMatch) -> bool:
    """True when a sentence names the event's group with its count or place."""
    if not s.triggers or not event.get("group_ar"):
        return False
    if not any(names_match(event["group_ar"], g.surface) for g in s.groups):
        return False
    if s.is_title:
        return True  # the headline tells the incident the body tells
    count = event.get("count")
    if count is not None and any(c.count.value == count for c in s.counts):
        return True
    place = event.get("place_ar")
    return bool(place) and fold_word(place) in s.folded


def link_events(row: dict, sentences: list[Sentence],
                names_match: NamesMatch) -> dict[int, list[dict]]:
    """Position in ``sentences`` → the gold events that sentence tells."""
    text = row.get("text") or ""
    linked: dict[int, list[dict]] = {}
    for event in row.get("events") or []:
        span = _evidence_span(text, event.get("evidence") or "")
        for pos, s in enumerate(sentences):
            overlap = span is not None and s.number >= 0 and \
                s.span.start < span[1] and span[0] < s.span.end
            if overlap or _mentions_event(s, event, names_match):
                linked.setdefault(pos, []).append(event)
    return linked


def group_label(cand, events: list[dict], names_match: NamesMatch) -> int:
    """1 when the candidate is the group of one of the sentence's gold events."""
    for event in events:
        gold = event.get("group_ar")
        if cand.mention is None:
            if gold is None:
                return 1
            continue
        names = [cand.mention.surface]
        if cand.mention.actor is not None:
            names.append(cand.mention.actor.name_ar)
        if gold and any(names_match(gold, n) for n in names):
            return 1
    return 0


def _may_retell(s: Sentence, row: dict, groups: list[str], names_match: NamesMatch) -> bool:
    """True when an unlinked sentence with a live trigger may tell a gold incident again: it
    names a gold event's group, or names no group at all in a report that tells incidents
    ("وأعلن فيها انشقاقه"، "العناصر فرّوا إلى …": its defectors are those told elsewhere)."""
    if not s.groups:
        return bool(row.get("events"))
    return any(names_match(gold, g.surface) for gold in groups for g in s.groups)


def examples(rows: list[dict], folds: dict[str, int],
             names_match: NamesMatch) -> tuple[list[Example], list[Example]]:
    """(sentence examples, group examples) of gold rows."""
    sent_ex: list[Example] = []
    group_ex: list[Example] = []
    for row in rows:
        doc_id = str(row["doc_id"])
        sentences = analyse_document(as_document(row))
        linked = link_events(row, sentences, names_match)
        counts = document_group_counts(sentences)
        groups = [e["group_ar"] for e in row.get("events") or [] if e.get("group_ar")]
        for pos, s in enumerate(sentences):
            if not s.triggers:
                continue
            label = int(pos in linked)
            if not label and s.live_triggers and _may_retell(s, row, groups, names_match):
                continue  # may retell a gold incident in other words: neither example

            sent_ex.append(Example(sentence_features(sentences, pos), label, doc_id,
                                   folds[doc_id]))
            if not label:
                continue
            cands = group_candidates(sentences, pos)
            labels = [group_label(cand, linked[pos], names_match) for cand in cands]
            if not any(labels):
                continue  # the defectors' group is named elsewhere: no choice here to learn from
            for cand, label in zip(cands, labels, strict=True):
                group_ex.append(Example(group_features(sentences, cand, counts), label, doc_id,
                                        folds[doc_id]))
    return sent_ex, group_ex
