"""The API key never leaks: after a login, a session, copies, exports, errors, the debug log and a
logout, no file the app wrote, no snapshot or screenshot, no output and no message holds it."""

from __future__ import annotations

import io
import secrets as pysecrets
from pathlib import Path


from apphelp import settle
from loghelp import stop_debug_log
from tui.__main__ import main
from tui.app import ComposioApp
from tui.core import debuglog
from tui.core.config import load
from tui.core.context import Context
from tui.core.paths import default_paths
from tui.demo.runner import DemoServer

ROOT = Path(__file__).resolve().parents[1]
KEY = "ak_LEAKCHECK_" + pysecrets.token_hex(12)


def hits(text: str) -> bool:
    return KEY in text or KEY[:-4] in text


async def test_key_appears_nowhere(xdg, memory_keyring, monkeypatch, capsys):
    monkeypatch.setenv("COMPOSIO_TUI_DEBUG_LOG", "true")
    with DemoServer(api_keys=(KEY,)) as server:
        url = server.base_url
        monkeypatch.setattr("sys.stdin", io.StringIO(KEY + "\n"))
        assert main(["--base-url", url, "login"]) == 0
        assert memory_keyring.items  # stored in the keyring, and only there
        assert main(["--base-url", url, "info"]) == 0
        assert main(["--base-url", url, "login", "--check-only"]) in (0, 2)  # stdin is used up: a usage error

        settings, paths = load(default_paths(), base_url=url)
        debuglog.enable(paths.debug_log)
        app = ComposioApp(Context(settings=settings, paths=paths))
        messages: list[str] = []
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert app.ctx.key.source == "keyring"
            await pilot.press("space", "space", "n")
            await settle(pilot)
            for ch in "leak_user":
                await pilot.press(ch)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert type(app.screen).__name__ == "SessionScreen"
            await pilot.press("c", "e")
            await settle(pilot)
            await pilot.press("c", "escape", "v")
            await settle(pilot)
            app.save_screenshot(str(xdg / "screen.svg"))
            messages += [n.message for n in app._notifications]
            # an error path: the API rejects a wrong key, and says so without either key
            app.ctx.use_key(type(app.ctx.key)("ak_other_wrong_key_0000", "env", "from COMPOSIO_API_KEY"))
            app.refresh_catalog(force=True)
            await settle(pilot)
            messages += [n.message for n in app._notifications]
        stop_debug_log()
        assert main(["--base-url", url, "logout"]) == 0
        assert not memory_keyring.items

    out = capsys.readouterr()
    assert not hits(out.out) and not hits(out.err)
    assert messages and not any(hits(m) for m in messages)
    log = paths.debug_log.read_text()
    assert "ok in" in log  # the log did record API calls and timings
    written = [p for p in xdg.rglob("*") if p.is_file()]
    assert any(p.name.startswith("ledger") for p in written) and any("catalog" in p.name for p in written)
    leaked = [str(p) for p in written if hits(p.read_bytes().decode("utf-8", "replace"))]
    assert leaked == []
    images = list((ROOT / "tests").rglob("*.svg")) + list((ROOT / "screenshots").rglob("*.svg"))
    assert not [str(p) for p in images if hits(p.read_text())]
