"""The playground in the console over real HTTP: search from a session (t), a result that needs a
connection followed to its Connect link (l), a tool tried through a generated form (an enum, a nested
object, a required field left empty -> refused), the confirm naming user and account, the result.
"""

from __future__ import annotations

import copy
import json

import pytest

from apphelp import make_app, settle, type_text
from demo_fixtures import SMALL_CATALOG
from sessionhelp import fast_polling, screen_name, seed, text, wait_until
from tui.demo import DEMO_API_KEY
from tui.demo.data import catalog_from_dict
from tui.demo.runner import DemoServer

pytestmark = pytest.mark.timeout(120)

SEND = "GMAIL_SEND_EMAIL"


def playground_catalog() -> dict:
    """The small catalog, with a Gmail tool whose form has an enum, a nested object and required fields."""
    raw = copy.deepcopy(SMALL_CATALOG)
    gmail = next(tk for tk in raw["toolkits"] if tk["slug"] == "gmail")
    gmail["tools"] = [{"slug": SEND, "name": "Send email", "description": "Send an email from the user's Gmail.",
                       "tags": ["createHint"], "required": ["recipient_email", "body"],
                       "params": {"recipient_email": "string", "body": "string", "importance": "string",
                                  "attachment": "object", "cc": "array", "is_html": "boolean"}}]
    return raw


@pytest.fixture
def server(monkeypatch):
    fast_polling(monkeypatch)
    with DemoServer(catalog=catalog_from_dict(playground_catalog())) as srv:
        yield srv


async def open_playground(pilot, *slugs: str):
    await settle(pilot)
    info = await seed(pilot, "alice", *(slugs or ("github", "gmail", "slack", "hackernews")))
    await pilot.press("t")
    await wait_until(pilot, lambda: screen_name(pilot.app) == "PlaygroundScreen", what="the playground")
    return info


async def search(pilot, task: str) -> None:
    await type_text(pilot, task)
    await pilot.press("enter")
    await wait_until(pilot, lambda: not pilot.app.screen.searching and pilot.app.screen.outcome is not None,
                     what="the search results")


async def highlight(pilot, slug: str) -> None:
    screen = pilot.app.screen
    row = [r[2] for r in screen.rows].index(slug)
    results = screen.query_one("#pg-results")
    results.focus()
    while results.highlighted != row:
        await pilot.press("down" if (results.highlighted or 0) < row else "up")


async def fill(pilot, selector: str, value: str) -> None:
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()
    await type_text(pilot, value)


def field_id(screen, dotted: str) -> str:
    return f"#field-{[f.dotted for f in screen.leaves].index(dotted)}"


async def test_search_link_and_try_a_tool(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_playground(pilot)
        await search(pilot, "send an email; post a message on slack")
        screen = app.screen
        assert [r.use_case for r in screen.outcome.results] == ["send an email", "post a message on slack"]
        assert SEND in screen.outcome.results[0].primary and screen.outcome.results[0].plan_steps
        report = text(app, "#pg-report")
        assert "gmail not connected — press l for a link" in report and "slack not connected" in report
        assert "Plan" in report and "Pitfalls" in report

        # follow the missing connection to its link, the readiness flow makes it and waits
        await highlight(pilot, SEND)
        await pilot.press("l")
        await wait_until(pilot, lambda: screen_name(app) == "LinkScreen", what="the link screen")
        await wait_until(pilot, lambda: "Connect link for gmail" in text(app, "#link-text"), what="the link")
        [account] = [a for a in server.store.accounts() if a.toolkit == "gmail"]
        assert server.activate(account.id, "ACTIVE")
        await wait_until(pilot, lambda: "gmail is now ACTIVE" in text(app, "#link-text"), what="active")
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen_name(app) == "PlaygroundScreen" and not app.screen.searching
                         and app.screen.outcome.statuses["gmail"].connected, what="the search again")
        assert "gmail not connected" not in text(app, "#pg-report")

        # try the tool: a generated form, refused while a required field is empty
        await highlight(pilot, SEND)
        await pilot.press("x")
        await wait_until(pilot, lambda: screen_name(app) == "TryToolScreen", what="the try form")
        form = app.screen
        kinds = {f.dotted: f.kind for f in form.leaves}
        assert kinds["importance"] == "enum" and kinds["attachment.name"] == "string" and kinds["is_html"] == "boolean"
        await wait_until(pilot, lambda: form.account_known, what="the account")
        await fill(pilot, field_id(form, "body"), "hello")
        select = form.query_one(field_id(form, "importance"))
        select.focus()
        await pilot.press("enter")
        await pilot.press("down", "down", "enter")  # the prompt, low, normal
        await pilot.pause()
        assert select.value == "normal"
        await fill(pilot, field_id(form, "attachment.name"), "notes.txt")
        await pilot.press("ctrl+r")
        await pilot.pause()
        status = text(app, "#try-status")
        assert "Not sent" in status and "recipient_email is required" in status
        assert "attachment.s3key is required" in status
        assert screen_name(app) == "TryToolScreen"  # no confirm, nothing sent

        await fill(pilot, field_id(form, "recipient_email"), "bob@example.com")
        await fill(pilot, field_id(form, "attachment.s3key"), "key-1")
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen", what="the confirm")
        question = text(app, "#confirm-question") + text(app, "#confirm-detail")
        assert "alice" in question and account.id in question and SEND in question
        await pilot.press("y")
        await wait_until(pilot, lambda: form.result is not None, what="the result")
        assert form.result.ok and "completed" in text(app, "#try-status")
        shown = text(app, "#try-output")
        assert json.loads(shown)["status"] == "sent"


