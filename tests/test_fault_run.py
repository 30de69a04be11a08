"""The fault run: 1,000+ operations through the console and the scripting commands against an
embedded API that injects latency, 5xx, 429 bursts, malformed bodies and dropped connections.

Zero crashes, zero unhandled worker errors, and at the end the ledger and the API agree: no session
the API holds is missing from the ledger (phantom), no session the ledger calls active is missing
from the API (lost). Deterministic: one seed per shard drives the faults and the choice of operations.

The run is four shards of 255 operations (240 commands, then 15 console operations), each with its own
API, ledger and seed, so a parallel suite runs them side by side instead of waiting for one long test;
every shard makes the same checks, and the four together make 1,020 operations.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import time
from collections import Counter

import pytest
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from apphelp import make_app, settle
from tui.__main__ import main
from tui.screens import catalog as catalog_screen
from tui.core.ledger import Ledger
from tui.demo import DEMO_API_KEY
from tui.demo.data import DemoCatalog, load_catalog
from tui.demo.faults import Faults
from tui.demo.runner import DemoServer

SEED = 20261123
SHARDS = 4
CLI_OPS = 240  # per shard
APP_OPS = 15


def faults(seed: int) -> Faults:
    return Faults(seed=seed, latency=(0.0, 0.01), error_rate=0.06, error_status=503, rate_limit_rate=0.03,
                  rate_limit_burst=3, retry_after=0, malformed_rate=0.03, drop_rate=0.03)
SLUGS = ["github", "gmail", "slack", "notion", "linear", "jira", "hackernews", "googledrive"]
CRASH = 1  # exit code of an unexpected exception


def fault_catalog() -> DemoCatalog:
    """The demo catalog's 40 most used toolkits and every slug the run picks: a catalog page here costs
    its parse and cache write in every search, info and refresh, while what is under test is how each
    request's fault is handled (paging and catalog size have their own tests)."""
    full = load_catalog()
    kept = [tk for i, tk in enumerate(full.toolkits) if i < 40 or tk.slug in SLUGS]
    assert {tk.slug for tk in kept} >= set(SLUGS)
    return DemoCatalog(toolkits=kept, categories=full.categories)


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(args))
    return code, out.getvalue()


def one_tls_context(monkeypatch) -> None:
    """Every command builds a fresh SDK client, and httpx loads the CA bundle for each one (~30 ms, a
    third of a command here). The API is plain http on loopback, so one context can serve them all."""
    import httpx._transports.default as transport

    real = transport.create_ssl_context
    shared: dict[bool, object] = {}

    def create_ssl_context(verify=True, cert=None, trust_env=True):
        if verify is not True or cert is not None:
            return real(verify=verify, cert=cert, trust_env=trust_env)
        if trust_env not in shared:
            shared[trust_env] = real(verify=True, cert=None, trust_env=trust_env)
        return shared[trust_env]

    monkeypatch.setattr(transport, "create_ssl_context", create_ssl_context)


def test_the_shards_together_make_over_1000_operations():
    assert SHARDS * (CLI_OPS + APP_OPS) >= 1000


