"""A loopback news site serving the bundled sample reports as RSS feeds and article pages.

``deploy/samples/reports.yaml`` lists outlets and reports. Each outlet gets
``/<outlet>/feed.xml`` (RSS 2.0, newest first, ETag/Last-Modified, 304 on a conditional GET)
and each report ``/<outlet>/<slug>.html`` (a full page: navigation, the article, a "most read"
sidebar and a footer, so the cleaner has boilerplate to remove). A report enters its feed
``delay`` seconds after the site starts (``speed`` scales that), or when ``release(slug)`` is
called when the site runs with ``auto=False`` (tests). With ``outlet_hosts`` every outlet is
served from its own loopback address (``127.0.0.11``, ``127.0.0.12``, …), as real outlets are
different hosts (politeness delays, hanging hosts and ``--allow-host`` apply per host).

Command line (used by ``deploy/demo.sh`` and ``deploy/runners/prove_runners.sh``)::

    python -m deploy.sample_site --feeds-out /tmp/feeds.yaml [--port 0] [--poll-interval 5]

prints the base URL, writes a feeds.yaml for the site, and serves until killed.
"""
from __future__ import annotations

import argparse
import calendar
import email.utils
import hashlib
import html
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

SAMPLES = Path(__file__).resolve().parent / "samples" / "reports.yaml"

PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{title} | {outlet}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{outlet}">
<meta property="article:published_time" content="{published}">
</head><body>
<header><nav><a href="/">الرئيسية</a> | <a href="/news">أخبار</a> | <a href="/reports">تقارير</a>
| <a href="/contact">اتصل بنا</a></nav></header>
<main><article>
<h1>{title}</h1>
<time datetime="{published}">{published}</time>
{paragraphs}
</article></main>
<aside><h3>الأكثر قراءة</h3><ul><li><a href="/x1">جولة في أسواق المدينة القديمة</a></li>
<li><a href="/x2">مباراة ودية بين فريقين محليين</a></li></ul></aside>
<footer>جميع الحقوق محفوظة © {outlet}</footer>
</body></html>
"""


def load_samples(path: Path = SAMPLES) -> dict:
    """The outlets and reports of the samples file."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _rfc822(iso: str) -> str:
    """ISO-8601 UTC → RFC 822 date for RSS."""
    parsed = time.strptime(iso.replace("Z", ""), "%Y-%m-%dT%H:%M:%S")
    return email.utils.formatdate(calendar.timegm(parsed), usegmt=True)