async def test_bad_input_is_a_clear_line_and_no_crash(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_playground(pilot, "github")
        await pilot.press("enter")
        await pilot.pause()
        assert "Type a task first" in text(app, "#pg-status")
        app.screen.query_one("#pg-task").value = "x" * 5000
        await pilot.press("enter")
        await pilot.pause()
        assert "5,000 characters" in text(app, "#pg-status")
        assert screen_name(app) == "PlaygroundScreen"

        # a tool outside the session's policy: the API refuses, one plain line
        from tui.screens.try_tool import TryToolScreen
        from tui.core import playground as pg

        detail = pg.tool_detail(app.ctx.gateway, "SLACK_SEND_MESSAGE")
        app.push_screen(TryToolScreen(app.screen.info, detail))
        await wait_until(pilot, lambda: screen_name(app) == "TryToolScreen" and app.screen.account_known,
                         what="the form")
        form = app.screen
        await pilot.press("ctrl+t")  # the JSON escape hatch
        area = form.query_one("#try-json")
        area.text = "{not json"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "not valid JSON" in text(app, "#try-status")
        area.text = '{"channel": "C1", "text": 5}'
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "text must be string" in text(app, "#try-status")
        area.text = '{"channel": "C1", "text": "hi"}'
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen_name(app) == "ConfirmScreen", what="the confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: not form.running and "not available in this session" in text(app, "#try-status"),
                         what="the refusal")


async def test_typing_stays_responsive_during_a_slow_search_and_esc_cancels(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_playground(pilot, "github")
        server.set_faults(latency=(3.0, 3.0))
        await type_text(pilot, "open an issue")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Searching" in text(app, "#pg-status"), what="progress")
        await type_text(pilot, " more")  # the UI thread is free: keys arrive while the request waits
        assert app.screen.query_one("#pg-task").value == "open an issue more"
        assert app.screen.searching
        await pilot.press("escape")
        assert "cancelled" in text(app, "#pg-status") and screen_name(app) == "PlaygroundScreen"
        server.set_faults(latency=(0.0, 0.0))


async def test_export_preview_is_highlighted_and_the_radio_follows_the_mode(server):
    from textual.content import Content
    from textual.widgets import RadioSet

    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await seed(pilot, "alice", "github")
        await pilot.press("e")
        await wait_until(pilot, lambda: screen_name(app) == "ExportScreen", what="export")
        screen = app.screen
        radios = screen.query_one("#modes", RadioSet)

        def highlight_matches() -> bool:
            pressed = radios.pressed_index
            return pressed == [f"mode-{m}" for m in ("placeholder", "env", "literal")].index(f"mode-{screen.key_mode}") \
                and radios._selected == pressed

        for _ in range(2):  # env -> literal (asks) -> declined -> env; then placeholder via m again
            await pilot.press("m")
            await pilot.pause()
            if screen_name(app) == "ConfirmScreen":
                await pilot.press("n")
                await pilot.pause()
            await settle(pilot)
            assert highlight_matches(), (screen.key_mode, radios.pressed_index, radios._selected)
            assert radios._selected is not None
        preview = screen.query_one("#export-text").render()
        assert isinstance(preview, Content) and preview.spans  # highlighted (shell)
        screen.query_one("#formats").highlighted = 1  # .mcp.json
        await pilot.pause()
        preview = screen.query_one("#export-text").render()
        assert preview.plain.lstrip().startswith("{") and preview.spans


async def test_a_tool_in_the_catalog_detail_pane_opens_its_schemas(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tools = app.screen.query_one("#detail-tools")
        await wait_until(pilot, lambda: "GITHUB_CREATE_AN_ISSUE" in str(tools.render()), what="the tools")
        await pilot.click("#detail-tools", offset=(6, 1))  # the first tool's slug
        await wait_until(pilot, lambda: screen_name(app) == "ToolDetailScreen", what="the tool's schemas")
        screen = app.screen
        assert screen.detail.slug == "GITHUB_CREATE_AN_ISSUE" and not screen.check_action("try_it", ())
        assert "* owner" in screen.text("input")
        await pilot.press("v")
        assert '"required"' in screen.text("input")
        await pilot.press("c")
        assert any("input schema of GITHUB_CREATE_AN_ISSUE" in n.message for n in app._notifications)


async def test_the_palette_offers_the_playground_from_a_session(server):
    app = make_app(server.base_url, DEMO_API_KEY)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await seed(pilot, "alice", "github")
        commands = list(app.get_system_commands(app.screen))
        [playground] = [c for c in commands if "Playground" in c.title]
        playground.callback()
        await wait_until(pilot, lambda: screen_name(app) == "PlaygroundScreen", what="the playground")
