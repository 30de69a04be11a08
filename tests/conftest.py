"""Shared fixtures: every test gets private XDG dirs and no ambient Composio or keyring settings."""

from __future__ import annotations


import pytest

AMBIENT = ("COMPOSIO_API_KEY", "COMPOSIO_BASE_URL", "COMPOSIO_USER_API_KEY", "COMPOSIO_ORG_API_KEY",
           "COMPOSIO_TUI_CONFIG", "COMPOSIO_TUI_BASE_URL", "COMPOSIO_TUI_THEME", "COMPOSIO_TUI_DEBUG_LOG",
           "NO_COLOR")


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
