"""Units named by the shape of their words, whether or not any list holds them.

News name a unit with a head noun and its name: "الفرقة 17", "اللواء 47", "الفرقة الرابعة",
"كتيبة أسود الجبل", "مجلس هجين العسكري", "ميليشيا “النصر المبين”", "مجموعة أبو سامر". This
module finds such phrases in folded text (``normalize.fold``) by their shape alone: a head noun
(``data/units.yaml``), then a number, an ordinal, a quoted name, or a few name words up to a
boundary (a preposition, a relative, an attribution, punctuation, a new head). Quoted names
without a head ("انشقوا عن “جيش العزة”") are found too. Which of them is the defectors' unit is
decided later, by the incident scorer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from transforms import lexicon
from transforms.normalize import clitic_forms, fold_word

FILE = "units"
TOKEN = re.compile(r"[\w]+")
STEM_LETTERS = 4  # a clitic (و/ف, ب/ل/ك) comes off a head or a word before a name leaving 4
QUOTES_OPEN = "«“\"'‘„"
QUOTES_CLOSE = "»”\"'’“"
QUOTED = re.compile(r"[«“\"„]\s*([^«»“”\"„\n]{2,80}?)\s*[»”\"“]")


def ordinal_forms(gender: str) -> dict[str, int]:
    """Folded ordinal forms of one gender ("feminine"/"masculine") → their number, in file order."""
    return {fold_word(form): number
            for number, forms in lexicon.data(FILE)["ordinals"].items()
            for form in forms.get(gender, ())}


ORDINAL_WORDS = {form.split()[0] for gender in ("feminine", "masculine")
                 for form in ordinal_forms(gender)}  # ال + the first word of each ordinal
ORDINAL = re.compile(rf"^(?:{lexicon.alternation(ORDINAL_WORDS)})$")
TEEN = re.compile(r"^عشر[هة]?$")
# Words of the act itself (انشق، المنشقين، الفارين …) never belong to a unit's name.
TRIGGER_WORD = re.compile(rf"^[وف]?(?:ال)?(?:{lexicon.pattern(FILE, 'act_stems')})")


@dataclass(frozen=True)
class UnitMention:
    """A unit phrase at folded ``start:end``: its head noun and how its name was found."""
    start: int
    end: int
    head: str  # the head noun without clitics and article (لواء، كتيبه …), "" for quoted
    shape: str  # number | ordinal | quoted | name | person


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _tables():
    """Folded word sets of ``data/units.yaml``."""
    heads = lexicon.words(FILE, "heads")
    return {
        "heads": frozenset(h[2:] if h.startswith("ال") else h for h in heads),
        "weak": frozenset(h[2:] if h.startswith("ال") else h
                          for h in lexicon.words(FILE, "weak_heads")),
        "closers": lexicon.words(FILE, "closers"),
        "not_unit_before": lexicon.words(FILE, "not_unit_before")
        | lexicon.words("extraction", "single_titles"),
        "stops": lexicon.words(FILE, "stops"),
        "not_names": lexicon.words(FILE, "not_names"),
        "person": lexicon.words(FILE, "person_name_starts"),
        "ranks": frozenset(h[2:] if h.startswith("ال") else h
                           for h in lexicon.words(FILE, "rank_heads")),
        "bare": frozenset(h[2:] if h.startswith("ال") else h
                          for h in lexicon.words(FILE, "bare_heads")),
        "ties": lexicon.words("relations", "from") | lexicon.words("relations", "member")
        | lexicon.words("incidents", "announce") | lexicon.words(FILE, "statement_verbs"),
        "doubled_verbs": frozenset(h[2:] if h.startswith("ال") else h
                                   for h in lexicon.words(FILE, "verbs_when_doubled")),
        "bare_only": frozenset(h[2:] if h.startswith("ال") else h
                               for h in lexicon.words(FILE, "bare_only")),
        "max_words": int(lexicon.setting(FILE, "max_name_words", 4)),
        "max_quoted": int(lexicon.setting(FILE, "max_quoted_words", 7)),
    }


def head_noun(word: str) -> tuple[str, int] | None:
    """(head noun, length of the clitics before it) when ``word`` is a unit head, else None."""
    heads = _tables()["heads"]
    for cut, _ in clitic_forms(word, min_stem=STEM_LETTERS):
        rest = word[cut:]
        bare = rest[2:] if rest.startswith("ال") and len(rest) > 4 else rest
        if bare in heads:
            return bare, cut
    return None


def _is_verb_form(head: str, token: _Token, original: str, index) -> bool:
    """True for a verb spelt like a head once folded: "أمّن" (secured) with its shadda is not
    "أمن" (security). The heads it can happen to are ``verbs_when_doubled`` of units.yaml."""
    if head not in _tables()["doubled_verbs"] or not original or index is None:
        return False
    return "\u0651" in original[index[token.start]:index[min(token.end, len(index) - 1)]]


def _bare_only(word: str) -> tuple[str, int] | None:
    """(noun, clitics) for a force named by a bare noun that is no unit head ("النظام")."""
    for cut, _ in clitic_forms(word, min_stem=STEM_LETTERS):
        rest = word[cut:]
        if rest.startswith("ال") and rest[2:] in _tables()["bare_only"]:
            return rest[2:], cut
    return None


def _tied(word: str) -> bool:
    """True for a word that ties a bare head to people ("عن الحركة", "عناصر التنظيم")."""
    ties = _tables()["ties"]
    return any(stem in ties for _, stem in clitic_forms(word, preps="", min_stem=2))


def _gap_is_space(folded: str, left: _Token, right: _Token) -> bool:
    """True when only spaces separate two tokens (quotes are spaces after folding)."""
    return not folded[left.end:right.start].strip()


def _is_stop(word: str) -> bool:
    """True for a word that ends a name."""
    t = _tables()
    if any(stem in t["stops"] for _, stem in clitic_forms(word, preps="", min_stem=1)):
        return True
    return word[:1] in "بل" and word[1:3] == "ال" and word[1:] not in t["closers"] and len(word) > 4


def _name_words(tokens: list[_Token], folded: str, i: int) -> int:
    """How many tokens after head token ``i`` make the name (0 when none)."""
    t = _tables()
    n, last = 0, tokens[i]
    for j in range(i + 1, min(len(tokens), i + 1 + t["max_words"])):
        tok = tokens[j]
        word = tok.text
        if not _gap_is_space(folded, last, tok) or _is_stop(word) or head_noun(word) or \
                TRIGGER_WORD.match(word):
            break
        if n == 0 and (word in t["not_names"] or word.isdigit() and len(word) > 3):
            break
        if word[:1] == "و" and n > 0:
            if not (word[1:3] == "ال" and tokens[j - 1].text.startswith("ال")):
                break  # "و" + a new name: another unit, or the end of this one
        elif n > 0 and not word.startswith("ال") and word not in t["closers"] and \
                tokens[j - 1].text not in t["person"] and not (
                    n >= 2 and tokens[j - 2].text in t["person"]):
            break  # a word without the article after a name is most often a verb
        n, last = n + 1, tok
        if word in t["closers"] and n > 1:
            break
    return n


def _number_name(tokens: list[_Token], folded: str, i: int) -> int:
    """Tokens of a number or ordinal name after head token ``i`` ("17", "السابعه عشره")."""
    if i + 1 >= len(tokens) or not _gap_is_space(folded, tokens[i], tokens[i + 1]):
        return 0
    word = tokens[i + 1].text
    if word.startswith("ال") and word[2:].isdigit():
        word = word[2:]  # "الفرقة الـ17"
    elif word == "ال" and i + 2 < len(tokens) and tokens[i + 2].text.isdigit():
        return 2 if len(tokens[i + 2].text) <= 3 else 0
    n = 0
    if word.isdigit() and len(word) <= 3:
        n = 1
    elif ORDINAL.match(word):
        n = 1
        if i + 2 < len(tokens) and TEEN.match(tokens[i + 2].text):
            n = 2
    if n and i + 1 + n < len(tokens) and tokens[i + 1 + n].text in _tables()["closers"]:
        n += 1
    return n


def _quoted_spans(original: str, index) -> list[tuple[int, int]]:
    """Folded (start, end) of the quoted names of a sentence."""
    if not original or index is None:
        return []
    position = {orig: folded for folded, orig in enumerate(index)}
    spans = []
    for match in QUOTED.finditer(original):
        start, end = position.get(match.start(1)), position.get(match.end(1))
        if start is not None and end is not None:
            spans.append((start, end))
    return spans


def _names_no_unit(before: list[str]) -> bool:
    """True when the word before a quoted name says what else it names: an outlet ("موقع"،
    "لوكالة"), an operation ("عملية"), a person ("المدعو"، "القيادي") (``not_unit_before``)."""
    if not before:
        return False
    word, words = before[0], _tables()["not_unit_before"]
    return any(word[cut:] in words for cut, _ in clitic_forms(word, min_stem=STEM_LETTERS))


def find_units(folded: str, original: str = "", index=None) -> tuple[UnitMention, ...]:
    """Unit phrases of a folded sentence (``original`` and its ``index`` map find quotes)."""
    tokens = [_Token(m.start(), m.end(), m.group()) for m in TOKEN.finditer(folded)]
    quoted = _quoted_spans(original, index)
    out: list[UnitMention] = []
    t = _tables()
    i = 0
    while i < len(tokens):
        found = head_noun(tokens[i].text)
        if found is None and i > 0 and _tied(tokens[i - 1].text):
            bare = _bare_only(tokens[i].text)  # "25 عنصراً من النظام"
            if bare and not (i + 1 < len(tokens) and tokens[i + 1].text.startswith("ال")):
                out.append(UnitMention(tokens[i].start + bare[1], tokens[i].end, bare[0], "bare"))
        if found is None or _is_verb_form(found[0], tokens[i], original, index):
            i += 1
            continue
        head, cut = found
        start = tokens[i].start + cut
        after = next((q for q in quoted if 0 <= q[0] - tokens[i].end <= 3), None)
        if after is None and i + 1 < len(tokens) and tokens[i + 1].text.startswith("ال"):
            # "كتلة المدعو “أبو سامر”", "مجموعة المدعو “أبو علي”": a word, then the name
            after = next((q for q in quoted if 0 <= q[0] - tokens[i + 1].end <= 3), None)
        numeric = _number_name(tokens, folded, i)
        if after is not None and len(folded[after[0]:after[1]].split()) <= t["max_quoted"]:
            out.append(UnitMention(start, after[1], head, "quoted"))
            i = next((k for k, tok in enumerate(tokens) if tok.start >= after[1]), len(tokens))
            continue
        if numeric:
            end = tokens[i + numeric].end
            out.append(UnitMention(start, end, head, "ordinal" if ORDINAL.match(
                tokens[i + 1].text) else "number"))
            i += numeric + 1
            continue
        if head in t["ranks"] and tokens[i].text[cut:].startswith("ال") and i + 1 < len(tokens) \
                and not tokens[i + 1].text.startswith("ال") and not tokens[i + 1].text.isdigit():
            i += 1  # "اللواء عبد العزيز": a rank before a person's name, not a brigade
            continue
        n = _name_words(tokens, folded, i)
        definite = tokens[i].text[cut:].startswith("ال")  # "الكتيبة" + a name must be "الـ…"
        if n == 0 or ((head in t["weak"] or definite) and not tokens[i + 1].text.startswith("ال")
                      and tokens[i + 1].text not in t["person"]):
            if definite and head in t["bare"] and i > 0 and _tied(tokens[i - 1].text):
                out.append(UnitMention(start, tokens[i].end, head, "bare"))
            i += 1
            continue
        shape = "person" if tokens[i + 1].text in t["person"] else "name"
        out.append(UnitMention(start, tokens[i + n].end, head, shape))
        i += n + 1
    for start, end in quoted:  # a quoted name without a head: "انشقوا عن “جيش العزة”"
        inside = [u for u in out if start <= u.start < end]
        if inside and inside[0].start - start <= 4 and inside[0].end < end:
            out[out.index(inside[0])] = UnitMention(inside[0].start, end, inside[0].head,
                                                    "quoted")  # the quote is the whole name
            continue
        if any(u.start <= start < u.end or start <= u.start < end for u in out):
            continue
        body = folded[start:end]
        if _names_no_unit(folded[:start].split()[-1:]):
            continue  # "موقع “عين الفرات”", "عملية “نبع السلام”", "المدعو “أبو علي”"
        if 2 <= len(body.split()) <= t["max_quoted"] and body[:1].isalpha() and \
                not any(c.isdigit() for c in body) and not TRIGGER_WORD.match(body):
            out.append(UnitMention(start, end, "", "quoted"))
    return tuple(sorted(out, key=lambda u: u.start))
