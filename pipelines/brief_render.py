"""The brief as one self-contained HTML page (or PDF through headless Chromium).

Everything is inline: CSS, the SVG map-like plot (incidents at the gazetteer's coordinates,
circles sized by defectors, over the convex outline of the gazetteer's places and the
governorate seats; no tiles), the SVG timeline and the tables. A Content-Security-Policy
forbids any network request, so the page views the same offline. Right-to-left Arabic with
English labels; every value from the events is escaped by Jinja2's autoescaping.
"""
from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from pipelines.brief_data import Brief
from pipelines.event_export import shown_count, shown_date

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 640, 520, 24
BOUNDS = (32.2, 35.5, 37.45, 42.5)  # lat_min, lon_min, lat_max, lon_max (Syria)
TIMELINE_WIDTH, TIMELINE_HEIGHT, TIMELINE_PAD = 720, 200, 28
MIN_RADIUS, MAX_RADIUS = 4.0, 28.0
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


@dataclass
class Projection:
    """Equirectangular projection of the bounds onto the map's pixels (north up)."""
    scale: float
    lon0: float
    lat1: float
    cos: float

    @classmethod
    def fit(cls) -> Projection:
        lat_min, lon_min, lat_max, lon_max = BOUNDS
        cos = math.cos(math.radians((lat_min + lat_max) / 2))
        scale = min((MAP_WIDTH - 2 * MAP_MARGIN) / ((lon_max - lon_min) * cos),
                    (MAP_HEIGHT - 2 * MAP_MARGIN) / (lat_max - lat_min))
        return cls(scale, lon_min, lat_max, cos)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """Pixel coordinates of a point."""
        return (round(MAP_MARGIN + (lon - self.lon0) * self.cos * self.scale, 1),
                round(MAP_MARGIN + (self.lat1 - lat) * self.scale, 1))


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of 2-D points, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def half(seq):
        out: list[tuple[float, float]] = []
        for p in seq:
            while len(out) >= 2 and cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(reversed(pts))
    return lower[:-1] + upper[:-1]


def radius(defectors: int, largest: int) -> float:
    """Circle radius: area proportional to defectors (incidents without a count: smallest)."""
    if largest <= 0 or defectors <= 0:
        return MIN_RADIUS
    return round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(defectors / largest), 1)


def map_figure(brief: Brief, places) -> dict:
    """SVG geometry of the map: outline, governorate seats and incident circles."""
    proj = Projection.fit()
    coords = [(p.lat, p.lon) for p in places if p.lat is not None and p.lon is not None]
    outline = [proj.xy(lat, lon) for lat, lon in convex_hull(coords)]
    seats = [{"xy": proj.xy(p.lat, p.lon), "name": p.name_ar, "name_en": p.name_en}
             for p in places if p.kind == "governorate" and p.lat is not None]
    largest = max((p.defectors for p in brief.points), default=0)
    circles = [{"xy": proj.xy(p.lat, p.lon), "r": radius(p.defectors, largest),
                "label": p.label, "defectors": p.defectors, "incidents": p.incidents,
                "approximate": p.approximate} for p in brief.points]
    legend, y = [], MAP_MARGIN + MAX_RADIUS
    for value in sorted({largest, max(largest // 4, 1), 1} if largest else set(), reverse=True):
        r = radius(value, largest)
        legend.append({"x": MAP_WIDTH - MAP_MARGIN - MAX_RADIUS, "y": round(y, 1), "r": r,
                       "label": str(value)})
        y += 2 * r + 8
    return {"width": MAP_WIDTH, "height": MAP_HEIGHT,
            "outline": " ".join(f"{x},{y}" for x, y in outline), "seats": seats,
            "circles": sorted(circles, key=lambda c: -c["r"]), "legend": legend}


def timeline_figure(brief: Brief) -> dict:
    """SVG geometry of the timeline: one bar per day (or week)."""
    buckets = brief.timeline
    inner_w = TIMELINE_WIDTH - 2 * TIMELINE_PAD
    inner_h = TIMELINE_HEIGHT - 2 * TIMELINE_PAD
    step = inner_w / max(len(buckets), 1)
    top = max((b.defectors for b in buckets), default=0) or 1
    bars, ticks = [], []
    every = max(1, math.ceil(len(buckets) / 8))
    for i, bucket in enumerate(buckets):
        height = round(inner_h * bucket.defectors / top, 1)
        x = round(TIMELINE_PAD + i * step, 1)
        bars.append({"x": x, "y": round(TIMELINE_PAD + inner_h - height, 1),
                     "w": round(max(step - 2, 1), 1), "h": height,
                     "start": bucket.start.isoformat(), "defectors": bucket.defectors,
                     "incidents": bucket.incidents})
        if i % every == 0:
            ticks.append({"x": round(x + step / 2, 1), "label": bucket.start.strftime("%m-%d")})
    return {"width": TIMELINE_WIDTH, "height": TIMELINE_HEIGHT, "bars": bars, "ticks": ticks,
            "top": top, "base": TIMELINE_PAD + inner_h, "pad": TIMELINE_PAD}


def render_html(brief: Brief, places) -> str:
    """The brief's HTML page."""
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(shown_count=shown_count, shown_date=shown_date)  # as search shows them
    return env.get_template("brief.html.j2").render(
        brief=brief, map=map_figure(brief, list(places)), timeline=timeline_figure(brief))


class PdfError(RuntimeError):
    """Printing to PDF failed (no Chromium, or Chromium failed)."""


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium executable: ``explicit``, else the first known name on PATH."""
    for name in ((explicit,) if explicit else CHROMIUM_CANDIDATES):
        found = shutil.which(name)
        if found:
            return found
    raise PdfError("--format pdf needs Chromium: install it (apt-get install chromium) or "
                   "pass --chromium PATH")


def print_pdf(html: str, out: Path, chromium: str, timeout: float = 120.0) -> None:
    """Print ``html`` to ``out`` with headless Chromium (no network, fresh profile)."""
    with tempfile.TemporaryDirectory(prefix="defwatch-brief-") as tmp:
        page = Path(tmp) / "brief.html"
        page.write_text(html, encoding="utf-8")
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update",
                   "--disable-sync", f"--user-data-dir={Path(tmp) / 'profile'}",
                   "--no-pdf-header-footer", f"--print-to-pdf={out.resolve()}",
                   page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {timeout:.0f} s") from None
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise PdfError(f"Chromium could not print the PDF (exit {done.returncode}): {last}")
