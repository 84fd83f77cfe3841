"""Redaction: no secret reaches a log line, a status line, a dead letter, an alert record or stderr.

One helper for every place that turns an error or a URL into text:

- ``redact(text, secrets=())``: known secret values (API keys, passwords, the expanded
  ``${VAR}`` parts of alert URLs) become ``***``; so do the credentials in URLs
  (``user:pass@``), the values of secret-looking query parameters and ``name=value`` pairs
  (``?token=…``, ``api_key=…``, ``password=…``), token-like path segments of web URLs
  (``/services/T0/B0/XXXXXXXX``), everything after ``scheme://`` of notification URLs whose
  host or path is the token (``tgram://``, ``slack://``, ``discord://``, ``mailtos://`` …)
  and ``Authorization`` header values (``ApiKey …``, ``Basic …``, ``Bearer …``).
- ``redact_url(url)``: one URL, safe to show.
- ``url_secrets(url)``: the secret parts of one URL, to pass to ``redact`` when the URL may
  appear in pieces (``requests`` prints ``url: /path?query`` without the host).
- ``register_secrets(...)`` + ``RedactingFilter``: process-wide known secrets, and a logging
  filter that applies ``redact`` to every record (installed by ``defwatch`` on its handlers).
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

__all__ = ["MASK", "redact", "redact_url", "url_secrets", "register_secrets",
           "RedactingFilter", "install_log_redaction"]

MASK = "***"
WEB_SCHEMES = frozenset({"http", "https", "json", "jsons", "ws", "wss", "ftp"})
# Query/field names whose values are credentials.
SECRET_NAME = re.compile(
    r"(?i)^(.*[-_])?(token|secret|passw(or)?d|pass|pwd|api[-_]?key|apikey|key|auth|"
    r"authorization|signature|sig|session|sid|credentials?|access[-_]?key|client[-_]?secret|"
    r"private[-_]?key|webhook[-_]?secret)$")
URL_RE = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,15})://([^\s'\"<>()\[\]{}]+)")
PAIR_RE = re.compile(
    r"(?i)\b((?:[a-z0-9]+[-_])*(?:token|secret|passw(?:or)?d|pass|pwd|api[-_]?key|apikey|"
    r"auth|signature|sig|session|sid|credentials?|access[-_]?key|client[-_]?secret))"
    r"(\s*[=:]\s*)(?!\*\*\*)([^\s&'\",;)}\]]+)")
AUTH_RE = re.compile(r"(?i)\b(ApiKey|Basic|Bearer|Token)\s+[A-Za-z0-9+/=._~-]{8,}")
TOKEN_SEGMENT = re.compile(r"^[A-Za-z0-9_\-.:=+]{16,}$")
MIN_SECRET = 6  # shorter "secrets" would mask ordinary words and numbers

_KNOWN: set[str] = set()
_LOCK = threading.Lock()


def _token_like(segment: str) -> bool:
    """A path segment that looks like a credential: long, and mixing letters and digits."""
    return bool(TOKEN_SEGMENT.match(segment)) and any(c.isdigit() for c in segment) and any(
        c.isalpha() for c in segment)


def redact_url(url: str) -> str:
    """``url`` with credentials, secret query values and token-like path segments masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    scheme = parts.scheme.lower()
    if scheme and scheme not in WEB_SCHEMES:
        return f"{parts.scheme}://{MASK}"  # notification URLs: host and path are tokens
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    path = "/".join(MASK if _token_like(seg) else seg for seg in parts.path.split("/"))
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if pairs:
            query = "&".join(f"{k}={MASK if SECRET_NAME.match(k) else v}" for k, v in pairs)
    return urlunsplit((parts.scheme, netloc, path, query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The secret parts of ``url``: its password, secret query values and token-like parts
    (the long mixed letter-and-digit strings of webhook paths and notification URLs).

    Only these are registered process-wide (``Deliverer``): host names, ports and short
    words are never treated as secrets.
    """
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        parts, password = None, None
    out: list[str] = [password] if password else []
    tail = url.split("://", 1)[-1].split("?", 1)[0]
    out += [seg for seg in re.split(r"[/@?&#]", tail) if _token_like(seg)]
    if parts is not None:
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if SECRET_NAME.match(key) and value:
                out.append(value)
    return [s for s in dict.fromkeys(out) if len(s) >= MIN_SECRET]


def register_secrets(*secrets: str | None) -> None:
    """Remember secret values process-wide: every later ``redact`` masks them."""
    with _LOCK:
        _KNOWN.update(s for s in secrets if s and len(s) >= MIN_SECRET)


def _mask_known(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len,
                         reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            if form in text:
                text = text.replace(form, MASK)
    return text


def redact(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """``text`` with every known and recognisable secret replaced by ``***``."""
    if not text:
        return text
    text = str(text)
    with _LOCK:
        known = set(_KNOWN)
    text = _mask_known(text, [*secrets, *known])
    text = URL_RE.sub(lambda m: redact_url(m.group(0)), text)
    text = AUTH_RE.sub(lambda m: f"{m.group(1)} {MASK}", text)
    return PAIR_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message (and exception text) of records."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logged as it is
            return True
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> None:
    """Add a ``RedactingFilter`` to every handler of ``logger`` (the root logger by default)."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
