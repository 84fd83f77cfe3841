"""Turn fetched bytes into text: declared charset, BOM, in-document declaration, then a detector.

Arabic sites often serve windows-1256 with no declaration or a wrong one (``iso-8859-1``);
feedparser or a browser default then yields mojibake. :func:`decode_bytes` checks each
candidate strictly and rejects Latin-1-family results that look like mis-decoded Arabic.
"""
from __future__ import annotations

import codecs
import re

import charset_normalizer

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
LATIN_FAMILY = frozenset({"iso8859-1", "cp1252", "ascii", "iso8859-15"})
LATIN_ACCENTED = re.compile(r"[\u00c0-\u00ff]")
LETTERS = re.compile(r"[^\W\d_]")
SNIFF_BYTES = 4096


def normalize_charset(name: str | None) -> str | None:
    """Python's codec name for a charset label, or None when unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None


def declared_in_document(body: bytes) -> str | None:
    """The charset named by an XML declaration or an HTML ``<meta>`` near the top."""
    head = body[:SNIFF_BYTES]
    match = XML_ENCODING.search(head) or META_CHARSET.search(head)
    return match.group(1).decode("ascii", "ignore") if match else None


def looks_misdecoded(text: str) -> bool:
    """True when Latin-1-family text is mostly accented letters (mis-decoded Arabic)."""
    accented = len(LATIN_ACCENTED.findall(text))
    return accented > 20 and accented > 0.3 * max(1, len(LETTERS.findall(text)))


def _try(body: bytes, charset: str | None) -> str | None:
    """``body`` decoded strictly with ``charset``, or None when it does not fit."""
    codec = normalize_charset(charset)
    if codec is None:
        return None
    try:
        text = body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    if codec in LATIN_FAMILY and looks_misdecoded(text):
        return None
    return text


def detect(body: bytes) -> str:
    """``body`` decoded by charset_normalizer's best guess (windows-1256 for Arabic bytes)."""
    best = charset_normalizer.from_bytes(body).best()
    if best is not None:
        return str(best)
    return body.decode("utf-8", errors="replace")


def decode_bytes(body: bytes, declared: str | None = None) -> str:
    """Decode page or feed bytes: BOM, valid UTF-8, declared, in-document charset, detector.

    Bytes that are valid UTF-8 are UTF-8 whatever the declaration says (Arabic in a
    single-byte charset is practically never valid UTF-8); otherwise the declarations are
    tried strictly, then charset_normalizer.
    """
    for bom, codec in BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace").lstrip("\ufeff")
    for candidate in ("utf-8", declared, declared_in_document(body)):
        text = _try(body, candidate)
        if text is not None:
            return text
    return detect(body)
