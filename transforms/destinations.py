"""Where defectors went: destination phrases of a sentence, as groups, sides or free text.

``destination_spans(folded, after)`` finds the phrases after a defection trigger that say where
the defectors went (إلى/نحو/باتجاه X، انضموا إلى X، سلّموا أنفسهم لـX، الوجهة X، أمّن X
انشقاقهم). A phrase that names a group or side of the actors table gives that entry
(“مناطق سيطرة قسد” → SDF); a phrase that names a place gives None (the place is where the
incident happened); anything else is kept as free text (“قراهم”، “عمق البادية”).
"""
from __future__ import annotations

import re

from schemas.records import Destination
from transforms import actors as actor_table
from transforms import lexicon
from transforms.actors import ActorInfo
from transforms.mentions import find_places
from transforms.normalize import fold_word

FILE = "destinations"
_DATA = lexicon.data(FILE)
GENERIC_SIDES = {" ".join(fold_word(w) for w in k.split()): (k, v)
                 for k, v in _DATA["generic_sides"].items()}
NATIONALITIES = {fold_word(k): v for k, v in _DATA["nationalities"].items()}
POSTS = frozenset(fold_word(w) for w in _DATA["posts"])

MOTION = re.compile(rf"(?<![\w])(?:[وف])?(?:{lexicon.pattern(FILE, 'motion')})(?![\w])")
# More verbs of going, read only by the looser reading (loose_destination_spans)
MOTION_MORE = re.compile(rf"(?<![\w])(?:[وف])?(?:{lexicon.pattern(FILE, 'loose_motion')})(?![\w])")
DEST_PREP = re.compile(
    r"(?<![\w])(?<!بالاضافه\s)(?:الي|نحو|باتجاه|اتجاه|تجاه|صوب|لصالح|الى)\s+(?:صفوف\s+)?|"
    r"(?<![\w])و?(?:[يت]?نضم|انضم)\S*\s+(?:الي\s+(?:صفوف\s+)?|(?=ل))|"
    r"(?<![\w])(?:و?التحق(?:ت|وا|ا|تا)?|و?التحاق(?:هم|هما|ه|ها)?)\s+(?:ب(?:صفوف\s+)?)?|"
    r"(?<![\w])(?:انفسهم|نفسه|انفسهما|نفسها|نفسيهما|انفسهن)\s+(?:الي\s+|(?=ل))|"
    r"(?<![\w])(?:لعند|عند\s+(?=قسد|النظام|الجيش|الفصايل))|"
    r"(?<![\w])(?:و?الوجهه)\s+|"
    r"(?<![\w])(?:[وف]?(?:فرار|هروب|انشقاق)\S*|فروا|هربوا|فر|هرب)\s+ل(?!ل)(?=\S)")
# The looser reading: a join told with a prefixed verb ("ليلتحق بـX"، "لينضم إلى X") and arrival,
# refuge or surrender with a bare لـ ("ووصولهم للأردن"، "اتجهوا لمناطق X"، "استسلامهم لـX").
LOOSE_PREP = re.compile(
    r"(?<![\w])[فل](?:[يت]?نضم|انضم)\S*\s+(?:الي\s+(?:صفوف\s+)?|(?=ل))|"
    r"(?<![\w])[وفل]?[يت]لتحق\S*\s+(?:ب(?:صفوف\s+)?)?|"
    r"(?<![\w])[وف]?(?:وصل|وصول|توجه|اتجه|لجا|لجو|التجا|استسلم|استسلام|دخول)"
    r"\S*\s+(?=ل\S)")
SECURED_BY = re.compile(r"(?<![\w])(?:قامت|قام|تمكنت|تمكن)\s+(.{3,40}?)\s+بتامين|"
                        r"(?<![\w])و?امن(?:ت)?\s+(.{3,40}?)\s+(?=انشقاق|خروج|وصول)")
