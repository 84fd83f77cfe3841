"""The incident's own date: the time expression that dates an event, resolved to a range.

``incident_date(text, evidence, published, anchor)`` is the one function the extractor calls
for each event, with the article text, the ``(start, end)`` offsets of the event's evidence
sentences in it (the one with the trigger first), the article's publication date and, when it
knows it, the offset of the trigger in ``text`` (``anchor``). It returns the event's
:class:`~schemas.records.DateRange`:

1. a time expression of the evidence: in the first sentence the one nearest the anchor (the
   first one without an anchor), else the first of the next evidence sentence that has one;
   a time that only dates the report ("قال نشطاء الأحد إن …") is passed over when the same
   sentence has another, and a birth date ("من مواليد 1973") always;
2. else one of the sentence before the first evidence, else of the one after it, when it tells the moment the
   way news leads do (أمس، اليوم الأحد، خلال الـ 72 ساعة الماضية); written dates and months
   there usually date something else. (Measured on the dev corpus: looking further, or at the
   rest of a sentence the evidence is a clause of, finds more wrong dates than right ones.)
3. else nothing: precision ``unknown`` with no ``start``/``end``, never today's date.

An expression that needs the publication date (أمس، نيسان الفائت) when there is none keeps its
``text_ar`` with precision ``unknown``. Precisions are the event's: ``day``, ``week``,
``month``, ``year``, ``unknown`` (a season or part of a year is ``month``; its range says how
wide). Resolution itself is :mod:`transforms.timeexpr`; word lists are in
``data/incident_date.yaml``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

from schemas.records import DateRange
from transforms import lexicon
from transforms.normalize import normalize
from transforms.sentences import Span, split_sentences
from transforms.timeexpr import TimeMention, find_time_expressions

__all__ = ["incident_date", "parse_published"]

_DATA = lexicon.data("incident_date")
EVENT_PRECISIONS = frozenset({"day", "week", "month", "year", "unknown"})
PRECISION_OF = {"season": "month"}
NEIGHBOUR_KINDS = frozenset(_DATA["neighbour_kinds"])
REPORT_TIME = re.compile(
    r"(?<!\w)[وف]?(?:" + "|".join(re.escape(normalize(v)) for v in _DATA["report_verbs"])
    + r")(?:\s+\S+){0," + str(int(_DATA["report_gap_words"])) + r"}\s*$")
NOT_INCIDENT = re.compile(
    r"(?<!\w)(?:من\s+)?[وف]?(?:" + "|".join(re.escape(normalize(w)) for w in
                                   _DATA["not_incident_before"]) + r")(?:\s+\S+){0,2}\s*$")


def parse_published(published: str | dt.date | None) -> dt.date | None:
    """The publication date of ``YYYY-MM-DD``, an ISO datetime or a date; None when unusable."""
    if isinstance(published, dt.datetime):
        return published.date()
    if isinstance(published, dt.date):
        return published
    try:
        return dt.date.fromisoformat(str(published or "")[:10])
    except ValueError:
        return None


@lru_cache(maxsize=32)
def _sentences(text: str) -> tuple[Span, ...]:
    """The sentences of an article (cached: every event of one article asks again)."""
    return tuple(split_sentences(text))


@lru_cache(maxsize=256)
def _times(text: str, start: int, end: int, published: dt.date | None) -> tuple[TimeMention, ...]:
    """Time expressions of ``text[start:end]`` with offsets into ``text``."""
    return tuple(TimeMention(m.text, m.start + start, m.end + start, m.date_start, m.date_end,
                             m.precision, m.kind)
                 for m in find_time_expressions(text[start:end], published))


def _neighbours(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Offsets of the sentence before and the sentence after those holding the evidence."""
    spans = _sentences(text)
    inside = [i for i, s in enumerate(spans) if s.start < end and s.end > start]
    if not inside:
        return []
    return [(spans[i].start, spans[i].end) for i in (inside[0] - 1, inside[-1] + 1)
            if 0 <= i < len(spans)]


def _dates_report(text: str, mention: TimeMention) -> bool:
    """True when the mention follows a report verb ("قال مسؤول تركي، السبت، إن")."""
    return bool(REPORT_TIME.search(_before(text, mention)))


def _before(text: str, mention: TimeMention) -> str:
    """The normalized text just before a mention."""
    return normalize(text[max(0, mention.start - 60):mention.start]).replace("،", " ")


def _choose(text: str, mentions: tuple[TimeMention, ...],
            anchor: int | None) -> TimeMention | None:
    """The mention that dates the incident among those of the evidence sentence."""
    mentions = tuple(m for m in mentions if not NOT_INCIDENT.search(_before(text, m)))
    if len(mentions) > 1:
        mentions = tuple(m for m in mentions if not _dates_report(text, m)) or mentions
    if not mentions:
        return None
    if anchor is None:
        return mentions[0]
    return min(mentions, key=lambda m: 0 if m.start <= anchor < m.end else
               min(abs(m.start - anchor), abs(m.end - anchor)))


def _lead_time(mentions: tuple[TimeMention, ...]) -> TimeMention | None:
    """The first mention of a neighbouring sentence that dates what a news lead tells."""
    return next((m for m in mentions if NEIGHBOUR_KINDS & set(m.kind.split("+"))), None)


def _as_range(mention: TimeMention) -> DateRange:
    """The event's date record of a resolved (or unresolvable) mention."""
    precision = PRECISION_OF.get(mention.precision, mention.precision)
    if not mention.date_start or precision not in EVENT_PRECISIONS:
        return DateRange(text_ar=mention.text, precision="unknown")
    return DateRange(start=mention.date_start, end=mention.date_end, text_ar=mention.text,
                     precision=precision)


def incident_date(text: str, evidence: Sequence[tuple[int, int]],
                  published: str | dt.date | None, anchor: int | None = None) -> DateRange:
    """The date of the incident whose evidence is ``text[start:end]`` for each ``(start, end)``
    of ``evidence`` (the sentence with the trigger first; see the module docstring)."""
    text = text or ""
    spans = [(max(0, s), min(len(text), e)) for s, e in evidence if max(0, s) < min(len(text), e)]
    if not spans:
        return DateRange(precision="unknown")
    pub = parse_published(published)
    found = None
    for number, (start, end) in enumerate(spans):
        found = _choose(text, _times(text, start, end, pub), anchor if number == 0 else None)
        if found is not None:
            break
    for lo, hi in _neighbours(text, *spans[0]) if found is None else ():
        found = _lead_time(_times(text, lo, hi, pub))
        if found is not None:
            break
    return _as_range(found) if found is not None else DateRange(precision="unknown")
