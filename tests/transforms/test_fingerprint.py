"""MinHash fingerprints, LSH band keys and canonical URLs."""
from __future__ import annotations

from dedup_fixtures import COPY, ORIGINAL, REWRITE

from transforms import fingerprint


def test_copy_is_similar_and_rewrite_is_not():
    original, copy, rewrite = (fingerprint.signature(t) for t in (ORIGINAL, COPY, REWRITE))
    assert len(original) == fingerprint.NUM_PERM
    assert fingerprint.estimated_jaccard(original, copy) >= 0.6
    assert fingerprint.estimated_jaccard(original, rewrite) < 0.2


def test_signatures_are_stable_and_copies_share_a_band():
    assert fingerprint.signature(ORIGINAL) == fingerprint.signature(ORIGINAL)
    keys = fingerprint.band_keys(fingerprint.signature(ORIGINAL))
    assert len(keys) == fingerprint.BANDS and keys[0][0] == 0
    copy_keys = fingerprint.band_keys(fingerprint.signature(COPY))
    rewrite_keys = fingerprint.band_keys(fingerprint.signature(REWRITE))
    assert set(keys) & set(copy_keys)
    assert not set(keys) & set(rewrite_keys)


def test_normalization_ignores_diacritics_and_letter_forms():
    plain = fingerprint.signature("انشق عناصر من الدفاع الوطني في قرية الجلاء")
    marked = fingerprint.signature("انشقَّ عناصرُ من الدفاعِ الوطنيّ في قريةِ الجلاء")
    assert fingerprint.estimated_jaccard(plain, marked) == 1.0


def test_empty_text_has_no_signature_and_no_bands():
    assert fingerprint.signature("") == [] and fingerprint.signature(None) == []
    assert fingerprint.band_keys([]) == []
    assert fingerprint.estimated_jaccard([], []) == 0.0


def test_canonical_url_drops_tracking_and_fragment():
    assert fingerprint.canonical_url("https://WWW.Example.org/news/1?utm_source=x#top") == (
        fingerprint.canonical_url("https://www.example.org/news/1"))
    assert fingerprint.canonical_url(None) is None


def test_word_jaccard():
    a = fingerprint.word_set("انشق سامر الحلبي عن اللواء", stop={"عن"})
    b = fingerprint.word_set("سامر الحلبي ينشق عن اللواء")
    assert fingerprint.jaccard(a, b) == 0.5  # 3 shared of 6
