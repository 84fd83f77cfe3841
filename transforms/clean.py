"""Article cleaning: the main text of a news page and its metadata, with trafilatura.

:func:`clean_html` keeps the article body only — navigation, sidebars, "most read" lists,
related links and comments are dropped — and reads the title, the publication date
(htmldate, through trafilatura), the author and the site name. The text is kept as
published: Arabic normalization happens later, so evidence offsets point into this text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from htmldate import find_date

DATE_PARAMS = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%d"}
BLANK_LINES = re.compile(r"\n\s*\n+")
MIN_TEXT_CHARS = 40


@dataclass
class CleanedPage:
    """The main text of a page and what trafilatura found about it."""
    text: str
    title: str | None = None
    date: str | None = None  # YYYY-MM-DD (the original publication date)
    author: str | None = None
    sitename: str | None = None


def clean_html(html: str, url: str | None = None) -> CleanedPage | None:
    """Main text and metadata of an HTML page, or None when no article text is found."""
    if not html or not html.strip():
        return None
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        include_links=False, include_images=False, favor_precision=True,
        date_extraction_params=DATE_PARAMS)
    title = _tidy(getattr(document, "title", None))
    text = _without_title(_tidy(getattr(document, "text", None)), title)
    if not text or len(text) < MIN_TEXT_CHARS:
        return None
    date = getattr(document, "date", None) or page_date(html, url)
    return CleanedPage(text=text, title=title, date=date,
                       author=_tidy(document.author), sitename=_tidy(document.sitename))


def page_date(html: str, url: str | None = None) -> str | None:
    """The original publication date of a page as YYYY-MM-DD (htmldate), or None."""
    try:
        return find_date(html, url=url, **DATE_PARAMS)
    except (ValueError, TypeError):
        return None


def _without_title(text: str | None, title: str | None) -> str | None:
    """The text without a first line repeating the title (the page's own headline)."""
    if not text or not title:
        return text
    first, _, rest = text.partition("\n")
    return rest.strip() if first.split() == title.split() and rest.strip() else text


def _tidy(text: str | None) -> str | None:
    """Text with surrounding blanks and runs of empty lines removed (None when empty)."""
    if not text:
        return None
    text = BLANK_LINES.sub("\n", text.strip())
    return text or None
