"""A loopback news site of many outlets publishing generated Arabic defection reports.

Each outlet is its own ``LoopbackSite`` on its own loopback address (127.0.0.20, .21, …) with
an RSS feed at ``/feed.xml`` and one page per report. Reports are generated from a small
hand-written vocabulary (not from the corpus): one incident each — a group, a count, a place
and a time — inside a realistic page with boilerplate. Every ``copy_every``-th report is the
same incident told by another outlet, so cross-outlet dedup has work to do.

    with NewsSite(outlets=3) as site:
        site.publish(6)                      # six new reports, round robin over the outlets
        site.feeds_yaml(poll_interval=2)     # the feeds.yaml of the run
        site.allow_hosts()                   # --allow-host flags for the outlets' addresses
        site.article_ids()                   # doc ids (stable_id of the URL) of every report
        site.publish_every(1.0)              # a thread publishing one report a second
"""
from __future__ import annotations

import datetime as dt
import html
import itertools
import random
import threading
from dataclasses import dataclass

import yaml

from schemas.records import stable_id
from tests.support.loopback_site import LoopbackSite

ACTORS = ["قوات الدفاع الوطني", "الفرقة الرابعة", "الحرس الثوري الإيراني", "لواء فاطميون",
          "قوات سوريا الديمقراطية", "الجيش الوطني السوري", "حزب الله", "لواء القدس"]
PLACES = ["بلدة الدوير", "مدينة البوكمال", "مدينة الميادين", "بلدة الصالحية", "مدينة دير الزور",
          "بلدة هجين", "مدينة الرقة", "بلدة الشحيل", "مدينة منبج", "بلدة العشارة"]
DESTINATIONS = ["وانضموا إلى قسد", "وفروا إلى مناطق المعارضة", "ووصلوا إلى الشمال السوري"]
# Words of the background paragraphs: each report draws its own (seeded by its number), so two
# reports share little text beyond the incident template and are not taken for copies.
BACKGROUND = ("الأسواق الأسعار الخبز الوقود الكهرباء المياه الطرق الحواجز القرى المزارع القمح "
              "القطن الرواتب المدارس المستشفى الأطباء الشتاء الصيف النهر الجسر المعبر الشاحنات "
              "التجار المحاصيل الأغنام الأعلاف السكان النازحين المخيمات الجامعة الطلاب الموظفين "
              "البلدية الخدمات النظافة الأمطار الرياح الغبار الصحفيين المراسلين الإذاعة الهاتف "
              "الإنترنت الشبكة الأدوية الصيدليات المطاحن الأفران الحصاد السوق الشعبي الذهب "
              "الدولار الليرة الصرافة الحوالات الغاز الأسطوانات الدراجات الحافلات السائقين "
              "العمال البناء الإسمنت الحديد الأخشاب الخضار الفواكه اللحوم الدواجن الحليب").split()
FILLER = ["ولم يصدر أي تعليق رسمي حتى ساعة إعداد هذا التقرير."]
PAGE = """<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{title}</title><meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}"></head><body>
<header><nav><a href="/">الرئيسية</a> | <a href="/news">أخبار</a></nav></header>
<main><article><h1>{title}</h1><time datetime="{published}">{published}</time>
{paragraphs}</article></main>
<aside><h3>الأكثر قراءة</h3><ul><li><a href="/x1">أسعار الخبز في الأسواق</a></li></ul></aside>
<footer>جميع الحقوق محفوظة</footer></body></html>"""


@dataclass
class Report:
    """One published report: where it is and the incident it tells."""
    number: int
    outlet: int
    url: str
    incident: int
    published: str

    @property
    def doc_id(self) -> str:
        return stable_id(self.url)


FIRST_DAY = dt.date(1990, 1, 1)


def incident_sentence(incident: int) -> str:
    """The sentence of incident number ``incident``: its own group, place, count and a date
    40 days from any other incident's (so event dedup never takes two for one)."""
    actor = ACTORS[incident % len(ACTORS)]
    place = PLACES[(incident // len(ACTORS)) % len(PLACES)]
    count = 3 + (incident * 37) % 400
    day = FIRST_DAY + dt.timedelta(days=40 * incident)
    return (f"أفادت مصادر محلية أن {count} عنصرا من {actor} انشقوا في {place} "
            f"في {day.day}/{day.month}/{day.year} {DESTINATIONS[incident % len(DESTINATIONS)]}.")


def background(number: int, words: int = 60) -> list[str]:
    """Paragraphs of background of report ``number`` (its own mix of words)."""
    rng = random.Random(number)
    picked = [rng.choice(BACKGROUND) for _ in range(words)]
    return ["وتحدث السكان عن " + " و".join(picked[i:i + 12]) + "."
            for i in range(0, words, 12)]


def report_page(report: Report) -> str:
    sentence = incident_sentence(report.incident)
    paragraphs = [sentence, *background(report.number), FILLER[0]]
    return PAGE.format(title=html.escape(sentence.split(" انشقوا")[0][:80]),
                       published=report.published,
                       paragraphs="\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))


class NewsSite:
    """See the module docstring; use as a context manager."""

    def __init__(self, outlets: int = 3, first_host: int = 20, copy_every: int = 5,
                 keep_items: int = 50):
        self.sites = [LoopbackSite(host=f"127.0.0.{first_host + i}") for i in range(outlets)]
        self.copy_every = copy_every
        self.keep_items = keep_items  # a feed lists its newest reports only, like real feeds
        self.reports: list[Report] = []
        self._feeds = []
        self._numbers = itertools.count()
        self._incidents = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def __enter__(self) -> NewsSite:
        for site in self.sites:
            site.__enter__()
            self._feeds.append(site.feed("/feed.xml", title=f"outlet {site.host}"))
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for site in self.sites:
            site.__exit__(*exc)

    def publish(self, n: int = 1) -> list[Report]:
        """Publish ``n`` reports (a copy of the previous incident every ``copy_every``)."""
        out = []
        with self._lock:
            for _ in range(n):
                number = next(self._numbers)
                outlet = number % len(self.sites)
                copy = self.copy_every and number % self.copy_every == self.copy_every - 1 \
                    and self.reports
                incident = self.reports[-1].incident if copy else next(self._incidents)
                site = self.sites[outlet]
                published = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                report = Report(number, outlet, site.url(f"/r/{number}.html"), incident,
                                published)
                site.static(f"/r/{number}.html", report_page(report),
                            content_type="text/html; charset=utf-8")
                feed = self._feeds[outlet]
                feed.add_item(title=f"تقرير {number}", link=report.url,
                              guid=report.url, pub_date=published)
                del feed.items[self.keep_items:]
                self.reports.append(report)
                out.append(report)
        return out

    def publish_every(self, interval: float) -> threading.Thread:
        """A daemon thread publishing one report every ``interval`` seconds until closed."""
        def loop():
            while not self._stop.wait(interval):
                self.publish(1)
        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread

    def stop_publishing(self) -> None:
        self._stop.set()

    def feeds_yaml(self, poll_interval: int = 10) -> str:
        feeds = [{"id": f"outlet-{i}", "name": f"outlet {i}", "url": site.url("/feed.xml"),
                  "kind": "rss", "language": "ar", "poll_interval": poll_interval}  # --poll-interval overrides
                 for i, site in enumerate(self.sites)]
        return yaml.safe_dump({"feeds": feeds}, allow_unicode=True)

    def allow_hosts(self) -> list[str]:
        return [arg for site in self.sites for arg in ("--allow-host", site.host)]

    def article_ids(self) -> set[str]:
        with self._lock:
            return {r.doc_id for r in self.reports}
