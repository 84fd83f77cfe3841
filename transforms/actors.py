"""Armed groups and sides of the Syrian war, found in folded Arabic text.

The groups are data (``data/actors.yaml``): id, canonical Arabic and English names, aliases and
spelling variants, parent force, side (regime, iran_backed, russian_backed, sdf, sna, hts,
opposition, isis, tribal, other). ``find_actors`` returns every mention in a folded text,
longest alias first; numbered divisions that are not listed (الفرقة العاشرة، الفرقة 11) are
recognised by pattern and hang under the regime army.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from transforms import lexicon, units
from transforms.normalize import clitic_forms, fold_word

DATA = Path(__file__).parent / "data" / "actors.yaml"
ORDINALS = units.ordinal_forms("feminine")  # "الرابعه" → 4: the divisions' ordinals
ORDINAL_NAMES = {}  # 4 → "الرابعه": the first form of each number, for display
for _form, _number in ORDINALS.items():
    ORDINAL_NAMES.setdefault(_number, _form)
DIVISION = re.compile(
    r"(?<![\w])(?:[وف])?(?:[بل])?(?:ال|لل)?فرقه\s+(?:(\d{1,2})(?![\d])|("
    + "|".join(sorted(ORDINALS, key=len, reverse=True)) + r"))(?![\w])")


@dataclass(frozen=True)
class ActorInfo:
    """One group or side of the actors table."""
    id: str
    name_ar: str
    name_en: str | None = None
    parent: str | None = None
    kind: str = "group"
    generic: bool = False  # an umbrella name (the Iran-backed militias), never a unit
    side: str | None = None  # the event's actor.side: regime, iran_backed, … other


@dataclass(frozen=True)
class ActorMention:
    """An actor named in a folded text at ``start:end``."""
    actor: ActorInfo
    start: int
    end: int


TOKEN = re.compile(r"[\w]+")
SPELLINGS = {"الديموقراطيه": "الديمقراطيه", "سوريه": "سوريا", "ديموقراطيه": "ديمقراطيه",
             "مليشيا": "ميليشيا", "ميلشيا": "ميليشيا", "ميليشا": "ميليشيا"}


@dataclass(frozen=True)
class _Table:
    by_id: dict
    first_word: dict  # first word of an alias → [(alias words, actor id)], longest first


@lru_cache(maxsize=1)
def table() -> _Table:
    """The actors table of ``data/actors.yaml``, compiled once."""
    data = lexicon.data("actors")
    by_id, alias_to_id = {}, {}
    for item in data["actors"]:
        info = ActorInfo(item["id"], item["name_ar"], item.get("name_en"), item.get("parent"),
                         item.get("kind", "group"), bool(item.get("generic")), item.get("side"))
        by_id[info.id] = info
        for alias in [item["name_ar"], *item.get("aliases", [])]:
            folded = fold_word(re.sub(r"\(.*?\)", "", alias))
            if folded:
                alias_to_id.setdefault(folded.lower(), info.id)
    first_word: dict[str, list] = {}
    for alias, actor_id in alias_to_id.items():
        words = tuple(SPELLINGS.get(w, w) for w in alias.split())
        first_word.setdefault(words[0], []).append((words, actor_id))
    for entries in first_word.values():
        entries.sort(key=lambda e: len(e[0]), reverse=True)
    return _Table(by_id, first_word)


def get(actor_id: str | None) -> ActorInfo | None:
    """The actor with this id (numbered divisions included), or None."""
    if not actor_id:
        return None
    found = table().by_id.get(actor_id)
    if found is None and actor_id.startswith("division_"):
        number = int(actor_id.split("_")[1])
        ordinal = ORDINAL_NAMES.get(number, str(number))
        return ActorInfo(actor_id, f"الفرقة {ordinal} (الفرقة {number})".replace("ه ", "ة "),
                         f"Division {number}", "regime", side="regime")
    return found


def ancestors(actor_id: str | None) -> list[str]:
    """Ids of the parents of an actor, nearest first."""
    out, seen = [], set()
    info = get(actor_id)
    while info and info.parent and info.parent not in seen:
        seen.add(info.parent)
        out.append(info.parent)
        info = get(info.parent)
    return out


def side_of(actor_id: str | None) -> str | None:
    """The side of an actor: its own, else its nearest parent's."""
    for key in [actor_id, *ancestors(actor_id)]:
        info = get(key)
        if info is not None and info.side:
            return info.side
    return None


def related(a: str | None, b: str | None) -> bool:
    """True when one actor is the other or one of its parents."""
    return bool(a and b) and (a == b or a in ancestors(b) or b in ancestors(a))


@lru_cache(maxsize=4096)
def find_actors(folded: str) -> tuple[ActorMention, ...]:
    """Every actor named in a folded text, in order, longest alias first at each place."""
    t = table()
    mentions = []
    tokens = [(SPELLINGS.get(m.group().lower(), m.group().lower()), m.start(), m.end())
              for m in TOKEN.finditer(folded)]
    i = 0
    while i < len(tokens):
        found = None
        # the token and its forms without و/ف, ب/ل/ك (three letters left); "لل" is read only
        # as ل + the article: "للجان" gives الجان, not لجان
        for _, form in clitic_forms(tokens[i][0], min_stem=3, lam_is_article=True):
            for words, actor_id in t.first_word.get(form, ()):
                n = len(words)
                if i + n <= len(tokens) and all(tokens[i + k][0] == words[k]
                                                 for k in range(1, n)):
                    if found is None or n > found[0]:
                        found = (n, actor_id)
                    break
        if found:
            n, actor_id = found
            mentions.append(ActorMention(t.by_id[actor_id], tokens[i][1], tokens[i + n - 1][2]))
            i += n
        else:
            i += 1
    for match in DIVISION.finditer(folded):
        number = int(match.group(1)) if match.group(1) else ORDINALS[
            " ".join(match.group(2).split())]
        if any(m.start <= match.start() < m.end for m in mentions):
            continue
        mentions.append(ActorMention(get(f"division_{number}"), match.start(), match.end()))
    return tuple(sorted(mentions, key=lambda m: m.start))
