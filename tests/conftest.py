"""Shared fixtures: every test gets private XDG dirs and no ambient Composio or keyring settings.

Parallel runs (pytest-xdist, ``-n 6 --dist loadgroup`` in pyproject's addopts: part of
a test's time is waiting, so six workers keep two cores busy, also beside another busy process; ``-n0`` runs in one
process for debugging): a test module that listens on a fixed port (its screens show the URL) names it
in a module constant ``FIXED_PORT``; all tests of such a module go to one worker (``xdist_group``), so
two workers never bind the same port. Everything else a test uses is private to it: ports picked by
the kernel, ``tmp_path``, tmux servers named per process, D-Bus buses per ``dbus-run-session``.
"""

from __future__ import annotations

import compileall
import gc
import sys
from pathlib import Path

import pytest

AMBIENT = ("COMPOSIO_API_KEY", "COMPOSIO_BASE_URL", "COMPOSIO_USER_API_KEY", "COMPOSIO_ORG_API_KEY",
           "COMPOSIO_TUI_CONFIG", "COMPOSIO_TUI_BASE_URL", "COMPOSIO_TUI_THEME", "COMPOSIO_TUI_DEBUG_LOG",
           "NO_COLOR")

# The longest tests start first, so a parallel run does not end waiting for one of them alone.
SLOW_FIRST = ("test_fault_run.py", "test_e2e_", "test_secrets_gnome.py", "test_provision_resume.py")


ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """Bytecode once, before the workers start: with ``PYTHONDONTWRITEBYTECODE`` set (as on these
    machines) no ``.pyc`` is ever written, so every worker rewrote the test modules' asserts (about 5 s
    of CPU each) and every process the tests start compiled ``tui`` from source. The controller (or the
    single process of ``-n0``) writes both caches; Python and pytest read them whatever the setting."""
    if hasattr(config, "workerinput"):
        return
    for folder in ("tui", "tests"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    if not sys.dont_write_bytecode:
        return  # pytest writes its own cache of the rewritten modules
    try:  # pytest's cache of rewritten test modules, as its import hook writes it (an optimisation only)
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        for path in sorted((ROOT / "tests").glob("**/*.py")):
            if not (path.name.startswith("test_") or path.name == "conftest.py"):
                continue
            pyc = rewrite.get_cache_dir(path) / (path.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(path, pyc, state.trace) is None:
                pyc.parent.mkdir(exist_ok=True)
                source_stat, code = rewrite._rewrite_test(path, config)
                rewrite._write_pyc(state, code, source_stat, pyc)
    except (ImportError, AttributeError, KeyError, TypeError, OSError):
        pass


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks into the node ids
def pytest_collection_modifyitems(config, items):
    for item in items:
        port = getattr(item.module, "FIXED_PORT", None) if item.module is not None else None
        if port is not None:
            item.add_marker(pytest.mark.xdist_group(f"port-{port}"))

    def slow_rank(item) -> int:
        name = item.path.name
        return next((i for i, prefix in enumerate(SLOW_FIRST) if name.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=slow_rank)  # stable: the order inside each module stays as written


FULL_GC_EVERY = 100
"""Generation-1 collections between two full ones in a test process (Python's default is 10)."""


def pytest_collection_finish(session):
    """Fewer full garbage collections in a test process. Its heap holds the SDK's models and what the
    tests leave (Textual's strip caches): about 700,000 objects, so a full collection costs a third
    of a second, and the default rate made them about 16% of a Pilot test's CPU. What was imported
    while collecting is frozen (never scanned again), and a full collection comes ten times more rarely;
    young garbage is still collected as before, and pytest collects everything at the end to report
    unraisable exceptions."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_GC_EVERY)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    for name in AMBIENT:
        monkeypatch.delenv(name, raising=False)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        path = tmp_path / "xdg" / sub
        path.mkdir(parents=True)
        monkeypatch.setenv(var, str(path))
    # Nothing in a test may reach the developer's real keyring by accident.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    yield tmp_path / "xdg"


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch):
    """A focused Input's cursor stays drawn instead of blinking every 0.5 s: a screenshot must not
    depend on how long the machine took to get there."""
    from textual.widgets import Input

    def keep_visible(self) -> None:
        self._cursor_visible = True

    monkeypatch.setattr(Input, "_toggle_cursor", keep_visible)


@pytest.fixture(autouse=True)
def no_debug_log_after():
    """A debug log a test started (directly or through the app) ends with the test."""
    from loghelp import logger_levels, stop_debug_log

    levels = logger_levels()
    yield
    stop_debug_log(levels)


@pytest.fixture
def xdg(isolated_env):
    return isolated_env


@pytest.fixture
def memory_keyring():
    """An in-memory keyring installed for the test (keyring_helpers.MemoryKeyring), removed after."""
    from keyring_helpers import MemoryKeyring
    from tui.core import secrets

    backend = MemoryKeyring()
    secrets.reset()
    secrets.use_backend(backend)
    yield backend
    secrets.use_backend(None)
    secrets.reset()
