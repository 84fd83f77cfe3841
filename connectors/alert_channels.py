"""Alert channels: where alerts go, which events each one wants, and delivery.

Channels come from three places, merged in this order (duplicates by URL dropped):

1. ``--alert URL`` flags (repeatable) and ``DEFWATCH_ALERTS`` (comma-separated URLs);
2. the ``alerts:`` section of ``feeds.yaml``::

       alerts:
         - url: json://desk.example.org/hooks/defwatch
         - url: mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.org?to=desk@example.org
           name: desk-mail
           filters: {governorate_ar: دير الزور, min_count: 10, actors: [ndf]}

3. the same filters as URL query parameters prefixed ``filter_`` (removed before delivery)::

       --alert 'json://desk.example.org/hook?filter_governorate_ar=دير الزور&filter_min_count=10'
       --alert 'slack://${SLACK_TOKEN}/#defections?filter_actors=ndf,saa'

Filters (all optional; an event must pass every one given):

- ``governorate_ar``: a name or a list of names (``location.governorate_ar``, exact match);
- ``actors``: a list of actor ids (``actor.id`` or ``actor.parent_id``);
- ``min_count``: the event's ``count`` (or the top of ``count_range``) is at least this.

Delivery by URL scheme:

- ``http://``, ``https://``: POST of the webhook JSON (``alert_message.webhook_payload``);
  ``json://`` posts to ``http://`` and ``jsons://`` to ``https://`` the same way;
- ``discord://WEBHOOK_ID/TOKEN``: Discord's webhook API, sent here with every mention
  disabled (``allowed_mentions``), which apprise cannot do;
- anything else (``slack://``, ``tgram://``, ``mmost://``, ``mailto://``, ``mailtos://``, …)
  goes through apprise with the title and the text body.

Alert text quotes untrusted articles: ``alert_escape.escape_for`` makes it safe per channel
(Markdown, mentions, HTML). Delivery errors are redacted (``connectors.redact``).

Secrets come only from the environment: ``${NAME}`` in a URL is replaced by the environment
variable ``NAME`` when the alert is sent (on the worker), so configuration files and the
pipeline graph never hold them. A channel is known by ``key`` (a hash of its unexpanded URL)
and shown by ``name`` (given, or the URL without credentials, query or tokens).
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

from connectors.alert_escape import DISCORD_SCHEMES, escape_for
from connectors.redact import redact, redact_url, register_secrets, url_secrets
from schemas.records import DefectionEvent, stable_id

ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
WEBHOOK_SCHEMES = {"http": "http", "https": "https", "json": "http", "jsons": "https"}
FILTER_PREFIX = "filter_"
FILTER_KEYS = frozenset({"governorate_ar", "actors", "min_count"})
CHANNEL_KEYS = frozenset({"url", "name", "filters"})
USER_AGENT = "defection-watch-alerts/1"


class ChannelConfigError(ValueError):
    """An alert channel is malformed (bad URL, unknown filter, missing variable)."""


class DeliveryError(RuntimeError):
    """A delivery failed; ``reason`` is short and machine-friendly (``http_status:503``).

    ``detail`` is redacted and cut to ``DETAIL_CHARS`` (it may quote the receiver's answer).
    """

    DETAIL_CHARS = 200

    def __init__(self, reason: str, detail: str = ""):
        detail = (redact(detail) or "")[:self.DETAIL_CHARS]
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _as_tuple(value: Any) -> tuple[str, ...]:
    """A filter value (string, comma-separated string or list) as a tuple of strings."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(v).strip() for v in items if str(v).strip())


@dataclass(frozen=True)
class ChannelFilter:
    """Which events a channel wants; an empty filter wants every event."""
    governorates: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    min_count: int | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ChannelFilter:
        """From ``{governorate_ar, actors, min_count}`` (ChannelConfigError on unknown keys)."""
        data = dict(data or {})
        unknown = set(data) - FILTER_KEYS
        if unknown:
            raise ChannelConfigError(f"unknown alert filter(s) {sorted(unknown)}; "
                                     f"expected {sorted(FILTER_KEYS)}")
        min_count = data.get("min_count")
        try:
            min_count = None if min_count in (None, "") else int(min_count)
        except (TypeError, ValueError) as error:
            raise ChannelConfigError(f"min_count must be an integer, got {min_count!r}") from error
        return cls(_as_tuple(data.get("governorate_ar")), _as_tuple(data.get("actors")),
                   min_count)

    def matches(self, event: DefectionEvent) -> bool:
        """True when ``event`` passes every filter given."""
        if self.governorates and (event.location.governorate_ar or "") not in self.governorates:
            return False
        if self.actors and not ({event.actor.id, event.actor.parent_id} & set(self.actors)):
            return False
        if self.min_count is not None:
            top = max([c for c in [event.count, *(event.count_range or [])] if c is not None],
                      default=None)
            if top is None or top < self.min_count:
                return False
        return True


def _display_name(url: str) -> str:
    """The URL without credentials, query or (for apprise URLs) tokens: safe to store/log."""
    parts = urlsplit(url)
    if parts.scheme in WEBHOOK_SCHEMES:
        host = parts.hostname or ""
        try:
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            port = ""
        return redact_url(f"{parts.scheme}://{host}{port}{parts.path}")
    return f"{parts.scheme}#{stable_id(url, length=8)}"


@dataclass(frozen=True)
class Channel:
    """One alert destination: the URL (``${VAR}`` unexpanded), its filter and names."""
    url: str
    filters: ChannelFilter = field(default_factory=ChannelFilter)
    name: str = ""

    @property
    def key(self) -> str:
        """A stable key of the channel (hash of its unexpanded URL)."""
        return stable_id("alert-channel", self.url, length=12)

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()

    @property
    def is_webhook(self) -> bool:
        return self.scheme in WEBHOOK_SCHEMES

    def label(self) -> str:
        """The display name: given, else the URL without secrets."""
        return self.name or _display_name(self.url)

    def resolved_url(self, env: Mapping[str, str] | None = None) -> str:
        """The URL with ``${VAR}`` expanded from the environment; webhooks as http(s)."""
        env = os.environ if env is None else env

        def expand(match: re.Match) -> str:
            if match.group(1) not in env:
                raise ChannelConfigError(f"environment variable {match.group(1)} is not set "
                                         f"(alert channel {self.label()})")
            return env[match.group(1)]

        url = ENV_VAR.sub(expand, self.url)
        if self.is_webhook:
            parts = urlsplit(url)
            url = urlunsplit(parts._replace(scheme=WEBHOOK_SCHEMES[parts.scheme.lower()]))
        return url


def parse_channel(spec: str | Mapping[str, Any] | Channel) -> Channel:
    """A Channel from a URL (filters as ``filter_*`` query parameters) or a feeds.yaml entry."""
    if isinstance(spec, Channel):
        return spec
    if isinstance(spec, str):
        spec = {"url": spec}
    unknown = set(spec) - CHANNEL_KEYS
    if unknown:
        raise ChannelConfigError(f"unknown alert channel field(s) {sorted(unknown)}")
    url = str(spec.get("url") or "").strip()
    parts = urlsplit(url)
    if not parts.scheme or "://" not in url:
        raise ChannelConfigError(f"alert URL must look like scheme://…, got {url!r}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    filters = dict(spec.get("filters") or {})
    for name, value in query:
        if name.startswith(FILTER_PREFIX):
            filters[name[len(FILTER_PREFIX):]] = value
    clean = url
    if any(k.startswith(FILTER_PREFIX) for k, _ in query):
        kept = [(k, v) for k, v in query if not k.startswith(FILTER_PREFIX)]
        clean = urlunsplit(parts._replace(query=urlencode(kept, safe="${}@,:/")))
    return Channel(url=clean, filters=ChannelFilter.from_mapping(filters),
                   name=str(spec.get("name") or ""))


def load_channels(urls: Iterable[str] = (), feeds_path: str | Path | None = None,
                  env: Mapping[str, str] | None = None) -> list[Channel]:
    """Channels from ``urls``, ``DEFWATCH_ALERTS`` and the ``alerts:`` of ``feeds_path``."""
    env = os.environ if env is None else env
    specs: list[Any] = list(urls or [])
    specs += [u.strip() for u in env.get("DEFWATCH_ALERTS", "").split(",") if u.strip()]
    if feeds_path:
        data = yaml.safe_load(Path(feeds_path).read_text(encoding="utf-8")) or {}
        section = data.get("alerts") or [] if isinstance(data, dict) else []
        if not isinstance(section, list):
            raise ChannelConfigError(f"{feeds_path}: 'alerts' must be a list")
        specs += section
    channels: dict[str, Channel] = {}
    for spec in specs:
        channel = parse_channel(spec)
        channels.setdefault(channel.url, channel)
    return list(channels.values())


# ----------------------------------------------------------------------------- delivery

class Deliverer:
    """Sends messages to channels: one HTTP session for webhooks, apprise for the rest."""

    def __init__(self, timeout: float = 10.0, env: Mapping[str, str] | None = None):
        import requests

        self._timeout = timeout
        self._env = env
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        self._session.close()

    def send(self, channel: Channel, title: str, body: str, payload: dict[str, Any],
             delivery_id: str | None = None) -> None:
        """Deliver one message; raises DeliveryError on any failure.

        Webhooks get ``delivery_id`` as the ``Idempotency-Key`` header (a re-send after a
        crash carries the same one, so the receiver can drop it). Text for chat and mail
        channels is made safe for each first (``alert_escape.escape_for``). Error details
        never carry the channel's secrets (``redact``).
        """
        try:
            url = channel.resolved_url(self._env)
        except ChannelConfigError as error:
            raise DeliveryError("missing_secret", str(error)) from error
        # Known from here on: masked in every DeliveryError and in any log line a library
        # writes about this channel.
        register_secrets(*url_secrets(url))
        if channel.is_webhook:
            self._post(url, payload, {"Idempotency-Key": delivery_id} if delivery_id else {})
        elif channel.scheme in DISCORD_SCHEMES:
            self._discord(url, *escape_for(channel.scheme, title, body))
        else:
            self._apprise(url, *escape_for(channel.scheme, title, body))

    def _post(self, url: str, payload: dict[str, Any], headers: dict[str, str]) -> None:
        import requests

        try:
            response = self._session.post(url, json=payload, headers=headers,
                                          timeout=self._timeout)
        except requests.RequestException as error:
            raise DeliveryError(f"http_error:{type(error).__name__}", str(error)) from error
        if response.status_code >= 300:
            raise DeliveryError(f"http_status:{response.status_code}", response.text)

    def _discord(self, url: str, title: str, body: str) -> None:
        """Discord's webhook API, with every mention disabled (apprise cannot set that)."""
        import requests

        webhook, username = discord_webhook(url)
        for content in _chunks(f"**{title}**\n{body}", DISCORD_MAX_CHARS):
            message: dict[str, Any] = {"content": content,
                                       "allowed_mentions": {"parse": []}}
            if username:
                message["username"] = username
            try:
                response = self._session.post(webhook, params={"wait": "true"}, json=message,
                                              timeout=self._timeout)
            except requests.RequestException as error:
                raise DeliveryError(f"http_error:{type(error).__name__}", str(error)) \
                    from error
            if response.status_code >= 300:
                raise DeliveryError(f"http_status:{response.status_code}", response.text)

    def _apprise(self, url: str, title: str, body: str) -> None:
        """An apprise channel, sent the (escaped) text as TEXT: apprise escapes it for
        channels that render HTML or Slack markup (see ``alert_escape``)."""
        import apprise

        notifier = apprise.Apprise()
        if not notifier.add(url):
            raise DeliveryError("apprise_bad_url", _display_name(url))
        try:
            sent = notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
        except Exception as error:  # noqa: BLE001 - a plugin bug is a failed delivery
            raise DeliveryError(f"apprise_error:{type(error).__name__}", str(error)) \
                from error
        if not sent:
            raise DeliveryError("apprise_failed", _display_name(url))


DISCORD_API = "https://discord.com/api/webhooks"
DISCORD_MAX_CHARS = 2000


def discord_webhook(url: str) -> tuple[str, str | None]:
    """``discord://[user@]WEBHOOK_ID/WEBHOOK_TOKEN`` → (the webhook's API URL, user name)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    user, _, webhook_id = netloc.rpartition("@")
    token = parts.path.strip("/").split("/", 1)[0]
    if not webhook_id or not token:
        raise DeliveryError("discord_bad_url", "expected discord://WEBHOOK_ID/WEBHOOK_TOKEN")
    return f"{DISCORD_API}/{webhook_id}/{token}", (user or None)


def _chunks(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at line ends where possible."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current.strip():
        pieces.append(current)
    return [p.rstrip("\n") for p in pieces]
