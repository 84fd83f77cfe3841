"""Counts of people in Arabic news text: digits, number words, qualifiers and vague amounts.

``find_counts(text)`` returns every quantity expression with its value, its qualifier
(``exact``, ``at_least``, ``approx`` or ``none`` for vague amounts such as عدد من، عشرات),
the range for "بين 10 و15" / "10 إلى 15" (value = the upper end, qualifier ``approx``; for
``at_least`` low = value, for "أقل من" high = value), and the counted noun as a NORMALIZED lemma
(عنصر، مقاتل، جندي، قايد…) when one follows within two words. Dual nouns (عنصرين، ضابطان) count
two. Vague amounts keep only the vague words in ``text``. Offsets point into the original text.
Years, dates, unit numbers (اللواء 47), ages, durations, money and percentages are not counts.
Word lists live in ``data/number_words.yaml`` and ``data/months.yaml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from transforms import lexicon
from transforms.normalize import normalize, normalize_with_map, strip_prefixes

__all__ = ["CountMention", "find_counts", "parse_number_words"]


UNIT, TEN, TEEN, TENS, HUNDRED, THOUSAND = "unit", "ten", "teen", "tens", "hundred", "thousand"
TWO_WORDS = frozenset(normalize(w) for w in ("اثنين", "اثنان", "اثنتين", "اثنتان"))
FATHA_YA = re.compile("\u0651?\u064e\u0651?\u064a")
TOKEN = re.compile(r"\d{1,3}(?:[,٬]\d{3})+(?!\d)|\d+(?:[.٫]\d+)?|[^\W\d_]+")
DECIMAL = re.compile(r"[.٫]")
LATIN = re.compile(r"[a-z]+")
DASHES = ("-", "–", "—")
POSSESSIVE = re.compile(r"(?:هما|هم|ها|نا)$")  # not bare ه: it is also the feminine ة
SEPARATOR = re.compile(r"[,٬]")
WEAK_PROCLITICS = ("و", "ف")
STRONG_PROCLITICS = ("ب", "ل", "ك")
ARTICLES = ("وال", "فال", "بال", "كال", "لل", "ال")


class _Tok(NamedTuple):
    """One token of the normalized text: its string and span."""
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class CountMention:
    """A quantity expression; ``start``/``end``/``text`` refer to the original text."""
    value: int | None
    qualifier: str
    low: int | None
    high: int | None
    noun: str | None
    start: int
    end: int
    text: str


def _load(name: str) -> dict:
    """A data file of ``transforms/data/`` (through the one loader)."""
    return lexicon.data(name)


def _norm_set(items) -> frozenset[str]:
    """The normalized forms of ``items``."""
    return frozenset(normalize(str(item)) for item in items)


def _number_lexicon(data: dict) -> dict[str, tuple[int, str]]:
    """Normalized number word → (value, kind)."""
    lexicon: dict[str, tuple[int, str]] = {}
    for value, forms in data["units"].items():
        lexicon.update({normalize(f): (int(value), UNIT) for f in forms})
    lexicon.update({normalize(f): (10, TEN) for f in data["ten"]})
    for value, forms in data["tens"].items():
        lexicon.update({normalize(f): (int(value), TENS) for f in forms})
    for value, forms in data["hundreds"].items():
        lexicon.update({normalize(f): (int(value), HUNDRED) for f in forms})
    for value, stem in data["hundred_stems"].items():
        for hundred in data["hundreds"][100]:
            lexicon[normalize(stem + hundred)] = (int(value) * 100, HUNDRED)
    for value, forms in data["thousands"].items():
        lexicon.update({normalize(f): (int(value), THOUSAND) for f in forms})
    return lexicon


def _noun_forms(nouns: dict) -> tuple[dict[str, str], dict[str, tuple[str, bool]]]:
    """Noun form → lemma, and dual form → (lemma, written like the sound plural)."""
    forms: dict[str, str] = {}
    duals: dict[str, tuple[str, bool]] = {}
    for raw_lemma, spec in nouns.items():
        lemma, spec = normalize(raw_lemma), spec or {}
        sound = bool(spec.get("sound"))
        variants = [lemma, lemma + "ا"] + [normalize(p) for p in spec.get("plurals", [])]
        if sound:
            variants += [lemma + "ون", lemma + "ين", lemma + "و", lemma + "ي"]
        forms.update({v: lemma for v in variants})
        if not lemma.endswith("ه"):
            duals[lemma + "ان"] = (lemma, False)
            duals[lemma + "ين"] = (lemma, sound)
        else:
            duals[lemma[:-1] + "تان"] = (lemma, False)
            duals[lemma[:-1] + "تين"] = (lemma, False)
    for dual in duals:
        forms.setdefault(dual, duals[dual][0])
    return forms, duals


def _phrase_regex(phrases: dict[str, list[str]], anchor_end: bool) -> re.Pattern:
    """Alternation of the normalized phrases, longest first, anchored at the end or start."""
    alternatives = sorted({normalize(p) for ps in phrases.values() for p in ps}, key=len,
                          reverse=True)
    body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alternatives)
    if anchor_end:
        return re.compile(r"(?<!\w)[وف]?(?:" + body + r")\s*$")
    return re.compile(r"\s*(?:" + body + r")(?!\w)")


def _phrase_kinds(phrases: dict[str, list[str]]) -> dict[str, str]:
    """Normalized phrase → its kind (the key it is listed under)."""
    return {normalize(p): kind for kind, ps in phrases.items() for p in ps}


_DATA = _load("number_words.yaml")
_MONTH_DATA = _load("months.yaml")

NUMBER_WORDS = _number_lexicon(_DATA)
TEN_WORDS = _norm_set(_DATA["ten"])
HUNDRED_BASE = _norm_set(_DATA["hundreds"][100])
THOUSAND_BASE = _norm_set(_DATA["thousands"][1000]) | _norm_set(_DATA["thousand_plural"])
NEEDS_NOUN = _norm_set(_DATA["needs_noun"])
NO_ARTICLE = _norm_set(_DATA["no_article"])
NO_PROCLITIC = _norm_set(_DATA["no_proclitic"])
RANGE_WORDS = _norm_set(_DATA["range_words"])
NOT_BEFORE = _norm_set(_DATA["not_count_before"])
NOT_AFTER = _norm_set(_DATA["not_count_after"])
NOUN_FORMS, DUAL_FORMS = _noun_forms(_DATA["nouns"])
QUALIFIER_BEFORE = _phrase_regex(_DATA["qualifiers"], anchor_end=True)
QUALIFIER_AFTER = _phrase_regex(_DATA["qualifiers_after"], anchor_end=False)
QUALIFIER_KINDS = _phrase_kinds(_DATA["qualifiers"])
QUALIFIER_AFTER_KINDS = _phrase_kinds(_DATA["qualifiers_after"])
VAGUE_PHRASES = sorted((tuple(normalize(p).split()) for p in _DATA["vague"]), key=len,
                       reverse=True)
VAGUE_FIRST = frozenset(p[0] for p in VAGUE_PHRASES)
MONTH_NAMES = _norm_set(n for names in _MONTH_DATA["months"].values() for n in names)
MONTH_FIRST_WORDS = frozenset(n.split()[0] for n in MONTH_NAMES)
DATE_WORDS = MONTH_FIRST_WORDS | {"الشهر", "شهر"}
YEARS = range(1900, 2101)
MAX_DIGITS = 5
VAGUE_LOOKAHEAD = 3  # words between a vague amount and the number that spells it out


def _gap(norm: str, left: _Tok, right: _Tok) -> str:
    """The text between two tokens."""
    return norm[left.end:right.start]


def _word_entry(word: str, first: bool) -> tuple[int, str] | None:
    """(value, kind) of a number word, allowing a proclitic or the article on the first word."""
    entry = NUMBER_WORDS.get(word)
    if entry is not None or not first:
        return entry
    for article in ARTICLES:
        stem = word[len(article):]
        if word.startswith(article) and stem in NUMBER_WORDS and stem not in NO_ARTICLE:
            return NUMBER_WORDS[stem]
    if word[:1] in WEAK_PROCLITICS + STRONG_PROCLITICS:
        stem = word[1:]
        if stem in NUMBER_WORDS and not (word[0] in STRONG_PROCLITICS and stem in NO_PROCLITIC):
            return NUMBER_WORDS[stem]
    return None


MAX_DIGITS = 9  # no count of people has more digits; longer runs are ids, phone numbers, noise


def _digits_value(token: str) -> int | None:
    """Integer value of a digit token, None for decimals and implausibly long runs."""
    if DECIMAL.search(token):
        return None
    digits = SEPARATOR.sub("", token)
    return int(digits) if len(digits) <= MAX_DIGITS else None


def _continue_words(toks: list[_Tok], norm: str, j: int, state: list) -> int:
    """Extend a number-word run from token ``j``; ``state`` is [total, current, last kind]."""
    n = len(toks)
    while j < n and not _gap(norm, toks[j - 1], toks[j]).strip():
        word, step, conj = toks[j].text, 1, False
        if word == "و" and j + 1 < n and not _gap(norm, toks[j], toks[j + 1]).strip():
            word, step, conj = toks[j + 1].text, 2, True
        elif word.startswith("و") and word not in NUMBER_WORDS and word[1:] in NUMBER_WORDS:
            word, conj = word[1:], True
        total, current, last = state
        if not conj:
            if word in TEN_WORDS and last == UNIT and current % 10:
                state[1], state[2] = current + 10, TEEN
            elif word in HUNDRED_BASE and last == UNIT and 0 < current < 10:
                state[1], state[2] = current * 100, HUNDRED
            elif word in THOUSAND_BASE and current > 0 and last != THOUSAND:
                state[0], state[1], state[2] = total + current * 1000, 0, THOUSAND
            else:
                break
        else:
            entry = NUMBER_WORDS.get(word)
            if entry is None:
                break
            value, kind = entry
            unit_then_tens = last == UNIT and kind == TENS and current % 10
            after_big = last in (HUNDRED, THOUSAND) and kind in (UNIT, TEN, TENS) or (
                last == THOUSAND and kind == HUNDRED)
            if not (unit_then_tens or after_big):
                break
            state[1], state[2] = current + value, kind
        j += step
    return j


def _read_number(toks: list[_Tok], norm: str, i: int) -> tuple[int, int, str] | None:
    """(value, end token, 'digit'|'word'|'decimal') of the number starting at token ``i``."""
    token = toks[i].text
    if token[0].isdigit():
        value = _digits_value(token)
        if value is None:
            return 0, i + 1, "decimal"
        j = i + 1
        if j < len(toks) and toks[j].text in THOUSAND_BASE and not _gap(
                norm, toks[i], toks[j]).strip():
            value, j = value * 1000, j + 1
        return value, j, "digit"
    entry = _word_entry(token, first=True)
    if entry is None:
        return None
    value, kind = entry
    state = [value, 0, THOUSAND] if kind == THOUSAND else [0, value, kind]
    j = _continue_words(toks, norm, i + 1, state)
    return state[0] + state[1], j, "word"


def _noun_lemma(token: str) -> str | None:
    """Lemma of a counted noun form (with the article or a possessive: عناصرها), else None."""
    lemma = NOUN_FORMS.get(token) or NOUN_FORMS.get(strip_prefixes(token))
    if lemma is None and POSSESSIVE.search(token):
        lemma = NOUN_FORMS.get(POSSESSIVE.sub("", token))
    return lemma


def _noun_after(toks: list[_Tok], norm: str, j: int) -> tuple[str, int] | None:
    """(lemma, end token) of a counted noun within two words after token ``j`` (من skipped)."""
    k, n = j, len(toks)
    if k < n and toks[k].text == "من" and not _gap(norm, toks[k - 1], toks[k]).strip():
        k += 1
    for m in range(k, min(k + 2, n)):
        if m > 0 and _gap(norm, toks[m - 1], toks[m]).strip():
            return None
        lemma = _noun_lemma(toks[m].text)
        if lemma:
            return lemma, m + 1
    return None


def _not_a_count(toks: list[_Tok], norm: str, i: int, j: int, value: int, kind: str,
                 has_noun: bool) -> bool:
    """True when the number at tokens [i, j) is a year, date, unit number, age, money…."""
    n = len(toks)
    if kind == "decimal":
        return True
    before = toks[i - 1] if i > 0 else None
    after = toks[j] if j < n else None
    gap_before = _gap(norm, before, toks[i]).strip() if before else ""
    gap_after = _gap(norm, toks[j - 1], after).strip() if after else norm[toks[j - 1].end:]
    if gap_after[:1] in ("%", "٪") or gap_before[-1:] == "$":
        return True
    if kind == "digit" and (gap_after[:1] in ("/", ":") and after and after.text[0].isdigit()
                            or gap_before[-1:] in ("/", ":") and before.text[0].isdigit()):
        return True
    if before is not None and not gap_before and LATIN.match(before.text[-1]):
        return True  # glued to Latin letters: a name such as SY24
    if kind == "word" and toks[i].text in TEN_WORDS and before is not None and not gap_before \
            and before.text.startswith("ال"):
        return True  # the ordinal السابعة عشر
    if before is not None and not gap_before:
        prev = before.text
        two = f"{toks[i - 2].text} {prev}" if i > 1 else prev
        if (prev in NOT_BEFORE or strip_prefixes(prev) in NOT_BEFORE or prev in MONTH_NAMES
                or two in MONTH_NAMES or prev[:1] in STRONG_PROCLITICS + WEAK_PROCLITICS
                and prev[1:] in NOT_BEFORE):
            return True
    if after is not None and gap_after in DASHES + ("/",):
        if after.text in DATE_WORDS:
            return True
        if after.text[0].isdigit() and j + 1 < n and toks[j + 1].text in NOT_AFTER:
            return True  # 18 – 20 عاماً
    if after is not None and not gap_after:
        nxt = [after.text]
        if after.text in ("من", "في") and j + 1 < n:
            nxt.append(toks[j + 1].text)
        for word in nxt:
            if word in NOT_AFTER or strip_prefixes(word) in NOT_AFTER or word in DATE_WORDS:
                return True
    if kind == "digit" and not has_noun:
        if value in YEARS and len(toks[i].text) == 4 or len(toks[i].text) > MAX_DIGITS:
            return True
    return False


def _qualifier_before(norm: str, start: int) -> tuple[str | None, int]:
    """(qualifier kind, start) of a qualifier phrase ending right before ``start``."""
    window_start = max(0, start - 24)
    match = QUALIFIER_BEFORE.search(norm, window_start, start)
    if not match or match.end() != start:
        return None, start
    phrase = " ".join(match.group().split())
    kind = QUALIFIER_KINDS.get(phrase) or QUALIFIER_KINDS.get(phrase[1:])
    return kind, match.start()


def _range_after(toks: list[_Tok], norm: str, j: int, low: int,
                 between: bool) -> tuple[int, int] | None:
    """(high, end token) when tokens from ``j`` continue a range ("إلى 15", "و15" after بين)."""
    n = len(toks)
    if j >= n or _gap(norm, toks[j - 1], toks[j]).strip() not in ("", "-", "–"):
        return None
    k = j
    gap = _gap(norm, toks[j - 1], toks[j]).strip()
    if not gap:
        word = toks[k].text
        if word in RANGE_WORDS or between and word == "و":
            k += 1
        elif not (between and word.startswith("و") and len(word) > 1):
            return None
    if k >= n or (k > j and _gap(norm, toks[k - 1], toks[k]).strip()):
        return None
    if k == j and not gap:  # "وخمسة" after بين: read the word without its و
        head = toks[k]
        toks = toks[:k] + [_Tok(head.text[1:], head.start + 1, head.end)] + toks[k + 1:]
    found = _read_number(toks, norm, k)
    if not found or found[2] == "decimal" or found[0] <= low:
        return None
    return found[0], found[1]


def _mention(text: str, index: list[int], start: int, end: int, **fields) -> CountMention:
    """A CountMention for the normalized span [start, end)."""
    s, e = index[start], index[end]
    return CountMention(start=s, end=e, text=text[s:e], **fields)


def _number_mention(text: str, norm: str, index: list[int], toks: list[_Tok],
                    i: int) -> tuple[CountMention | None, int] | None:
    """The count starting at token ``i`` and the token after it; None when no number here."""
    found = _read_number(toks, norm, i)
    if found is None:
        return None
    value, j, kind = found
    first = i - 1 if i > 0 and toks[i - 1].text == "ال" and kind == "digit" else i
    noun = _noun_after(toks, norm, j)
    noun_start = None
    if noun is None and kind == "word" and first > 0 and not _gap(
            norm, toks[first - 1], toks[first]).strip():
        lemma = _noun_lemma(toks[first - 1].text)
        if lemma:
            noun, noun_start = (lemma, j), first - 1
    if kind == "word" and j == i + 1 and _strip_article(toks[i].text) in NEEDS_NOUN and not noun:
        return None, j
    if _not_a_count(toks, norm, first, j, value, kind, noun is not None):
        return None, j
    qualifier, low, high = "exact", None, None
    before = toks[first - 1].text if first > 0 else ""
    rng = _range_after(toks, norm, j, value, between=before == "بين")
    if rng is not None:
        low, (high, j) = value, rng
        value, qualifier = high, "approx"
        noun = _noun_after(toks, norm, j) or noun
    start = toks[noun_start if noun_start is not None else first].start
    if rng is not None and before == "بين":
        start = toks[first - 1].start
    kind_before, qual_start = _qualifier_before(norm, start)
    if kind_before and rng is None:
        start, qualifier = qual_start, kind_before
    end_tok = noun[1] if noun and noun_start is None else j
    end = toks[end_tok - 1].end
    after = QUALIFIER_AFTER.match(norm, end)
    if after and qualifier == "exact":
        qualifier = QUALIFIER_AFTER_KINDS.get(" ".join(after.group().split()), "exact")
        end = after.end()
    if qualifier == "at_most":
        qualifier, high = "approx", value
    elif qualifier == "at_least":
        low = value
    mention = _mention(text, index, start, end, value=value, qualifier=qualifier, low=low,
                       high=high, noun=noun[0] if noun else None)
    return mention, end_tok if noun_start is None else j


def _strip_article(word: str) -> str:
    """``word`` without the article or a proclitic in front of a number word."""
    for prefix in ARTICLES + WEAK_PROCLITICS + STRONG_PROCLITICS:
        if word.startswith(prefix) and word[len(prefix):] in NUMBER_WORDS:
            return word[len(prefix):]
    return word


def _vague_mention(text: str, norm: str, index: list[int], toks: list[_Tok],
                   i: int) -> tuple[CountMention, int] | None:
    """A vague amount (عدد من، عشرات…) starting at token ``i``."""
    head, skip = toks[i].text, 0
    if head not in VAGUE_FIRST:
        head, skip = (head[1:], 1) if head[:1] in WEAK_PROCLITICS + STRONG_PROCLITICS else ("", 0)
        if head not in VAGUE_FIRST:
            return None
    for phrase in VAGUE_PHRASES:
        end = i + len(phrase)
        if phrase[0] != head or end > len(toks):
            continue
        if all(toks[i + k].text == phrase[k] for k in range(1, len(phrase))) and not any(
                _gap(norm, toks[k - 1], toks[k]).strip() for k in range(i + 1, end)):
            noun = _noun_after(toks, norm, end)
            return _mention(text, index, toks[i].start + skip, toks[end - 1].end, value=None,
                            qualifier="none", low=None, high=None,
                            noun=noun[0] if noun else None), end
    return None


def _dual_mention(text: str, norm: str, index: list[int], toks: list[_Tok],
                  i: int) -> tuple[CountMention, int] | None:
    """A dual noun (عنصرين، ضابطان، مقاتلَين) meaning two, with an optional اثنين after it."""
    word = toks[i].text
    dual = DUAL_FORMS.get(word) or DUAL_FORMS.get(strip_prefixes(word))
    if dual is None:
        return None
    lemma, ambiguous = dual
    if ambiguous and not FATHA_YA.search(text[index[toks[i].start]:index[toks[i].end]]):
        return None
    j = i + 1
    if j < len(toks) and not _gap(norm, toks[i], toks[j]).strip() and (
            toks[j].text in TWO_WORDS or strip_prefixes(toks[j].text) in TWO_WORDS
            or toks[j].text.startswith("ال") and toks[j].text[2:] in TWO_WORDS):
        j += 1
    return _mention(text, index, toks[i].start, toks[j - 1].end, value=2, qualifier="exact",
                    low=None, high=None, noun=lemma), j


def find_counts(text: str) -> list[CountMention]:
    """Every quantity expression in ``text`` (see the module docstring)."""
    norm, index = normalize_with_map(text or "")
    toks = [_Tok(m.group(), m.start(), m.end()) for m in TOKEN.finditer(norm)]
    found: list[tuple[CountMention, int, int]] = []
    i = 0
    while i < len(toks):
        result = _number_mention(text, norm, index, toks, i)
        if result is None:
            result = _vague_mention(text, norm, index, toks, i) or _dual_mention(
                text, norm, index, toks, i)
        if result is None:
            i += 1
            continue
        mention, end = result
        if mention is not None:
            found.append((mention, i, end))
        i = end
    return [m for k, (m, _, end) in enumerate(found) if not _spelled_out_later(
        norm, toks, m, end, found[k + 1] if k + 1 < len(found) else None)]


def _spelled_out_later(norm: str, toks: list[_Tok], mention: CountMention, end: int,
                       following: tuple[CountMention, int, int] | None) -> bool:
    """True for a vague amount that a number right after it gives (مجموعة مؤلفة من سبعة)."""
    if mention.qualifier != "none" or following is None or following[0].value is None:
        return False
    start = following[1]
    if start - end > VAGUE_LOOKAHEAD:
        return False
    return not any(_gap(norm, toks[k - 1], toks[k]).strip() for k in range(end, start + 1))


def parse_number_words(phrase: str) -> int | None:
    """Value of a number written in words or digits ("ستة عشر" → 16), None if it is not one."""
    norm = normalize(phrase or "")
    toks = [_Tok(m.group(), m.start(), m.end()) for m in TOKEN.finditer(norm)]
    if not toks or "".join(t.text for t in toks) != norm.replace(" ", ""):
        return None
    found = _read_number(toks, norm, 0)
    if found is None or found[1] != len(toks) or found[2] == "decimal":
        return None
    return found[0]
