"""One analysed sentence, handed to every step of the extraction.

``analyse_document(doc)`` splits the text into sentences (``sentences``) and analyses each once:
the folded text with its offset map back to the original (``normalize.fold``), its tokens,
the defection triggers with what cancels them (``triggers``), the groups it names — listed ones
(``actors``) and units recognised by the shape of their name (``units``) — its places, counts,
time expressions (``mentions``) and destination phrases (``destinations``). Every later step
(candidates, scorers, assembly) reads these objects and never folds the text again.

All offsets inside a ``Sentence`` are FOLDED offsets of that sentence; ``original(start, end)``
gives the text as published and ``doc_offset`` its place in the document.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

from schemas.records import Destination, Document
from transforms import actors as actor_table
from transforms import lexicon
from transforms.actors import ActorInfo
from transforms.destinations import destination_spans, loose_destination_spans
from transforms.mentions import (
    FRONTS,
    Count,
    PlaceRef,
    TimeRef,
    find_counts,
    find_places,
    find_times,
    names_a_force,
)
from transforms.normalize import article_cut, clitic_forms, fold, fold_word
from transforms.sentences import Span, split_sentences
from transforms.triggers import Trigger, find_triggers
from transforms.units import find_units, head_noun

TOKEN = re.compile(r"[\w]+")
CLAUSE_MARK = re.compile(r"[،,؛:]")
SYRIAN_SOLDIERS = re.compile(rf"(?<![\w])(?:ال)?(?:{lexicon.pattern('extraction', 'soldier_stems')})"
                             r"\s+(?:ال)?سوري(?:ا|ين|ون|ان)?(?![\w])")
GENERIC_HEAD = re.compile(rf"^(?:{lexicon.pattern('extraction', 'generic_heads')})\s+")


@dataclass(frozen=True)
class Token:
    """A word of the folded sentence at ``start:end``."""
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class GroupMention:
    """A group named in a sentence: a listed actor, a unit found by its shape, or both."""
    start: int
    end: int
    surface: str  # the words as published, without quotes
    actor: ActorInfo | None = None  # the actors-table entry, when the name is listed
    shape: str = "listed"  # listed | number | ordinal | quoted | name | person
    head: str = ""

    @property
    def key(self) -> str:
        """Identity for comparisons: the actor id, else the folded surface."""
        return self.actor.id if self.actor else "unit:" + fold_word(self.surface)


@dataclass(frozen=True)
class Place:
    """A place of the sentence with its folded offsets."""
    start: int
    end: int
    ref: PlaceRef


@dataclass(frozen=True)
class CountAt:
    """A count of the sentence with its folded offsets."""
    start: int
    end: int
    count: Count


@dataclass(frozen=True)
class TimeAt:
    """A time expression of the sentence with its folded offsets."""
    start: int
    end: int
    time: TimeRef


@dataclass(frozen=True)
class DestinationAt:
    """A destination phrase of the sentence (``dest`` None when it names a place)."""
    start: int
    end: int
    dest: Destination | None


@dataclass
class Sentence:
    """One sentence (or the headline) of a document, analysed once."""
    number: int  # position in the document; -1 for a headline that is not in the text
    span: Span  # offsets into the document text
    folded: str
    index: tuple[int, ...]  # folded offset → offset in span.text
    published: str | None = None
    tokens: tuple[Token, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    groups: tuple[GroupMention, ...] = ()
    places: tuple[Place, ...] = ()
    counts: tuple[CountAt, ...] = ()
    times: tuple[TimeAt, ...] = ()
    destinations: tuple[DestinationAt, ...] = ()
    # phrases of the looser reading (destinations.loose_destination_spans): the slot only
    loose_destinations: tuple[DestinationAt, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The sentence as published."""
        return self.span.text

    @property
    def whole(self) -> Span:
        """The whole sentence this one is a piece of (itself when it was not cut)."""
        return self.extra.get("whole", self.span)

    @property
    def paragraph(self) -> int:
        """Paragraph number in the document (-1 for a separate headline)."""
        return self.span.paragraph

    @property
    def is_title(self) -> bool:
        """True for the headline (given apart, or the first line of the text)."""
        return self.number == -1 or bool(self.extra.get("title"))

    def original(self, start: int, end: int) -> str:
        """The published text of folded ``start:end``."""
        return self.span.text[self.index[start]:self.index[min(end, len(self.index) - 1)]]

    def to_folded(self, offset: int) -> int:
        """Folded offset of an offset into ``span.text``."""
        return min(bisect.bisect_left(self.index, offset), len(self.folded))

    def doc_offset(self, folded_offset: int) -> int:
        """Offset in the document text of a folded offset."""
        return self.span.start + self.index[min(folded_offset, len(self.index) - 1)]

    def token_at(self, offset: int) -> int:
        """Index of the first token that ends after ``offset``."""
        ends = [t.end for t in self.tokens]
        return bisect.bisect_right(ends, offset)

    def words_between(self, start: int, end: int) -> list[str]:
        """The folded words between two folded offsets."""
        return TOKEN.findall(self.folded[max(0, start):max(0, end)])

    def words_before(self, start: int, n: int) -> list[str]:
        """The ``n`` folded words before ``start`` in the same sentence."""
        return TOKEN.findall(self.folded[max(0, start - 12 * n):start])[-n:]

    def words_after(self, end: int, n: int) -> list[str]:
        """The ``n`` folded words after ``end``."""
        return TOKEN.findall(self.folded[end:end + 12 * n])[:n]

    def same_clause(self, a: int, b: int) -> bool:
        """True when no clause mark separates two folded offsets."""
        lo, hi = min(a, b), max(a, b)
        return not CLAUSE_MARK.search(self.folded, lo, hi)

    @cached_property
    def live_triggers(self) -> tuple[Trigger, ...]:
        """Triggers that report an act (not cancelled, not political)."""
        return tuple(t for t in self.triggers if t.live)


