"""Folding of Arabic text for matching, with a map back to the original offsets.

``fold(text)`` returns ``(folded, index)`` where ``folded[i]`` comes from ``text[index[i]]``
and ``index[len(folded)] == len(text)``. It applies the letter rules of
``transforms.normalize`` (kept in step with it) plus the extra folds the extractors need, in a
form fast enough for every sentence of every article (a few microseconds per sentence):

- diacritics and tatweel removed; Arabic-Indic and Persian digits to ASCII;
- alef/hamza forms to ا, ى to ي, ة to ه, ؤ to و, ئ to ي;
- quote marks, ``#`` and ``_`` (hashtags such as ``#جيش_العشائر``) to spaces;
- dots written inside a word to dodge filters (``انشقـ.ـاق``) removed.
"""
from __future__ import annotations

import re
from functools import lru_cache

DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
LETTERS = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
    "ک": "ك", "ی": "ي", "ء": "ء",
    "«": " ", "»": " ", "“": " ", "”": " ", "„": " ", "‹": " ", "›": " ", '"': " ",
    "'": " ", "‘": " ", "’": " ", "#": " ", "_": " ", "\u200c": " ", "\u200f": " ",
    "\u200e": " ", "\xa0": " ",
})
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
INNER_DOT = re.compile(r"(?<=[\u0621-\u064a])[.\u0640]+(?=[\u0621-\u064a])")


def _drop_marks(text: str) -> tuple[str, list[int]]:
    """Text without diacritics and tatweel, digits folded, and the offset map (+ end)."""
    if not DIACRITICS.search(text):
        return text.translate(DIGITS), list(range(len(text) + 1))
    pieces, index, pos = [], [], 0
    for match in DIACRITICS.finditer(text):
        pieces.append(text[pos:match.start()])
        index.extend(range(pos, match.start()))
        pos = match.end()
    pieces.append(text[pos:])
    index.extend(range(pos, len(text) + 1))
    return "".join(pieces).translate(DIGITS), index


@lru_cache(maxsize=4096)
def fold(text: str) -> tuple[str, tuple[int, ...]]:
    """Folded text for matching and the offset map back into ``text`` (see module doc)."""
    norm, mapping = _drop_marks(text)
    norm = norm.translate(LETTERS)
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
