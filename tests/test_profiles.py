"""Issue 16 core: the profile model, choosing one, bad input, config writes, per-profile keys and ledger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from tui.core import profile_keys, profiles
from tui.core.context import Context
from tui.core.ledger import APPLICATION_ID, Ledger
from tui.core.paths import Paths
from tui.core.profiles import Profile, ProfileError, ReadOnlyProfile
from tui.core.secrets import use_backend

CONFIG = """# my settings, keep me
timeout = 20

[profiles.staging]
base_url = "https://staging.example.com/"
label = "Staging"
colour = "green"

[profiles.prod]
base_url = "https://backend.composio.dev"
read_only = true
"""


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("none")


@pytest.fixture
def ring():
    backend = MemoryKeyring()
    use_backend(backend)
    yield backend
    use_backend(None)


def paths(tmp_path: Path, text: str = CONFIG) -> Paths:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    return Paths(config_file=cfg, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", log_dir=tmp_path / "log")


def test_read_default_and_choose(tmp_path, monkeypatch):
    monkeypatch.delenv(profiles.ENV_PROFILE, raising=False)
    known = profiles.read(paths(tmp_path).config_file)
    assert known.names == ["staging", "prod"] and known.default == "staging"
    assert known.get("staging").base_url == "https://staging.example.com"
    assert known.get("prod").production and not known.get("staging").production
    assert profiles.choose(known, "https://x.example.com").name == "staging"
    assert profiles.choose(known, "https://x", name="prod").read_only
    assert profiles.choose(known, "https://x", environ={profiles.ENV_PROFILE: "prod"}).name == "prod"
    assert profiles.choose(known, "https://x.example.com", explicit_url=True).implicit
    assert profiles.choose(profiles.ProfileSet(), "https://x.example.com").account == "https://x.example.com"
    assert Profile("live-eu", "https://eu.example.com").production


@pytest.mark.parametrize("text, said", [
    ('[profiles.a]\nbase_url = "http://api.example.com"\n', "plain http://"),
    ('[profiles.a]\nlabel = "x"\n', "needs base_url"),
    ('[profiles.a]\nbase_url = "https://a.example.com"\nread_only = "yes"\n', "true or false"),
    ('[profiles.a]\nbase_url = "https://a.example.com"\napi_key = "ak_x"\n', "unknown keys: api_key"),
    ('default_profile = "b"\n[profiles.a]\nbase_url = "https://a.example.com"\n', "known profiles: a"),
    ('[profiles."bad name"]\nbase_url = "https://a.example.com"\n', "Bad profile name"),
])
def test_bad_config_is_one_line(tmp_path, text, said):
    with pytest.raises(ProfileError) as err:
        profiles.read(paths(tmp_path, text).config_file)
    assert said in err.value.line() and "\n" not in err.value.line()


def test_unknown_name_lists_the_known_ones(tmp_path):
    known = profiles.read(paths(tmp_path).config_file)
    with pytest.raises(ProfileError, match="Unknown profile 'nope'; known profiles: staging, prod"):
        known.get("nope")


def test_writes_keep_the_rest_of_the_file(tmp_path):
    cfg = paths(tmp_path).config_file
    with pytest.raises(ProfileError, match="already exists"):
        profiles.add(cfg, Profile("prod", "https://other.example.com"))
    with pytest.raises(ProfileError, match="plain http://"):
        profiles.add(cfg, Profile("lan", "http://10.0.0.5:8000"))
    profiles.add(cfg, Profile("local", "http://127.0.0.1:9000", key_env="LOCAL_KEY", read_only=True))
    assert profiles.use(cfg, "prod").default == "prod"
    assert profiles.use(cfg, "local").default == "local"
    with pytest.raises(ProfileError, match="in use"):
        profiles.remove(cfg, "local", in_use="local")
    known = profiles.remove(cfg, "staging", in_use="local")
    assert known.names == ["prod", "local"] and known.get("local").key_env == "LOCAL_KEY"
    known = profiles.remove(cfg, "local", in_use="prod")  # the default goes: default_profile line too
    text = cfg.read_text()
    assert "# my settings, keep me" in text and "timeout = 20" in text and "default_profile" not in text
    assert known.default == "prod" and "ak_" not in text


def test_per_profile_accounts_and_the_previous_versions_key(tmp_path, ring, monkeypatch):
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    known = profiles.read(paths(tmp_path, CONFIG + '[profiles.prod2]\nbase_url = "https://backend.composio.dev"\n')
                          .config_file)
    ring.set_password("composio-tui", "https://staging.example.com", "ak_old_version_1234")
    ring.set_password("composio-tui", "https://backend.composio.dev", "ak_old_prod_5678")
    staging = profile_keys.resolve(known.get("staging"), known, environ={})
    assert staging.present and staging.masked == "…1234" and "earlier version" in staging.label
    # two profiles on one origin: only the default... and here neither is the default, so neither reads it
    assert not profile_keys.resolve(known.get("prod"), known, environ={}).present
    assert not profile_keys.resolve(known.get("prod2"), known, environ={}).present
    profile_keys.store(known.get("staging"), "ak_new_profile_9999", deadline=3.0)
    assert ring.items[("composio-tui", "profile:staging")] == "ak_new_profile_9999"
    assert profile_keys.resolve(known.get("staging"), known, environ={}).masked == "…9999"
    env = profile_keys.resolve(known.get("staging"), known, environ={"COMPOSIO_API_KEY": "ak_env_key_0000"})
    assert env.masked == "…0000" and "overrides every profile" in env.label
    keyed = profile_keys.resolve(Profile("x", "https://x.example.com", key_env="X_KEY"), known,
                                 environ={"X_KEY": "ak_from_var_4444"})
    assert keyed.masked == "…4444" and "X_KEY" in keyed.label
    assert profile_keys.delete(known.get("staging"), known, deadline=3.0)
    assert ("composio-tui", "profile:staging") not in ring.items
    assert ("composio-tui", "https://staging.example.com") not in ring.items


def test_read_only_profile_refuses_before_any_request(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOSIO_API_KEY", "ak_some_key_1111")
    ctx = Context(paths=paths(tmp_path), profile="prod")
    with pytest.raises(ReadOnlyProfile, match="read-only, so creating a session is refused"):
        ctx.require_writable("creating a session")
    ctx.connect()
    gateway = ctx.gateway
    for call in (lambda: gateway.create_session("u1", ["github"]), lambda: gateway.delete_session("s"),
                 lambda: gateway.create_link("s", "github")):
        with pytest.raises(ReadOnlyProfile):
            call()
    Context(paths=paths(tmp_path), profile="staging").require_writable("creating a session")


def test_ledger_migrates_schema_1_and_scopes_by_profile(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(f"""CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL,
        session_id TEXT UNIQUE, mcp_url TEXT NOT NULL DEFAULT '', toolkits TEXT NOT NULL DEFAULT '[]',
        manage_connections INTEGER NOT NULL DEFAULT 1, base_url TEXT NOT NULL, created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL, operator TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
        PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;
        INSERT INTO sessions (user_id, base_url, created_at, updated_at, state)
        VALUES ('old-user', 'https://api.example.com', 'x', 'x', 'active');""")
    db.close()
    url = "https://api.example.com"
    with Ledger(path, profile="a", legacy=True) as a, Ledger(path, profile="b", legacy=False) as b:
        a.begin("user-a", ["github"], url)
        b.begin("user-b", ["github"], url)
        assert [e.user_id for e in a.entries(base_url=url)] == ["user-a", "old-user"]
        assert [(e.user_id, e.profile) for e in b.entries(base_url=url)] == [("user-b", "b")]
        assert len(a.entries()) == 3 and b.recent_user_ids(url) == ["user-b"]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 2


def test_switch_profile_drops_the_old_gateway_and_key(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOSIO_API_KEY", "ak_some_key_1111")
    ctx = Context(paths=paths(tmp_path), profile="staging")
    ctx.connect()
    old = ctx.gateway
    assert ctx.cache_dir.name == "staging" and ctx.base_url == "https://staging.example.com"
    chosen = ctx.switch_profile("prod")
    assert chosen.name == "prod" and ctx.base_url == "https://backend.composio.dev"
    assert not ctx.key.present and ctx._gateway is None and ctx.cache_dir.name == "prod"
    assert old is not ctx.__dict__.get("_gateway")
    with pytest.raises(ProfileError, match="known profiles"):
        ctx.switch_profile("nope")


def test_two_consoles_on_two_profiles_do_not_interfere(tmp_path, monkeypatch):
    """Two contexts at once (as two consoles would be), one ledger file: each reads its own API with its
    own key, caches its own catalog and records and lists only its own sessions."""
    import threading

    from sessionhelp import small_server

    keys = {"a": "ak_console_a_00001111", "b": "ak_console_b_00002222"}
    (tmp_path / "sa").mkdir()
    (tmp_path / "sb").mkdir()
    servers = {n: small_server(tmp_path / f"s{n}", api_keys=(k,)) for n, k in keys.items()}
    monkeypatch.delenv("COMPOSIO_API_KEY", raising=False)
    monkeypatch.setenv("A_KEY", keys["a"])
    monkeypatch.setenv("B_KEY", keys["b"])
    text = "".join(f'[profiles.{n}]\nbase_url = "{s.base_url}"\nkey_env = "{n.upper()}_KEY"\n\n'
                   for n, s in servers.items())
    from tui.core import sessions

    results: dict[str, object] = {}
    shared = paths(tmp_path, text)

    def console(name: str) -> None:
        ctx = Context(paths=shared, profile=name)
        try:
            known = {t.slug for t in ctx.catalogs.get().toolkits}
            sessions.create(ctx.gateway, ctx.ledger, f"user-{name}", ["github"], known)
            results[name] = ([e.user_id for e in ctx.ledger.entries(base_url=ctx.base_url)], ctx.cache_dir)
        except Exception as exc:  # reported below
            results[name] = exc
        finally:
            ctx.close()

    try:
        threads = [threading.Thread(target=console, args=(n,)) for n in keys]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for name, server in servers.items():
            listed, cache = results[name]  # type: ignore[misc]
            assert listed == [f"user-{name}"] and cache.name == name and any(cache.iterdir())
            assert [s.user_id for s in server.store.sessions()] == [f"user-{name}"]
    finally:
        for server in servers.values():
            server.stop()


def test_profile_and_base_url_together_are_refused(tmp_path):
    ctx = Context(paths=paths(tmp_path), profile="staging", overrides={"base_url": "https://x.example.com"})
    with pytest.raises(ProfileError, match="give only one"):
        ctx.base_url  # noqa: B018
