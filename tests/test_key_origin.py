"""The project key goes only to the API's origin (issue 11.6).

A second loopback listener on another address (127.0.0.2) stands for a foreign MCP host; the demo's
``mcp_origin`` knob makes sessions point there. Verify (core, console, command) and export refuse it
with a message naming both origins, and the listener never receives a request carrying ``x-api-key``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from apphelp import make_app, settle
from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_toolkits import cli

from tui.core import export, probe
from tui.core.gateway import Gateway
from tui.core.models import SessionInfo
from tui.demo import DEMO_API_KEY
from tui.demo.faults import Faults

pytestmark = pytest.mark.timeout(60)


class Listener:
    """An HTTP listener on 127.0.0.2 that records the headers of every request it gets."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                seen.append({k.lower(): v for k, v in self.headers.items()})
                self.rfile.read(int(self.headers.get("content-length", 0) or 0))
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()

            do_GET = do_POST = do_DELETE = _any  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.origin = f"http://127.0.0.2:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def foreign() -> Iterator[Listener]:
    listener = Listener()
    # The listener works: a request without the key reaches it (so "nothing received" below means something).
    assert httpx.get(f"{listener.origin}/probe").status_code == 404 and len(listener.seen) == 1
    listener.seen.clear()
    yield listener
    listener.close()


@pytest.fixture
def foreign_session(server, foreign) -> SessionInfo:  # noqa: F811
    server.set_faults(Faults(mcp_origin=foreign.origin))
    body = httpx.post(f"{server.base_url}/api/v3.1/tool_router/session", headers={"x-api-key": DEMO_API_KEY},
                      json={"user_id": "far-user", "toolkits": {"enable": ["github"]}}).json()
    info = Gateway(server.base_url, DEMO_API_KEY).retrieve_session(body["session_id"])
    assert info.mcp_url.startswith(foreign.origin)
    return info


def _no_key_reached(foreign: Listener) -> None:
    assert not any("x-api-key" in headers for headers in foreign.seen), foreign.seen


def _names_both(text: str, server, foreign: Listener) -> None:  # noqa: F811
    assert foreign.origin in text and server.base_url in text and DEMO_API_KEY not in text


def test_core_verify_refuses_a_foreign_origin(server, foreign, foreign_session):  # noqa: F811
    result = probe.verify_session(Gateway(server.base_url, DEMO_API_KEY), foreign_session.mcp_url, timeout=5)
    assert not result.ok and result.diagnosis.startswith(probe.REFUSED)
    _names_both(result.diagnosis, server, foreign)
    assert foreign.seen == []


def test_verify_and_export_commands_refuse_a_foreign_origin(server, foreign, foreign_session, capsys,  # noqa: F811
                                                           monkeypatch):
    monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
    monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
    rc, out, err = cli(capsys, "sessions", "verify", foreign_session.session_id)
    assert rc == 5 and "not sent" in err
    _names_both(err, server, foreign)
    for fmt in export.FORMATS:
        for mode in ("placeholder", "env", "literal"):
            extra = ["--i-know-this-prints-the-key"] if mode == "literal" else []
            rc, out, err = cli(capsys, "sessions", "export", foreign_session.session_id, "--format", fmt,
                               "--key", mode, *extra)
            assert rc == 2 and out == "", (fmt, mode, out)
            _names_both(err, server, foreign)
    _no_key_reached(foreign)


def test_export_render_refuses_only_foreign_origins(server):  # noqa: F811
    own = f"{server.base_url}/tool_router/trs_1/mcp"
    assert export.render("mcp-json", own, key_mode="env", api_url=server.base_url)
    with pytest.raises(ValueError, match="https://other.example"):
        export.render("mcp-json", "https://other.example/tool_router/trs_1/mcp", key_mode="env",
                      api_url=server.base_url)
    with pytest.raises(ValueError, match="plain http"):
        export.render("curl", "http://backend.composio.dev/tool_router/trs_1/mcp", key_mode="placeholder",
                      api_url="http://backend.composio.dev")


async def test_the_verify_screen_refuses_a_foreign_origin(server, foreign, foreign_session):  # noqa: F811
    from textual.widgets import Static

    from tui.screens.verify import VerifyScreen

    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(VerifyScreen(foreign_session))
        await settle(pilot)
        shown = str(app.screen.query_one("#verify-text", Static).render())
        assert "✗ not sent" in shown and not app.screen.result.ok
        _names_both(" ".join(shown.split()), server, foreign)
    _no_key_reached(foreign)
    assert foreign.seen == []


async def test_the_export_screen_refuses_a_foreign_origin(server, foreign, foreign_session):  # noqa: F811
    from textual.widgets import Static

    from tui.screens.export import ExportScreen

    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.push_screen(ExportScreen(foreign_session))
        await settle(pilot)
        shown = " ".join(str(app.screen.query_one("#export-text", Static).render()).split())
        assert "is not the API origin" in shown and "x-api-key" not in shown
        _names_both(shown, server, foreign)
        await pilot.press("c")  # nothing to copy
        await pilot.pause()
        assert any("is not the API origin" in n.message for n in app._notifications)
    assert foreign.seen == []