# "أمّن X (long name)، انشقاق …": the helper's name past 40 characters or a comma (looser reading)
# "تمكنت X من تأمين انشقاق …" the same
SECURED_BY_LONG = re.compile(r"(?<![\w])و?امن(?:ت)?\s+(.{3,80}?)\s*[،,]?\s+(?=انشقاق|خروج|وصول)|"
                             r"(?<![\w])(?:تمكنت|تمكن|استطاعت|استطاع|نجحت|نجح)\s+(.{3,60}?)\s+"
                             r"من\s+(?=تامين|تسهيل)")
# The helper told before its verb ("فصائل المعارضة أمّنت انشقاق …"، "X التي أمّنت عملية هروبهم"،
# "X تمكنت من تأمين انشقاق …"), told after a passive ("تأمينهم من قبل X"، "تحت حماية X") or
# coordinated with ("بالتنسيق مع X"): the group or side that took the defectors in.
SECURED_AFTER = re.compile(
    r"(?<![\w])(?:التي\s+|الذي\s+)?(?:و?امن(?:ت|وا)?|و?سهل(?:ت|وا)?|"
    r"(?:تمكنت|تمكن|استطاعت|استطاع|نجحت|نجح)\s+(?:من\s+)?(?:تامين|تسهيل))\s+"
    r"(?:عمليه\s+)?(?:انشقاق|هروب|خروج|وصول|فرار)")
SECURED_BEFORE = re.compile(rf"(?<![\w])(?:{lexicon.pattern(FILE, 'helper_before')})\s+")
ADDED = re.compile(r"(?:^|\s)(?:[وب]?(?:ال)?اضافه|علاوه)$")  # "إضافة إلى": no destination
AREA_WORDS = re.compile(r"^(?:ال)?(?:مناطق|منطقه|المناطق|المنطقه)\s+(?:سيطره\s+)?")
UNDER_CONTROL = re.compile(r"(?:الواقعه|الخاضعه|الواقع|الخاضع|التي\s+تخضع|التي\s+تسيطر\s+عليها)"
                           r"\s+(?:تحت\s+)?(?:ل)?سيطره\s+")
DEST_STOP = re.compile(rf"(?<![\w])(?:{lexicon.pattern('destinations', 'stops')})(?![\w])|[،,.:؛()\n]")
PRONOUN = re.compile(r"^(?:ل|الي|علي)?(?:ه|ها|هم|هما|هن|يه|يها|يهم)(?:\s|$)")
# "إلى مناطقه"، "مناطق سيطرتها": the areas of the group the sentence is about (its subject).
OWN_AREAS = re.compile(r"^ل?(?:ال)?(?:(?:مناطق|منطقه)\s+)?(?:مناطق|منطقت|مواقع|مقرات|صفوف|سيطرت)"
                       r"(?:ه|ها|هم|هما)(?:\s|$)")
MEMBER_OF = re.compile(r"(?:^|\s)(?:من|عن|صفوف|عناصر|منشقين|منشقون|المنشقين)\s*$")
NUMBERISH = re.compile(r"^(?:\d|(?:ال)?(?:واحد|اثن|ثلاث|اربع|خمس|ست|سبع|ثمان|تسع|عشر|مئ|ماي|الف|"
                       r"مئات|عشرات|الاف)\S*(?:\s|$))")
CLITIC_AS_WRITTEN = re.compile(r"^[لبو]ـ+")
# "انضموا إلى ما يُعرف بـ«X»": the name follows
KNOWN_AS = re.compile(rf"^ما\s+(?:{lexicon.pattern('destinations', 'known_as_verbs')})\s+(?:باسم\s+|ب\s*)")
UNKNOWN_DEST = re.compile(r"^(?:ال)?(?:جه|جهات|جهه)\s+(?:ال)?مجهول")


def destination_spans(folded: str, after: int, original: str = "",
                       index=None) -> list[tuple[int, int, Destination | None]]:
    """Destination phrases after ``after``: (start, end, destination or None for places)."""
    out = [(b, e, d) for b, e, d, _ in _prep_spans(DEST_PREP, folded, after, original, index)]
    for match in SECURED_BY.finditer(folded):
        phrase = (match.group(1) or match.group(2) or "").strip()
        group = match.start(1) if match.group(1) else match.start(2)
        dest = _as_written(phrase_destination(phrase, ""), folded, group, original, index)
        if dest is not None:
            out.append((group, group + len(phrase), dest))
    return out


