"""One incident, assembled across the sentences that tell it.

An ``Incident`` starts at a sentence the scorer took for a report of an act, with its group,
count, place, destination and time. Later sentences complete it: a sentence that only adds
details (how they crossed, that they took their weapons, where they came from) fills what is
missing, and a sentence that tells the same incident again (the headline, a recap) is merged
into it when group, count, place and time agree. Nothing is carried over from a sentence that
tells another incident.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemas.records import Destination
from transforms import actors as actor_table
from transforms import lexicon
from transforms.analysis import GroupMention
from transforms.mentions import Count, PlaceRef, TimeRef
from transforms.normalize import fold_word
from transforms.sentences import Span
from transforms.slots import KIND_RANK

REASON_ORDER = ["frontline_deployment", "mistreatment", "unpaid_or_low_pay",
                "security_situation", "conscription", "coordination_with_other_side"]
CONSEQUENCE_ORDER = ["raids", "arrests_of_relatives"]


@dataclass
class Incident:
    """What the sentences of one document say about one defection."""
    sentence: int  # position (in the analysed list) of the sentence that starts it
    span: Span
    group: GroupMention | None = None
    parent: GroupMention | None = None
    count: Count | None = None
    single: int | None = None  # 1 or 2 when named officers are the defectors
    place: PlaceRef | None = None
    place_weak: bool = False
    area_ar: str | None = None
    governorate_ar: str | None = None
    destination: Destination | None = None
    time: TimeRef | None = None
    with_weapons: bool | None = None
    commander: bool = False
    reasons: list[str] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)
    evidence: list[Span] = field(default_factory=list)
    last_sentence: int = 0
    score: float = 0.0
    another: bool = False  # the sentence says these are other defectors than those told before
    anchor: int | None = None  # offset of the act's trigger in the document text

    @property
    def count_value(self) -> int | None:
        """The number of defectors, when the text gives one."""
        if self.count is not None and self.count.value is not None:
            return self.count.value
        return self.single

    @property
    def place_key(self) -> str | None:
        """Folded name of the place, for comparisons."""
        return place_norm(self.place.name_ar) if self.place and not self.place_weak else None

    @property
    def actor_id(self) -> str | None:
        """The group's table id, or its folded name when it is unlisted."""
        return self.group.key if self.group is not None else None


def place_norm(name: str | None) -> str:
    """Folded place name for comparisons (ديرالزور → دير الزور, no ريف/direction words)."""
    text = fold_word(name or "").replace("ديرالزور", "دير الزور")
    text = re.sub(r"(?<![\w])ال(?=\w\w)", "", text)
    text = re.sub(r"(?<![\w])(?:ريف|مدينه|محافظه|بلده|قريه)(?![\w])", " ", text)
    text = re.sub(r"(?<![\w])[بلو]?(?:شرقي|غربي|شمالي|جنوبي|ب?عموم)(?![\w])", " ", text)
    return " ".join(text.split())


def _times_conflict(a: TimeRef | None, b: TimeRef | None) -> bool:
    """True when both times are given and cannot be the same."""
    if a is None or b is None:
        return False
    if a.date_start and b.date_start:  # ISO dates: their ranges must overlap
        return (b.date_end or b.date_start) < a.date_start or \
            (a.date_end or a.date_start) < b.date_start
    if _only_lately(a) or _only_lately(b):
        return False  # "في الساعات الماضية" can be "اليوم السبت"
    wa, wb = _time_words(a), _time_words(b)
    return bool(wa and wb) and not wa & wb


def _time_words(time: TimeRef) -> set[str]:
    return set(fold_word(time.text).split()) - lexicon.words("extraction", "time_generic")


def _only_lately(time: TimeRef | None) -> bool:
    """True for a time that only says "lately" (في الساعات الماضية، مؤخراً)."""
    return time is not None and _time_words(time) <= lexicon.words("extraction", "time_recent")


def _places_compatible(a: Incident, b: Incident) -> bool:
    """True when two incidents' places can be the same incident's."""
    if a.place_key is None or b.place_key is None:
        return True
    if a.place_key == b.place_key or a.place_key in b.place_key or b.place_key in a.place_key:
        return True
    for x, y in ((a, b), (b, a)):
        wider = [place_norm(y.area_ar), place_norm(y.governorate_ar)]
        if x.place.kind in ("governorate", "area", "rif") and any(
                w and (x.place_key in w or w in x.place_key) for w in wider):
            return True
        if x.place.kind == "governorate" and not y.governorate_ar:
            return True
    return False


def _groups_compatible(a: Incident, b: Incident) -> bool:
    """True when two incidents' groups can be the same (one unknown, equal, or related)."""
    if a.group is None or b.group is None:
        return True
    if a.group.key == b.group.key:
        return True
    if a.group.actor is not None and b.group.actor is not None:
        return actor_table.related(a.group.actor.id, b.group.actor.id)
    wa, wb = set(fold_word(a.group.surface).split()), set(fold_word(b.group.surface).split())
    return bool(wa and wb) and (wa <= wb or wb <= wa)


COARSE = ("governorate", "rif", "area", "district")


def _details(i: Incident) -> tuple[bool, bool]:
    """(has a count, has a place of its own finer than a countryside or governorate)."""
    return i.count_value is not None, i.place_key is not None and i.place.kind not in COARSE


