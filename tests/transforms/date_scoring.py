"""How well events carry the incident's date, scored on the gold reports of ``dev.jsonl``.

Two views, each over the gold events:

* ``resolver``: :func:`transforms.incident_date.incident_date` on each gold event's own
  evidence sentence (what the date code does, whatever the extractor finds);
* ``extracted``: the events ``extract_events`` gives, paired with gold events the way the
  project's scorer pairs them (``score.pair_score``, greedy), so only matched events count.

For gold events with a ``time_ar``: ``text`` = the event's ``date.text_ar`` names it (the
scorer's ``names_match`` on word sets), ``range`` = on the hand-resolved subset
(``data/dev_event_dates.json``) the resolved range lies inside the true window with the same
precision. For gold events without one: ``unknown`` = the event has no date (precision
``unknown``, no ``text_ar``, no ``start``) — never today's.

``python -m tests.transforms.date_scoring`` prints the numbers.
"""
from __future__ import annotations

import json
from pathlib import Path

from schemas.records import DateRange, Document
from transforms.incident_date import incident_date
from transforms.learning.gold import SCORE_PY, load_scorer  # noqa: F401 (used by the gate)

REPO = Path(__file__).resolve().parents[2]
DEV_JSONL = REPO.parent / "shared" / "corpus" / "dev.jsonl"
DATES_JSON = Path(__file__).resolve().parent / "data" / "dev_event_dates.json"


def load_gold(path: Path = DEV_JSONL) -> list[dict]:
    """The gold reports (FileNotFoundError when absent)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_windows(path: Path = DATES_JSON) -> dict[str, tuple[str, str, str]]:
    """Hand-resolved ``doc_id#index`` → (start, end, precision)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: tuple(v) for k, v in data.items() if not k.startswith("_")}


def as_document(row: dict) -> Document:
    """The extractor's input for a gold row (gold fields left out)."""
    return Document(doc_id=str(row["doc_id"]), url=row.get("url"), title=row.get("title"),
                    published=row.get("published"), text=row.get("text"),
                    outlet=row.get("outlet"))


class Tally:
    """Counts for one view."""

    def __init__(self):
        self.timed = self.text_ok = self.windowed = self.range_ok = 0
        self.untimed = self.unknown = 0

    def add(self, gold: dict, date: DateRange, key: str, scorer, windows: dict) -> None:
        """Count one gold event and the date given for it."""
        if gold.get("time_ar"):
            self.timed += 1
            self.text_ok += bool(date.text_ar) and scorer.names_match(gold["time_ar"],
                                                                       date.text_ar)
            if key in windows:
                low, high, precision = windows[key]
                self.windowed += 1
                self.range_ok += bool(date.start and date.end and low <= date.start
                                      and date.end <= high and date.precision == precision)
        else:
            self.untimed += 1
            self.unknown += (date.precision == "unknown" and not date.start
                             and not date.text_ar)

    def rates(self) -> dict:
        """The counts and their rates."""
        def rate(n, d):
            return round(n / d, 4) if d else None
        return {"timed": self.timed, "text_match": self.text_ok,
                "text_rate": rate(self.text_ok, self.timed), "windowed": self.windowed,
                "range_right": self.range_ok, "range_rate": rate(self.range_ok, self.windowed),
                "untimed": self.untimed, "unknown": self.unknown,
                "unknown_rate": rate(self.unknown, self.untimed)}


def score_resolver(scorer, rows: list[dict], windows: dict) -> dict:
    """The ``resolver`` view (module docstring)."""
    tally = Tally()
    for row in rows:
        for index, gold in enumerate(row.get("events") or []):
            start = row["text"].find(gold["evidence"])
            span = (start, start + len(gold["evidence"])) if start >= 0 else (0, 0)
            date = incident_date(row["text"], [span], row.get("published"))
            tally.add(gold, date, f"{row['doc_id']}#{index}", scorer, windows)
    return tally.rates()


def score_extracted(scorer, rows: list[dict], windows: dict, extract_events) -> dict:
    """The ``extracted`` view (module docstring)."""
    tally = Tally()
    for row in rows:
        golds = row.get("events") or []
        events = extract_events(as_document(row))
        views = [scorer.predicted_view(e.to_dict()) for e in events]
        pairs = sorted(((scorer.pair_score(g, v), gi, pi) for gi, g in enumerate(golds)
                        for pi, v in enumerate(views)), reverse=True)
        used_g, used_p = set(), set()
        for weight, gi, pi in pairs:
            if weight <= 0 or gi in used_g or pi in used_p:
                continue
            used_g.add(gi)
            used_p.add(pi)
            tally.add(golds[gi], events[pi].date, f"{row['doc_id']}#{gi}", scorer, windows)
    return tally.rates()


def main() -> None:
    from transforms.extract import extract_events
    scorer, rows, windows = load_scorer(), load_gold(), load_windows()
    print(json.dumps({"resolver": score_resolver(scorer, rows, windows),
                      "extracted": score_extracted(scorer, rows, windows, extract_events)},
                     indent=1))


if __name__ == "__main__":
    main()
