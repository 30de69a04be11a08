"""One keyring action through tui.core.secrets, as its own process: ``python client.py ACTION``.

Prints one JSON line (states, sources, timings; never the key) and then returns normally, so the
caller can time how long the interpreter takes to exit after ``printed_at``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.core import secrets  # noqa: E402
from tui.core.secrets import SecretsError  # noqa: E402

URL = "https://backend.composio.dev"
KEY = "ak_gnome_test_0123456789wxyz"


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    value = fn()
    return value, round(time.monotonic() - start, 3)


def source_dict(source: secrets.KeyInfo, seconds: float) -> dict:
    return {
        "source": source.source, "backend": source.backend, "state": source.state,
        "message": source.message, "masked": source.masked, "key_matches": source.key == KEY,
        "has_key": source.key is not None, "repr_has_key": KEY in repr(source), "seconds": seconds,
    }


def store_error() -> dict:
    try:
        secrets.store_key(URL, KEY)
    except SecretsError as exc:
        return {"state": exc.state, "message": str(exc), "has_key": KEY in str(exc)}
    return {"state": "stored"}


def resolve() -> dict:
    return source_dict(*timed(lambda: secrets.resolve_key(URL, environ={})))


def status() -> dict:
    result, seconds = timed(secrets.keyring_status)
    return {"state": result.state, "backend": result.backend, "message": result.message, "seconds": seconds}


def roundtrip() -> dict:
    out: dict = {"status": status()}
    stored, out["store_seconds"] = timed(lambda: secrets.store_key(URL, KEY))
    out["store"] = source_dict(stored, out["store_seconds"])
    out["resolve"] = resolve()
    out["other_url"] = source_dict(*timed(lambda: secrets.resolve_key("http://localhost:9900", environ={})))
    out["delete"] = secrets.delete_key(URL)
    out["resolve_after_delete"] = resolve()
    out["delete_again"] = secrets.delete_key(URL)
    return out


def frozen_app() -> dict:
    from textual import work
    from textual.app import App

    began: list[float] = []

    class KeyApp(App[str]):
        def on_mount(self) -> None:
            self.lookup()

        @work(thread=True)
        def lookup(self) -> None:
            began.append(time.monotonic())
            source = secrets.resolve_key(URL, environ={})
            self.call_from_thread(self.exit, source.state)

    state = KeyApp().run(headless=True)
    # From the lookup's start (the app's own start-up is not the deadline's business) to run() returning.
    return {"app_state": state, "app_seconds": round(time.monotonic() - began[0], 3) if began else None}


def frozen_real_app() -> dict:
    """The real console against a frozen keyring: the login screen explains, and quitting while
    the lookup is still blocked returns from the app within the 3 s deadline."""
    import asyncio

    from tui.app import ComposioApp
    from tui.core.config import load
    from tui.core.context import Context

    async def while_boot_blocks(app, pilot) -> None:
        """Until the start-up worker waits on a keyring lookup in flight (the frozen daemon never
        answers it): the moment to look at the screen, or to quit."""
        import threading

        for _ in range(1000):
            lookup = any(t.name == "composio-tui-keyring" and t.is_alive() for t in threading.enumerate())
            if lookup and any(w.group == "boot" and w.is_running for w in app.workers):
                return
            await pilot.pause(0.01)

    async def drive() -> dict:
        settings, paths = load(base_url=URL)
        app = ComposioApp(Context(settings=settings, paths=paths))
        start = time.monotonic()
        async with app.run_test() as pilot:
            await while_boot_blocks(app, pilot)
            blocked = time.monotonic()  # the lookup is in flight: the deadline runs from here (or a bit before)
            screen_while_blocked = type(app.screen).__name__
            for _ in range(200):  # the deadline (3 s) decides, then the login screen shows why
                if type(app.screen).__name__ == "LoginScreen" and app.screen.is_mounted:
                    break  # mounted, not just pushed: leaving mid-mount raced the screen's own start-up
                await pilot.pause(0.05)
            reason = str(app.screen.query_one("#login-reason").render()) if type(app.screen).__name__ == "LoginScreen" else ""
            shown = time.monotonic() - blocked
        return {"screen_while_blocked": screen_while_blocked, "reason": reason, "login_after": round(shown, 3),
                "app_seconds": round(time.monotonic() - start, 3)}

    async def quit_early() -> float:
        settings, paths = load(base_url=URL)
        app = ComposioApp(Context(settings=settings, paths=paths))
        start = time.monotonic()
        async with app.run_test() as pilot:
            await while_boot_blocks(app, pilot)  # the keyring lookup is blocked right now
            app.exit()
        return round(time.monotonic() - start, 3)

    result = asyncio.run(drive())
    result["quit_early_seconds"] = asyncio.run(quit_early())
    return result


def cli(*args: str, stdin: str = "", timeout: float = 20.0) -> dict:
    """The real command line in its own process (stdin not a TTY); never the key in the result."""
    import subprocess

    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "tui", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parents[2])
    return {"rc": proc.returncode, "stderr": proc.stderr[-1500:], "seconds": round(time.monotonic() - start, 3),
            "has_key": KEY in proc.stderr + proc.stdout}


def cli_locked() -> dict:
    """10.9: a command that needs the key says the keyring is locked and how to unlock it."""
    return {"create": cli("sessions", "create", "--user", "user_1", "--toolkit", "github")}


def cli_frozen() -> dict:
    """10.9: every keyring touch of one command shares one 3 s deadline (info, login)."""
    from tui.demo import DEMO_API_KEY
    from tui.demo.runner import DemoServer

    out = {"info": cli("info"), "create": cli("sessions", "create", "--user", "user_1", "--toolkit", "github"),
           "logout": cli("logout")}  # one keyring touch: the yardstick for the others
    with DemoServer() as server:
        out["login"] = cli("--base-url", server.base_url, "login", stdin=DEMO_API_KEY)
    return out


def main(action: str) -> dict:
    if action == "store":
        return {"store": source_dict(*timed(lambda: secrets.store_key(URL, KEY)))}
    if action == "roundtrip":
        return roundtrip()
    if action in ("locked", "no-collection", "no-bus"):
        return {"resolve": resolve(), "status": status(), "store_error": store_error()}
    if action == "frozen":
        return {"resolve": resolve()}
    if action == "frozen-app":
        return frozen_app()
    if action == "frozen-real-app":
        return frozen_real_app()
    if action == "cli-locked":
        return cli_locked()
    if action == "cli-frozen":
        return cli_frozen()
    raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    report = main(sys.argv[1])
    report["printed_at"] = time.time()
    print(json.dumps(report), flush=True)