# ----------------------------------------------------------------------------- groups

def _without_clitics(folded_word: str) -> int:
    """How many leading letters of a folded word are clitics (و ف ب ل ك before a name)."""
    cut = article_cut(folded_word)
    if cut is not None:
        return cut
    for cut, _ in reversed(clitic_forms(folded_word, min_stem=3)):
        if cut and (folded_word[cut:] in _first_words() or head_noun(folded_word[cut:])):
            return cut
    return 0


def _first_words() -> frozenset:
    """First words of the listed actors' names (to tell "بهيئة" from "بيان")."""
    return frozenset(actor_table.table().first_word)


def _surface(text: str, index, start: int, end: int, folded: str = "") -> str:
    """Published words of folded ``start:end`` without quotes, brackets and clitics."""
    if folded:
        first = folded[start:end].split(" ", 1)[0]
        cut = _without_clitics(first)
        if first[cut - 1:cut + 1] == "لل" and cut:
            raw = "ال" + text[index[start + cut + 1]:index[min(end, len(index) - 1)]]
        else:
            raw = text[index[start + cut]:index[min(end, len(index) - 1)]]
    else:
        raw = text[index[start]:index[min(end, len(index) - 1)]]
    raw = re.sub(r"[\"'“”«»„‟()\[\]\u0640]", " ", raw)
    return " ".join(re.sub(r"(?<![\w])ال\s+(?=\d)", "", raw).split())


