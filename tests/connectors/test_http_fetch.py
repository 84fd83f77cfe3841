"""The hardened fetcher against a real loopback server and its hostile routes."""
import gzip
import shutil
import socket
import subprocess
import threading
import time
import tracemalloc

import pytest

from connectors.http_fetch import Fetcher, FetchError, FetchSettings, cancel_fetches
from tests.support.loopback_site import LoopbackSite, Response, http_date

FAST = FetchSettings(allow_hosts=("127.0.0.1",), connect_timeout=1.0, read_timeout=1.0,
                     deadline=2.0, max_bytes=1_000_000, host_delay=0.0, backoff=0.01,
                     backoff_max=0.05, retry_after_max=5.0)


@pytest.fixture(scope="module")
def site():
    with LoopbackSite() as server:
        yield server


@pytest.fixture
def waits():
    return []


@pytest.fixture
def fetcher(waits):
    with Fetcher(FAST, sleep=waits.append) as instance:
        yield instance


def wait_for(condition, timeout: float = 5.0) -> None:
    """Poll ``condition`` until it holds (fails the test after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def reason_of(fetcher, url, **kwargs):
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url, **kwargs)
    return caught.value.reason


def test_ok_headers_and_user_agent(site, fetcher):
    site.static("/ok", "<p>مرحبا</p>")
    result = fetcher.fetch(site.url("/ok"))
    assert (result.status, result.text, result.not_modified) == (200, "<p>مرحبا</p>", False)
    assert result.final_url == site.url("/ok")
    last = [r for r in site.requests if r.path == "/ok"][-1]
    assert last.headers["user-agent"].startswith("defection-watch/")


def test_etag_and_last_modified_give_not_modified(site, fetcher):
    site.static("/cond", "<p>x</p>", etag='"v1"')
    first = fetcher.fetch(site.url("/cond"))
    second = fetcher.fetch(site.url("/cond"), etag=first.etag)
    assert first.etag == '"v1"' and second.not_modified and second.status == 304
    assert second.body == b""
    stamp = http_date(1_700_000_000)
    site.static("/lm", "<p>y</p>", etag=False, last_modified=stamp)
    assert fetcher.fetch(site.url("/lm"), last_modified=stamp).not_modified
    assert not fetcher.fetch(site.url("/lm")).not_modified


def test_never_answering_server_hits_the_deadline(site, fetcher):
    site.hang("/never")
    assert reason_of(fetcher, site.url("/never")) == "timeout"


def test_slow_drip_body_is_cut_at_the_deadline(site, fetcher):
    site.drip("/drip", b"x" * 10_000, chunk=10, interval=0.1)
    assert reason_of(fetcher, site.url("/drip")) == "timeout"


def test_huge_body_is_aborted_while_streaming(site, fetcher):
    site.huge("/huge", 200_000_000)
    tracemalloc.start()
    try:
        assert reason_of(fetcher, site.url("/huge")) == "too_large"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * FAST.max_bytes


def test_declared_length_over_cap_is_refused_before_reading(site, fetcher):
    site.huge("/huge-declared", 200_000_000, declare_length=True)
    assert reason_of(fetcher, site.url("/huge-declared")) == "too_large"


def test_gzip_bomb_is_capped_after_decoding(site, fetcher):
    bomb = gzip.compress(bytes(20_000_000))
    site.static("/bomb", bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    assert len(bomb) < FAST.max_bytes
    assert reason_of(fetcher, site.url("/bomb")) == "too_large"


def test_redirect_loop(site, fetcher):
    site.redirect("/loop-a", "/loop-b")
    site.redirect("/loop-b", "/loop-a")
    assert reason_of(fetcher, site.url("/loop-a")) == "too_many_redirects"
    assert site.hits("/loop-a") + site.hits("/loop-b") == FAST.max_redirects + 1


def test_redirects_are_followed(site, fetcher):
    site.static("/target", "<p>t</p>")
    site.redirect("/moved", "/target", status=301)
    result = fetcher.fetch(site.url("/moved"))
    assert result.final_url == site.url("/target") and result.text == "<p>t</p>"


def test_429_honours_retry_after(site, fetcher, waits):
    site.sequence("/busy", [Response(429, headers={"Retry-After": "1"}), Response(200, "ok")])
    result = fetcher.fetch(site.url("/busy"))
    assert (result.body, result.attempts, waits) == (b"ok", 2, [1.0])


def test_retry_after_is_capped(site, waits):
    site.sequence("/busy-long", [Response(503, headers={"Retry-After": "3600"}),
                                 Response(200, "ok")])
    with Fetcher(FAST.replace(retry_after_max=0.25), sleep=waits.append) as fetcher:
        assert fetcher.fetch(site.url("/busy-long")).body == b"ok"
    assert waits == [0.25]


def test_5xx_then_ok_with_backoff(site, fetcher, waits):
    site.sequence("/flaky", [Response(503), Response(502), Response(200, "ok")])
    result = fetcher.fetch(site.url("/flaky"))
    assert result.attempts == 3 and len(waits) == 2
    assert all(0 < w <= FAST.backoff_max * 1.5 for w in waits)


def test_persistent_5xx_gives_up_after_retries(site, fetcher):
    site.route("/down", Response(503))
    assert reason_of(fetcher, site.url("/down")) == "http_status:503"
    assert site.hits("/down") == FAST.retries + 1


def test_404_is_not_retried(site, fetcher):
    assert reason_of(fetcher, site.url("/missing")) == "http_status:404"
    assert site.hits("/missing") == 1


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "scheme_not_allowed"),
    ("gopher://127.0.0.1:70/1", "scheme_not_allowed"),
    ("http://169.254.169.254/latest/meta-data/", "private_address"),
    ("http://[::ffff:169.254.169.254]/", "private_address"),
    ("http://10.0.0.7/", "private_address"),
])
def test_hostile_urls_are_refused(fetcher, url, reason):
    assert reason_of(fetcher, url) == reason


def test_metadata_address_is_refused_even_when_allowed(waits):
    settings = FAST.replace(allow_hosts=("169.254.169.254",))
    with Fetcher(settings, sleep=waits.append) as fetcher:
        assert reason_of(fetcher, "http://169.254.169.254/latest/") == "private_address"


def test_redirect_from_allowed_host_to_private_address_is_refused(site, fetcher):
    with LoopbackSite() as other:
        other.static("/secret", "<p>internal</p>")
        site.redirect("/to-private", f"http://localhost:{other.port}/secret")
        site.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
        assert reason_of(fetcher, site.url("/to-private")) == "private_address"
        assert reason_of(fetcher, site.url("/to-metadata")) == "private_address"
        assert other.hits("/secret") == 0


def test_fetch_error_survives_pickling():
    import pickle
    error = pickle.loads(pickle.dumps(FetchError("timeout", "slow", "http://x/")))
    assert (error.reason, error.detail, error.url) == ("timeout", "slow", "http://x/")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate for localhost and 127.0.0.1 (needs the openssl CLI)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl CLI not available")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True,
                   capture_output=True)
    return cert, key


def test_https_is_verified_against_the_host_name(tls_files, waits):
    cert, _ = tls_files
    with LoopbackSite(tls=tls_files) as site:
        site.static("/s", "<p>tls</p>")
        untrusted = FAST.replace(retries=0)
        with Fetcher(untrusted, sleep=waits.append) as fetcher:
            assert reason_of(fetcher, site.url("/s")) == "tls_error"
        trusted = FAST.replace(ca_certs=cert, allow_hosts=("127.0.0.1", "localhost"))
        with Fetcher(trusted, sleep=waits.append) as fetcher:
            assert fetcher.fetch(site.url("/s")).text == "<p>tls</p>"
            by_name = fetcher.fetch(f"https://localhost:{site.port}/s")
            assert by_name.text == "<p>tls</p>"
        assert [r.headers["host"] for r in site.requests][-1] == f"localhost:{site.port}"


# ----------------------------------------------------------------------------- the deadline

def _timed(fetcher, url):
    started = time.monotonic()
    reason = reason_of(fetcher, url)
    return reason, time.monotonic() - started


def test_status_line_and_headers_trickled_byte_by_byte_end_at_the_deadline(site):
    site.trickle_head("/tarpit", interval=0.2)  # every read gets a byte within read_timeout
    with Fetcher(FAST.replace(deadline=1.5, read_timeout=1.0, retries=3)) as fetcher:
        reason, elapsed = _timed(fetcher, site.url("/tarpit"))
    assert reason == "timeout"
    assert 1.4 <= elapsed < 2.5


def test_the_deadline_covers_retries_and_their_waits(site):
    site.route("/always-busy", Response(503, headers={"Retry-After": "1"}))
    settings = FAST.replace(deadline=2.5, retries=10, retry_after_max=1.0)
    with Fetcher(settings) as fetcher:  # real waits
        reason, elapsed = _timed(fetcher, site.url("/always-busy"))
    assert reason == "http_status:503"
    assert elapsed < 2.6 and site.hits("/always-busy") <= 3


def test_the_deadline_covers_a_redirect_chain_into_a_tarpit(site):
    site.trickle_head("/tarpit-2", interval=0.2)
    site.redirect("/hop-1", "/hop-2")
    site.redirect("/hop-2", "/tarpit-2")
    with Fetcher(FAST.replace(deadline=1.5)) as fetcher:
        reason, elapsed = _timed(fetcher, site.url("/hop-1"))
    assert reason == "timeout" and elapsed < 2.5


def test_cancel_fetches_ends_a_hanging_fetch_at_once(site):
    site.hang("/never-cancel")
    outcome = []
    with Fetcher(FAST.replace(deadline=30.0, read_timeout=30.0)) as fetcher:
        worker = threading.Thread(target=lambda: outcome.append(
            reason_of(fetcher, site.url("/never-cancel"))))
        worker.start()
        wait_for(lambda: site.hits("/never-cancel") == 1)
        started = time.monotonic()
        assert cancel_fetches() >= 1
        worker.join(5)
    assert outcome == ["cancelled"] and time.monotonic() - started < 1.0


# ----------------------------------------------------------------------------- error reasons

def test_connection_refused_has_its_own_reason(fetcher):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert reason_of(fetcher, f"http://127.0.0.1:{port}/feed") == "connection_refused"


def test_dns_failure_has_its_own_reason(fetcher):
    assert reason_of(fetcher, "http://no-such-outlet.invalid/feed") == "dns_error"


def test_tls_failure_has_its_own_reason(site, fetcher):
    site.static("/plain", "<p>not tls</p>")
    assert reason_of(fetcher, f"https://127.0.0.1:{site.port}/plain") == "tls_error"


# ----------------------------------------------------------------------------- allow-host

def test_allow_host_with_port_allows_that_port_only_also_after_redirects(site, waits):
    with LoopbackSite() as other:
        other.static("/page", "<p>other port</p>")
        site.static("/here", "<p>here</p>")
        site.redirect("/to-other-port", other.url("/page"))
        exact = FAST.replace(allow_hosts=(f"127.0.0.1:{site.port}",))
        with Fetcher(exact, sleep=waits.append) as fetcher:
            assert fetcher.fetch(site.url("/here")).text == "<p>here</p>"
            assert reason_of(fetcher, site.url("/to-other-port")) == "private_address"
            assert reason_of(fetcher, other.url("/page")) == "private_address"
        assert other.hits("/page") == 0
        both = FAST.replace(allow_hosts=(f"127.0.0.1:{site.port}", f"127.0.0.1:{other.port}"))
        with Fetcher(both, sleep=waits.append) as fetcher:
            assert fetcher.fetch(site.url("/to-other-port")).text == "<p>other port</p>"


def test_allow_host_matches_the_host_exactly(waits):
    with LoopbackSite(host="127.0.0.3") as outlet:
        outlet.static("/feed", "<p>x</p>")
        with Fetcher(FAST, sleep=waits.append) as fetcher:  # allows 127.0.0.1 only
            assert reason_of(fetcher, outlet.url("/feed")) == "private_address"
        with Fetcher(FAST.replace(allow_hosts=("127.0.0.3",)), sleep=waits.append) as fetcher:
            assert fetcher.fetch(outlet.url("/feed")).text == "<p>x</p>"


@pytest.mark.parametrize("entry", ["http://127.0.0.1", "127.0.0.1:0", "127.0.0.1:http", "",
                                   "a b", "127.0.0.1/feed"])
def test_bad_allow_host_entries_are_refused_up_front(entry):
    with pytest.raises(ValueError, match="HOST"):
        FetchSettings(allow_hosts=(entry,))
