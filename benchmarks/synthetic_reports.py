"""Distinct generated Arabic reports for the throughput benchmark (no evaluation text).

Every report is a headline, an incident sentence built from the project's own actor and place
lists (a group, a count, a village or town, a destination), and filler sentences drawn at
random from ``arabic_page.FILLER_WORDS``; a quarter carry no incident. The filler makes every
text distinct (near-duplicate detection does not fold them), so streaming and batch do the
same work per article. Deterministic for a seed.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import yaml

from benchmarks.arabic_page import FILLER_WORDS

DATA = Path(__file__).resolve().parents[1] / "transforms" / "data"
INCIDENTS = (
    "أفادت مصادر محلية بانشقاق {count} عناصر من {group} في {place} ووصولهم إلى مناطق {dest}.",
    "انشق {count} عنصراً من {group} قرب {place} مع أسلحتهم الفردية وتوجهوا إلى {dest}.",
    "أعلن {count} مقاتلين من {group} انشقاقهم في {place} وانضمامهم إلى صفوف {dest}.",
)
QUIET = "شهدت {place} اجتماعاً للأهالي لبحث أزمة المياه والخبز."
DESTINATIONS = ("قوات سوريا الديمقراطية", "الجيش الوطني السوري", "فصائل المعارضة")


def _names() -> tuple[list[str], list[str]]:
    """Group names (brackets dropped) and village/town names from the project's data files."""
    actors = yaml.safe_load((DATA / "actors.yaml").read_text(encoding="utf-8"))["actors"]
    groups = [re.sub(r"\s*\(.*?\)", "", a["name_ar"]) for a in actors
              if a.get("kind") == "group" and not a.get("generic")]
    places = json.loads((DATA / "places.json").read_text(encoding="utf-8"))["places"]
    towns = [p["name_ar"] for p in places if p.get("kind") in ("village", "town", "city")]
    return groups, towns


def _filler(rng: random.Random, sentences: int) -> list[str]:
    return [" ".join(rng.choice(FILLER_WORDS) for _ in range(rng.randint(14, 24))) + "."
            for _ in range(sentences)]


def generate(count: int, seed: int = 11) -> list[dict]:
    """``count`` reports: ``{"slug", "title", "text"}`` (paragraphs separated by newlines)."""
    rng = random.Random(seed)
    groups, towns = _names()
    reports = []
    for number in range(count):
        place = rng.choice(towns)
        if rng.random() < 0.25:
            lead, title = QUIET.format(place=place), f"أزمة خدمات في {place}"
        else:
            group = rng.choice(groups)
            lead = rng.choice(INCIDENTS).format(count=rng.randint(3, 40), group=group,
                                                place=place, dest=rng.choice(DESTINATIONS))
            title = f"انشقاقات في صفوف {group}"
        body = [lead, *_filler(rng, rng.randint(4, 7))]
        reports.append({"slug": f"r{number:05d}", "title": title, "text": "\n".join(body)})
    return reports
