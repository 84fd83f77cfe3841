"""Text fingerprints for deduplication: canonical URLs, word shingles, MinHash and LSH bands.

A document's MinHash signature (datasketch, ``update_batch``) is a list of ``NUM_PERM`` ints
that travels through Beam as plain data. LSH splits it into ``BANDS`` bands of ``ROWS`` rows;
two documents whose estimated Jaccard similarity is ``s`` share at least one band with
probability ``1 - (1 - s**ROWS)**BANDS`` (32 bands × 4 rows: >0.99 at s=0.6, ~0.2 at s=0.3,
~0.003 at s=0.1), so band keys find syndicated copies (verified at s >= 0.6) without comparing
every pair, and unrelated articles rarely even become candidates.
"""
from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable, Sequence

import courlan
from datasketch import MinHash

NUM_PERM = 128
BANDS = 32
ROWS = 4
SHINGLE_SIZE = 3
SEED = 1  # fixed: signatures must compare across workers and restarts

DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
NON_WORD = re.compile(r"[^\w\s]", re.UNICODE)
LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                         "ؤ": "و", "ئ": "ي"})
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _fallback_words(text: str) -> list[str]:
    """Normalized words (diacritics, alef/ya/taa forms, digits, punctuation) of ``text``."""
    text = unicodedata.normalize("NFKC", text).translate(DIGITS)
    text = DIACRITICS.sub("", text).translate(LETTERS).lower()
    return NON_WORD.sub(" ", text.replace("_", " ")).split()


def words(text: str | None) -> list[str]:
    """Normalized words of ``text`` (``transforms.normalize.words`` when it is installed)."""
    if not text:
        return []
    try:
        from transforms.normalize import words as normalize_words
    except ImportError:
        return _fallback_words(text)
    return [w for w in normalize_words(text) if w]


def canonical_url(url: str | None) -> str | None:
    """The canonical form of ``url`` (courlan: lower-case host, no tracking params, no #frag)."""
    if not url:
        return None
    try:
        normalized = courlan.normalize_url(url.strip())
    except (ValueError, AttributeError):
        return url.strip() or None
    return normalized.split("#", 1)[0] or None


def shingles(text: str | None, size: int = SHINGLE_SIZE) -> list[bytes]:
    """Word ``size``-grams of the normalized text, UTF-8 encoded (the whole text if shorter)."""
    tokens = words(text)
    if len(tokens) < size:
        return [" ".join(tokens).encode("utf-8")] if tokens else []
    return [" ".join(tokens[i:i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)]


def minhash(text: str | None, num_perm: int = NUM_PERM) -> MinHash:
    """The MinHash of the text's word shingles (``update_batch``: ~1 ms per article)."""
    sketch = MinHash(num_perm=num_perm, seed=SEED)
    grams = shingles(text)
    if grams:
        sketch.update_batch(grams)
    return sketch


def signature(text: str | None, num_perm: int = NUM_PERM) -> list[int]:
    """The MinHash signature as plain ints (picklable, JSON-able); empty for empty text."""
    if not words(text):
        return []
    return [int(v) for v in minhash(text, num_perm).hashvalues]


def estimated_jaccard(sig_a: Sequence[int], sig_b: Sequence[int]) -> float:
    """Fraction of equal signature slots: the MinHash estimate of the Jaccard similarity."""
    if not sig_a or not sig_b or len(sig_a) != len(sig_b):
        return 0.0
    return sum(1 for a, b in zip(sig_a, sig_b, strict=True) if a == b) / len(sig_a)


def band_keys(sig: Sequence[int], bands: int = BANDS) -> list[tuple[int, str]]:
    """One ``(band_index, band_hash)`` key per LSH band of the signature."""
    if not sig:
        return []
    rows = len(sig) // bands
    keys = []
    for index in range(bands):
        chunk = sig[index * rows:(index + 1) * rows]
        digest = hashlib.sha1(struct.pack(f"<{len(chunk)}Q", *chunk)).hexdigest()[:16]
        keys.append((index, digest))
    return keys


def word_set(text: str | None, stop: Iterable[str] = ()) -> frozenset[str]:
    """The set of normalized words of ``text`` minus ``stop`` words."""
    stop = frozenset(stop)
    return frozenset(w for w in words(text) if w not in stop and len(w) > 1)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Exact Jaccard similarity of two word sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
