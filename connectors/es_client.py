"""The Elasticsearch target: where the cluster is, how to authenticate, which indices.

``EsTarget`` is the one settings object that every command and connector takes. It is a frozen
dataclass of plain values, so Beam pickles it into DoFn constructors; the client itself is made
on the worker (``target.client()`` in ``setup()``). Its ``repr`` never shows a secret.

Every command that talks to Elasticsearch takes the same flags (``add_es_arguments``); a flag
wins over its environment variable, which wins over the default:

=========================  ===============================  ==============================
flag                       environment                      default
=========================  ===============================  ==============================
``--es-url URL``           ``DEFWATCH_ES_URL``              ``http://127.0.0.1:9200``
``--es-cloud-id ID``       ``DEFWATCH_ES_CLOUD_ID``         (instead of a URL)
``--es-api-key KEY``       ``DEFWATCH_ES_API_KEY``,         none
                           ``DEFWATCH_ES_API_KEY_FILE``
``--es-username USER``     ``DEFWATCH_ES_USERNAME``         none
``--es-password PASS``     ``DEFWATCH_ES_PASSWORD``,        none
                           ``DEFWATCH_ES_PASSWORD_FILE``
``--es-ca-certs PEM``      ``DEFWATCH_ES_CA_CERTS``         the system's CA store
``--no-verify-certs``      ``DEFWATCH_ES_VERIFY_CERTS=false``  verify
``--es-ssl-fingerprint``   ``DEFWATCH_ES_SSL_FINGERPRINT``  none (SHA-256, hex)
``--es-request-timeout S`` ``DEFWATCH_ES_REQUEST_TIMEOUT``  30
``--index-prefix P``       ``DEFWATCH_INDEX_PREFIX``        ``defwatch``
=========================  ===============================  ==============================

``user:password@`` in the URL still works: it is moved into ``username``/``password`` so the
URL shown in messages never carries it. ``describe_error`` turns a transport or API error into
one readable line that names the URL (``TlsError`` → "certificate verify failed …").

    target = EsTarget.from_env()                      # scripts: environment and defaults
    target = es_target_from_args(args)                # commands: flags, then environment
    client = target.client()                          # an elasticsearch.Elasticsearch
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from elasticsearch import Elasticsearch

from schemas.indices import DEFAULT_PREFIX

__all__ = ["EsTarget", "EsConfigError", "add_es_arguments", "es_target_from_args",
           "describe_error", "make_client", "resolve_es_url", "DEFAULT_ES_URL",
           "DEFAULT_REQUEST_TIMEOUT"]

LOG = logging.getLogger(__name__)
DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_REQUEST_TIMEOUT = 30.0
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
HEX_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


class EsConfigError(ValueError):
    """The Elasticsearch settings are contradictory or incomplete (a usage error)."""


@dataclass(frozen=True)
class EsTarget:
    """Where and how to reach Elasticsearch, and the prefix of the project's indices."""
    url: str | None = None  # DEFAULT_ES_URL when there is no cloud id either
    cloud_id: str | None = None
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_certs: str | None = None
    verify_certs: bool = True
    ssl_fingerprint: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    index_prefix: str = DEFAULT_PREFIX

    def __post_init__(self):
        if not self.url and not self.cloud_id:
            object.__setattr__(self, "url", DEFAULT_ES_URL)
        url = self.url
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise EsConfigError(f"Elasticsearch URL must be http(s)://HOST[:PORT], "
                                    f"got {_without_userinfo(url)!r}")
            if parts.username is not None:  # user:password@ moves out of the URL
                if not self.username:
                    object.__setattr__(self, "username", unquote(parts.username))
                if not self.password and parts.password is not None:
                    object.__setattr__(self, "password", unquote(parts.password))
                url = _without_userinfo(url)
            object.__setattr__(self, "url", url.rstrip("/"))
        if self.cloud_id and self.url:
            raise EsConfigError("give an Elasticsearch URL or a cloud id, not both")
        if self.api_key and (self.username or self.password):
            raise EsConfigError("give an API key or a username and password, not both")
        if bool(self.username) != bool(self.password):
            raise EsConfigError("a username needs a password and a password needs a username")
        if self.ssl_fingerprint:
            fingerprint = self.ssl_fingerprint.replace(":", "").strip().lower()
            if not HEX_FINGERPRINT.match(fingerprint):
                raise EsConfigError("the SSL fingerprint must be the certificate's SHA-256 "
                                    "in hex (64 digits, colons allowed)")
            object.__setattr__(self, "ssl_fingerprint", fingerprint)
        if self.ca_certs and not Path(self.ca_certs).is_file():
            raise EsConfigError(f"CA certificates file {self.ca_certs!r} not found")
        if not self.index_prefix or not re.fullmatch(r"[a-z0-9][a-z0-9_.+-]*",
                                                     self.index_prefix):
            raise EsConfigError(f"index prefix {self.index_prefix!r}: lowercase letters, "
                                "digits, '-', '_', '.', '+' only")
        if float(self.request_timeout) <= 0:
            raise EsConfigError("the request timeout must be positive")

    # --------------------------------------------------------------- construction

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **given: Any) -> EsTarget:
        """Settings from keyword values (None = not given), then ``env``, then defaults."""
        env = os.environ if env is None else env
        values = {k: v for k, v in given.items() if v is not None}
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown Elasticsearch settings {sorted(unknown)}")
        # A URL given explicitly wins over a cloud id from the environment, and vice versa.
        if "url" not in values and "cloud_id" not in values:
            if env.get("DEFWATCH_ES_CLOUD_ID"):
                values["cloud_id"] = env["DEFWATCH_ES_CLOUD_ID"]
            if not values.get("cloud_id"):
                values["url"] = env.get("DEFWATCH_ES_URL") or None
        # Credentials: an explicit API key ignores a username/password from the environment
        # and an explicit username or password ignores an API key from it; the other half of
        # username/password may come from the environment (a password is best kept there).
        if "api_key" not in values:
            basic = {"username", "password"} & set(values)
            api_key = None if basic else (env.get("DEFWATCH_ES_API_KEY") or _read_secret(
                env.get("DEFWATCH_ES_API_KEY_FILE"), "DEFWATCH_ES_API_KEY_FILE"))
            if api_key:
                values["api_key"] = api_key
            else:
                username = values.get("username") or env.get("DEFWATCH_ES_USERNAME")
                password = values.get("password") or env.get("DEFWATCH_ES_PASSWORD") or \
                    _read_secret(env.get("DEFWATCH_ES_PASSWORD_FILE"),
                                 "DEFWATCH_ES_PASSWORD_FILE")
                if username or password:
                    values["username"], values["password"] = username, password
        for name, var in (("ca_certs", "DEFWATCH_ES_CA_CERTS"),
                          ("ssl_fingerprint", "DEFWATCH_ES_SSL_FINGERPRINT"),
                          ("index_prefix", "DEFWATCH_INDEX_PREFIX")):
            if name not in values and env.get(var):
                values[name] = env[var]
        if "verify_certs" not in values and env.get("DEFWATCH_ES_VERIFY_CERTS"):
            values["verify_certs"] = _boolean(env["DEFWATCH_ES_VERIFY_CERTS"],
                                              "DEFWATCH_ES_VERIFY_CERTS")
        if "request_timeout" not in values and env.get("DEFWATCH_ES_REQUEST_TIMEOUT"):
            values["request_timeout"] = _number(env["DEFWATCH_ES_REQUEST_TIMEOUT"],
                                                "DEFWATCH_ES_REQUEST_TIMEOUT")
        return cls(**values)

    @classmethod
    def coerce(cls, target: EsTarget | str | None, api_key: str | None = None,
               index_prefix: str | None = None) -> EsTarget:
        """``target`` itself, or settings from a bare URL (or None) and the environment.

        The URL form is for tests and scripts; ``api_key``/``index_prefix`` override.
        """
        if isinstance(target, EsTarget):
            changes = {k: v for k, v in (("api_key", api_key), ("index_prefix", index_prefix))
                       if v is not None}
            return target.replace(**changes) if changes else target
        return cls.from_env(url=target, api_key=api_key, index_prefix=index_prefix)

    def replace(self, **changes: Any) -> EsTarget:
        """A copy with ``changes`` (e.g. ``index_prefix`` or a different ``api_key``)."""
        if "api_key" in changes and changes["api_key"]:
            changes.setdefault("username", None)
            changes.setdefault("password", None)
        return dataclasses.replace(self, **changes)

    # --------------------------------------------------------------- use

    @property
    def display(self) -> str:
        """The cluster as shown in messages: the URL (no credentials) or the cloud name."""
        if self.cloud_id:
            return f"cloud deployment {self.cloud_id.split(':', 1)[0]!r}"
        return str(self.url)

    @property
    def uses_tls(self) -> bool:
        return bool(self.cloud_id) or str(self.url).startswith("https://")

    def secrets(self) -> list[str]:
        """The secret values of these settings (for redaction)."""
        return [s for s in (self.api_key, self.password) if s]

    def client_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """The keyword arguments of ``Elasticsearch(...)`` for these settings."""
        kwargs: dict[str, Any] = {"request_timeout": float(self.request_timeout)}
        if self.cloud_id:
            kwargs["cloud_id"] = self.cloud_id
        else:
            kwargs["hosts"] = [self.url]
        if self.api_key:
            kwargs["api_key"] = self.api_key
        elif self.username:
            kwargs["basic_auth"] = (self.username, self.password)
        if self.uses_tls:
            if self.ssl_fingerprint:
                # Pinning replaces chain verification: the pinned certificate is the trust.
                kwargs["ssl_assert_fingerprint"] = self.ssl_fingerprint
                kwargs["verify_certs"] = False
                kwargs["ssl_show_warn"] = False
            else:
                kwargs["verify_certs"] = self.verify_certs
                if self.ca_certs:
                    kwargs["ca_certs"] = self.ca_certs
                if not self.verify_certs:
                    kwargs["ssl_show_warn"] = False  # said once by ``client`` instead
        kwargs.update(overrides)
        return kwargs

    def client(self, **overrides: Any) -> Elasticsearch:
        """A new client (``overrides`` such as ``request_timeout`` or ``max_retries``)."""
        from connectors.redact import register_secrets
        register_secrets(*self.secrets())  # masked in every log line and error from here on
        if self.uses_tls and not self.verify_certs and not self.ssl_fingerprint:
            _warn_once(f"TLS certificates of {self.display} are NOT verified "
                       "(--no-verify-certs): use --es-ca-certs or --es-ssl-fingerprint")
        return Elasticsearch(**self.client_kwargs(**overrides))


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        LOG.warning(message)


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _read_secret(path: str | None, name: str) -> str | None:
    """The stripped content of a secret file (``*_FILE`` variables), or None."""
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except OSError as error:
        raise EsConfigError(f"{name}: cannot read {path}: {error.strerror}") from error


