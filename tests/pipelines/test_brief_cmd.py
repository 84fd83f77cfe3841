"""``defwatch brief`` end to end: events in the real Elasticsearch, the page in Debian's
headless Chromium (it renders offline, the plot and tables are there, no console errors, a
screenshot), and the PDF."""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from pipelines import brief_cmd
from tests.support.known_events import indexed_known_events, known_events

pytestmark = pytest.mark.es
CHROMIUM = os.environ.get("DEFWATCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def flags(es_client, es_url):
    """The known events indexed once under their own prefix; the CLI flags."""
    with indexed_known_events(es_client, es_url, "brief") as flags:
        yield flags


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (fresh profile, no network)."""
    assert Path(CHROMIUM).is_file(), f"the brief test needs Chromium at {CHROMIUM}"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _write_brief(tmp_path, flags, *extra) -> Path:
    out = tmp_path / "brief.html"
    assert brief_cmd.main(["--since", "2021-01-01", "-o", str(out), *flags, *extra]) == 0
    return out


def test_the_brief_renders_in_chromium_offline_with_its_plot_and_tables(
        tmp_path, flags, browser, capsys):
    out = _write_brief(tmp_path, flags)
    assert "wrote" in capsys.readouterr().err
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri(), wait_until="load")
    assert problems == []
    assert requests == [out.as_uri()]  # nothing else is fetched: the page is self-contained
    assert page.evaluate("document.documentElement.dir") == "rtl"
    # the map-like plot: one circle per placed incident place, sized by defectors
    radii = page.eval_on_selector_all("#map circle.incident",
                                      "cs => cs.map(c => +c.getAttribute('r'))")
    assert len(radii) == 5 and max(radii) > min(radii)
    assert page.locator("#map polygon.outline").count() == 1
    assert page.locator("#map circle.seat").count() == 14
    assert page.locator("#timeline rect.bar").count() > 10
    side_rows = page.locator("#by-side tbody tr").all_inner_texts()
    assert len(side_rows) == 5 and "HTS" in side_rows[0]
    assert page.locator("#by-unit tbody tr").count() == 5
    assert page.locator("#by-governorate tbody tr").count() == 4
    top = page.locator("#corroborated tbody tr").first
    assert "جيش الأحرار" in top.inner_text() and "انشقاق في سراقب" in top.inner_text()
    links = page.eval_on_selector_all("#corroborated a", "as => as.map(a => a.href)")
    assert "https://news.example.org/1" in links
    shot = page.screenshot(full_page=True)
    assert shot.startswith(b"\x89PNG") and len(shot) > 50_000
    map_shot = page.locator("#map svg").screenshot()
    assert len(map_shot) > 5_000  # drawn, not blank
    artifacts = os.environ.get("DEFWATCH_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        (Path(artifacts) / "brief.png").write_bytes(shot)
    page.close()


def test_the_period_and_filters_narrow_the_brief(tmp_path, flags, browser):
    out = tmp_path / "week.html"
    assert brief_cmd.main(["--since", "7d", "-o", str(out), *flags]) == 0
    page = browser.new_page()
    page.goto(out.as_uri())
    # the incident of three days ago, and the undated one first seen two days ago
    assert page.locator("#totals b").first.inner_text() == "2"
    assert page.locator("#map circle.incident").count() == 2
    page.close()
    out = _write_brief(tmp_path, flags, "--side", "regime")
    page = browser.new_page()
    page.goto(out.as_uri())
    assert page.locator("#corroborated tbody tr").count() == 1
    page.close()


def test_hostile_text_is_escaped(tmp_path, es_client, flags, browser):
    prefix = flags[-1]
    event = known_events()[0]
    event.event_id = "hostile"
    event.evidence[0].text = '<script>console.error("injected")</script><img src=x onerror=alert(1)>'
    es_client.index(index=f"{prefix}-events", id="hostile", document=event.to_dict(),
                    refresh=True)
    try:
        out = _write_brief(tmp_path, flags)
        page = browser.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text))
        page.on("dialog", lambda d: (errors.append(d.message), d.dismiss()))
        page.goto(out.as_uri())
        assert errors == [] and page.locator("#corroborated img").count() == 0
        assert "<script>" in page.locator("#corroborated").inner_text()
        page.close()
    finally:
        es_client.delete(index=f"{prefix}-events", id="hostile", refresh=True)


def test_the_pdf_is_printed_by_chromium(tmp_path, flags):
    out = tmp_path / "brief.pdf"
    assert brief_cmd.main(["--since", "2021-01-01", "-o", str(out), "--chromium", CHROMIUM,
                           *flags]) == 0
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000


@pytest.mark.parametrize("args, message", [
    (["--since", "soon", "-o", "x.html"], "'soon' is not a date"),
    (["-o", "x.pdf", "--chromium", "/nonexistent/chromium"], "needs Chromium"),
    (["--since", "7d"], "the following arguments are required: -o/--output"),
    (["--side", "army", "-o", "x.html"], "invalid choice: 'army'"),
])
def test_bad_usage_is_one_line_and_exit_2(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        brief_cmd.main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_a_missing_index_says_to_run_setup(tmp_path, capsys, es_url, es_bare_prefix):
    out = tmp_path / "b.html"
    assert brief_cmd.main(["-o", str(out), "--es-url", es_url, "--index-prefix",
                           es_bare_prefix]) == 1
    assert "defwatch setup" in capsys.readouterr().err and not out.exists()


def test_dates_of_the_period_default_to_the_last_week(tmp_path, flags, capsys):
    out = tmp_path / "b.html"
    assert brief_cmd.main(["-o", str(out), *flags]) == 0
    week = f"{dt.date.today() - dt.timedelta(days=7)} – {dt.date.today()}"
    assert week in capsys.readouterr().err and week in out.read_text(encoding="utf-8")
