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
from transforms.actors import ActorInfo
from transforms.mentions import find_places

MOTION = re.compile(r"(?<![\w])(?:[وف])?(?:توجه|توجهوا|توجههم|وتوجههم|متجهين|متجها|عبروا|عبر|"
                    r"وصلوا|وصولهم|وصل|لجا|لجاوا|لجوء|انتقل|انتقلوا|سلكوا|ذهبوا|اتجهوا|قطعوا|"
                    r"لاذ|لاذوا|خرجوا|غادر|غادروا|انضم\S*|التح\S*|تسليم|سلموا|سلم|هربوا|فروا|"
                    r"فر|هرب|انشق\S*|فرار\S*|هروب\S*|تهريب\S*|نقلهم|نقل|عودتهم|الوجهه|مصطحبين|"
                    r"انفسهم|نفسه|نفسيهما|الوصول|وصول|والوصول|العبور|والعبور|عبورهم|الفرار|والفرار|الهروب)"
                    r"(?![\w])")
DEST_PREP = re.compile(
    r"(?<![\w])(?<!بالاضافه\s)(?:الي|نحو|باتجاه|اتجاه|تجاه|صوب|لصالح|الى)\s+(?:صفوف\s+)?|"
    r"(?<![\w])و?(?:[يت]?نضم|انضم)\S*\s+(?:الي\s+(?:صفوف\s+)?|(?=ل))|"
    r"(?<![\w])(?:و?التحق|و?التحقوا|و?التحاقهم|و?التحاق)\s+(?:ب(?:صفوف\s+)?)?|"
    r"(?<![\w])(?:انفسهم|نفسه|انفسهما|نفسها|نفسيهما|انفسهن)\s+(?:الي\s+|(?=ل))|"
    r"(?<![\w])(?:لعند|عند\s+(?=قسد|النظام|الجيش|الفصايل))|"
    r"(?<![\w])(?:و?الوجهه)\s+|"
    r"(?<![\w])(?:[وف]?(?:فرار|هروب|انشقاق)\S*|فروا|هربوا|فر|هرب)\s+ل(?!ل)(?=\S)")
SECURED_BY = re.compile(r"(?<![\w])(?:قامت|قام|تمكنت|تمكن)\s+(.{3,40}?)\s+بتامين|"
                        r"(?<![\w])و?امن(?:ت)?\s+(.{3,40}?)\s+(?=انشقاق|خروج|وصول)")
AREA_WORDS = re.compile(r"^(?:ال)?(?:مناطق|منطقه|المناطق|المنطقه)\s+(?:سيطره\s+)?")
UNDER_CONTROL = re.compile(r"(?:الواقعه|الخاضعه|الواقع|الخاضع|التي\s+تخضع|التي\s+تسيطر\s+عليها)"
                           r"\s+(?:تحت\s+)?(?:ل)?سيطره\s+")
DEST_STOP = re.compile(r"(?<![\w])(?:في|عبر|بعد|حيث|التي|الذي|الذين|ضد|بسبب|مع|من|منذ|خلال|"
                       r"وذلك|قبل|لمده|برفقه|بهدف|شمال\S*|جنوب\S*|شرق\S*|غرب\S*|حفاظا|هربا|"
                       r"بينما|فيما|مقابل|وسط|بكامل|باسلحت\S*|مع|قرب|بالقرب|يوم|امس|مساء|فجر)"
                       r"(?![\w])|[،,.:؛()\n]")
PRONOUN = re.compile(r"^(?:ل|الي|علي)?(?:ه|ها|هم|هما|هن|يه|يها|يهم)(?:\s|$)")
NUMBERISH = re.compile(r"^(?:\d|(?:ال)?(?:واحد|اثن|ثلاث|اربع|خمس|ست|سبع|ثمان|تسع|عشر|مئ|ماي|الف|"
                       r"مئات|عشرات|الاف)\S*(?:\s|$))")
UNKNOWN_DEST = re.compile(r"^(?:ال)?(?:جه|جهات|جهه)\s+(?:ال)?مجهول")


def destination_spans(folded: str, after: int, original: str = "",
                       index=None) -> list[tuple[int, int, Destination | None]]:
    """Destination phrases after ``after``: (start, end, destination or None for places)."""
    out = []
    for match in DEST_PREP.finditer(folded, max(0, after - 20)):
        begin = match.end()
        clause = re.split(r"[،,؛.:]", folded[max(0, match.start() - 90):match.start()])[-1]
        if not MOTION.search(folded[match.start():match.end()]) and \
                not MOTION.search(" ".join(clause.split()[-14:])):
            continue
        stop = DEST_STOP.search(folded, begin)
        end = stop.start() if stop else len(folded)
        if end - begin > 60:
            end = begin + 60
        if folded[begin:end].strip() in ("مناطق", "المناطق", "منطقه", "المنطقه"):
            words = re.match(r"\s*\S+(?:\s+[^\s،,.:؛]+){0,2}", folded[begin:])
            end = begin + words.end()
        phrase = folded[begin:end].strip()
        if not phrase or NUMBERISH.match(phrase):
            continue
        tail = folded[end:end + 80]
        control = UNDER_CONTROL.search(folded, begin, min(len(folded), end + 80))
        if control:
            mentions = actor_table.find_actors(folded[control.end():control.end() + 60])
            if mentions:
                out.append((begin, control.end() + mentions[0].end,
                            actor_destination(mentions[0].actor)))
                continue
        dest = phrase_destination(phrase, tail)
        if dest is not None and dest.id is None and index is not None:
            first = folded.find(dest.name_ar, begin)
            if first >= 0:
                last = first + len(dest.name_ar)
                dest = Destination(name_ar=original[index[first]:index[last]].strip(
                    " \"'“”«»"), name_en=None, id=None)
        out.append((begin, end, dest))
    for match in SECURED_BY.finditer(folded):
        phrase = (match.group(1) or match.group(2) or "").strip()
        group = match.start(1) if match.group(1) else match.start(2)
        dest = phrase_destination(phrase, "")
        if dest is not None:
            out.append((group, group + len(phrase), dest))
    return out


def actor_destination(info: ActorInfo) -> Destination:
    """The destination record of a group or side of the actors table."""
    return Destination(name_ar=info.name_ar, name_en=info.name_en, id=info.id)


def phrase_destination(phrase: str, tail: str) -> Destination | None:
    """A destination phrase as a table entry, free text, or None when it is a place."""
    if UNKNOWN_DEST.match(phrase) or PRONOUN.match(phrase):
        return Destination(name_ar=None, name_en="unknown", id="unknown")
    mentions = actor_table.find_actors(phrase)
    if mentions and mentions[0].start <= 12:
        return actor_destination(mentions[0].actor)
    stripped = AREA_WORDS.sub("", phrase)
    if stripped != phrase:
        mentions = actor_table.find_actors(stripped)
        if mentions and mentions[0].start <= 12:
            return actor_destination(mentions[0].actor)
    places = find_places(phrase + " " + tail[:40])
    if places and places[0].start <= 1 and not phrase.startswith(("مناطق", "المناطق")):
        return None  # a place: where they fled to is where the incident is
    words = phrase.split()[:4]
    if not words:
        return None
    if words[0].startswith("لل"):
        words[0] = words[0][1:]
    elif words[0].startswith("ل") and len(words[0]) > 3:
        words[0] = words[0][1:]  # "سلّموا أنفسهم لحرس الحدود" → حرس الحدود
    return Destination(name_ar=" ".join(words), name_en=None, id=None)
