"""Arabic text folding for matching, with a map back to the original offsets: one table.

Two forms share the same letter table (``LETTERS``) and diacritics (``DIACRITICS``):

``fold(text)`` is the extractor's per-sentence form, fast enough for every sentence of every
article: diacritics and tatweel removed, digits to ASCII, the letter table, and marks that only
get in the way of word matching (quotes, ``#``, ``_``, invisible joiners) turned to spaces; dots
written inside a word to dodge filters (``انشقـ.ـاق``) dropped. It returns ``(folded, index)``
with ``folded[i]`` from ``text[index[i]]`` and ``index[len(folded)] == len(text)``.
``fold_word`` folds a short phrase (a data-file entry) the same way.

``normalize(text)`` gives the matching form: NFKC; diacritics (tashkeel, superscript alef,
Quranic marks), tatweel and invisible format characters removed; alef forms أ إ آ ٱ → ا,
ى → ي, ة → ه, ؤ → و, ئ → ي (and Persian ی ک → ي ك); Arabic-Indic and Persian digits → 0-9;
every quote mark → ``"``; Latin lower-cased; whitespace runs → one space, ends stripped.

``normalize_with_map(text)`` returns the same string and ``index`` with ``len(out) + 1``
entries: ``out[i]`` comes from ``text[index[i]]`` and ``index[-1] == len(text)``, so the span
``out[s:e]`` is ``text[index[s]:index[e]]`` in the original.

``clitic_forms(word)`` reads a folded word as proclitics and a stem: every way of cutting the
conjunction و/ف and a preposition ب/ل/ك off its front, ل before the article included (the one
clitic grammar of the extractor); ``strip_prefixes(word)`` is the word without the article and
the clitics before it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["article_cut", "clitic_forms", "fold", "fold_word", "normalize", "normalize_with_map",
           "strip_prefixes", "words"]

DIACRITICS = re.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    "\u08d3-\u08e1\u08e3-\u08ff\u0640]"
)
FORMAT_CHARS = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
QUOTES = "«»“”„‟‹›〝〞〟\"'’‘‚‛＂`´"
LETTERS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ی": "ي", "ې": "ي", "ئ": "ي",
    "ة": "ه", "ۀ": "ه", "ۃ": "ه",
    "ؤ": "و", "ک": "ك",
    **{d: str(i % 10) for i, d in enumerate("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")},
    **{q: '"' for q in QUOTES},
})
# fold(): marks that separate words for matching (quotes, hashtags, joiners) become spaces.
MATCH_SPACES = str.maketrans({**{q: " " for q in QUOTES}, "#": " ", "_": " ", "\u200c": " ",
                              "\u200f": " ", "\u200e": " ", "\xa0": " "})
INNER_DOT = re.compile(r"(?<=[\u0621-\u064a])[.\u0640]+(?=[\u0621-\u064a])")
WHITESPACE = re.compile(r"\s+")
WORD = re.compile(r"[^\W_]+")
# Proclitics, in the order they stand before a stem: a conjunction, then a preposition; the
# article after them (after the preposition ل it is written ل: ل + الجيش = للجيش).
CONJUNCTIONS = "وف"
PREPOSITIONS = "بلك"
ARTICLE = "ال"
MIN_STEM = 2


def _fold(text: str) -> str:
    """Letter, digit, quote and case folding of already NFKC-normalized text."""
    text = DIACRITICS.sub("", text)
    text = FORMAT_CHARS.sub("", text)
    return text.translate(LETTERS).lower()


def normalize(text: str) -> str:
    """The matching form of ``text`` (see the module docstring)."""
    if not text:
        return ""
    text = _fold(unicodedata.normalize("NFKC", text))
    return WHITESPACE.sub(" ", text).strip()


@lru_cache(maxsize=8192)
def _segment(segment: str) -> str:
    """Normalized form of one base character with its combining marks (before whitespace)."""
    return _fold(unicodedata.normalize("NFKC", segment))


def _segments(text: str) -> list[tuple[int, str]]:
    """Split ``text`` into (offset, base char + following combining marks)."""
    out: list[tuple[int, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            out.append((start, text[start:i]))
            start = i
    return out


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` and the offset of each output character in ``text`` (+ end)."""
    chars: list[str] = []
    index: list[int] = []
    pending_space = -1
    for offset, segment in _segments(text or ""):
        for char in _segment(segment):
            if char.isspace():
                if pending_space < 0:
                    pending_space = offset
                continue
            if pending_space >= 0:
                if chars:
                    chars.append(" ")
                    index.append(pending_space)
                pending_space = -1
            chars.append(char)
            index.append(offset)
    index.append(len(text or ""))
    return "".join(chars), index


