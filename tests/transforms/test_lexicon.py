"""Tests for transforms.lexicon: word lists from data files, folded and turned into patterns."""
import re

import pytest

from transforms import lexicon


@pytest.fixture
def table(tmp_path, monkeypatch):
    """A data file of the test's own, read through the loader."""
    (tmp_path / "sample.yaml").write_text(
        "stems: [منشق*, هؤلاء]\nphrases: [أفراد مجموعته, مع]\n", encoding="utf-8")
    monkeypatch.setattr(lexicon, "DATA_DIR", tmp_path)
    for cached in (lexicon.data, lexicon.words, lexicon.pattern):
        cached.cache_clear()
    yield
    for cached in (lexicon.data, lexicon.words, lexicon.pattern):
        cached.cache_clear()


def test_a_star_entry_matches_any_word_starting_with_it(table):
    pointer = re.compile(rf"(?<![\w])(?:{lexicon.pattern('sample', 'stems')})(?![\w])")
    assert pointer.fullmatch("منشقون")
    assert pointer.fullmatch("منشق")
    assert pointer.fullmatch("هولاء")  # folded like the text: ؤ → و
    assert not pointer.fullmatch("هولاءكم")  # no star: the word itself only


def test_a_phrase_matches_across_any_whitespace_and_longest_first(table):
    alternation = lexicon.pattern("sample", "phrases")
    assert alternation.index("افراد") < alternation.index("مع")
    assert re.fullmatch(alternation, "افراد \n مجموعته")


def test_shipped_pattern_lists_fold_to_what_they_match():
    """Every entry of a list read as a pattern is matched by that pattern as the folded text
    writes it (a star entry also with a suffix)."""
    from transforms.normalize import fold
    for name, key in [("extraction", "pointers"), ("extraction", "companion_nouns"),
                      ("place_phrases", "name_stops"), ("place_phrases", "leaving_words"),
                      ("units", "act_stems"), ("destinations", "stops")]:
        pattern = re.compile(rf"(?:{lexicon.pattern(name, key)})")
        for entry in lexicon.data(name)[key]:
            entry = str(entry)
            text = fold(entry.rstrip("*"))[0]
            assert pattern.fullmatch(text), (name, key, entry)
            if entry.endswith("*"):
                assert pattern.fullmatch(text + "ون"), (name, key, entry)