def loose_destination_spans(folded: str, original: str = "", index=None,
                            strict=None) -> list[tuple[int, int, Destination | None]]:
    """Destination phrases of a looser reading, for the destination slot only (the sentence's
    features, group choice and place read ``destination_spans``): a verb of going told before
    commas, a prefixed or bare-لـ verb (LOOSE_PREP), and the group that secured the defection or
    took the defectors in, named before its verb, after a passive or as the partner of a
    coordination. Phrases the strict reading has (``strict``: ``destination_spans`` of the same
    sentence) are left out; only names and places."""
    if strict is None:  # the strict reading's phrases, when the caller has none at hand
        strict = destination_spans(folded, 0, original, index)
    taken = {b for b, _, _ in strict}
    out = [(b, e, d) for b, e, d, loose in _prep_spans(DEST_PREP, folded, 0, original, index, True)
           if loose]
    out += [(b, e, d) for b, e, d, _ in _prep_spans(LOOSE_PREP, folded, 0, original, index, True)]
    for match in SECURED_BY_LONG.finditer(folded):
        group = 1 if match.group(1) else 2
        phrase = match.group(group).strip()
        if group == 2 and not _names_a_helper(phrase.split()):
            continue
        dest = _as_written(phrase_destination(phrase, ""), folded, match.start(group), original, index)
        out.append((match.start(group), match.start(group) + len(phrase), dest))
    for match in SECURED_AFTER.finditer(folded):
        found = _helper_before(folded, match.start())
        if found is not None:
            out.append(found)
    for match in SECURED_BEFORE.finditer(folded):
        stop = DEST_STOP.search(folded, match.end())
        end = min(stop.start() if stop else len(folded), match.end() + 60)
        phrase = folded[match.end():end].strip()
        if _names_a_helper(phrase.split()):
            dest = _as_written(phrase_destination(phrase, ""), folded, match.end(), original, index)
            out.append((match.end(), end, dest))
    return [(b, e, d) for b, e, d in out if b not in taken and (d is None or d.id or d.name_ar)]


def _prep_spans(prep: re.Pattern, folded: str, after: int, original: str, index,
                loose: bool = False) -> list[tuple[int, int, Destination | None, bool]]:
    """The phrases after a destination preposition told with a verb of going; with ``loose``
    the verb may also be one of MOTION_MORE or stand before commas (those flagged True)."""
    out = []
    for match in prep.finditer(folded, max(0, after - 20)):
        begin = match.end()
        clause = re.split(r"[،,؛.:]", folded[max(0, match.start() - 90):match.start()])[-1]
        told = folded[match.start():match.end()]
        over_commas = False
        if not MOTION.search(told) and not MOTION.search(" ".join(clause.split()[-14:])):
            if not loose:
                continue
            more = MOTION_MORE.search(told) or MOTION_MORE.search(" ".join(clause.split()[-14:]))
            if not more and not _moved_over_commas(folded, match.start()):
                continue
            over_commas = True  # read by the looser reading only
        stop = DEST_STOP.search(folded, begin)
        end = stop.start() if stop else len(folded)
        if end - begin > 60:
            end = begin + 60
        if folded[begin:end].strip() in ("مناطق", "المناطق", "منطقه", "المنطقه"):
            words = re.match(r"\s*\S+(?:\s+[^\s،,.:؛]+){0,2}", folded[begin:])
            end = begin + words.end()
        phrase = folded[begin:end].strip()
        known_as = KNOWN_AS.match(phrase)
        if known_as:
            begin = folded.find(phrase, begin) + known_as.end()
            phrase = folded[begin:end].strip()
        if not phrase or NUMBERISH.match(phrase):
            continue
        tail = folded[end:end + 80]
        if OWN_AREAS.match(phrase):
            out.append((begin, end, _subject_destination(folded, match.start()), over_commas))
            continue
        control = UNDER_CONTROL.search(folded, begin, min(len(folded), end + 80))
        if control:
            mentions = actor_table.find_actors(folded[control.end():control.end() + 60])
            if mentions:
                out.append((begin, control.end() + mentions[0].end,
                            actor_destination(mentions[0].actor), over_commas))
                continue
        dest = _as_written(phrase_destination(phrase, tail), folded, begin, original, index)
        out.append((begin, end, dest, over_commas))
    return out