@lru_cache(maxsize=65536)
def clitic_forms(word: str, *, preps: str = PREPOSITIONS, min_stem: int = MIN_STEM,
                 lam_is_article: bool = False) -> tuple[tuple[int, str], ...]:
    """The readings of a folded word as proclitics and a stem, as ``(cut, stem)`` pairs:
    ``word[:cut]`` is the proclitics (maybe the conjunction و/ف, then maybe one preposition of
    ``preps``) and ``stem`` what they stand before. Letters are read, not words: "فكتيبه" gives
    ف + كتيبه and ف + ك + تيبه; the caller's word list tells which reading is a word.

    The whole word ``(0, word)`` comes first, then the reading after the conjunction; after each
    of these two, the reading after the preposition. ل before the article is written ل, its
    alef elided ("للجيش" = ل + الجيش): when ل is one of ``preps`` that reading comes first, with
    the article written out, ``(1, "الجيش")``, then ل before a word starting with ل
    (``(1, "لجيش")``, as in ل + لواء), left out when ``lam_is_article``. Any other article stays
    on the stem ("بالجيش" → ``(1, "الجيش")``); cutting it is the caller's (``strip_prefixes``).

    A clitic is cut only when at least ``min_stem`` letters are left after it: "وبها" gives
    ``(1, "بها")``, and ``(2, "ها")`` only when ``min_stem`` is 2 or less. ``preps="بل"`` keeps
    ك on the stem, ``preps=""`` cuts only the conjunction.
    """
    forms = [(0, word)]
    if word[:1] and word[0] in CONJUNCTIONS and len(word) - 1 >= min_stem:
        forms.append((1, word[1:]))
    for base, _ in tuple(forms):
        if not (word[base:base + 1] and word[base] in preps and len(word) - base - 1 >= min_stem):
            continue
        article = word[base] == "ل" and word[base + 1:base + 2] == "ل"
        if article:
            forms.append((base + 1, ARTICLE + word[base + 2:]))
        if not (article and lam_is_article):
            forms.append((base + 1, word[base + 1:]))
    return tuple(forms)


def article_cut(folded_word: str) -> int | None:
    """How many leading letters of a folded word are clitics before its article (و ف ب ل ك:
    "والجيش" 1, "للجيش" 1, "الجيش" 0), None when it has no article."""
    return next((cut for cut, stem in clitic_forms(folded_word, min_stem=0)
                 if stem.startswith(ARTICLE)), None)


def strip_prefixes(word: str) -> str:
    """``word`` without a leading article and its clitics (وال، بال، كال، فال، لل…), when at least
    ``MIN_STEM`` letters are left after the article; else ``word``."""
    for _, stem in clitic_forms(word):
        if stem.startswith(ARTICLE) and len(stem) - len(ARTICLE) >= MIN_STEM:
            return stem[len(ARTICLE):]
    return word


def words(text: str) -> list[str]:
    """Normalized word tokens (runs of letters and digits) of ``text``."""
    return WORD.findall(normalize(text)) if text else []


# ----------------------------------------------------------------------------- fold()

DROPPED = re.compile(f"(?:{DIACRITICS.pattern})|(?:{FORMAT_CHARS.pattern})")


def _drop_marks(text: str) -> tuple[str, list[int]]:
    """Text without diacritics, tatweel and invisible format characters (zero-width, bidi
    controls: as ``normalize`` drops them), and the offset map (+ end)."""
    if not DROPPED.search(text):
        return text, list(range(len(text) + 1))
    pieces, index, pos = [], [], 0
    for match in DROPPED.finditer(text):
        pieces.append(text[pos:match.start()])
        index.extend(range(pos, match.start()))
        pos = match.end()
    pieces.append(text[pos:])
    index.extend(range(pos, len(text) + 1))
    return "".join(pieces), index


# Arabic presentation forms (ﻓﺮاره، ﻻ): some sites still write them; NFKC gives the letters.
PRESENTATION = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")


def _unshape(text: str, mapping: list[int]) -> tuple[str, list[int]]:
    """Presentation forms as the letters they draw (a ligature as several), with the map."""
    if not PRESENTATION.search(text):
        return text, mapping
    chars, index = [], []
    for char, offset in zip(text, mapping, strict=False):
        letters = unicodedata.normalize("NFKC", char) if PRESENTATION.match(char) else char
        chars.append(DROPPED.sub("", letters) or " ")
        index.extend([offset] * len(chars[-1]))
    index.append(mapping[-1])
    return "".join(chars), index


@lru_cache(maxsize=4096)
def fold(text: str) -> tuple[str, tuple[int, ...]]:
    """Folded text for matching and the offset map back into ``text`` (module doc)."""
    norm, mapping = _unshape(*_drop_marks(text))
    norm = norm.translate(LETTERS).translate(MATCH_SPACES)
    if not INNER_DOT.search(norm):
        return norm, tuple(mapping)
    kept_chars, kept_map, pos = [], [], 0
    for match in INNER_DOT.finditer(norm):
        kept_chars.append(norm[pos:match.start()])
        kept_map.extend(mapping[pos:match.start()])
        pos = match.end()
    kept_chars.append(norm[pos:])
    kept_map.extend(mapping[pos:])
    return "".join(kept_chars), tuple(kept_map)


def fold_word(text: str) -> str:
    """Folded form of a short word or phrase (patterns and data-file entries)."""
    return " ".join(fold(text)[0].split())
