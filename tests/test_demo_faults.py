"""Fault knobs: each one is observable over HTTP and the sequence is deterministic for a seed."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from demo_fixtures import api, client_for, create_session, server, small_catalog  # noqa: F401  (fixtures)
from tui.demo import DEMO_API_KEY
from tui.demo.faults import DROP, ERROR, MALFORMED, PASS, RATE_LIMIT, FaultEngine, Faults
from tui.demo.runner import DemoServer

pytestmark = pytest.mark.timeout(60)


def statuses(client: httpx.Client, n: int) -> list[int]:
    return [client.get("/api/v3.1/toolkits/categories").status_code for _ in range(n)]


def test_engine_is_deterministic_per_seed():
    knobs = dict(error_rate=0.2, rate_limit_rate=0.1, malformed_rate=0.1, drop_rate=0.1, latency=(0.0, 0.5))
    engine_a, engine_b, engine_c = (FaultEngine(Faults(seed=seed, **knobs)) for seed in (3, 3, 4))
    seq_a = [engine_a.decide() for _ in range(200)]
    assert seq_a == [engine_b.decide() for _ in range(200)]
    assert seq_a != [engine_c.decide() for _ in range(200)]
    assert {d.action for d in seq_a} == {PASS, ERROR, RATE_LIMIT, MALFORMED, DROP}
    assert all(0.0 <= d.delay <= 0.5 for d in seq_a) and len({d.delay for d in seq_a}) > 100
    engine_a.set(Faults(seed=3, **knobs))  # setting knobs restarts the sequence
    assert [engine_a.decide() for _ in range(200)] == seq_a


def test_engine_rate_limit_bursts():
    engine = FaultEngine(Faults(seed=1, rate_limit_rate=0.1, rate_limit_burst=4))
    actions = [engine.decide().action for _ in range(400)]
    runs, current = [], 0
    for action in actions + [PASS]:
        if action == RATE_LIMIT:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    assert runs and all(r % 4 == 0 for r in runs)  # every burst is 4 long (back-to-back bursts add up)


def test_engine_ignores_mcp_unless_asked():
    assert FaultEngine(Faults(error_rate=1.0)).decide(is_mcp=True).action == PASS
    assert FaultEngine(Faults(error_rate=1.0, include_mcp=True)).decide(is_mcp=True).action == ERROR


def test_engine_limited_to_some_methods_passes_the_others_without_drawing():
    engine = FaultEngine(Faults(seed=1, error_rate=0.5, methods="POST"))
    reference = FaultEngine(Faults(seed=1, error_rate=0.5))
    mixed = [engine.decide(method=m).action for m in ("GET", "POST", "GET", "post", "DELETE", "POST")]
    assert [mixed[i] for i in (0, 2, 4)] == [PASS] * 3
    assert [mixed[i] for i in (1, 3, 5)] == [reference.decide().action for _ in range(3)]  # the POSTs' own sequence


@pytest.mark.parametrize("knobs", [
    {"error_rate": 1.5}, {"latency": (2, 1)}, {"error_rate": 0.6, "drop_rate": 0.6}, {"rate_limit_burst": 0},
    {"error_status": 200},
])
def test_invalid_knobs_rejected(knobs):
    with pytest.raises(ValueError):
        Faults(**knobs)


def test_error_fault(api, server):
    server.set_faults(error_rate=1.0, error_status=503)
    resp = api.get("/api/v3.1/toolkits")
    assert resp.status_code == 503
    err = resp.json()["error"]
    assert err["status"] == 503 and err["request_id"] == resp.headers["x-request-id"] and err["suggested_fix"]


def test_rate_limit_fault(api, server):
    server.set_faults(rate_limit_rate=1.0, retry_after=2)
    resp = api.get("/api/v3.1/toolkits")
    assert resp.status_code == 429 and resp.headers["retry-after"] == "2"
    assert resp.json()["error"]["status"] == 429


def test_malformed_fault(api, server):
    server.set_faults(malformed_rate=1.0)
    resp = api.get("/api/v3.1/toolkits")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.content)


def test_drop_fault(api, server):
    server.set_faults(drop_rate=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.get("/api/v3.1/toolkits")
    server.set_faults(drop_rate=0.0)
    assert api.get("/api/v3.1/toolkits").status_code == 200  # the server itself is fine


def test_latency_fault(api, server):
    server.set_faults(latency=(0.3, 0.3))
    started = time.perf_counter()
    assert api.get("/api/v3.1/toolkits").status_code == 200
    assert time.perf_counter() - started >= 0.3
    server.set_faults(latency=(0.0, 0.0))
    started = time.perf_counter()
    api.get("/api/v3.1/toolkits")
    assert time.perf_counter() - started < 0.3


def test_http_sequence_is_deterministic(api, server):
    server.set_faults(seed=11, error_rate=0.3, rate_limit_rate=0.2, rate_limit_burst=2)
    first = statuses(api, 30)
    server.set_faults(seed=11, error_rate=0.3, rate_limit_rate=0.2, rate_limit_burst=2)
    assert statuses(api, 30) == first
    assert {200, 500, 429} <= set(first)
    server.set_faults(seed=12)
    assert statuses(api, 30) != first


def test_faults_settable_over_http_and_scoped(server, api):
    demo = f"{server.base_url}/_demo/faults"
    set_resp = httpx.post(demo, json={"error_rate": 1.0, "seed": 5})
    assert set_resp.status_code == 200 and set_resp.json()["error_rate"] == 1.0
    assert httpx.get(demo).json() == server.faults.to_dict() and server.faults.seed == 5
    assert api.get("/api/v3.1/toolkits").status_code == 500
    assert httpx.get(f"{server.base_url}/_demo/sessions").status_code == 200  # /_demo is never faulted
    assert httpx.get(f"{server.base_url}/").status_code == 200
    assert httpx.post(demo, json={"bogus": 1}).status_code == 400
    assert httpx.post(demo, json={"error_rate": 2}).status_code == 400
    assert httpx.post(demo, json={"error_rate": 0}).json()["error_rate"] == 0
    assert api.get("/api/v3.1/toolkits").status_code == 200


def test_faults_reach_mcp_only_when_included(tmp_path):
    with DemoServer(catalog=small_catalog(tmp_path)) as srv, client_for(srv) as c:
        url = create_session(c, "u", ["github"])["mcp"]["url"]
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        accept = {"accept": "application/json, text/event-stream"}
        srv.set_faults(error_rate=1.0)
        assert c.get("/api/v3.1/toolkits").status_code == 500
        resp = c.post(url, json=ping, headers=accept)
        assert resp.status_code == 200 and resp.json()["id"] == 1
        srv.set_faults(include_mcp=True)
        assert c.post(url, json=ping, headers=accept).status_code == 500


def test_sdk_sees_each_fault(server):
    from composio import Composio
    from composio_client import APIConnectionError, APIResponseValidationError, InternalServerError, RateLimitError

    client = Composio(api_key=DEMO_API_KEY, base_url=server.base_url, allow_tracking=False, timeout=5,
                      max_retries=0).client
    for knobs, error in (({"error_rate": 1.0}, InternalServerError), ({"rate_limit_rate": 1.0}, RateLimitError),
                         ({"malformed_rate": 1.0}, APIResponseValidationError), ({"drop_rate": 1.0}, APIConnectionError)):
        server.set_faults(Faults(**knobs))
        with pytest.raises(error):
            client.toolkits.list(limit=5)
    server.set_faults(Faults())
    assert client.toolkits.list(limit=5).items


def test_account_knobs_are_checked():
    """The issue-11 knobs: every account status reachable, a null session-toolkits hint, a foreign MCP origin."""
    from tui.demo.faults import Faults

    knobs = Faults.from_dict({"link_status": "INITIALIZING", "authorize_status": "REVOKED",
                              "hide_session_accounts": True, "mcp_origin": "http://127.0.0.2:8123/"})
    assert knobs.mcp_origin == "http://127.0.0.2:8123" and knobs.to_dict()["authorize_status"] == "REVOKED"
    for bad in ({"link_status": "SLEEPING"}, {"authorize_status": "active"}, {"mcp_origin": "ftp://x"}):
        with pytest.raises(ValueError):
            Faults.from_dict(bad)
