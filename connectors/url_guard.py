"""The private-address guard: which URLs the fetcher may connect to, and at which address.

A feed can point anywhere, so every hop of every fetch goes through :func:`resolve_safe`:
only ``http``/``https``; the host name is resolved and refused when any of its addresses is
loopback, private, link-local (169.254.0.0/16, the cloud metadata address), multicast,
reserved or otherwise not globally routable — IPv4-mapped/compatible IPv6 forms, 6to4 and
Teredo included. The caller connects to the returned address (not to the name again), so a
DNS answer cannot change between check and use.

``allow_hosts`` exempts named hosts from that check (a local test site), never link-local and
metadata addresses. Each entry is ``HOST`` (that host on any port) or ``HOST:PORT`` (that port
only; ``[::1]:8080`` for IPv6), compared exactly with the URL's host and port: ``127.0.0.1``
does not allow ``localhost`` or ``127.0.0.2``, and ``127.0.0.1:8080`` does not allow a
redirect to ``127.0.0.1:9090``. :func:`parse_allow_host` validates an entry.
"""
from __future__ import annotations

import functools
import ipaddress
import re
import socket
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})

# Never allowed, not even for an allowed host: cloud metadata services and link-local ranges.
NEVER_ALLOWED = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16",  # IPv4 link-local, AWS/GCP/Azure/OpenStack metadata 169.254.169.254
    "fe80::/10",  # IPv6 link-local
    "fd00:ec2::254/128",  # AWS IMDS over IPv6
    "100.100.100.200/32",  # Alibaba Cloud metadata
))

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$")
DNS_TIMEOUT = 10.0  # seconds a name lookup may take when the caller gives no limit


class UnsafeURL(Exception):
    """A URL the fetcher must not touch; ``reason`` is short and machine-friendly."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def check_scheme(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http(s) URL, or UnsafeURL (no network access)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL("bad_url", f"{url!r}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL("scheme_not_allowed", f"{scheme or 'no'} scheme in {url!r}")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeURL("bad_url", f"no host in {url!r}")
    return scheme, host, port or (443 if scheme == "https" else 80)


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv6 one (mapped, compatible, 6to4, Teredo), if any."""
    if address.version == 4:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    packed = address.packed
    if packed[:12] == bytes(12) and packed[12:] != bytes(4) and packed[12:] != b"\0\0\0\1":
        return ipaddress.IPv4Address(packed[12:])  # deprecated IPv4-compatible ::a.b.c.d
    return None


def classify(address: IPAddress) -> str | None:
    """Why an address is refused (``link_local``, ``private``, …), or None when it is public."""
    inner = embedded_ipv4(address)
    candidates = [address] if inner is None else [inner, address]
    for item in candidates:
        if any(item in net for net in NEVER_ALLOWED if net.version == item.version):
            return "link_local"
    for item in candidates:
        for name in ("loopback", "private", "multicast", "reserved", "unspecified"):
            if getattr(item, f"is_{name}"):
                return name
        if not item.is_global:
            return "not_global"
    return None


def parse_allow_host(entry: str) -> tuple[str, int | None]:
    """``HOST`` or ``HOST:PORT`` (``[v6]:PORT``) as (host, port or None), else ValueError."""
    text = str(entry).strip().lower()
    if not text or "/" in text or "@" in text:
        raise ValueError(f"{entry!r} is not HOST or HOST:PORT (e.g. 127.0.0.1 or "
                         "127.0.0.1:8080)")
    host, port = text, None
    bracketed = re.fullmatch(r"\[([0-9a-f:.]+)\](?::(\d+))?", text)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
    elif text.count(":") == 1:
        host, port = text.split(":")
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not HOST_NAME.match(host):
            raise ValueError(f"{entry!r} is not HOST or HOST:PORT (e.g. 127.0.0.1 or "
                             "127.0.0.1:8080)") from None
    if port is not None:
        if not str(port).isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{entry!r}: expected HOST:PORT with a port from 1 to 65535")
        port = int(port)
    return host, port


@functools.lru_cache(maxsize=64)
def _allowed(allow_hosts: tuple[str, ...]) -> frozenset[tuple[str, int | None]]:
    return frozenset(parse_allow_host(entry) for entry in allow_hosts)


def is_allowed(host: str, port: int, allow_hosts: Iterable[str] = ()) -> bool:
    """Whether ``host:port`` is exempt from the private-address check (see module doc)."""
    allowed = _allowed(tuple(allow_hosts))
    host = host.strip("[]").rstrip(".").lower()
    return (host, None) in allowed or (host, port) in allowed


def _getaddrinfo(host: str, port: int, timeout: float) -> list:
    """``socket.getaddrinfo`` bounded by ``timeout`` (the lookup runs on a daemon thread)."""
    answer: list = []

    def lookup():
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:
            answer.append(error)

    thread = threading.Thread(target=lookup, name="defwatch-dns", daemon=True)
    thread.start()
    thread.join(timeout)
    if not answer:
        raise UnsafeURL("dns_error", f"{host}: no answer within {timeout:.1f}s")
    if isinstance(answer[0], BaseException):
        raise UnsafeURL("dns_error", f"{host}: {answer[0]}")
    return answer[0]


def resolve(host: str, port: int, timeout: float = DNS_TIMEOUT) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    infos = _getaddrinfo(host, port, max(0.01, timeout))
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen.setdefault(ipaddress.ip_address(info[4][0].split("%")[0]), None)
    if not seen:
        raise UnsafeURL("dns_error", f"{host}: no address")
    return list(seen)


def resolve_safe(url: str, allow_hosts: Iterable[str] = (),
                 timeout: float = DNS_TIMEOUT) -> tuple[str, str, int, IPAddress]:
    """Scheme, host, port and the address to connect to, or UnsafeURL naming why not.

    ``timeout`` bounds the name lookup (``dns_error`` when it passes).
    """
    scheme, host, port = check_scheme(url)
    allowed = is_allowed(host, port, allow_hosts)
    addresses = resolve(host, port, timeout)
    for address in addresses:
        why = classify(address)
        if why == "link_local" or (why and not allowed):
            hint = "" if why == "link_local" else f"; not an allowed host:port ({host}:{port})"
            raise UnsafeURL("private_address", f"{host} resolves to {address} ({why}){hint}")
    return scheme, host, port, addresses[0]
