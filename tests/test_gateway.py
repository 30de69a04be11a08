"""The gateway turns every SDK failure into one actionable line, over real HTTP to the demo API."""

from __future__ import annotations

import threading

import pytest

from tui.core import errors
from tui.core.errors import ApiError
from tui.core.gateway import Gateway
from tui.demo import DEMO_API_KEY
from tui.demo.faults import Faults
from tui.demo.runner import DemoServer


@pytest.fixture(scope="module")
def server():
    with DemoServer() as s:
        yield s


@pytest.fixture(autouse=True)
def no_faults(server):
    server.set_faults(Faults())
    yield
    server.set_faults(Faults())


def fail(call) -> ApiError:
    with pytest.raises(ApiError) as info:
        call()
    err = info.value
    assert "\n" not in str(err) and DEMO_API_KEY not in str(err)
    return err


@pytest.mark.parametrize("status, kind, words", [
    (500, errors.SERVER, "internal error (500)"),
    (503, errors.SERVER, "internal error (503)"),
    (403, errors.AUTH, "may not do this (403)"),
    (400, errors.BAD_REQUEST, "refused the request (400)"),
])
def test_status_errors_name_the_status_and_request_id(server, status, kind, words):
    server.set_faults(Faults(error_rate=1.0, error_status=status))
    err = fail(lambda: Gateway(server.base_url, DEMO_API_KEY, max_retries=0).verify_key())
    assert err.kind == kind and words in str(err) and err.request_id and err.request_id in str(err)


def test_wrong_key_is_401_with_what_to_do(server):
    err = fail(lambda: Gateway(server.base_url, "ak_wrong_000000000", max_retries=0).verify_key())
    assert err.kind == errors.AUTH and err.status == 401 and "composio-tui login" in str(err)


def test_rate_limit_carries_retry_after(server):
    server.set_faults(Faults(rate_limit_rate=1.0, retry_after=7))
    gateway = Gateway(server.base_url, DEMO_API_KEY, max_retries=0)
    gateway.rate_limit_wait = 0  # no patience: the 429 surfaces at once (else it is waited out, issue 10)
    err = fail(gateway.verify_key)
    assert err.kind == errors.RATE_LIMITED and err.retry_after == 7 and "retry in 7 s" in str(err)


def test_unknown_toolkit_is_not_found(server):
    err = fail(lambda: Gateway(server.base_url, DEMO_API_KEY).toolkit_detail("no_such_toolkit"))
    assert err.kind == errors.NOT_FOUND


def test_unknown_slug_on_create_is_refused(server):
    err = fail(lambda: Gateway(server.base_url, DEMO_API_KEY).create_session("u1", ["not_a_toolkit"]))
    assert err.kind == errors.BAD_REQUEST and "not_a_toolkit" in str(err)


def test_malformed_body_dropped_connection_refused_and_timeout(server):
    gw = Gateway(server.base_url, DEMO_API_KEY, max_retries=0, timeout=1.0)
    server.set_faults(Faults(malformed_rate=1.0))
    assert fail(gw.verify_key).kind == errors.BAD_RESPONSE
    server.set_faults(Faults(drop_rate=1.0))
    assert fail(gw.verify_key).kind == errors.NETWORK
    server.set_faults(Faults(latency=(2.0, 2.0)))
    err = fail(gw.verify_key)
    assert err.kind == errors.TIMEOUT and "did not answer in time" in str(err)
    err = fail(Gateway("http://127.0.0.1:9", DEMO_API_KEY, max_retries=0).verify_key)
    assert err.kind == errors.NETWORK and "Cannot reach http://127.0.0.1:9" in str(err)


def test_plain_http_to_a_remote_host_is_refused_before_sending():
    err = fail(lambda: Gateway("http://example.invalid", DEMO_API_KEY).verify_key())
    assert err.kind == errors.CONFIG and "plain http" in str(err)


def test_no_telemetry_from_worker_threads(server):
    gw = Gateway(server.base_url, DEMO_API_KEY)
    gw.verify_key()  # SDK built in this thread
    seen = {}

    def worker():
        from composio.core.models.base import allow_tracking

        gw.fetch_catalog()
        seen["allow_tracking"] = allow_tracking.get()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == {"allow_tracking": False}


def test_catalog_follows_cursor_when_pages_are_capped():
    from tui.demo.data import synthetic_catalog

    with DemoServer(catalog=synthetic_catalog(1234), max_page_size=200) as big:
        pages = []
        catalog = Gateway(big.base_url, DEMO_API_KEY).fetch_catalog(
            page_size=1000, progress=lambda n, total: pages.append((n, total)))
    assert len(catalog.toolkits) == 1234 and len({t.slug for t in catalog.toolkits}) == 1234
    assert len(pages) == 7 and pages[-1] == (1234, 1234)