def _names_a_helper(words: list[str]) -> bool:
    """True when the words start with a group's head word, a listed group or a side's name."""
    if not words:
        return False
    # a head word as written, or after و/ف/ل (units.head_noun would also take the article:
    # "أعلنت السرية … أمّنت خروج عناصرها" names the defectors, not a helper)
    heads = lexicon.words("units", "heads")
    first = words[0][1:] if words[0][:1] in "وفل" and words[0][1:] in heads else words[0]
    return first in heads or _generic_side(words) is not None or \
        any(m.start == 0 for m in actor_table.find_actors(" ".join(words)))


def _helper_before(folded: str, verb: int):
    """(start, end, destination) of the group named right before a verb of securing."""
    clause_start = max(folded.rfind(mark, 0, verb) for mark in "،,.؛:\n") + 1
    words = list(re.finditer(r"\S+", folded[clause_start:verb]))[-5:]
    for i, word in enumerate(words):
        names = [w.group() for w in words[i:]]
        if not _names_a_helper(names):
            continue
        start = clause_start + word.start()
        phrase = " ".join(names)
        dest = phrase_destination(phrase, "")
        if dest is not None and (dest.id or dest.name_ar):
            return start, clause_start + words[-1].end(), dest
    return None


def _moved_over_commas(folded: str, start: int) -> bool:
    """True when the verb of motion is told before commas that set off a time or a manner
    ("وصلوا يوم الأربعاء، إلى مدينة X"، "انشقوا، أمس، برفقة سيارة … نحو البادية"): the
    sentence's clause up to the preposition, commas included, names it within 12 words."""
    clause = re.split(r"[؛.:\n]", folded[max(0, start - 120):start])[-1]
    words = clause.split()[-16:]
    if not words or ADDED.search(" ".join(words[-2:])):
        return False
    return bool(MOTION.search(" ".join(words)))


def _as_written(dest: Destination | None, folded: str, begin: int, original: str,
                index) -> Destination | None:
    """A free-text destination named as the sentence writes it; without a name when its
    (folded) words are not a run of the sentence's words from ``begin``."""
    if dest is None or dest.id is not None or not dest.name_ar:
        return dest
    first, last = _run_of_words(folded, dest.name_ar, begin) if index is not None else (-1, -1)
    article = ""
    if first < 0 and dest.name_ar.startswith("ال") and index is not None:
        # "للحراك الشعبي" → "الحراك الشعبي": the article a لـ took, written back
        first, last = _run_of_words(folded, "لل" + dest.name_ar[2:], begin)
        if first >= 0:
            article, first = "ال", first + 2
    if first < 0:
        return Destination(name_ar=None, name_en=None, id=None)
    name = article + original[index[first]:index[last]].strip(" \"'“”«»")
    name = CLITIC_AS_WRITTEN.sub("", name).strip(" \"'“”«»")  # 'لـ"X"' → X
    return Destination(name_ar=name,
                       name_en=dest.name_en, id=dest.id)


def _run_of_words(folded: str, words: str, begin: int) -> tuple[int, int]:
    """(start, end) of the words in the text from ``begin``, whatever spaces separate them
    (a quotation mark folds to a space: «غرفة عمليات "X"»); (-1, -1) when they are not there."""
    found = re.compile(r"\s+".join(re.escape(w) for w in words.split())).search(folded, begin)
    return (found.start(), found.end()) if found else (-1, -1)


def _subject_destination(folded: str, before: int) -> Destination:
    """The group a possessive ("مناطقه") points to: the first group named before it that is
    not the defectors' own (after من/عن); unknown when there is none."""
    clause_start = max(folded.rfind(mark, 0, before) for mark in ".؛\n") + 1
    for mention in actor_table.find_actors(folded[clause_start:before]):
        start = clause_start + mention.start
        if not MEMBER_OF.search(folded[max(0, start - 12):start]):
            return actor_destination(mention.actor)
    return Destination(name_ar=None, name_en="unknown", id="unknown")