@pytest.mark.timeout(300)
@pytest.mark.parametrize("shard", range(SHARDS))
async def test_fault_run(xdg, monkeypatch, shard):
    one_tls_context(monkeypatch)
    seed = SEED + shard
    rng = random.Random(seed)
    figures: Counter[str] = Counter()
    worker_errors: list[str] = []
    app_seconds: Counter[str] = Counter()
    started = time.monotonic()
    with DemoServer(catalog=fault_catalog(), faults=faults(seed)) as server:
        monkeypatch.setenv("COMPOSIO_BASE_URL", server.base_url)
        monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
        # SDK-level retries sleep 0.5 s and more; the faults are meant to reach our own handling.
        monkeypatch.setenv("COMPOSIO_TUI_MAX_RETRIES", "0")
        created: list[str] = []

        # --- the scripting commands ---------------------------------------------------------
        for i in range(CLI_OPS):
            op = rng.choices(["create", "show", "delete", "search", "info", "list"], [40, 20, 10, 10, 10, 10])[0]
            if op in ("show", "delete") and not created:
                op = "create"
            if op == "create":
                picked = rng.sample(SLUGS, rng.randint(1, 3))
                code, out = cli("sessions", "create", "--user", f"cli_user_{i}", "--toolkit", *picked, "--json")
                if code == 0:
                    created.append(json.loads(out)["session_id"])
            elif op == "show":
                code, _ = cli("sessions", "show", rng.choice(created), "--json")
            elif op == "delete":
                victim = created.pop(rng.randrange(len(created)))
                code, _ = cli("sessions", "delete", victim, "--yes")
                if code != 0:
                    created.append(victim)
            elif op == "search":
                code, _ = cli("toolkits", "search", rng.choice(["git", "mail", "drive", "zz"]), "--refresh", "--json")
            elif op == "info":
                code, _ = cli("toolkits", "info", rng.choice(SLUGS), "--refresh", "--json")
            else:
                code, _ = cli("sessions", "list", "--json")
            assert code != CRASH, f"operation {i} ({op}) crashed"
            assert code in (0, 3, 4, 5), f"operation {i} ({op}) exited {code}"
            figures[f"cli {op} {'ok' if code == 0 else 'failed'}"] += 1

        cli_seconds = time.monotonic() - started

        # --- the console ------------------------------------------------------------------
        def hook(message) -> None:
            if isinstance(message, Worker.StateChanged) and message.state == WorkerState.ERROR:
                worker_errors.append(f"{message.worker.name}: {message.worker.error!r}")

        # No typing pauses to debounce here: each search and highlight asks the API (almost) at once.
        monkeypatch.setattr(catalog_screen, "SEARCH_DEBOUNCE", 0.01)
        monkeypatch.setattr(catalog_screen, "DETAIL_DEBOUNCE", 0.01)
        app = make_app(server.base_url, DEMO_API_KEY, timeout=2, max_retries=0)
        async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
            await settle(pilot)
            for i in range(APP_OPS):
                op = rng.choices(["refresh", "search", "mark", "create", "sessions"], [15, 25, 20, 25, 15])[0]
                began = time.monotonic()
                await run_app_op(pilot, op, i, rng)
                figures[f"app {op}"] += 1
                app_seconds[op] += time.monotonic() - began
                assert app.is_running, f"app stopped at operation {i} ({op})"
        server_ids = {r.session_id for r in server.sessions()}

    ledger = Ledger(xdg / "data" / "composio-tui" / "ledger.sqlite3")
    entries = ledger.entries(base_url=server.base_url)
    ledger.close()
    states = Counter(e.state for e in entries)
    ledger_ids = {e.session_id for e in entries if e.session_id}
    active = {e.session_id for e in entries if e.state == "active"}
    phantom, lost = server_ids - ledger_ids, active - server_ids
    ops = sum(figures.values())
    print(f"\nfault run shard {shard}: {ops} operations in {time.monotonic() - started:.1f} s "
          f"(commands {cli_seconds:.1f} s), seed {seed}")
    for name, count in sorted(figures.items()):
        op = name.split()[1]
        print(f"  {name:28s} {count}" + (f"  ({app_seconds[op]:.1f} s)" if name.startswith("app ") else ""))
    print(f"  ledger states {dict(states)}; API sessions {len(server_ids)}; "
          f"phantom {len(phantom)}; lost {len(lost)}; unhandled worker errors {len(worker_errors)}")
    assert ops == CLI_OPS + APP_OPS
    assert worker_errors == []
    assert phantom == set() and lost == set()
    assert active == server_ids
    assert states["active"] > 12 and sum(v for k, v in figures.items() if "failed" in k) > 5  # faults bit


async def run_app_op(pilot, op: str, i: int, rng: random.Random) -> None:
    app = pilot.app
    from tui.screens.catalog import CatalogScreen

    while not isinstance(app.screen, CatalogScreen):  # back to the catalog from wherever we are
        await pilot.press("escape")
        await pilot.pause()
    if op == "refresh":
        await pilot.press("r")
    elif op == "search":  # a search the local catalog lacks also asks the server
        app.screen.query_one("#search", Input).value = rng.choice(["git", "mail", "zzq", "goo"])
        await settle(pilot)  # the debounced filter and the server search have run
        await pilot.press("escape")
    elif op == "mark":
        await pilot.press(*["down"] * rng.randint(0, 3), "space")
    elif op == "create":
        if not app.marked:
            await pilot.press("space")
        await pilot.press("n")
        await settle(pilot)
        if type(app.screen).__name__ == "NewSessionScreen":
            app.screen.query_one("#user-id", Input).value = f"app_user_{i}"
            await pilot.press("ctrl+s")
    else:
        await pilot.press("s")
        await settle(pilot)
        await pilot.press(rng.choice(["r", "d"]))
        await settle(pilot)
        if type(app.screen).__name__ == "ConfirmScreen":
            await pilot.press("y")
    await settle(pilot)
