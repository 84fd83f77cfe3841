"""Attributes of a defection from the words around it: weapons, commanders, reasons, aftermath.

Word lists live in ``data/attributes.yaml`` (folded Arabic). Every function takes folded text
(see ``normalize.fold``) and returns plain values: ``with_weapons`` is True/False/None (None when
the text says nothing), reasons and consequences are small taxonomies:

reasons: frontline_deployment, mistreatment, unpaid_or_low_pay, security_situation,
conscription, coordination_with_other_side; consequences: raids, arrests_of_relatives.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from transforms import lexicon
from transforms.normalize import fold_word

START = r"(?<![\w])(?:[وف])?(?:[بلك])?(?:ال)?"


@dataclass(frozen=True)
class _Tables:
    weapons: re.Pattern
    no_weapons: re.Pattern
    commander: re.Pattern
    reasons: tuple[tuple[str, re.Pattern], ...]
    consequences: tuple[tuple[str, re.Pattern], ...]


def _compile(entries, start: str = START) -> re.Pattern:
    """One regex for a list of folded entries, each anchored at a word start."""
    return re.compile(start + "(?:" + "|".join(f"(?:{e})" for e in entries) + ")")


@lru_cache(maxsize=1)
def tables() -> _Tables:
    """The word lists of ``data/attributes.yaml``, compiled once."""
    data = lexicon.data("attributes")
    commander = data["commander"]
    not_after = "|".join(commander["not_after"])
    commander_re = re.compile(
        r"(?<![\w])(?:[وف])?(?:[بل])?(?:" + "|".join(
            sorted({fold_word(w) for w in commander["words"]}, key=len, reverse=True))
        + rf")(?![\w])(?!\s+(?:{not_after}))")
    return _Tables(
        _compile(data["weapons"]["positive"]),
        _compile(data["weapons"]["negative"], r"(?<![\w])"),
        commander_re,
        tuple((k, _compile(v)) for k, v in data["reasons"].items()),
        tuple((k, _compile(v)) for k, v in data["consequences"].items()),
    )


def with_weapons(folded: str) -> bool | None:
    """True when the defectors took weapons, False when the text says they did not, else None."""
    t = tables()
    if t.no_weapons.search(folded):
        return False
    return True if t.weapons.search(folded) else None


def includes_commander(folded: str) -> bool:
    """True when a commander, officer or field leader is among the defectors named here."""
    return bool(tables().commander.search(folded))


def commander_spans(folded: str) -> list[tuple[int, int]]:
    """Offsets of the commander titles in a folded text."""
    return [m.span() for m in tables().commander.finditer(folded)]


def reasons(folded: str) -> list[str]:
    """Reasons given for the defection, in taxonomy order, each once."""
    return [name for name, pattern in tables().reasons if pattern.search(folded)]


def consequences(folded: str) -> list[str]:
    """Consequences mentioned (raids, arrests of relatives), in taxonomy order."""
    return [name for name, pattern in tables().consequences if pattern.search(folded)]