def _lone(i: Incident) -> bool:
    """True when the count is a lone defector's (a title, "with another member"), not a figure:
    a retelling may name his companions ("انشق قيادي" then "انشق برفقة عنصر آخر")."""
    return (i.count is None or i.count.value is None) and i.single is not None


def same_incident(a: Incident, b: Incident) -> bool:
    """True when ``b`` tells the same incident as ``a``.

    The groups must agree, and so must what both give of count, place and time; and they
    must share a detail (the same count or place), unless one of them gives none (a
    headline or a retelling that names only the group). A sentence that says the defectors are
    others ("عناصر آخرون"، "مجموعة أخرى") tells another incident."""
    if not _groups_compatible(a, b):
        return False
    if b.another and not _same_figure(a, b):
        return False
    if a.count_value is not None and b.count_value is not None and a.count_value != b.count_value \
            and not (_lone(a) and _lone(b)):
        return False
    if a.group is None and b.group is None and a.count_value is None and b.count_value is None \
            and (a.place_key is None or b.place_key is None):
        return False
    if _times_conflict(a.time, b.time) or not _places_compatible(a, b):
        return False
    (a_count, a_place), (b_count, b_place) = _details(a), _details(b)
    if not (b_count or b_place) or not (a_count or a_place):
        return True
    if a_count and b_count:
        return True  # equal counts (checked above)
    return a_place and b_place  # compatible places (checked above)


def _same_figure(a: Incident, b: Incident) -> bool:
    """True when both give the same figure of several defectors ("مجموعة جديدة من 20 عسكرياً"
    twice): "another", "new" then compares with earlier news, not with the incident just told."""
    return a.count_value is not None and a.count_value == b.count_value and a.count_value > 1 \
        and a.group is not None and b.group is not None


def _more_specific(a: GroupMention | None, b: GroupMention | None) -> bool:
    """True when ``b`` names a unit of ``a`` (or ``a`` is unknown)."""
    if b is None:
        return False
    if a is None:
        return True
    if a.actor is not None and b.actor is not None:
        return a.actor.id in actor_table.ancestors(b.actor.id)
    return a.actor is not None and b.actor is None and a.actor.parent is None


def merge(into: Incident, other: Incident, fill_only: bool = False) -> None:
    """Fold the details of ``other`` into ``into`` (the earlier mention wins on conflicts)."""
    if not fill_only and _more_specific(into.group, other.group):
        into.parent = into.parent or (into.group if into.group and into.group.actor else None)
        into.group = other.group
    if into.count is None or (into.count.value is None and other.count is not None
                              and other.count.value is not None):
        into.count = other.count or into.count
    if into.count is None and other.single is not None:
        into.single = max(into.single or 0, other.single)
    if other.place is not None and (into.place is None or (not other.place_weak and (
            into.place_weak or KIND_RANK.get(other.place.kind, 3)
            > KIND_RANK.get(into.place.kind, 3)))):
        into.place, into.place_weak = other.place, other.place_weak
        into.area_ar = other.area_ar or into.area_ar
        into.governorate_ar = other.governorate_ar or into.governorate_ar
    into.area_ar = into.area_ar or other.area_ar
    into.governorate_ar = into.governorate_ar or other.governorate_ar
    if into.destination is None or into.destination.id == "unknown" or not (
            into.destination.id or into.destination.name_ar):  # a phrase with no name
        into.destination = other.destination or into.destination
    into.time = into.time or other.time
    into.parent = into.parent or other.parent
    if into.with_weapons is None:
        into.with_weapons = other.with_weapons
    into.commander = into.commander or other.commander
    into.reasons = [r for r in REASON_ORDER if r in into.reasons or r in other.reasons]
    into.consequences = [c for c in CONSEQUENCE_ORDER
                         if c in into.consequences or c in other.consequences]
    into.evidence.extend(s for s in other.evidence if s not in into.evidence)
    into.last_sentence = max(into.last_sentence, other.last_sentence)
    into.score = max(into.score, other.score)


def _told_again(a: Incident, b: Incident) -> bool:
    """True when ``b`` plainly retells ``a``: it names ``a``'s group (or no group) and gives
    ``a``'s count or place again, or names only that group (a recap: "الانشقاقات في صفوف X")."""
    if a.group is not None and b.group is not None and a.group.key != b.group.key:
        return False
    if a.count_value is not None and a.count_value == b.count_value:
        return True
    if b.group is not None and b.count_value is None and b.place_key is None:
        return True
    return a.place_key is not None and b.place_key is not None and (
        a.place_key in b.place_key or b.place_key in a.place_key)


def add_incident(incidents: list[Incident], new: Incident) -> None:
    """Merge ``new`` into an incident it repeats, else append it.

    The incident told last takes what agrees with it (``same_incident``). Past another
    incident, only a plain retelling goes back to an earlier one (``_told_again``): "30 وصلوا
    إلى A" … "انشقاق 60 من الفرقة X" … "وصول 30 من الفرقة X" leaves the first 30 with their own
    group, and an act told "في وقت سابق" at another place stays an incident of its own."""
    target = next((i for n, i in enumerate(reversed(incidents))
                   if same_incident(i, new) and (n == 0 or _told_again(i, new))), None)
    if target is not None:
        merge(target, new)
    else:
        incidents.append(new)
