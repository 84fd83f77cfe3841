"""Sentence and clause splitting for news Arabic, with offsets into the original text.

News Arabic ends sentences with ``.`` ``!`` ``?`` ``؟`` or a line break, often without a space
after the stop (``بينهم.وأوضحت``); dots inside words (``انشقـ.ـاق``), in numbers (``2.5``) and
in abbreviations between letters are not stops. A single line break in the middle of a
sentence (text wrapped at a fixed width: a quotation left open, a last word like ``إلى أن``
that never ends one) is not a stop either. Clauses split at ``،`` ``؛`` ``:`` and dashes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from transforms import lexicon
from transforms.normalize import fold_word

SENTENCE_END = re.compile(r"[.!?؟…]+(?=[\s\"'”»)\]،,]|$|[\u0621-\u064a])|\n+")
CLAUSE_END = re.compile(r"[،؛;:]|\s[-–—]\s|,(?!\d)")
ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0640]")
ARABIC_WORD = re.compile(r"[\u0621-\u064a]+")


@dataclass(frozen=True)
class Span:
    """A piece of text: ``text == source[start:end]``; ``paragraph`` counts from 0."""
    start: int
    end: int
    text: str
    paragraph: int = 0


def _inner_dot(text: str, start: int, end: int) -> bool:
    """True when the stop at ``text[start:end]`` sits inside a word (obfuscation, decimals)."""
    if text[start:end] != ".":
        return False
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before == "\u0640" or after == "\u0640":
        return True
    return before.isdigit() and after.isdigit()


QUOTES_OPEN, QUOTES_CLOSE = "«“", "»”"


def _wrapped(text: str, start: int, end: int) -> bool:
    """True for a single line break in the middle of a sentence (text wrapped at a fixed
    width): the line leaves a quotation open, or ends on a word that never ends a sentence."""
    if text[start:end] != "\n" or end >= len(text) or text[end].isspace():
        return False
    line = text[text.rfind("\n", 0, start) + 1:start].rstrip()
    if not line or line[-1] in ".!?؟…:":
        return False
    if line.count('"') % 2 or sum(line.count(q) for q in QUOTES_OPEN) > sum(
            line.count(q) for q in QUOTES_CLOSE):
        return True
    last = ARABIC_WORD.findall(line[-20:])
    return bool(last) and fold_word(last[-1]) in lexicon.words("sentences", "open_ends")


def _trimmed(text: str, start: int, end: int, paragraph: int) -> Span | None:
    """The span without surrounding whitespace, or None when nothing is left."""
    while start < end and (text[start].isspace() or text[start] in "،,؛"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end or not ARABIC_LETTER.search(text, start, end) and not text[start:end].strip():
        return None
    return Span(start, end, text[start:end], paragraph)


def split_sentences(text: str) -> list[Span]:
    """Sentences of ``text`` in order; each line break starts a new paragraph."""
    spans: list[Span] = []
    paragraph, start, used = 0, 0, False
    for match in SENTENCE_END.finditer(text):
        if _inner_dot(text, match.start(), match.end()):
            continue
        if _wrapped(text, match.start(), match.end()):
            continue
        newline = match.group().startswith("\n")
        end = match.start() if newline else match.end()
        span = _trimmed(text, start, end, paragraph)
        if span:
            spans.append(span)
            used = True
        if newline and used:
            paragraph, used = paragraph + 1, False
        start = match.end()
    span = _trimmed(text, start, len(text), paragraph)
    if span:
        spans.append(span)
    return spans


def split_clauses(sentence: Span) -> list[Span]:
    """Clauses of one sentence (offsets stay those of the whole text)."""
    spans, start = [], 0
    for match in CLAUSE_END.finditer(sentence.text):
        span = _trimmed(sentence.text, start, match.start(), sentence.paragraph)
        if span:
            spans.append(Span(sentence.start + span.start, sentence.start + span.end,
                              span.text, sentence.paragraph))
        start = match.end()
    span = _trimmed(sentence.text, start, len(sentence.text), sentence.paragraph)
    if span:
        spans.append(Span(sentence.start + span.start, sentence.start + span.end, span.text,
                          sentence.paragraph))
    return spans