class SampleSite:
    """The site in a daemon thread; use as a context manager or ``start()``/``close()``."""

    def __init__(self, samples: dict | None = None, port: int = 0, auto: bool = True,
                 speed: float = 1.0, outlet_hosts: bool = False):
        self.samples = samples or load_samples()
        self.auto = auto
        self.speed = speed
        self.started = time.monotonic()
        self.released: set[str] = set()
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        hosts = {"": "127.0.0.1"}
        if outlet_hosts:
            hosts.update({o["id"]: f"127.0.0.{11 + i}"
                          for i, o in enumerate(self.samples["outlets"])})
        self._servers = {key: ThreadingHTTPServer((host, port if key == "" else 0),
                                                  self._handler())
                         for key, host in hosts.items()}
        self._threads = []
        for server in self._servers.values():
            server.daemon_threads = True
            self._threads.append(threading.Thread(target=server.serve_forever, daemon=True))

    @property
    def base_url(self) -> str:
        """The site's main address (every outlet, unless they have their own hosts)."""
        return self.outlet_url("")

    @property
    def hosts(self) -> list[str]:
        """Every loopback address the site serves on (for ``--allow-host``)."""
        return [server.server_address[0] for server in self._servers.values()]

    def outlet_url(self, outlet_id: str) -> str:
        """The base URL of one outlet."""
        host, port = self._servers.get(outlet_id, self._servers[""]).server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SampleSite:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def close(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def release(self, *slugs: str) -> None:
        """Publish these reports now (``auto=False`` sites publish nothing by themselves)."""
        with self._lock:
            self.released.update(slugs)

    def visible(self, outlet: str) -> list[dict]:
        """The reports of ``outlet`` in its feed now, newest first."""
        elapsed = (time.monotonic() - self.started) * self.speed
        with self._lock:
            items = [r for r in self.samples["reports"] if r["outlet"] == outlet and (
                r["slug"] in self.released or (self.auto and r.get("delay", 0) <= elapsed))]
        return sorted(items, key=lambda r: r["published"], reverse=True)

    def feeds_yaml(self, poll_interval: int = 10) -> str:
        """A feeds.yaml listing every outlet's feed on this site (``defwatch run
        --poll-interval`` polls faster than the registry's 10 s minimum)."""
        poll_interval = max(10, poll_interval)
        feeds = [{"id": o["id"], "name": o["name"],
                  "url": f"{self.outlet_url(o['id'])}/{o['id']}/feed.xml",
                  "kind": "rss", "language": "ar", "poll_interval": poll_interval}
                 for o in self.samples["outlets"]]
        return yaml.safe_dump({"feeds": feeds}, allow_unicode=True, sort_keys=False)

    def page_url(self, slug: str) -> str:
        report = next(r for r in self.samples["reports"] if r["slug"] == slug)
        return f"{self.outlet_url(report['outlet'])}/{report['outlet']}/{slug}.html"

    def _outlet(self, outlet_id: str) -> dict | None:
        return next((o for o in self.samples["outlets"] if o["id"] == outlet_id), None)

    def _feed(self, outlet: dict) -> tuple[bytes, str]:
        items = self.visible(outlet["id"])
        parts = [f"<item><title>{html.escape(r['title'])}</title>"
                 f"<link>{self.outlet_url(outlet['id'])}/{outlet['id']}/{r['slug']}.html</link>"
                 f"<guid isPermaLink=\"false\">{outlet['id']}-{r['slug']}</guid>"
                 f"<pubDate>{_rfc822(r['published'])}</pubDate>"
                 f"<description>{html.escape(r['paragraphs'][0][:200])}</description></item>"
                 for r in items]
        newest = _rfc822(items[0]["published"]) if items else _rfc822("2026-01-01T00:00:00Z")
        body = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>"
                f"<title>{html.escape(outlet['name'])}</title>"
                f"<link>{self.outlet_url(outlet['id'])}/</link>"
                f"<description>{html.escape(outlet['name'])}</description><language>ar"
                f"</language><lastBuildDate>{newest}</lastBuildDate>{''.join(parts)}"
                "</channel></rss>").encode()
        return body, newest

    def _page(self, outlet: dict, slug: str) -> bytes | None:
        report = next((r for r in self.visible(outlet["id"]) if r["slug"] == slug), None)
        if report is None:
            return None
        paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in report["paragraphs"])
        return PAGE.format(title=html.escape(report["title"]), outlet=html.escape(
            outlet["name"]), published=report["published"], paragraphs=paragraphs).encode()

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.hits[path] = site.hits.get(path, 0) + 1
                parts = path.strip("/").split("/")
                outlet = site._outlet(parts[0]) if len(parts) == 2 else None
                if outlet and parts[1] == "feed.xml":
                    body, modified = site._feed(outlet)
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        return self._send(304, b"", etag=etag, modified=modified)
                    return self._send(200, body, "application/rss+xml; charset=utf-8", etag,
                                      modified)
                if outlet and parts[1].endswith(".html"):
                    page = site._page(outlet, parts[1][:-5])
                    if page is not None:
                        return self._send(200, page, "text/html; charset=utf-8")
                self._send(404, b"not found", "text/plain")

            def _send(self, status, body, content_type=None, etag=None, modified=None):
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                if etag:
                    self.send_header("ETag", etag)
                if modified:
                    self.send_header("Last-Modified", modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--feeds-out", required=True, help="where to write the feeds.yaml")
    parser.add_argument("--poll-interval", type=int, default=10,
                        help="poll_interval written in feeds.yaml (at least 10)")
    parser.add_argument("--speed", type=float, default=1.0, help="release delays × 1/speed")
    args = parser.parse_args(argv)
    site = SampleSite(port=args.port, speed=args.speed).start()
    Path(args.feeds_out).write_text(site.feeds_yaml(args.poll_interval), encoding="utf-8")
    print(site.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        site.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