def _boolean(value: str, name: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise EsConfigError(f"{name} must be true or false, got {value!r}")


def _number(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError as error:
        raise EsConfigError(f"{name} must be a number of seconds, got {value!r}") from error


# ----------------------------------------------------------------------------- flags

def add_flag(parser, name: str, *, beam: bool = False, **kwargs: Any) -> None:
    """Add option ``name`` ("--x-y") with dest ``x_y`` and, with ``beam``, the "--x_y" spelling
    Beam's own options use."""
    alias = "--" + name[2:].replace("-", "_")
    names = [name] + ([alias] if beam and alias != name else [])
    parser.add_argument(*names, dest=name[2:].replace("-", "_"), **kwargs)


def add_es_arguments(parser: argparse.ArgumentParser, beam: bool = False) -> None:
    """The Elasticsearch flags of every command (``beam``: also ``--es_url`` style aliases).

    Defaults are None so ``es_target_from_args`` can tell a flag from the environment.
    """
    group = parser.add_argument_group("Elasticsearch connection") \
        if hasattr(parser, "add_argument_group") else parser

    def flag(name: str, **kwargs: Any) -> None:
        add_flag(group, name, beam=beam, **kwargs)

    flag("--es-url", metavar="URL", default=None,
         help=f"Elasticsearch base URL (env DEFWATCH_ES_URL; default {DEFAULT_ES_URL})")
    flag("--es-cloud-id", metavar="ID", default=None,
         help="Elastic Cloud id instead of a URL (env DEFWATCH_ES_CLOUD_ID)")
    flag("--es-api-key", metavar="KEY", default=None,
         help="API key, base64 'id:key' (env DEFWATCH_ES_API_KEY, or a file named by "
              "DEFWATCH_ES_API_KEY_FILE)")
    flag("--es-username", metavar="USER", default=None,
         help="user for basic auth (env DEFWATCH_ES_USERNAME)")
    flag("--es-password", metavar="PASSWORD", default=None,
         help="password for basic auth; prefer the environment (DEFWATCH_ES_PASSWORD or a "
              "file named by DEFWATCH_ES_PASSWORD_FILE)")
    flag("--es-ca-certs", metavar="PEM", default=None,
         help="CA certificates (PEM) to verify the cluster with (env DEFWATCH_ES_CA_CERTS; "
              "default: the system's)")
    flag("--no-verify-certs", action="store_true", default=None,
         help="do not verify the cluster's TLS certificate (env DEFWATCH_ES_VERIFY_CERTS="
              "false); insecure, for tests")
    flag("--es-ssl-fingerprint", metavar="SHA256", default=None,
         help="pin the cluster's certificate by its SHA-256 fingerprint (hex; env "
              "DEFWATCH_ES_SSL_FINGERPRINT)")
    flag("--es-request-timeout", metavar="SECONDS", type=float, default=None,
         help=f"seconds per request (env DEFWATCH_ES_REQUEST_TIMEOUT; default "
              f"{DEFAULT_REQUEST_TIMEOUT:g})")
    flag("--index-prefix", metavar="PREFIX", default=None,
         help=f"prefix of every index and alias (env DEFWATCH_INDEX_PREFIX; default "
              f"{DEFAULT_PREFIX})")


def es_target_from_args(args: Any, env: Mapping[str, str] | None = None) -> EsTarget:
    """``EsTarget`` from parsed flags (argparse namespace or Beam options), then ``env``."""
    def get(name: str) -> Any:
        return getattr(args, name, None)

    no_verify = get("no_verify_certs")
    return EsTarget.from_env(
        env, url=get("es_url"), cloud_id=get("es_cloud_id"), api_key=get("es_api_key"),
        username=get("es_username"), password=get("es_password"),
        ca_certs=get("es_ca_certs"), verify_certs=False if no_verify else None,
        ssl_fingerprint=get("es_ssl_fingerprint"), request_timeout=get("es_request_timeout"),
        index_prefix=get("index_prefix"))


# ----------------------------------------------------------------------------- errors

_SSL_REASON = re.compile(r"\[SSL(?:: [A-Z_]+)?\] ([^()\]]+?)(?: \(_ssl\.c:\d+\))?\)*['\"]?\)*$")
_CONNECTION_REASONS = [
    ("Connection refused", "connection refused"),
    ("Name or service not known", "unknown host name"),
    ("nodename nor servname", "unknown host name"),
    ("Temporary failure in name resolution", "host name lookup failed"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network unreachable"),
    ("RemoteDisconnected", "the server closed the connection (https:// needed?)"),
    ("Connection reset", "the server reset the connection (https:// needed?)"),
    ("Connection aborted", "the server closed the connection (https:// needed?)"),
    ("WRONG_VERSION_NUMBER", "TLS handshake failed: the server does not speak TLS "
                             "(http:// needed?)"),
    ("Fingerprints did not match", "the server's certificate does not match the pinned "
                                   "--es-ssl-fingerprint"),
]


def _innermost(text: str) -> str:
    """The reason inside nested ``X(Y caused by: Z(...))`` exception texts."""
    match = _SSL_REASON.search(text.strip())
    if match:
        return match.group(1).strip().rstrip("')\"")
    return text.rsplit("caused by: ", 1)[-1].strip()


def describe_error(error: BaseException, target: EsTarget | None = None) -> str:
    """One readable line for an Elasticsearch error, naming the cluster (no traceback)."""
    from elastic_transport import ConnectionTimeout, TlsError, TransportError
    from elasticsearch import ApiError, AuthenticationException, AuthorizationException

    from connectors.redact import redact

    where = target.display if target else "Elasticsearch"
    secrets = target.secrets() if target else []
    text = _error_text(error)
    if isinstance(error, EsConfigError):
        line = str(error)
    elif isinstance(error, AuthenticationException):
        line = (f"{where} rejected the credentials (401): give a valid --es-api-key or "
                "--es-username/--es-password")
    elif isinstance(error, AuthorizationException):
        line = f"{where} refused the request (403, missing privilege): {_api_reason(error)}"
    elif isinstance(error, ApiError):
        line = f"{where} answered {error.status_code}: {_api_reason(error)}"
    elif isinstance(error, ConnectionTimeout):
        line = f"no answer from {where} in time (--es-request-timeout)"
    elif isinstance(error, TlsError) or isinstance(error, TransportError):
        reason = next((said for found, said in _CONNECTION_REASONS if found in text), None)
        if reason is None and isinstance(error, TlsError):
            reason = f"TLS handshake failed: {_innermost(text)}"
            if "certificate verify failed" in text:
                reason += " (give the cluster's CA with --es-ca-certs or pin it with " \
                          "--es-ssl-fingerprint)"
        line = f"cannot reach {where}: {reason or _innermost(text)}"
    else:
        line = f"{where}: {type(error).__name__}: {text}"
    return redact(" ".join(line.split()), secrets)


def _error_text(error: BaseException) -> str:
    """The messages of ``error``, its causes and (transport errors) the errors it wraps."""
    parts, seen = [], set()
    stack: list[Any] = [error]
    while stack:
        item = stack.pop(0)
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        parts.append(f"{item!r}")
        stack += [item.__cause__, item.__context__, *getattr(item, "errors", ())]
    return " | ".join(parts)


def _api_reason(error: Any) -> str:
    """``type: reason`` of an Elasticsearch API error body."""
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        info = body["error"]
        reason = f"{info.get('type')}: {info.get('reason')}"
        cause = info.get("caused_by")
        while isinstance(cause, dict) and isinstance(cause.get("caused_by"), dict):
            cause = cause["caused_by"]
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" (caused by {cause.get('type')}: {cause['reason']})"
        return reason
    return str(getattr(error, "message", error))


# ----------------------------------------------------------------------------- older forms

def resolve_es_url(es_url: str | None = None) -> str:
    """``es_url``, else ``DEFWATCH_ES_URL``, else the local node's default address."""
    return es_url or os.environ.get("DEFWATCH_ES_URL") or DEFAULT_ES_URL


def make_client(target: EsTarget | str | None = None, api_key: str | None = None,
                request_timeout: float | None = None) -> Elasticsearch:
    """A client for ``target`` (an ``EsTarget``, or a URL/None completed from the environment)."""
    target = EsTarget.coerce(target, api_key=api_key)
    overrides = {} if request_timeout is None else {"request_timeout": request_timeout}
    return target.client(**overrides)
