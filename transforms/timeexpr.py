"""Time expressions in Arabic news text, resolved against the publish date into date ranges.

``find_time_expressions(text, published)`` finds month names (Levantine and standard, with an
optional day, year, modifier such as مطلع/منتصف/أواخر and relative word الجاري/الماضي),
"الشهر الجاري"/"العام الماضي", numeric dates, years, weekdays with فجر/مساء/ليلة, أمس/اليوم,
"قبل أيام/قبل 3 أشهر", hours ("خلال الـ 72 ساعة الماضية"), named periods ("بداية الثورة
السورية") and seasons. Adjacent expressions that name one moment ("اليوم الأحد 18 يناير 2026",
"أمس الاثنين") are one mention, dated by its most telling part (a written date before a weekday
before أمس/اليوم). Each ``TimeMention`` holds original-text offsets, the date range as
``YYYY-MM-DD`` strings, its precision (day, week, month, season, year, unknown) and its kind.
Without a publish date, expressions that need it keep their text with no dates and precision
``unknown``; absolute dates with a year still resolve. Names live in ``data/months.yaml``.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from transforms import lexicon
from transforms.normalize import normalize, normalize_with_map
from transforms.numbers import DUAL_FORMS, parse_number_words

__all__ = ["TimeMention", "find_time_expressions"]

DAY, WEEK, MONTH, SEASON, YEAR, UNKNOWN = "day", "week", "month", "season", "year", "unknown"
EARLY, MID, LATE = "early", "mid", "late"
CURRENT, PREVIOUS, NEXT = "current", "previous", "next"
YEAR_RE = r"(?:19|20)\d{2}"
START = r"(?:(?<!\w)|(?<=(?<!\w)[وفب]))"  # a word start, also right after a proclitic و/ف/ب
Range = tuple[dt.date, dt.date, str]


@dataclass(frozen=True)
class TimeMention:
    """A time expression: original offsets, resolved date range (or None) and precision."""
    text: str
    start: int
    end: int
    date_start: str | None
    date_end: str | None
    precision: str
    kind: str = ""  # month, unit, numeric, weekday, days_back, relative, hours, era, … ("+"
    # joins the kinds of a compound, the dating part first: "weekday+days_back")


def _load(name: str) -> dict:
    """A data file of ``transforms/data/`` (through the one loader)."""
    return lexicon.data(name)


def _inverse(mapping: dict) -> dict[str, object]:
    """Normalized name → key, from ``{key: [names]}``."""
    return {normalize(str(name)): key for key, names in mapping.items() for name in names}


def _alt(names) -> str:
    """Regex alternation of normalized names, longest first, spaces as ``\\s+``."""
    ordered = sorted({normalize(str(n)) for n in names}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in ordered) + ")"


_DATA = _load("months.yaml")

MONTHS = _inverse(_DATA["months"])
AMBIGUOUS_MONTHS = frozenset(normalize(n) for n in _DATA["ambiguous"])
WEEKDAYS = _inverse(_DATA["weekdays"])
PARTS = _inverse(_DATA["part_modifiers"])
YEAR_PARTS = {k: tuple(v) for k, v in _DATA["year_parts"].items()}
RELATIVE = {**{normalize(w): CURRENT for w in _DATA["current_words"]},
            **{normalize(w): PREVIOUS for w in _DATA["previous_words"]},
            **{normalize(w): NEXT for w in _DATA["next_words"]}}
UNITS = {normalize(k): v for k, v in _DATA["units"].items()}
DAYS_BACK = {normalize(k): int(v) for k, v in _DATA["days_back"].items()}
RELATIVE_DAYS = {normalize(k): tuple(v) for k, v in _DATA["relative_days"].items()}
COUNT_UNITS = {normalize(k): int(v) for k, v in _DATA["count_units"].items()}
SEASONS = {normalize(n): tuple(spec["months"]) for spec in _DATA["seasons"].values()
           for n in spec["names"]}
ORDINALS = _inverse(_DATA["day_ordinals"])
ERAS = {normalize(name): (dt.date.fromisoformat(str(era["start"])),
                          dt.date.fromisoformat(str(era["end"])), era["precision"])
        for era in _DATA["eras"] for name in era["names"]}
HOURS = _DATA["hours"]

MONTH_ALT = _alt(MONTHS)
PART_ALT = _alt(PARTS)
REL_ALT = _alt(RELATIVE)
DAY_ALT = r"(?:\d{1,2}|" + _alt(ORDINALS) + ")"
DAYPART_ALT = _alt(_DATA["day_parts"])
YEAR_TAIL = (r"(?:\s*[,،]?\s*(?:من\s+)?(?:(?:عام|العام|سنه|السنه)\s+)?(?P<year>" + YEAR_RE
             + r")(?:\s*م)?(?!\d)|\s+(?:من\s+)?(?:العام|السنه|هذا\s+العام)\s+(?P<yrel>"
             + REL_ALT + r")|\s+(?P<rel>" + REL_ALT + r"))?")

MONTH_EXPR = re.compile(
    START + r"(?:(?P<part>" + PART_ALT + r")\s+)?(?:(?P<day>" + DAY_ALT + r")\s+(?:من\s+)?)?"
    r"(?P<shahr>(?:شهر|الشهر)\s+)?(?P<month>" + MONTH_ALT + r")(?:\s*[/(\-]\s*(?P<month2>"
    + MONTH_ALT + r")\s*\)?)?" + YEAR_TAIL + r"(?!\w)")
UNIT_EXPR = re.compile(
    START + r"(?:(?P<part>" + PART_ALT + r")\s+)?(?:(?P<day>" + DAY_ALT + r")\s+(?:من\s+)?)?"
    r"(?:(?P<unit>" + _alt(UNITS) + r")\s+(?P<rel>" + REL_ALT + r")|هذا\s+(?P<this>"
    + _alt(UNITS) + r"))(?!\w)")
NUMERIC_DATE = re.compile(
    r"(?<![\d/.\-])(?:(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>" + YEAR_RE + r")|(?P<y2>"
    + YEAR_RE + r")[/.\-](?P<m2>\d{1,2})[/.\-](?P<d2>\d{1,2}))(?![\d/\-]|\.\d)")
YEAR_EXPR = re.compile(
    START + r"(?:(?P<part>" + PART_ALT + r")\s+)?(?:(?P<kw>عام|العام|سنه|السنه|عامي)\s+)?"
    r"(?P<year>" + YEAR_RE + r")(?:\s*م)?(?![\d/\-])")
YEAR_CONTEXT = re.compile(r"(?<!\w)(?:في|خلال|منذ|حتي|قبل|بعد|مع|عن)\s*$")
WEEKDAY_EXPR = re.compile(
    START + r"(?:(?P<dpart>" + DAYPART_ALT + r")\s+)?(?:يوم\s+)?(?P<wd>" + _alt(WEEKDAYS)
    + r")(?:\s*/\s*(?P<wd2>" + _alt(WEEKDAYS) + r"))?(?:\s+(?P<rel>" + REL_ALT
    + r"))?(?!\w)(?!\s+عشر)")
DAYS_BACK_EXPR = re.compile(
    START + r"(?:(?P<dpart>" + DAYPART_ALT + r")\s+)?(?P<word>" + _alt(DAYS_BACK) + r")(?!\w)"
    r"(?!\s+(?:التالي|نفسه|ذاته|الذي|الاول|الثاني|الثالث|الاخير))")
RELATIVE_EXPR = re.compile(START + r"(?P<phrase>" + _alt(RELATIVE_DAYS) + r")(?!\w)")
COUNT_AGO_EXPR = re.compile(
    START + r"(?:قبل|منذ)\s+(?:(?:نحو|حوالي|قرابه)\s+)?(?P<n>\d{1,3}|[^\W\d_]+(?:\s+و?[^\W\d_]+)?)"
    r"\s+(?P<unit>" + _alt(COUNT_UNITS) + r")(?!\w)")
HOURS_EXPR = re.compile(
    START + r"(?P<before>" + _alt(HOURS["before"]) + r")\s+(?:ال\s*)?(?:(?P<n>\d{1,3})\s*)?"
    r"(?P<unit>" + _alt(HOURS["units"]) + r")(?:\s+(?P<after>" + _alt(HOURS["after"])
    + r"))?(?!\w)")
ERA_EXPR = re.compile(START + r"(?P<era>" + _alt(ERAS) + r")(?!\w)")
NOT_ERA_BEFORE = re.compile(r"(?<!\w)(?:منذ|بعد|قبل|حتي|مع)\s*$")
SEASON_EXPR = re.compile(
    START + r"(?:(?P<part>" + PART_ALT + r")\s+)?(?P<fasl>فصل\s+)?(?P<season>" + _alt(SEASONS)
    + r")(?:\s+(?:(?:من\s+)?(?:عام\s+|العام\s+)?(?P<year>" + YEAR_RE + r")|(?P<rel>" + REL_ALT
    + r")))?(?!\w)")


def _last_day(year: int, month: int) -> int:
    """Number of days in the month."""
    return calendar.monthrange(year, month)[1]


def _month_range(year: int, month: int, part: str | None) -> Range:
    """The month, or its first/middle/last ten days."""
    last = _last_day(year, month)
    low, high = {EARLY: (1, 10), MID: (11, 20), LATE: (21, last)}.get(part, (1, last))
    precision = WEEK if part else MONTH
    return dt.date(year, month, low), dt.date(year, month, high), precision


def _year_range(year: int, part: str | None) -> Range:
    """The year, or its early/middle/late months."""
    if not part:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), YEAR
    first, last = YEAR_PARTS[part]
    return dt.date(year, first, 1), dt.date(year, last, _last_day(year, last)), SEASON


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    """(year, month) moved by ``delta`` months."""
    index = year * 12 + month - 1 + delta
    return index // 12, index % 12 + 1


def _month_year(month: int, rel: str | None, pub: dt.date) -> int:
    """Year of a month named without a year, relative to the publish date."""
    if rel == CURRENT:
        return pub.year
    if rel == PREVIOUS:
        return pub.year if month < pub.month else pub.year - 1
    if rel == NEXT:
        return pub.year if month > pub.month else pub.year + 1
    return pub.year if month <= pub.month else pub.year - 1


def _day_value(word: str | None) -> int | None:
    """Day of month from digits or an ordinal word."""
    if not word:
        return None
    return int(word) if word.isdigit() else ORDINALS.get(" ".join(word.split()))


def _with_day(year: int, month: int, day: int | None, part: str | None) -> Range:
    """A day of the month when ``day`` is valid, else the month (or its part)."""
    if day is not None and 1 <= day <= _last_day(year, month):
        date = dt.date(year, month, day)
        return date, date, DAY
    return _month_range(year, month, part)


def _resolve_month(m: re.Match, pub: dt.date | None) -> Range | None:
    """Date range of a month expression (مطلع أيار 2021، نيسان الفائت، 5 آب)."""
    month = MONTHS[" ".join(m["month"].split())]
    day = _day_value(m["day"])
    part = PARTS.get(" ".join(m["part"].split())) if m["part"] else None
    if m["year"]:
        year = int(m["year"])
    elif pub is None:
        return None
    elif m["yrel"]:
        year = pub.year + {CURRENT: 0, PREVIOUS: -1, NEXT: 1}[RELATIVE[m["yrel"]]]
    else:
        year = _month_year(month, RELATIVE.get(m["rel"] or ""), pub)
    return _with_day(year, month, day, part)


def _month_is_date(m: re.Match) -> bool:
    """False for a bare ambiguous month name (آب = أب "father", مارس = "practised")."""
    if " ".join(m["month"].split()) not in AMBIGUOUS_MONTHS:
        return True
    return any(m[g] for g in ("part", "day", "shahr", "month2", "year", "yrel", "rel"))


def _resolve_unit(m: re.Match, pub: dt.date | None) -> Range | None:
    """Date range of الشهر الجاري، العام الماضي، مطلع الأسبوع الماضي، هذا العام…."""
    if pub is None:
        return None
    unit = UNITS[m["unit"] or m["this"]]
    delta = {CURRENT: 0, PREVIOUS: -1, NEXT: 1}[RELATIVE[m["rel"]]] if m["rel"] else 0
    part = PARTS.get(" ".join(m["part"].split())) if m["part"] else None
    if unit == YEAR:
        return _year_range(pub.year + delta, part)
    if unit == MONTH:
        year, month = _shift_month(pub.year, pub.month, delta)
        return _with_day(year, month, _day_value(m["day"]), part)
    week_start = pub - dt.timedelta(days=(pub.weekday() - 5) % 7) + dt.timedelta(weeks=delta)
    return week_start, week_start + dt.timedelta(days=6), WEEK


def _resolve_numeric(m: re.Match, pub: dt.date | None) -> Range | None:
    """A written date: 5/5/2021, 12.5.2021, 2021-05-12."""
    try:
        if m["y"]:
            date = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        else:
            date = dt.date(int(m["y2"]), int(m["m2"]), int(m["d2"]))
    except ValueError:
        return None
    return date, date, DAY


def _resolve_year(m: re.Match, pub: dt.date | None) -> Range | None:
    """A year: عام 2021، مطلع 2020."""
    part = PARTS.get(" ".join(m["part"].split())) if m["part"] else None
    return _year_range(int(m["year"]), part)


def _weekday_date(weekday: int, rel: str | None, pub: dt.date) -> dt.date:
    """The weekday nearest the publish date: on/before it, strictly before, or after."""
    if rel == PREVIOUS:
        return pub - dt.timedelta(days=(pub.weekday() - weekday - 1) % 7 + 1)
    if rel == NEXT:
        return pub + dt.timedelta(days=(weekday - pub.weekday()) % 7 or 7)
    return pub - dt.timedelta(days=(pub.weekday() - weekday) % 7)


def _resolve_weekday(m: re.Match, pub: dt.date | None) -> Range | None:
    """A weekday (فجر الاثنين، ليلة الثلاثاء/ الأربعاء، يوم الخميس الماضي)."""
    if pub is None:
        return None
    rel = RELATIVE.get(m["rel"] or "")
    last = m["wd2"] or m["wd"]
    end = _weekday_date(WEEKDAYS[last], rel, pub)
    start = end - dt.timedelta(days=1) if m["wd2"] else end
    return start, end, DAY


def _resolve_days_back(m: re.Match, pub: dt.date | None) -> Range | None:
    """أمس، اليوم، مساء أمس، أول أمس."""
    if pub is None:
        return None
    date = pub - dt.timedelta(days=DAYS_BACK[" ".join(m["word"].split())])
    return date, date, DAY


def _precision_of_width(days: int) -> str:
    """Precision of a range ``days`` wide (a night spans two dates: still a day)."""
    if days <= 1:
        return DAY
    if days <= 14:
        return WEEK
    if days <= 200:
        return MONTH
    return YEAR


def _resolve_relative(m: re.Match, pub: dt.date | None) -> Range | None:
    """قبل أيام، منذ أشهر، في الأشهر الأخيرة، مؤخراً…."""
    if pub is None:
        return None
    far, near = RELATIVE_DAYS[" ".join(m["phrase"].split())]
    return (pub - dt.timedelta(days=far), pub - dt.timedelta(days=near),
            _precision_of_width(far - near))


def _resolve_count_ago(m: re.Match, pub: dt.date | None) -> Range | None:
    """قبل 3 أيام، منذ خمسة أشهر."""
    n = parse_number_words(m["n"])
    if n is None or pub is None:
        return None
    unit = COUNT_UNITS[m["unit"]]
    center = pub - dt.timedelta(days=n * unit)
    slack = dt.timedelta(days=unit // 2)
    precision = {1: DAY, 7: WEEK, 30: MONTH}.get(unit, YEAR)
    return center - slack, center + slack, precision


def _resolve_hours(m: re.Match, pub: dt.date | None) -> Range | None:
    """خلال الـ 72 ساعة الماضية، قبل ساعات: whole days back from the publish date."""
    if pub is None:
        return None
    days = -(-int(m["n"]) // 24) if m["n"] else 1
    return pub - dt.timedelta(days=days), pub, _precision_of_width(days)


def _resolve_era(m: re.Match, pub: dt.date | None) -> Range | None:
    """A named period with fixed dates (بداية الثورة السورية)."""
    return ERAS[" ".join(m["era"].split())]


def _resolve_season(m: re.Match, pub: dt.date | None) -> Range | None:
    """فصل الصيف، الشتاء الماضي، ربيع 2020."""
    first, last = SEASONS[m["season"]]
    if m["year"]:
        year = int(m["year"])
    elif pub is None:
        return None
    else:
        year = pub.year if pub.month >= first else pub.year - 1
        end_year = year + (1 if last < first else 0)
        rel = RELATIVE.get(m["rel"] or "")
        ongoing = pub <= dt.date(end_year, last, _last_day(end_year, last))
        if rel == PREVIOUS and ongoing:
            year -= 1
        elif rel == NEXT:
            year += 1
    end_year = year + (1 if last < first else 0)
    return (dt.date(year, first, 1), dt.date(end_year, last, _last_day(end_year, last)),
            SEASON)


def _needs_context(m: re.Match, norm: str, kind: str) -> bool:
    """True when a match is not a date in its context (bare آب، الربيع العربي، 2000 مقاتل)."""
    if kind == "month":
        return not _month_is_date(m)
    if kind == "year":
        return not (m["part"] or m["kw"] or YEAR_CONTEXT.search(norm, max(0, m.start() - 8),
                                                                m.start()))
    if kind == "numeric":
        return _resolve_numeric(m, None) is None
    if kind == "season":
        return not (m["fasl"] or m["year"] or m["rel"])
    if kind == "hours":  # "خلال 24 ساعة" (a deadline) is no date; "خلال الـ 24 ساعة الماضية" is
        return " ".join(m["before"].split()) not in ("قبل", "منذ") and not m["after"]
    if kind == "era":
        return bool(NOT_ERA_BEFORE.search(norm, max(0, m.start() - 8), m.start()))
    if kind == "weekday" and m["wd"] == "الاثنين" and not m["dpart"]:
        before = norm[:m.start()].split()[-1:]
        return bool(before) and before[0] in DUAL_FORMS or bool(before) and (
            before[0].startswith("ال") and before[0][2:] in DUAL_FORMS)
    return False


MATCHERS = (
    ("month", MONTH_EXPR, _resolve_month),
    ("unit", UNIT_EXPR, _resolve_unit),
    ("numeric", NUMERIC_DATE, _resolve_numeric),
    ("year", YEAR_EXPR, _resolve_year),
    ("weekday", WEEKDAY_EXPR, _resolve_weekday),
    ("days_back", DAYS_BACK_EXPR, _resolve_days_back),
    ("relative", RELATIVE_EXPR, _resolve_relative),
    ("count_ago", COUNT_AGO_EXPR, _resolve_count_ago),
    ("season", SEASON_EXPR, _resolve_season),
    ("hours", HOURS_EXPR, _resolve_hours),
    ("era", ERA_EXPR, _resolve_era),
)
# Which part dates a compound expression ("اليوم الأحد 18 يناير 2026"): lower ranks first.
KIND_RANK = {"numeric": 0, "month": 1, "weekday": 2, "days_back": 3, "unit": 4, "count_ago": 5,
             "relative": 6, "hours": 6, "year": 7, "season": 8, "era": 9}
JOINER = re.compile(r"[\s،,/()\-]*")  # what may stand between two parts of one expression


def _merge(parts: list[TimeMention], text: str) -> TimeMention:
    """One mention of adjacent parts, dated by its best-ranked resolved part."""
    resolved = [p for p in parts if p.date_start] or parts
    best = min(resolved, key=lambda p: KIND_RANK.get(p.kind, 10))
    start, end = parts[0].start, parts[-1].end
    kinds = [best.kind, *dict.fromkeys(p.kind for p in parts if p is not best)]
    return TimeMention(text[start:end], start, end, best.date_start, best.date_end,
                       best.precision, "+".join(kinds))


def _join_adjacent(found: list[TimeMention], text: str) -> list[TimeMention]:
    """Mentions with only spaces or punctuation between them joined into one."""
    groups: list[list[TimeMention]] = []
    for mention in found:
        if groups and JOINER.fullmatch(text, groups[-1][-1].end, mention.start):
            groups[-1].append(mention)
        else:
            groups.append([mention])
    return [group[0] if len(group) == 1 else _merge(group, text) for group in groups]


def find_time_expressions(text: str, published: dt.date | None) -> list[TimeMention]:
    """Time expressions in ``text`` resolved against ``published`` (see the module docstring)."""
    norm, index = normalize_with_map(text or "")
    if isinstance(published, dt.datetime):
        published = published.date()
    candidates = []
    for kind, pattern, resolve in MATCHERS:
        for m in pattern.finditer(norm):
            if m.end() == m.start() or _needs_context(m, norm, kind):
                continue
            if kind == "count_ago" and parse_number_words(m["n"]) is None:
                continue
            candidates.append((m.start(), -m.end(), m, resolve, kind))
    candidates.sort(key=lambda c: (c[0], c[1]))
    found, taken_until = [], -1
    for start, neg_end, m, resolve, kind in candidates:
        if start < taken_until:
            continue
        taken_until = -neg_end
        resolved = resolve(m, published)
        s, e = index[start], index[-neg_end]
        if resolved is None:
            found.append(TimeMention(text[s:e], s, e, None, None, UNKNOWN, kind))
        else:
            low, high, precision = resolved
            found.append(TimeMention(text[s:e], s, e, low.isoformat(), high.isoformat(),
                                     precision, kind))
    return _join_adjacent(found, text)
