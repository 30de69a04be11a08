"""The MCP probe against real endpoints: a demo session, wrong keys, gone sessions, non-MCP URLs, dead ports."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from demo_fixtures import api, create_session, server  # noqa: F401  (fixtures)
from tui.core.probe import AUTH, NOT_FOUND, NOT_MCP, ProbeResult, verify, verify_sync
from tui.demo import DEMO_API_KEY

pytestmark = pytest.mark.timeout(60)
KEY = {"x-api-key": DEMO_API_KEY}


class _JsonHandler(BaseHTTPRequestHandler):
    """Answers every POST with a plain (non JSON-RPC) JSON 200."""

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps({"items": [], "total_items": 0}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def json_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _JsonHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/mcp"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (kernel backlog) but never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def assert_failed(result: ProbeResult, fragment: str) -> None:
    assert not result.ok and result.tools == ()
    assert fragment in result.diagnosis, result.diagnosis
    assert DEMO_API_KEY not in result.diagnosis and "\n" not in result.diagnosis
    assert result.seconds >= 0


def test_ok_lists_the_meta_tools(api):
    session = create_session(api, "probe-user", ["github", "gmail"])
    result = verify_sync(session["mcp"]["url"], KEY)
    assert result.ok and result.diagnosis == "ok"
    assert result.tools == tuple(session["tool_router_tools"])
    assert "COMPOSIO_SEARCH_TOOLS" in result.tools and "COMPOSIO_MANAGE_CONNECTIONS" in result.tools
    assert result.server.startswith("Composio Tool Router (demo)") and 0 < result.seconds < 10


def test_ok_async_and_without_manage_connections(api):
    session = create_session(api, "u", ["github"], manage_connections={"enable": False})
    result = asyncio.run(verify(session["mcp"]["url"], KEY, timeout=10))
    assert result.ok and "COMPOSIO_MANAGE_CONNECTIONS" not in result.tools and len(result.tools) == 5


@pytest.mark.parametrize("headers", [{"x-api-key": "ak_wrong"}, {}])
def test_wrong_or_missing_key(api, headers):
    session = create_session(api, "u", ["github"])
    assert_failed(verify_sync(session["mcp"]["url"], headers), AUTH)


def test_deleted_and_unknown_sessions(api, server):
    session = create_session(api, "u", ["github"])
    assert verify_sync(session["mcp"]["url"], KEY).ok
    api.delete(f"/api/v3.1/tool_router/session/{session['session_id']}")
    assert_failed(verify_sync(session["mcp"]["url"], KEY), NOT_FOUND)
    assert_failed(verify_sync(server.mcp_url("trs_never_existed"), KEY), NOT_FOUND)


def test_not_an_mcp_endpoint(server, json_server):
    assert_failed(verify_sync(f"{server.base_url}/", KEY), NOT_MCP)  # HTML 200
    assert_failed(verify_sync(json_server, KEY), NOT_MCP)  # plain JSON 200
    assert_failed(verify_sync(f"{server.base_url}/_demo/sessions", KEY), NOT_MCP)  # 405
    assert_failed(verify_sync("ftp://127.0.0.1/mcp", KEY), "not an http(s) URL")


def test_connection_refused():
    port = closed_port()
    assert_failed(verify_sync(f"http://127.0.0.1:{port}/tool_router/trs_x/mcp", KEY, timeout=5), "connection refused")


def test_timeout_on_a_server_that_never_answers(silent_port):
    result = verify_sync(f"http://127.0.0.1:{silent_port}/mcp", KEY, timeout=0.5)
    assert_failed(result, "timed out after 0.5 s")
    assert result.seconds < 3


def test_timeout_from_latency_fault_and_dropped_connection(api, server):
    url = create_session(api, "u", ["github"])["mcp"]["url"]
    assert verify_sync(url, KEY).ok  # warm: the first MCP request loads the mcp server package
    server.set_faults(latency=(1.5, 1.5), include_mcp=True)
    assert_failed(verify_sync(url, KEY, timeout=0.5), "timed out")
    server.set_faults(latency=(0.0, 0.0), drop_rate=1.0, include_mcp=True)
    assert_failed(verify_sync(url, KEY, timeout=5), "closed the connection")
    server.set_faults(drop_rate=0.0, error_rate=1.0, error_status=503, include_mcp=True)
    assert_failed(verify_sync(url, KEY, timeout=5), "HTTP 503")
    server.set_faults(error_rate=0.0)
    assert verify_sync(url, KEY).ok


def test_probe_module_imports_no_sdk():
    import subprocess
    import sys

    code = "import sys, tui.core.probe; print([m for m in sys.modules if m.split('.')[0] in ('composio','textual','mcp')])"
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