def _merge_groups(text: str, folded: str, index,
                  place_spans: list[tuple[int, int]] = ()) -> tuple[GroupMention, ...]:
    """Listed actors and shaped units of one sentence as one list of group mentions.

    A listed actor inside a unit phrase gives one mention: the listed actor, with the unit's
    span when the unit's head is a real unit noun ("اللواء 47"), else its own span
    ("ميليشيا الدفاع الوطني" → الدفاع الوطني). Units that no list holds stay shaped units.
    """
    listed = [m for m in actor_table.find_actors(folded) if m.actor.kind == "group"]
    sides = [m for m in actor_table.find_actors(folded) if m.actor.kind != "group"]
    # a quoted name that is a place, or a front named by its place ("جبهة دير حافر"), is no unit
    units = [u for u in find_units(folded, text, index)
             if (u.head and u.head not in FRONTS)
             or not any(s <= u.start < e or u.start <= s < u.end for s, e in place_spans)]
    out: list[GroupMention] = []
    used: set[int] = set()
    for unit in units:
        inner = [m for m in listed if unit.start <= m.start and m.end <= unit.end]
        cover = [m for m in listed if m.start <= unit.start and unit.end <= m.end]
        if cover:
            continue  # the listed name covers the unit phrase: keep the listed one
        if inner:
            main = max(inner, key=lambda m: m.end - m.start)
            used.update(id(m) for m in inner)
            body = folded[unit.start:unit.end]
            generic = bool(GENERIC_HEAD.match(body)) or unit.head in ("", "قوات")
            start, end = (main.start, main.end) if generic and unit.shape != "quoted" else (
                unit.start, unit.end)
            if generic and unit.shape == "quoted":
                start = main.start if GENERIC_HEAD.match(body) else unit.start
            out.append(GroupMention(start, end, _surface(text, index, start, end, folded), main.actor,
                                    "listed", unit.head))
            continue
        if any(m.start < unit.end and unit.start < m.end for m in [*listed, *sides]):
            continue  # overlapping a listed name partly: the listed name wins
        start = unit.start
        body = folded[unit.start:unit.end]
        if unit.shape == "quoted" and GENERIC_HEAD.match(body):
            start += GENERIC_HEAD.match(body).end()
            while start < unit.end and folded[start] == " ":
                start += 1
        out.append(GroupMention(start, unit.end, _surface(text, index, start, unit.end, folded), None,
                                unit.shape, unit.head))
    for match in SYRIAN_SOLDIERS.finditer(folded):  # "ضابط سوري"، "25 جندياً سورياً"
        if not any(g.start <= match.start() < g.end for g in out) and not listed:
            regime = actor_table.get("regime")
            if regime is not None:
                out.append(GroupMention(match.start(), match.end(), regime.name_ar, regime,
                                        "implied"))
    for mention in listed:
        if id(mention) not in used:
            out.append(GroupMention(mention.start, mention.end,
                                    _surface(text, index, mention.start, mention.end, folded),
                                    mention.actor, "listed"))
    out.sort(key=lambda g: g.start)
    renamed = {id(b) for i, g in enumerate(out) if g.actor is not None
               for b in _bracketed_after(text, index, out[:i], g) if b.actor is None}
    out = [g for g in out if id(g) not in renamed]  # "جيش X (Y)": Y, listed, names X
    return tuple(g for i, g in enumerate(out) if not _appositive(folded, text, index, out[:i], g))


def _bracketed_after(text: str, index, before: list[GroupMention],
                     g: GroupMention) -> list[GroupMention]:
    """The groups right before ``g`` when ``g`` is named in brackets after them."""
    if not text[:index[g.start]].rstrip().endswith("("):
        return []
    return [b for b in before if 0 <= g.start - b.end <= 4]


def _appositive(folded: str, text: str, index, before: list[GroupMention],
                g: GroupMention) -> bool:
    """True for a group named again in brackets right after itself ("قوات سوريا … ( قسد )")."""
    return any(not _other_listed(b, g) for b in _bracketed_after(text, index, before, g))


def _other_listed(b: GroupMention, g: GroupMention) -> bool:
    """True when a bracketed group is another listed group than the one before it: a unit
    named in brackets after its force ("فصائل الجيش الحر (لواء X)"), not the same name again."""
    return b.actor is not None and g.actor is not None and b.actor.id != g.actor.id


# ----------------------------------------------------------------------------- sentences

def analyse_span(span: Span, number: int, published: str | None = None) -> Sentence:
    """The analysis of one sentence (``span`` offsets are into the document text)."""
    folded, index = fold(span.text)
    sentence = Sentence(number=number, span=span, folded=folded, index=index,
                        published=published)
    sentence.tokens = tuple(Token(m.start(), m.end(), m.group()) for m in TOKEN.finditer(folded))
    sentence.triggers = find_triggers(folded)
    to_f = sentence.to_folded
    places = [Place(to_f(p.start), to_f(p.end), p) for p in find_places(span.text)]
    forces = [p for p in places if names_a_force(p.ref)]
    sentence.groups = _merge_groups(span.text, folded, index,
                                    [(p.start, p.end) for p in places if p not in forces])
    # a front that is a force's name, found as a unit, is that unit and no place
    sentence.places = tuple(p for p in places if p not in forces or not any(
        g.start < p.end and p.start < g.end for g in sentence.groups))
    sentence.counts = tuple(CountAt(to_f(c.start), to_f(c.end), c)
                            for c in find_counts(span.text))
    sentence.times = tuple(TimeAt(to_f(t.start), to_f(t.end), t)
                           for t in find_times(span.text, published))
    strict = destination_spans(folded, 0, span.text, index)
    sentence.destinations = tuple(DestinationAt(s, e, d) for s, e, d in strict)
    sentence.loose_destinations = tuple(
        DestinationAt(s, e, d) for s, e, d in
        loose_destination_spans(folded, span.text, index, strict))
    return sentence


