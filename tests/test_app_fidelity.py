"""The console against production-like answers (issue 11), driven with Pilot over real HTTP:
readiness names every account status with its reason and trusts the accounts list, a second Connect
link asks first, and the session screen shows the meta tools and what a disable list excludes."""

from __future__ import annotations

import httpx
import pytest
from textual.widgets import DataTable

from apphelp import make_app, settle
from sessionhelp import fast_polling, notes, screen_name, seed, small_server, text, wait_until
from tui.demo import DEMO_API_KEY
from tui.demo.faults import Faults

SIZE = (140, 36)
pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def server(tmp_path):
    srv = small_server(tmp_path)
    yield srv
    srv.stop()


def grid(app) -> dict[str, list[str]]:
    table = app.screen.query_one(DataTable)
    rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    return {row[0]: row for row in rows}


async def _readiness(pilot, *slugs: str):
    info = await seed(pilot, "ada", *slugs)
    await pilot.press("k")
    await settle(pilot)
    assert screen_name(pilot.app) == "ReadinessScreen"
    return info


async def test_readiness_names_inactive_and_expired_and_ignores_a_null_hint(server, monkeypatch):
    fast_polling(monkeypatch)
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        info = await seed(pilot, "ada", "github", "gmail", "slack", show=False)
        with httpx.Client(base_url=server.base_url, headers={"x-api-key": DEMO_API_KEY}) as api:
            ids = {slug: api.post(f"/api/v3.1/tool_router/session/{info.session_id}/link",
                                  json={"toolkit": slug}).json()["connected_account_id"]
                   for slug in ("github", "gmail", "slack")}
        server.activate(ids["github"], "INACTIVE")
        server.activate(ids["gmail"], "EXPIRED")
        server.activate(ids["slack"])
        server.set_faults(Faults(hide_session_accounts=True))  # ComposioHQ/composio#3118
        from tui.screens.session import SessionScreen

        app.push_screen(SessionScreen(info))
        await pilot.pause()
        await pilot.press("k")
        await settle(pilot)
        rows = grid(app)
        assert rows["github"][2] == "◌ inactive — disabled, can be re-enabled: Connection status updated by user"
        assert rows["gmail"][2] == "✗ expired — reconnect: Permanent auth error during token refresh"
        assert rows["slack"][2] == "● active" and rows["slack"][3] == ids["slack"]
        assert "1/3 ready" in text(app, "#ready-title")


async def test_a_second_connect_link_asks_first(server, monkeypatch):
    fast_polling(monkeypatch)
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _readiness(pilot, "notion", "github")
        await pilot.press("l")  # notion (API key: its pending account shows no link to reuse)
        await wait_until(pilot, lambda: len(server.store.accounts()) == 1, what="the first link")
        first = server.store.accounts()[0]
        await wait_until(pilot, lambda: first.redirect_url in text(app, "#link-text"), what="the link")
        await pilot.press("escape")  # leave the wait; the link stays pending
        await pilot.pause()
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("l")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen", what="the question")
        assert "still waiting" in str(app.screen.detail) and first.id in str(app.screen.detail)
        await pilot.press("n")
        await settle(pilot)
        assert len(server.store.accounts()) == 1  # nothing piled up
        await pilot.press("l")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen", what="the question again")
        await pilot.press("y")
        await wait_until(pilot, lambda: len(server.store.accounts()) == 2, what="the second link")

        await pilot.press("down", "l")  # github (OAuth): a waiting link is shown again, not made again
        await wait_until(pilot, lambda: len(server.store.accounts()) == 3, what="the github link")
        github = next(a for a in server.store.accounts() if a.toolkit == "github")
        await wait_until(pilot, lambda: github.redirect_url in text(app, "#link-text"), what="the github link")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("down", "l")
        await wait_until(pilot, lambda: "made earlier, still waiting" in text(app, "#link-text"), what="reuse")
        assert github.redirect_url in text(app, "#link-text") and len(server.store.accounts()) == 3
        assert not notes(app) or all("error" not in n for n in notes(app))


async def test_the_session_screen_shows_meta_tools_and_exclusions(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await seed(pilot, "ada", "github")
        facts = text(app, "#session-facts")
        assert "meta tools  COMPOSIO_SEARCH_TOOLS" in facts
        body = httpx.post(f"{server.base_url}/api/v3.1/tool_router/session", headers={"x-api-key": DEMO_API_KEY},
                          json={"user_id": "deny", "toolkits": {"disable": ["slack"]}}).json()
        info = app.ctx.gateway.retrieve_session(body["session_id"])
        from tui.screens.session import SessionScreen

        app.push_screen(SessionScreen(info))
        await pilot.pause()
        assert "toolkits    all toolkits except slack" in text(app, "#session-facts")
