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
    err = fail(lambda: Gateway(server.base_url, DEMO_API_KEY, max_retries=0).verify_key())
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


# --- issue 11: production fidelity ----------------------------------------------------------------------

import json  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

import httpx  # noqa: E402

from tui.core import sessions  # noqa: E402
from tui.core.ledger import Ledger  # noqa: E402
from tui.core.states import AccountStatus, ConnectionState, ErrorKind, LedgerState  # noqa: E402
from tui.demo.data import DemoCatalog, DemoTool, DemoToolkit  # noqa: E402


def _request_number(srv) -> int:
    """The demo numbers every request (x-request-id); the difference of two numbers counts requests."""
    resp = httpx.get(f"{srv.base_url}/api/v3.1/toolkits", params={"limit": 1}, headers={"x-api-key": DEMO_API_KEY})
    return int(resp.headers["x-request-id"].rsplit("_", 1)[1])


def test_a_400_line_carries_the_envelope_errors(server):
    """Production's 400 message is generic; the reasons are in ``errors`` and must reach the one line."""
    err = fail(lambda: Gateway(server.base_url, DEMO_API_KEY).create_session("u1", ["github", "nope_kit"]))
    assert err.kind == errors.BAD_REQUEST and err.status == 400
    assert "Validation error while processing request: toolkits.enable: Unknown toolkit slugs: nope_kit" in str(err)


def test_mcp_destination_error_is_outcome_unknown_and_the_ledger_says_so(server, tmp_path):
    """MCPDestinationError comes after the server created the session: never "failed", never retried."""
    server.set_faults(Faults(mcp_origin="http://127.0.0.2:9"))
    before = len(server.sessions())
    retries = []
    with Ledger(tmp_path / "ledger.db") as ledger:
        with pytest.raises(ApiError) as info:
            sessions.create(Gateway(server.base_url, DEMO_API_KEY), ledger, "dest-user", ["github"], {"github"},
                            retry=lambda err, attempt: retries.append(err) or 0.0)
        err = info.value
        assert err.kind == ErrorKind.OUTCOME_UNKNOWN and err.outcome_unknown
        assert "http://127.0.0.2:9" in str(err) and server.base_url in str(err) and DEMO_API_KEY not in str(err)
        [row] = ledger.entries()
        assert row.state == LedgerState.UNKNOWN and "may exist" in row.note
    assert retries == [] and len(server.sessions()) == before + 1  # created once at the API, not retried


@pytest.mark.parametrize("knobs", [{"latency": (1.5, 1.5)}, {"malformed_rate": 1.0}, {"drop_rate": 1.0}])
def test_a_create_without_a_readable_answer_is_unknown_in_the_ledger(server, tmp_path, knobs):
    server.set_faults(Faults(**knobs))
    with Ledger(tmp_path / "ledger.db") as ledger:
        with pytest.raises(ApiError) as info:
            sessions.create(Gateway(server.base_url, DEMO_API_KEY, timeout=0.5), ledger, "lost-user", ["github"],
                            {"github"}, retry=lambda err, attempt: 0.0)
        assert info.value.outcome_unknown
        assert [r.state for r in ledger.entries()] == [LedgerState.UNKNOWN]


def test_sdk_exceptions_are_translated_not_unexpected():
    from composio.exceptions import InvalidParams, MCPDestinationError, SessionConfigConflictError

    from tui.core.gateway import translate

    assert translate(InvalidParams("toolkits must be a list")).kind == ErrorKind.BAD_REQUEST
    assert "toolkits must be a list" in translate(InvalidParams("toolkits must be a list")).line()
    assert translate(SessionConfigConflictError("stale", session_id="trs_x")).kind == ErrorKind.CONFLICT
    dest = translate(MCPDestinationError("x", mcp_origin="https://evil.example", api_origin="https://a.example"))
    assert dest.kind == ErrorKind.OUTCOME_UNKNOWN and "https://evil.example" in dest.line()
    assert "Unexpected failure" not in translate(InvalidParams("x")).line()


def test_create_returns_the_meta_tools_and_disable_lists_show_what_they_exclude(server):
    gw = Gateway(server.base_url, DEMO_API_KEY)
    info = gw.create_session("meta-user", ["github"])
    assert "COMPOSIO_SEARCH_TOOLS" in info.tool_router_tools and info.toolkits == ("github",)
    created = httpx.post(f"{server.base_url}/api/v3.1/tool_router/session", headers={"x-api-key": DEMO_API_KEY},
                         json={"user_id": "deny-user", "toolkits": {"disable": ["slack", "gmail"]}}).json()
    back = gw.retrieve_session(created["session_id"])
    assert back.excluded == ("slack", "gmail") and back.toolkits == ()
    assert back.toolkit_scope == "all toolkits except slack, gmail"