def _title_in_text(title: str | None, text: str) -> bool:
    """True when the text already starts with the headline."""
    return not title or fold_word(title)[:40] in fold_word(text[:400])


def analyse_document(doc: Document) -> list[Sentence]:
    """The analysed headline (number -1, when it is not the text's first line) and sentences."""
    text = doc.text or ""
    out: list[Sentence] = []
    if doc.title and not _title_in_text(doc.title, text):
        out.append(analyse_span(Span(0, len(doc.title), doc.title, -1), -1, doc.published))
    for number, span in enumerate(split_sentences(text)):
        sentence = analyse_span(span, number, doc.published)
        if number == 0 and (doc.title and fold_word(doc.title)[:40] == fold_word(span.text)[:40]
                            or _headline_line(text, span)):
            sentence.extra["title"] = True
        pieces = _pieces(sentence)
        if len(pieces) == 1:
            out.append(sentence)
            continue
        for piece in pieces:
            part = analyse_span(piece, number, doc.published)
            part.extra["whole"] = span
            out.append(part)
    _resolve_bare(out)
    return out


def _head_of(g: GroupMention) -> str:
    """The head noun of a named group (its unit head, else the first word of its name)."""
    if g.head:
        return g.head
    first = fold_word(g.actor.name_ar if g.actor else g.surface).split(" ", 1)[0]
    return first[2:] if first.startswith("ال") else first


def _resolve_bare(sentences: list[Sentence]) -> None:
    """A bare head ("عن الحركة", "عناصر التنظيم") names the last group of the document with
    that head ("حركة أحرار الشام" … "انشقوا عن الحركة"); with none it stays as written."""
    named: dict[str, GroupMention] = {}
    for s in sentences:
        groups = list(s.groups)
        for k, g in enumerate(groups):
            if g.shape != "bare":
                named[_head_of(g)] = g
                continue
            antecedent = named.get(g.head)
            if antecedent is not None:
                groups[k] = GroupMention(g.start, g.end, antecedent.surface, antecedent.actor,
                                         "bare", g.head)
        s.groups = tuple(groups)


def _headline_line(text: str, span: Span) -> bool:
    """True for a first line that reads as a headline: short, alone on its line, no stop."""
    line_end = text.find("\n", span.start)
    alone = line_end != -1 and not text[span.end:line_end].strip()
    short = len(TOKEN.findall(span.text)) <= 14
    return alone and short and not span.text.rstrip().endswith((".", "،", ":"))


def _pieces(s: Sentence) -> list[Span]:
    """The sentence cut between clauses that each tell an act with a count of its own.

    "انشق 5 عناصر من X في A، كما فرّ 3 آخرون من Y في B": two incidents in one sentence."""
    acts = [t for t in s.live_triggers if t.kind in ("verb", "leave", "surrender", "flee")]
    if len(acts) < 2:
        return [s.span]
    cuts, start = [], 0
    for current, following in zip(acts, acts[1:], strict=False):
        marks = [s.folded.rfind(m, current.end, following.start) for m in "،؛,"]
        boundary = max(marks)
        if boundary < 0:
            continue
        stop = CLAUSE_MARK.search(s.folded, following.end)
        end = stop.start() if stop else len(s.folded)
        mine = {c.count.value for c in s.counts if start <= c.start < boundary and c.count.value}
        theirs = {c.count.value for c in s.counts if boundary <= c.start < end and c.count.value}
        if mine and theirs and not mine & theirs:
            cuts.append(boundary)
            start = boundary
    if not cuts:
        return [s.span]
    spans, begin = [], 0
    for cut in [*cuts, len(s.folded)]:
        lo, hi = s.index[begin], s.index[min(cut, len(s.index) - 1)]
        piece = s.span.text[lo:hi]
        spans.append(Span(s.span.start + lo, s.span.start + hi, piece, s.span.paragraph))
        begin = cut + 1
    return spans
