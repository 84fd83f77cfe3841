"""Alert text made safe for each channel: article text is untrusted.

An alert quotes the report (the evidence sentence, its URLs), and a hostile or careless
article can hold text that a chat service would act on: ``@everyone``/``@here``/``@channel``
pings, ``<@123>`` or ``<!here>`` mention tokens, Markdown links that hide their target
(``[click](https://evil)``), HTML. ``escape_for(scheme, title, body)`` returns the title and
body made safe for the channel; every apprise channel is sent them as TEXT
(``NotifyFormat.TEXT``, set by ``Deliverer``), per channel:

=================  ===========================================================================
channel            what is done
=================  ===========================================================================
every channel      control characters and bidi overrides (U+202A–202E, U+2066–2069) removed;
                   the title on one line (no header injection into e-mail subjects)
``discord://``     Markdown escaped, mentions broken with a zero-width space, URLs as
                   ``<url>``; sent by ``Deliverer`` itself with ``allowed_mentions: {parse: []}``
                   (apprise cannot set it), so Discord pings nobody whatever the text says
``mmost(s)://``    Markdown escaped, ``@channel``/``@all``/``@here``/``@user`` broken (Mattermost
                   has no way to turn mentions off for a webhook post)
``slack://``       sent as TEXT: apprise escapes ``&``, ``<`` and ``>`` (no ``<!here>``, no
                   ``<url|label>`` links); mentions broken as well
``tgram://``       sent as TEXT: apprise sends Telegram HTML with the text entity-escaped;
                   ``@user`` mentions broken
``mailto(s)://``   sent as TEXT: a plain-text e-mail (no HTML part to inject into)
others             plain TEXT, mentions broken
=================  ===========================================================================

Webhooks (``http(s)://``, ``json(s)://``) carry the message as a JSON string next to the
structured event; receivers render it themselves.
"""
from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["escape_for", "clean_text", "escape_markdown", "break_mentions", "MARKDOWN_SCHEMES",
           "DISCORD_SCHEMES"]

DISCORD_SCHEMES = frozenset({"discord"})
MARKDOWN_SCHEMES = frozenset({"discord", "mmost", "mmosts"})
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
MARKDOWN_SPECIAL = re.compile(r"([\\`*_~|\[\]()<>#!])")
# @everyone, @here, @channel, @all, @someone; Discord <@123>/<@&123>/<#123>; Slack <!here>
MENTION = re.compile(r"@(?=[\w.-])")
ZWSP = "\u200b"


def clean_text(text: str) -> str:
    """``text`` without control characters (newlines and tabs kept) and bidi overrides."""
    return CONTROL.sub("", text.replace("\r\n", "\n"))


def break_mentions(text: str) -> str:
    """Every ``@name`` with a zero-width space after the ``@``: shown the same, pings nobody."""
    return MENTION.sub("@" + ZWSP, text)


def _safe_url(url: str) -> str:
    """A URL with the characters that could close ``<…>`` or a Markdown link percent-encoded."""
    return quote(url, safe=":/?#[]@!$&'*+,;=%-._~")


def escape_markdown(text: str) -> str:
    """Markdown-escaped ``text`` whose URLs stay links (as ``<url>``), mentions broken."""
    out, last = [], 0
    for match in URL.finditer(text):
        out.append(break_mentions(MARKDOWN_SPECIAL.sub(r"\\\1", text[last:match.start()])))
        url = match.group(0).rstrip(".,;:!?)»")
        out.append(f"<{_safe_url(url)}>")
        last = match.start() + len(url)
    out.append(break_mentions(MARKDOWN_SPECIAL.sub(r"\\\1", text[last:])))
    return "".join(out)


def escape_for(scheme: str, title: str, body: str) -> tuple[str, str]:
    """``(title, body)`` safe to send to a channel of ``scheme`` (apprise channels as TEXT)."""
    scheme = scheme.lower()
    title, body = " ".join(clean_text(title).split()), clean_text(body)  # a title is one line
    if scheme in MARKDOWN_SCHEMES:
        return escape_markdown(title), escape_markdown(body)
    if scheme.startswith("mailto"):
        return title, body
    return break_mentions(title), break_mentions(body)
