"""Defection triggers in folded Arabic text, with the words that cancel them.

A trigger is a word that names a defection (انشق، انشقاق، المنشقين، فرّ، فرار، الفارين، هرب،
هروب، ترك مواقعه، سلّم نفسه…). Cancellers in the few words before it turn it into something
that is not a report of an act: intention or rumour (نية، أنباء عن), denial (نفى),
hypotheticals (في حال), fear of it (خوفاً من), calls (دعا إلى الانشقاق), negation (لم),
aggregates (حالات/عمليات الانشقاق). Civil officials (diplomats, ministers) are classified
apart as ``political``. The tables live in ``data/triggers.yaml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from transforms import lexicon
from transforms.normalize import fold_word

PROCLITIC = r"(?:[وف])?(?:[بلك])?(?:ال|لل)?"
WORD = re.compile(r"[\u0621-\u064a0-9A-Za-z]+")
_CLAUSE_MARK = re.compile(r"[،,؛.:؟\n]")
DESCRIBED_REACH = 160  # characters back to a clause that describes the defector
ESCAPE_WINDOW = 6  # words after a trigger that may say "from a prison or camp"


@dataclass(frozen=True)
class Trigger:
    """One trigger word in a folded text: offsets, kind, and why it is cancelled (or None)."""
    start: int
    end: int
    kind: str
    text: str
    cancelled_by: str | None = None
    political: bool = False

    @property
    def live(self) -> bool:
        """True for a trigger that reports an act by an armed group."""
        return self.cancelled_by is None and not self.political


@dataclass(frozen=True)
class _Tables:
    pattern: re.Pattern  # every trigger form, one named group per form
    kinds: dict  # group name → kind
    cancellers: tuple[tuple[str, int, frozenset, tuple[tuple[str, ...], ...]], ...]
    noun_only: frozenset
    success: frozenset
    purpose: tuple[str, ...]
    purpose_exceptions: frozenset
    political_window: int
    political: frozenset
    political_phrases: tuple[tuple[str, ...], ...]


def _split_words(entries) -> tuple[frozenset, tuple[tuple[str, ...], ...]]:
    """Single words as a set, multi-word entries as tuples (folded like the text)."""
    entries = [fold_word(str(e)) for e in entries]
    single = frozenset(e for e in entries if " " not in e)
    phrases = tuple(tuple(e.split()) for e in entries if " " in e)
    return single, phrases


@lru_cache(maxsize=1)
def tables() -> _Tables:
    """The trigger tables of ``data/triggers.yaml``, compiled once."""
    data = lexicon.data("triggers")
    kinds = {f"t{i}": item["kind"] for i, item in enumerate(data["triggers"])}
    pattern = re.compile(rf"(?<![\w]){PROCLITIC}(?:" + "|".join(
        f"(?P<t{i}>{item['pattern']})" for i, item in enumerate(data["triggers"]))
        + r")(?![\w])")
    cancellers = []
    for reason, spec in data["cancellers"].items():
        single, phrases = _split_words(spec["words"])
        cancellers.append((reason, int(spec["window"]), single, phrases))
    pol_single, pol_phrases = _split_words(data["political"]["words"])
    return _Tables(pattern, kinds, tuple(cancellers), frozenset(data.get("noun_only", [])),
                   frozenset(fold_word(w) for w in data.get("success", [])),
                   tuple(fold_word(w) for w in data["purpose_prefixes"]),
                   frozenset(fold_word(w) for w in data.get("purpose_exceptions", [])),
                   int(data["political"]["window"]), pol_single, pol_phrases)


def _strip_clitic(word: str) -> str:
    """The word without a leading و/ف conjunction, ب/ل preposition and article (keeps short
    words whole): "وبتسوية" → تسوية."""
    if len(word) > 3 and word[0] in "وف":
        word = word[1:]
    if len(word) > 4 and word[0] in "بل" and not word.startswith("ال"):
        word = word[1:]
    if len(word) > 4 and word.startswith("ال"):
        word = word[2:]
    return word


def _listed(word: str, table: frozenset) -> bool:
    """True when the word, as written or without its clitics, is in the table: a listed word
    that starts like a clitic ("لافتا") is found as written, "ولافتا" without its و."""
    return word in table or _strip_clitic(word) in table or (
        word[:1] in "وف" and word[1:] in table)


def _has(words: list[str], single: frozenset, phrases, reach: int | None = None) -> bool:
    """True when one of the words (or a phrase of consecutive words, matched without their
    clitics and article) is in the table; with ``reach``, only words and phrases that start
    among the first ``reach`` words count, a phrase read whole past them ("نائب في مجلس |
    الشعب")."""
    stripped = [_strip_clitic(w) for w in words]
    if reach is not None:
        return _has(words[:reach], single, phrases) or any(
            _has(words[i:i + len(p)], frozenset(), (p,)) for p in phrases for i in range(reach))
    if any(w in single or s in single for w, s in zip(words, stripped, strict=True)):
        return True
    joined = " ".join(stripped)
    return any(" ".join(p) in joined for p in phrases)


def _clause_before(text: str, start: int) -> str:
    """Text from the last clause boundary before ``start`` up to ``start``; a clause opened by
    a topic link ("، حول انشقاق …") reaches back over its comma to the clause it continues."""
    return _clause(text, start)[0]


def _clause(text: str, start: int) -> tuple[str, bool]:
    """The clause before ``start`` (see ``_clause_before``) and whether a topic link made it
    reach back over a comma."""
    marks = ("،", "؛", ".", ",", "\n", ":", "؟")
    cut = max(text.rfind(mark, 0, start) for mark in marks)
    first = WORD.findall(text[cut + 1:start])[:1]
    if cut > 0 and first and text[cut] in "،," and first[0] in _topic_links():
        cut = max(text.rfind(mark, 0, cut) for mark in marks)
        return text[cut + 1:start], True
    return text[cut + 1:start], False


@lru_cache(maxsize=1)
def _topic_links() -> frozenset:
    """Words that open a clause continuing the one before its comma (حول، بشأن), folded."""
    return lexicon.words("triggers", "topic_links")


def _cancel_reason(text: str, trigger_start: int, trigger_text: str, kind: str) -> str | None:
    """Why the trigger at ``trigger_start`` is not a report of an act, or None."""
    t = tables()
    clause, topic = _clause(text, trigger_start)
    before = WORD.findall(clause)
    # "علقت الجبهة على إشاعة تم تداولها أمس، حول انشقاق …": the act is the topic of the clause
    # before, whose rumour or denial is said of it however far from the trigger
    for reason, window, single, phrases in t.cancellers:
        if reason in t.noun_only and kind not in ("noun", "plural", "participle"):
            continue
        words = before if topic and reason in ("rumour", "denial") else before[-window:]
        if _has(words, single, phrases):
            hit = max(i for i, w in enumerate(words) if _has([w], single, ()))  \
                if any(_has([w], single, ()) for w in words) else 0
            if reason != "negation" and any(_listed(w, t.success) for w in words[hit + 1:]):
                continue  # "بعد محاولات عدة تمكنوا من الفرار": the attempt succeeded
            return reason
    if _tally(before + [trigger_text]):
        return "tally"  # "ارتفع عدد المنشقين إلى 90": how many so far, not an act
    after = WORD.findall(text[trigger_start + len(trigger_text):trigger_start + len(trigger_text)
                              + 60])[:ESCAPE_WINDOW]
    if any(before_word in ("من", "عن") and _listed(w, _escape_places())
           for before_word, w in zip(after, after[1:], strict=False)):
        return "escape"  # "فرّوا من سجن المدينة": a prison or camp escape, not a defection
    purpose = trigger_text.startswith(("لل", "وللا", "لا")) or (before and before[-1] in t.purpose)
    done = any(_listed(w, t.purpose_exceptions) for w in before[-8:])
    if kind in ("noun", "plural") and purpose and not done:
        return "purpose"
    if kind == "plural" and not _in_the_ranks(text, trigger_start + len(trigger_text)):
        return "aggregate"
    return None


def _tally(words: list[str]) -> bool:
    """True when "the number of" opens the defectors' phrase: "عدد" then a definite noun
    ("عدد الضباط المنشقين", "عدد المنشقين"), not "عدد من" or "عدد كبير من" (some)."""
    t = lexicon.data("triggers")["tally"]
    nouns = lexicon.words("triggers", "tally_nouns")
    recent = words[-(t["window"] + 1):]
    if any(w in nouns and nxt.startswith("ال") for w, nxt in zip(recent, recent[1:], strict=False)):
        return True
    # a noun in construct before the definite one: "عدد كبار الضباط المنشقين" (not "عدد من الضباط")
    gap_not = lexicon.words("triggers", "tally_gap_not")
    return any(w in nouns and mid not in gap_not and not mid.startswith("ال") and nxt.startswith("ال")
               for w, mid, nxt in zip(recent, recent[1:], recent[2:], strict=False))


def _in_the_ranks(text: str, end: int) -> bool:
    """True when the words after a plural trigger place it in a group's ranks ("وقعت
    انشقاقات في صفوف X"): acts within one group, not a tally of the war."""
    after = " ".join(WORD.findall(text[end:end + 40])[:2])
    return any(after == p or after.startswith(p + " ")
               for p in lexicon.phrases("triggers", "plural_in_ranks"))


@lru_cache(maxsize=1)
def _escape_places() -> frozenset:
    """Places one escapes from (prison, detention, camp), folded."""
    return lexicon.words("triggers", "escape_places")


def _describers() -> frozenset[str]:
    return lexicon.words("triggers", "describers")


def _political(text: str, start: int, end: int) -> bool:
    """True when the defectors around the trigger are civil officials, not fighters."""
    t = tables()
    window = t.political_window
    before = WORD.findall(_clause_before(text, start))[-window:]
    if len(before) <= 3 and not set(before) & lexicon.words("triggers", "speech_links"):
        # the subject stands before its name in apposition: "السفير في X، فلان، قد أعلن
        # انشقاقه" — the two comma pieces before a short clause (not "قال الوزير، …، إن")
        cut = max(text.rfind(mark, 0, start) for mark in ("،", ","))
        piece = max(text.rfind(mark, 0, cut) for mark in ("،", ",")) if cut > 0 else -1
        if piece > 0 and len(WORD.findall(text[piece + 1:cut])) <= 3:
            before = WORD.findall(_clause_before(text, piece))[-window:] + before
    # the subject described before the act, across its commas ("المدعو X، والذي يشغل نائب
    # رئيس المجلس المحلي في منبج، قد انشق")
    earlier = WORD.findall(text[max(0, start - DESCRIBED_REACH):start])
    described = max((i for i, w in enumerate(earlier) if w in _describers()), default=None)
    if described is not None:
        own = text[start:end].split()[-1].endswith("ه") or described == len(earlier) - 1
        if earlier[described] in lexicon.words("triggers", "subject_relatives") and own:
            # his title stands before his name and the relative: "وزير النفط … فلان الذي
            # أعلن انشقاقه" (his own act, not "المتحدث الذي أعلن انشقاق 20 جندياً")
            before = earlier[max(0, described - window):described] + before
        before = earlier[described:described + 2 * window] + before
    after = WORD.findall(text[end:end + 160])
    # his title, not his kin's; a clause that says what he does ("الذي يشغل …") tells it all
    described = next((i for i, w in enumerate(after[:window]) if w in _describers()), None)
    reach = window + described + 1 if described is not None else max(2, window // 2)
    longest = max((len(p) for p in t.political_phrases), default=1)
    return _has(before, t.political, t.political_phrases) or _has(
        after[:reach + longest - 1], t.political, t.political_phrases, reach)


GOVERNING = ("intention", "call", "denial")  # verbs whose object is the act, however far


def _governed_from_start(folded: str, start: int) -> str | None:
    """The reason of a verb opening the sentence whose object is the verbal noun at ``start``,
    past the commas that set off its long subject ("طالبت فصائل … في ريف درعا، مسلحي
    التنظيم بالانشقاق"، "حاول عناصر … الانشقاق، … عبر الفرار"): a sentence that opens with a
    call, an attempt or a denial tells no act in its nouns, unless it says the act succeeded."""
    words = WORD.findall(folded[:start])
    if not words or folded.rfind(".", 0, start) >= 0:
        return None
    # the sentence's first word, or the first after the "that" of reported speech
    # ("وقال مصدر إن … حاولوا …، … الفرار")
    links = lexicon.words("triggers", "speech_links")
    heads = [0] + [i + 1 for i, w in enumerate(words[:-1]) if w in links][:1]
    t = tables()
    for head in heads:
        for reason, _window, single, _phrases in t.cancellers:
            if reason in GOVERNING and _listed(words[head], single):
                if any(_listed(w, t.success) for w in words[head + 1:]):
                    return None
                return reason
    return None


@lru_cache(maxsize=4096)
def find_triggers(folded: str) -> tuple[Trigger, ...]:
    """Every trigger in a folded text, in order, each with its cancel reason (if any)."""
    t = tables()
    found: list[Trigger] = []
    for match in t.pattern.finditer(folded):
        kind, text = t.kinds[match.lastgroup], match.group()
        clitics = folded[match.start():match.start(match.lastgroup)].lstrip("وف")
        if kind == "verb" and clitics.endswith("ال"):
            kind = "noun"  # "والهرب": the article makes the verb's form a masdar
        elif kind == "verb" and clitics:
            continue  # a past verb takes no preposition: "كفر نبل" is a village
        reason = _cancel_reason(folded, match.start(), text, kind)
        before = found[-1] if found else None
        if reason is None and before is not None and before.cancelled_by and \
                text.startswith("و") and not _CLAUSE_MARK.search(folded, before.end,
                                                                   match.start()):
            reason = before.cancelled_by  # "نفى … انشقاق عناصر وانضمامهم": both denied
        if reason is None and kind in ("noun", "plural") and not any(f.live for f in found):
            reason = _governed_from_start(folded, match.start())
        found.append(Trigger(match.start(), match.end(), kind, text, reason,
                             _political(folded, match.start(), match.end())))
    return tuple(found)


def trigger_number(trigger: Trigger | None) -> str | None:
    """"one", "two" or "many" from the trigger's morphology (انشق، انشقا، انشقوا …)."""
    if trigger is None:
        return None
    word = trigger.text.split()[0]
    word = word[1:] if word[:1] in "وف" and len(word) > 3 else word
    word = word[2:] if word.startswith("ال") else word
    if word in lexicon.words("triggers", "hamza_final"):
        return "one"  # "لجأ" folds to "لجا", which only looks like a dual
    if re.search(r"(?:هما|ان|ا)$", word) and trigger.kind in ("verb", "participle", "noun",
                                                              "join", "exit", "flee"):
        if trigger.kind == "noun" and not word.endswith("هما"):
            return None
        if word.endswith(("اا",)):
            return None
        return "two" if not re.search(r"(?:وا)$", word) else "many"
    if re.search(r"(?:وا|هم|ين|ون|ات)$", word):
        return "many"
    if re.search(r"(?:ت|ها)$", word):
        return None  # feminine: a group ("انشقت مجموعة", "انشقاقها") as often as a woman
    if trigger.kind in ("noun", "join", "exit", "flee") and not word.endswith("ه"):
        return None  # "انشقاق ضابط": the noun alone says nothing of the number
    return "one"