def actor_destination(info: ActorInfo) -> Destination:
    """The destination record of a group or side of the actors table."""
    return Destination(name_ar=info.name_ar, name_en=info.name_en, id=info.id)


def _generic_side(words: list[str]) -> tuple[str, str] | None:
    """(name as written, side id) when the words start with a generic name of a side."""
    for n in range(min(3, len(words)), 0, -1):
        key = " ".join(words[:n])
        if key in GENERIC_SIDES:
            return GENERIC_SIDES[key]
    return None


def _without_post(phrase: str) -> str:
    """The phrase without leading words naming a post of a group (إحدى نقاط، حاجز تابع لـ)."""
    words = phrase.split()
    while words and (words[0] in POSTS or (words[0][:1] == "ل" and words[0][1:] in POSTS)):
        words.pop(0)
    heads = lexicon.words("units", "heads")
    if words and words[0][:1] == "ل" and words[0][1:] in heads:
        words[0] = words[0][1:]  # "للواء" → "لواء"
    elif words and words[0].startswith("لل"):
        words[0] = "ال" + words[0][2:]  # "للشرطة" → "الشرطة"
    elif words and words[0].startswith("ل") and len(words[0]) > 3 and words[0] not in heads:
        words[0] = words[0][1:]  # "لقوات" → "قوات", but "لواء" is a unit's head
    return " ".join(words)


def phrase_destination(phrase: str, tail: str) -> Destination | None:
    """A destination phrase as a table entry, free text, or None when it is a place."""
    if UNKNOWN_DEST.match(phrase) or PRONOUN.match(phrase):
        return Destination(name_ar=None, name_en="unknown", id="unknown")
    stripped = AREA_WORDS.sub("", phrase)
    generic = _generic_side(_without_post(stripped).split())
    if generic is not None:
        info = actor_table.get(generic[1])
        return Destination(name_ar=generic[0], name_en=info.name_en if info else None,
                           id=generic[1])
    mentions = actor_table.find_actors(phrase)
    if mentions and mentions[0].start <= 12:
        return actor_destination(mentions[0].actor)
    if stripped != phrase:
        mentions = actor_table.find_actors(stripped)
        if mentions and mentions[0].start <= 12:
            return actor_destination(mentions[0].actor)
    places = find_places(phrase + " " + tail[:40])
    if places and places[0].start <= 1 and not phrase.startswith(("مناطق", "المناطق")):
        return None  # a place: where they fled to is where the incident is
    unit = _without_post(phrase)
    mentions = actor_table.find_actors(unit)
    if unit != phrase and mentions and mentions[0].start == 0:
        return actor_destination(mentions[0].actor)  # "لإحدى نقاط X" → X
    words = unit.split()[:4]
    ends = [i for i, w in enumerate(words) if w in lexicon.words(FILE, "free_text_ends")
            or w.startswith(lexicon.phrases(FILE, "free_text_end_stems"))]
    words = words[:ends[0]] if ends else words
    # "قوات الأمن ونقلهم …": a word joined by و without the article starts another phrase
    joined = next((i for i, w in enumerate(words) if i and w.startswith("و") and len(w) > 3
                   and not w.startswith("وال") and w not in lexicon.words(FILE, "waw_words")), None)
    words = words[:joined] if joined is not None else words
    cut = next((i for i, w in enumerate(words) if re.search(r"[،,.:؛]", w)), None)
    if cut is not None:  # a name ends at a punctuation mark
        words = words[:cut] + [re.split(r"[،,.:؛]", words[cut])[0]]
    words = [w for w in words if w]
    if not words:
        return None
    if words[0] in lexicon.words(FILE, "not_destinations") or len(words) == 1 and \
            words[0] in lexicon.words("place_phrases", "heads"):
        return Destination(name_ar=None, name_en=None, id=None)  # "السبب …", "مدينة": no name
    for word in words[1:]:
        side = actor_table.get(NATIONALITIES.get(word))
        if side is not None:  # "لحرس الحدود الأردني" → الأردن
            return actor_destination(side)
    return Destination(name_ar=" ".join(words), name_en=None, id=None)