def test_categories_come_from_every_page():
    cats = {f"cat-{i:02d}": f"Category {i:02d}" for i in range(45)}
    catalog = DemoCatalog(toolkits=[DemoToolkit("kit", "Kit", categories=("cat-00",))], categories=cats)
    with DemoServer(catalog=catalog, max_page_size=10) as srv:
        got = Gateway(srv.base_url, DEMO_API_KEY).categories()
    assert [c.id for c in got] == list(cats)


def test_tools_are_fetched_at_the_largest_page_the_api_allows():
    tools = tuple(DemoTool(f"KIT_TOOL_{i:04d}", f"Tool {i}") for i in range(900))
    catalog = DemoCatalog(toolkits=[DemoToolkit("kit", "Kit", tools=tools)], categories={})
    with DemoServer(catalog=catalog, max_page_size=1000) as srv:
        gw = Gateway(srv.base_url, DEMO_API_KEY)
        gw.verify_key()
        first = _request_number(srv)
        assert len(gw.tools("kit")) == 900
        assert _request_number(srv) - first - 1 == 1  # one page of up to 1,000, not five of 200


class _RepeatingCursor(BaseHTTPRequestHandler):
    """A toolkits list whose every page says the same next_cursor."""

    def do_GET(self) -> None:  # noqa: N802
        from tui.demo.data import synthetic_catalog
        from tui.demo.shapes import toolkit_item

        catalog = synthetic_catalog(1)
        body = json.dumps({"items": [toolkit_item(catalog.toolkits[0], catalog)], "next_cursor": "c2",
                           "total_pages": 9, "current_page": 1, "total_items": 9}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_repeated_cursor_stops_paging_with_one_clear_error():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RepeatingCursor)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        gw = Gateway(f"http://127.0.0.1:{httpd.server_address[1]}", DEMO_API_KEY, max_retries=0)
        err = fail(lambda: gw.fetch_catalog())
        assert err.kind == errors.BAD_RESPONSE and "repeated a page cursor" in str(err)
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_accounts_list_every_page_with_filters(server):
    store = server.store
    for i in range(130):
        store.create_account("many", "github" if i % 2 else "slack", "OAUTH2", True, server.base_url)
    other = store.create_account("someone-else", "github", "OAUTH2", True, server.base_url)
    gw = Gateway(server.base_url, DEMO_API_KEY)
    mine = gw.accounts(user_id="many")
    assert len(mine) == 130 and len({a.id for a in mine}) == 130 and other.id not in {a.id for a in mine}
    github = gw.accounts(user_id="many", toolkits=["github"])
    assert len(github) == 65 and {a.toolkit for a in github} == {"github"}
    store.set_status(github[0].id, "INACTIVE")
    [inactive] = gw.accounts(user_id="many", statuses=[AccountStatus.INACTIVE])
    assert inactive.status == AccountStatus.INACTIVE and inactive.is_disabled
    assert inactive.status_reason == "Connection status updated by user"
    assert inactive.state == ConnectionState.INACTIVE != ConnectionState.FAILED
    assert gw.accounts(auth_config_ids=["ac_demo_slack"], user_id="many")[0].auth_config_id == "ac_demo_slack"


def test_mcp_headers_only_for_the_api_origin(server):
    gw = Gateway(server.base_url, DEMO_API_KEY)
    assert gw.mcp_headers(f"{server.base_url}/tool_router/trs_x/mcp") == {"x-api-key": DEMO_API_KEY}
    for foreign in ("http://127.0.0.2:8000/tool_router/trs_x/mcp", "https://evil.example/mcp",
                    server.base_url.replace("http://", "https://") + "/mcp"):
        err = fail(lambda: gw.mcp_headers(foreign))
        assert err.kind == errors.CONFIG and server.base_url in str(err)
    prod = Gateway("https://backend.composio.dev", DEMO_API_KEY)
    assert prod.mcp_headers("https://backend.composio.dev/tool_router/trs_1/mcp")
    err = fail(lambda: prod.mcp_headers("https://mcp.elsewhere.dev/tool_router/trs_1/mcp"))
    assert "https://mcp.elsewhere.dev" in str(err) and "https://backend.composio.dev" in str(err)
