"""Unit tests for API-key custody, with in-memory, fail, null, hanging and misconfigured backends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import keyring.errors
import pytest
from keyring.backends import fail, null
from keyring.compat import properties

from keyring_helpers import HangingKeyring, MemoryKeyring, RaisingKeyring
from tui.core import keystore, keytext, secrets
from tui.core.secrets import KeyInfo, RunKeys, SecretsError

PROD = "https://backend.composio.dev"
LOCAL = "http://localhost:9900"
KEY = "ak_test_0123456789abcdefwxyz"
OTHER = "ak_other_key_9876543210lmno"


def one_sentence(text: str) -> bool:
    return text.endswith(".") and ". " not in text and "\n" not in text


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    secrets.reset()
    yield
    secrets.reset()


@pytest.fixture
def memory_backend() -> MemoryKeyring:
    backend = MemoryKeyring()
    secrets.use_backend(backend)
    return backend


def test_store_resolve_delete_round_trip(memory_backend: MemoryKeyring) -> None:
    stored = secrets.store_key(PROD, KEY)
    assert (stored.source, stored.state, stored.backend) == ("keyring", "ok", "MemoryKeyring")
    assert memory_backend.items == {("composio-tui", PROD): KEY}

    found = secrets.resolve_key(PROD, environ={})
    assert (found.key, found.source, found.state) == (KEY, "keyring", "ok")
    assert secrets.describe(found) == "from keyring (MemoryKeyring), …wxyz"

    assert secrets.delete_key(PROD) is True
    assert secrets.delete_key(PROD) is False  # a missing item is not an error
    gone = secrets.resolve_key(PROD, environ={})
    assert (gone.key, gone.source, gone.state) == (None, "none", "missing")
    assert "COMPOSIO_API_KEY" in gone.message and one_sentence(gone.message)
    assert secrets.describe(gone) == "no key"


def test_store_reads_back_after_writing(memory_backend: MemoryKeyring) -> None:
    secrets.store_key(PROD, KEY)
    assert [c[0] for c in memory_backend.calls] == ["set", "get"]


def test_separate_keys_per_base_url(memory_backend: MemoryKeyring) -> None:
    secrets.store_key(PROD, KEY)
    secrets.store_key(LOCAL, OTHER)
    assert secrets.resolve_key("HTTPS://Backend.Composio.dev:443/api/v3/", environ={}).key == KEY
    assert secrets.resolve_key("http://localhost:9900/", environ={}).key == OTHER
    assert secrets.resolve_key("https://staging-backend.composio.dev", environ={}).state == "missing"
    assert secrets.resolve_key(None, environ={}).key == KEY  # blank means production
    assert set(memory_backend.items) == {("composio-tui", PROD), ("composio-tui", LOCAL)}


def test_normalize_base_url() -> None:
    assert secrets.normalize_base_url("https://backend.composio.dev/") == PROD
    assert secrets.normalize_base_url("  ") == PROD
    assert secrets.normalize_base_url("http://LOCALHOST:80/x?y#z") == "http://localhost"
    assert secrets.normalize_base_url("https://user:pw@host:8443/") == "https://host:8443"
    assert secrets.normalize_base_url("http://[::1]:9900") == "http://[::1]:9900"
    for bad in ("backend.composio.dev", "ftp://host", "https://host:notaport"):
        with pytest.raises(ValueError):
            secrets.normalize_base_url(bad)


def test_env_wins_and_keyring_is_never_touched(
    memory_backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory_backend.items[("composio-tui", PROD)] = OTHER
    threads: list[object] = []
    monkeypatch.setattr(keystore, "call_with_deadline", lambda *a, **k: threads.append(a))
    source = secrets.resolve_key(PROD, environ={"COMPOSIO_API_KEY": KEY})
    assert (source.key, source.source, source.state) == (KEY, "env", "ok")
    assert secrets.describe(source) == "from COMPOSIO_API_KEY, …wxyz"
    assert memory_backend.calls == [] and threads == []


def test_env_read_from_os_environ_by_default(
    memory_backend: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPOSIO_API_KEY", f"  {KEY}\n")
    assert secrets.resolve_key(PROD).key == KEY
    monkeypatch.setenv("COMPOSIO_API_KEY", "   ")  # blank counts as unset
    assert secrets.resolve_key(PROD).state == "missing"
    assert memory_backend.calls == [("get", "composio-tui", PROD)]


def test_malformed_env_key_is_reported_not_used(memory_backend: MemoryKeyring) -> None:
    source = secrets.resolve_key(PROD, environ={"COMPOSIO_API_KEY": "ak_one two"})
    assert (source.key, source.source, source.state) == (None, "env", "misconfigured")
    assert "COMPOSIO_API_KEY" in source.message and one_sentence(source.message)
    assert memory_backend.calls == []


def test_memory_key_for_this_run_only(memory_backend: MemoryKeyring) -> None:
    run = RunKeys()
    held = secrets.hold_key(PROD, KEY, run)
    assert (held.source, held.state) == ("memory", "ok")
    source = secrets.resolve_key(PROD, environ={}, memory=run)
    assert (source.key, source.source) == (KEY, "memory")
    assert secrets.describe(source) == "in memory for this run only (not stored), …wxyz"
    assert memory_backend.items == {} and memory_backend.calls == []
    assert secrets.resolve_key(LOCAL, environ={}, memory=run).state == "missing"  # held per base URL
    assert secrets.resolve_key(PROD, environ={"COMPOSIO_API_KEY": OTHER}, memory=run).source == "env"
    assert secrets.resolve_key(PROD, environ={}).state == "missing"  # no module-level store: only the owner sees it
    secrets.store_key(PROD, KEY, memory=run)  # saving drops the in-memory copy
    assert secrets.resolve_key(PROD, environ={}, memory=run).source == "keyring"


def test_delete_also_forgets_memory_key(memory_backend: MemoryKeyring) -> None:
    run = RunKeys()
    secrets.hold_key(LOCAL, KEY, run)
    assert secrets.delete_key(LOCAL, memory=run) is True
    assert secrets.resolve_key(LOCAL, environ={}, memory=run).source == "none"


def test_one_budget_is_shared_by_every_keyring_touch(monkeypatch: pytest.MonkeyPatch) -> None:
    """10.9: a command touching a frozen keyring three times waits one deadline in all, not three."""
    from tui.core.deadline import Budget

    hanging = HangingKeyring()
    secrets.use_backend(hanging)
    budget = Budget(0.6)
    started = time.monotonic()
    try:
        states = [secrets.resolve_key(PROD, environ={}, deadline=budget).state,
                  secrets.keyring_status(budget).state,
                  secrets.resolve_key(PROD, environ={}, deadline=budget).state]
        elapsed = time.monotonic() - started
    finally:
        hanging.release.set()
    assert states[0] == "timeout" and all(s == "timeout" for s in states)
    assert elapsed < 0.6 + 0.5, elapsed
    assert "0.6 s" in secrets.resolve_key(PROD, environ={}, deadline=budget).message


def test_mask_and_repr_never_show_the_key(memory_backend: MemoryKeyring) -> None:
    assert secrets.mask(KEY) == "…wxyz"
    assert secrets.mask("short") == "…"
    assert secrets.mask(None) == "" and secrets.mask("") == ""
    source = KeyInfo(KEY, "keyring", backend="SecretService", state="ok", message="m")
    assert source.masked == "…wxyz"
    run = RunKeys()
    secrets.hold_key(PROD, KEY, run)
    for text in (repr(source), str(source), repr(secrets.store_key(PROD, KEY)), repr(run)):
        assert KEY not in text
    assert "…wxyz" in repr(source)


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "ak_with space", "ak_line\nbreak", "ak_cr\r", "ak_nul\x00x", "ak_tab\tx", "ak_snow☃man"],
)
def test_store_rejects_malformed_keys(memory_backend: MemoryKeyring, bad: str) -> None:
    with pytest.raises(SecretsError) as err:
        secrets.store_key(PROD, bad)
    assert err.value.state == "invalid-key"
    assert one_sentence(str(err.value))
    assert memory_backend.calls == []


def test_latin1_key_is_accepted(memory_backend: MemoryKeyring) -> None:
    assert secrets.store_key(PROD, "ak_caf\u00e9_0123456789").state == "ok"


def test_fail_backend_is_no_keyring() -> None:
    secrets.use_backend(fail.Keyring())
    source = secrets.resolve_key(PROD, environ={})
    assert (source.key, source.source, source.backend, source.state) == (None, "none", "fail", "no-keyring")
    assert "COMPOSIO_API_KEY" in source.message and "this run only" in source.message
    assert one_sentence(source.message)
    status = secrets.keyring_status()
    assert (status.state, status.backend) == ("no-keyring", "fail")
    with pytest.raises(SecretsError) as err:
        secrets.store_key(PROD, KEY)
    assert err.value.state == "no-keyring" and KEY not in str(err.value)
    with pytest.raises(SecretsError):
        secrets.delete_key(PROD)


def test_null_backend_store_fails_on_read_back() -> None:
    secrets.use_backend(null.Keyring())
    with pytest.raises(SecretsError) as err:
        secrets.store_key(PROD, KEY)
    assert err.value.state == "not-saved"
    assert "read-back" in str(err.value) and one_sentence(str(err.value))
    assert KEY not in str(err.value)
    source = secrets.resolve_key(PROD, environ={})
    assert (source.backend, source.state) == ("null", "no-keyring")
    assert secrets.delete_key(PROD) is False


def test_null_backend_chosen_by_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    source = secrets.resolve_key(PROD, environ={})
    assert (source.backend, source.state) == ("null", "no-keyring")
    assert "PYTHON_KEYRING_BACKEND" in source.message
    with pytest.raises(SecretsError, match="read-back"):
        secrets.store_key(PROD, KEY)


def test_misconfigured_env_backend_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretServce.Keyring")
    source = secrets.resolve_key(PROD, environ={})
    assert (source.key, source.source, source.state) == (None, "none", "misconfigured")
    assert "PYTHON_KEYRING_BACKEND=keyring.backends.SecretServce.Keyring" in source.message
    assert "ModuleNotFoundError" in source.message and one_sentence(source.message)
    assert secrets.keyring_status().state == "misconfigured"
    with pytest.raises(SecretsError) as err:
        secrets.store_key(PROD, KEY)
    assert err.value.state == "misconfigured"
    with pytest.raises(SecretsError):
        secrets.delete_key(PROD)


def test_keyringrc_is_honoured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    rc = tmp_path / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir()
    rc.write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    source = secrets.resolve_key(PROD, environ={})
    assert (source.backend, source.state) == ("null", "no-keyring")
    assert str(rc) in source.message
    rc.write_text("[backend]\ndefault-keyring=no.such.Backend\n")
    secrets.reset()
    broken = secrets.resolve_key(PROD, environ={})
    assert broken.state == "misconfigured" and str(rc) in broken.message


class PluginKeyring(MemoryKeyring):
    """A high-priority third-party backend, viable only while ``active`` is set."""

    active = False

    @properties.classproperty
    def priority(cls) -> float:
        if not cls.active:
            raise RuntimeError("inactive test plugin")
        return 100


def test_auto_detection_ignores_plugins_and_reports_no_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    PluginKeyring.active = True
    try:
        secrets.reset()
        assert PluginKeyring.viable
        choice = keystore.choose_backend()
        assert (choice.name, choice.origin) == ("fail", "auto")
        source = secrets.resolve_key(PROD, environ={})
        assert (source.backend, source.state) == ("fail", "no-bus")
        assert "DBUS_SESSION_BUS_ADDRESS" in source.message and one_sentence(source.message)

        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/composio-tui-test-bus")
        secrets.reset()
        assert secrets.keyring_status().state == "no-bus"
    finally:
        PluginKeyring.active = False
        secrets.reset()


@pytest.mark.parametrize(
    ("exc", "state"),
    [
        (keyring.errors.KeyringLocked("Failed to unlock the collection!"), "locked"),
        (keyring.errors.InitError("Failed to create the collection"), "no-collection"),
        (keyring.errors.NoKeyringError("none"), "no-keyring"),
        (OSError("boom"), "no-keyring"),
    ],
)
def test_backend_errors_map_to_states(exc: Exception, state: str) -> None:
    secrets.use_backend(RaisingKeyring(exc))
    source = secrets.resolve_key(PROD, environ={})
    assert (source.key, source.state) == (None, state)
    assert one_sentence(source.message)
    if state == "locked":
        assert "echo -n 'PASSWORD' | gnome-keyring-daemon --unlock" in source.message
    with pytest.raises(SecretsError) as err:
        secrets.store_key(PROD, KEY)
    assert err.value.state == state


def test_hanging_backend_times_out_within_deadline() -> None:
    backend = HangingKeyring()
    secrets.use_backend(backend)
    try:
        start = time.monotonic()
        source = secrets.resolve_key(PROD, environ={}, deadline=0.5)
        elapsed = time.monotonic() - start
        assert elapsed < 0.5 + 0.5
        assert (source.key, source.state, source.backend) == (None, "timeout", "HangingKeyring")
        assert "0.5 s" in source.message and one_sentence(source.message)

        # While the first call is still stuck, no second thread is started.
        start = time.monotonic()
        assert secrets.keyring_status(deadline=0.2).state == "timeout"
        assert secrets.resolve_key(PROD, environ={}, deadline=0.2).state == "timeout"
        assert time.monotonic() - start < 0.2 * 2 + 0.5
        assert backend.entered == 1
        with pytest.raises(SecretsError) as err:
            secrets.store_key(PROD, KEY, deadline=0.2)
        assert err.value.state == "timeout"

        backend.release.set()  # the daemon answers again
        assert secrets.resolve_key(PROD, environ={}, deadline=2.0).state == "ok"
    finally:
        backend.release.set()


def test_keyring_status_ok_for_working_backend(memory_backend: MemoryKeyring) -> None:
    status = secrets.keyring_status()
    assert (status.state, status.backend) == ("ok", "MemoryKeyring")
    assert one_sentence(status.message)
    assert memory_backend.calls == []  # the status check reads no key


def test_secrets_error_is_one_sentence() -> None:
    err = SecretsError("The keyring is locked; unlock it.", "locked")
    assert str(err) == "The keyring is locked; unlock it." and err.state == "locked"


@pytest.mark.parametrize(
    "state",
    ["ok", "missing", "no-bus", "no-secret-service", "locked", "no-collection", "no-keyring",
     "misconfigured", "timeout", "not-saved", "not-deleted"],
)
@pytest.mark.parametrize("backend", ["SecretService", "fail", "null", ""])
def test_every_message_is_one_actionable_sentence(state: str, backend: str) -> None:
    detail = "PYTHON_KEYRING_BACKEND=x.y (ModuleNotFoundError: No module named 'x')"
    text = keytext.sentence(state, backend, detail, PROD, 3.0)
    assert one_sentence(text), text
    if state not in ("ok", "not-deleted"):
        assert "COMPOSIO_API_KEY" in text, text
    if state in ("missing", "no-bus", "no-secret-service", "locked", "no-collection", "timeout"):
        assert "this run only" in text, text
