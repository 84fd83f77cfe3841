"""The private-address guard: schemes, address classes, IPv6 forms, allow-hosts."""
import ipaddress

import pytest

from connectors.url_guard import (
    UnsafeURL,
    check_scheme,
    classify,
    is_allowed,
    parse_allow_host,
    resolve_safe,
)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.org/1",
                                 "ftp://example.org/x", "javascript:alert(1)", "//no-scheme"])
def test_only_http_and_https(url):
    with pytest.raises(UnsafeURL) as caught:
        check_scheme(url)
    assert caught.value.reason == "scheme_not_allowed"


@pytest.mark.parametrize("address, why", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link_local"), ("0.0.0.0", "private"),
    ("224.0.0.1", "multicast"), ("100.64.0.1", "not_global"), ("::1", "loopback"),
    ("fe80::1", "link_local"), ("fc00::1", "private"),
    ("::ffff:169.254.169.254", "link_local"), ("::ffff:10.0.0.1", "private"),
    ("::ffff:127.0.0.1", "loopback"), ("::169.254.169.254", "link_local"),
    ("2002:a9fe:a9fe::1", "link_local"),  # 6to4 wrapping 169.254.169.254
    ("100.100.100.200", "link_local"), ("fd00:ec2::254", "link_local"),
])
def test_refused_addresses(address, why):
    assert classify(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946",
                                     "8.8.8.8"])
def test_public_addresses_pass(address):
    assert classify(ipaddress.ip_address(address)) is None


def test_allow_host_exempts_loopback_but_never_metadata():
    assert resolve_safe("http://127.0.0.1:8080/x", ["127.0.0.1"])[3] == ipaddress.ip_address(
        "127.0.0.1")
    with pytest.raises(UnsafeURL) as caught:
        resolve_safe("http://127.0.0.1:8080/x")
    assert caught.value.reason == "private_address"
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[::ffff:a9fe:a9fe]/"):
        host = url.split("/")[2].strip("[]")
        with pytest.raises(UnsafeURL) as caught:
            resolve_safe(url, [host])
        assert caught.value.reason == "private_address"


def test_names_are_resolved_before_checking():
    with pytest.raises(UnsafeURL) as caught:
        resolve_safe("http://localhost/", ["127.0.0.1"])
    assert caught.value.reason == "private_address"


@pytest.mark.parametrize("entry, parsed", [
    ("127.0.0.1", ("127.0.0.1", None)), ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    ("LocalHost.", ("localhost", None)), ("news.example.org:443", ("news.example.org", 443)),
    ("[::1]:8080", ("::1", 8080)), ("::1", ("::1", None)), ("[::1]", ("::1", None)),
])
def test_allow_host_entries(entry, parsed):
    assert parse_allow_host(entry) == parsed


def test_allow_host_port_is_exact_and_a_bare_host_allows_every_port():
    assert is_allowed("127.0.0.1", 8080, ["127.0.0.1:8080"])
    assert not is_allowed("127.0.0.1", 9090, ["127.0.0.1:8080"])
    assert is_allowed("127.0.0.1", 9090, ["127.0.0.1"])
    assert not is_allowed("127.0.0.2", 8080, ["127.0.0.1"])
    assert not is_allowed("localhost", 8080, ["127.0.0.1:8080"])
    with pytest.raises(UnsafeURL) as caught:
        resolve_safe("http://127.0.0.1:9090/x", ["127.0.0.1:8080"])
    assert caught.value.reason == "private_address" and "127.0.0.1:9090" in caught.value.detail
    assert str(resolve_safe("http://127.0.0.1:8080/x", ["127.0.0.1:8080"])[3]) == "127.0.0.1"
