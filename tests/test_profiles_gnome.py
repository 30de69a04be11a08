"""Issue 16 end to end: profiles over two (three) loopback APIs and a real Secret Service.

Each demo API accepts only its own key and records every request it gets (method, path, which key).
The commands run as real processes inside ``dbus-run-session`` with gnome-keyring (see
``keyring_scripts/profiles_session.py``): two profiles log in, sessions land at the right API with
the right key, each ledger view shows only its own rows, a key stored by the previous version
(account = base URL) is still found, a read-only profile refuses every write without a write request,
and `profiles remove` takes its keyring entries with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import tui.demo.runner as runner
from sessionhelp import small_server
from test_secrets_gnome import SCRIPTS, fresh_env, kill_leftovers, prerequisites  # noqa: F401

KEYS = {"alpha": "ak_alpha_0000000000aaaa", "beta": "ak_beta_00000000000bbbb", "gamma": "ak_gamma_0000000000cccc",
        "ro": "ak_readonly_000000dddd"}
WRITES = ("POST", "DELETE", "PUT", "PATCH")


@pytest.fixture
def apis(tmp_path, monkeypatch):
    """Four started demo APIs, one key each; ``log[name]`` lists (method, path, key name) per request."""
    log: dict[str, list[tuple[str, str, str]]] = {}
    real = runner.create_app
    names = {v: k for k, v in KEYS.items()}

    def recording(*args, **kwargs):
        app = real(*args, **kwargs)
        mine = log.setdefault(next(names[k] for k in args[3]), [])

        async def wrapped(scope, receive, send):
            if scope["type"] == "http":
                key = dict(scope["headers"]).get(b"x-api-key", b"").decode()
                mine.append((scope["method"], scope["path"], names.get(key, "other" if key else "none")))
            await app(scope, receive, send)
        return wrapped

    monkeypatch.setattr(runner, "create_app", recording)
    servers = {name: small_server(tmp_path / name if (tmp_path / name).mkdir() is None else tmp_path,
                                  api_keys=(key,)) for name, key in KEYS.items()}
    yield servers, log
    for srv in servers.values():
        srv.stop()


def run_steps(workdir: Path, env: dict, steps: list[dict], timeout: float = 300.0) -> dict:
    (workdir / "steps.json").write_text(json.dumps([dict(s, env={**env, **s.get("env", {})}) for s in steps]))
    base = fresh_env(workdir)
    proc = subprocess.Popen(["dbus-run-session", "--", sys.executable, str(SCRIPTS / "profiles_session.py"),
                             str(workdir)], env=base, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        import os
        import signal

        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        kill_leftovers(workdir, grace=0)
        pytest.fail("the profiles session did not finish")
    assert kill_leftovers(workdir) == []
    assert proc.returncode == 0, err.decode(errors="replace")[-3000:]
    return json.loads(out.decode().strip().splitlines()[-1])


def tui(name: str, *argv: str, stdin: str = "", **env: str) -> dict:
    return {"name": name, "argv": ["tui", *argv], "stdin": stdin, "env": env}


def test_two_profiles_real_keyring_right_api_right_key_own_ledger(tmp_path: Path, apis) -> None:
    servers, log = apis
    work = tmp_path / "work"
    work.mkdir()
    config = work / "config.toml"
    config.write_text("# operator settings\ntimeout = 20\n"
                      f'[profiles.alpha]\nbase_url = "{servers["alpha"].base_url}"\nlabel = "Alpha project"\n\n'
                      f'[profiles.beta]\nbase_url = "{servers["beta"].base_url}"\ncolour = "green"\n\n'
                      f'[profiles.gamma]\nbase_url = "{servers["gamma"].base_url}"\n\n'
                      f'[profiles.ro]\nbase_url = "{servers["ro"].base_url}"\nread_only = true\n')
    (work / "users.txt").write_text("u-ro-1\nu-ro-2\n")
    env = {"COMPOSIO_TUI_CONFIG": str(config)}
    legacy_url = servers["gamma"].base_url
    store_legacy = ("import keyring; keyring.set_password('composio-tui', %r, %r)" % (legacy_url, KEYS["gamma"]))
    probe = ("import json, keyring; print(json.dumps([keyring.get_password('composio-tui', a) is not None "
             "for a in ('profile:gamma', %r, 'profile:alpha')]))" % legacy_url)
    steps = [
        tui("login_alpha", "login", "--profile", "alpha", stdin=KEYS["alpha"]),
        tui("login_beta", "login", "--profile", "beta", stdin=KEYS["beta"]),
        tui("login_ro", "login", "--profile", "ro", stdin=KEYS["ro"]),
        tui("beta_with_alpha_key", "login", "--profile", "beta", "--check-only", stdin=KEYS["alpha"]),
        {"name": "legacy_store", "argv": ["python", "-c", store_legacy]},
        tui("create_alpha", "--profile", "alpha", "sessions", "create", "--user", "user-a", "--toolkit", "github",
            "--json"),
        tui("create_beta", "sessions", "create", "--user", "user-b", "--toolkit", "github", "--json",
            COMPOSIO_TUI_PROFILE="beta"),
        tui("create_gamma", "--profile", "gamma", "sessions", "create", "--user", "user-c", "--toolkit", "github",
            "--json"),
        tui("list_alpha", "--profile", "alpha", "sessions", "list", "--json"),
        tui("list_beta", "--profile", "beta", "sessions", "list", "--json"),
        tui("list_all", "sessions", "list", "--all-profiles", "--json"),
        tui("profiles_list", "profiles", "list", "--json"),
        tui("ro_create", "--profile", "ro", "sessions", "create", "--user", "user-r", "--toolkit", "github"),
        tui("ro_delete", "--profile", "ro", "sessions", "delete", "ts_whatever", "--yes"),
        tui("ro_provision", "--profile", "ro", "provision", "--users", "users.txt", "--toolkit", "github"),
        tui("ro_list", "--profile", "ro", "sessions", "list", "--json"),
        tui("info_env", "--profile", "beta", "info", COMPOSIO_API_KEY=KEYS["beta"]),
        tui("info", "info"),
        tui("remove_in_use", "profiles", "remove", "alpha", "--yes"),
        tui("remove_gamma", "profiles", "remove", "gamma", "--yes"),
        {"name": "probe", "argv": ["python", "-c", probe]},
        tui("logout_beta", "logout", "--profile", "beta"),
        tui("beta_after_logout", "--profile", "beta", "sessions", "create", "--user", "user-b2", "--toolkit",
            "github"),
    ]
    r = run_steps(work, env, steps)
    for name in ("login_alpha", "login_beta", "login_ro", "legacy_store", "create_alpha", "create_beta",
                 "create_gamma", "list_alpha", "list_beta", "list_all", "profiles_list", "ro_list", "info_env",
                 "info", "remove_gamma", "probe", "logout_beta"):
        assert r[name]["rc"] == 0, (name, r[name])
    assert "profile alpha" in r["login_alpha"]["stderr"] and "SecretService" in r["login_alpha"]["stderr"]
    assert r["beta_with_alpha_key"]["rc"] == 3  # beta's API refuses alpha's key
    # sessions land at the right API, each with its own key (each API accepts only its own)
    for name, user in (("alpha", "user-a"), ("beta", "user-b"), ("gamma", "user-c")):
        assert [s.user_id for s in servers[name].store.sessions()] == [user], name
        foreign = [entry for entry in log[name] if entry[2] != name]
        # the one foreign request is the deliberate check of alpha's key against beta's API
        assert foreign == ([("GET", "/api/v3.1/toolkits", "alpha")] if name == "beta" else []), (name, log[name])
    assert json.loads(r["create_gamma"]["stdout"])["user_id"] == "user-c"  # the old version's key still works
    # each ledger view shows only its own
    assert [e["user_id"] for e in json.loads(r["list_alpha"]["stdout"])] == ["user-a"]
    assert [(e["user_id"], e["profile"]) for e in json.loads(r["list_beta"]["stdout"])] == [("user-b", "beta")]
    assert sorted(e["user_id"] for e in json.loads(r["list_all"]["stdout"])) == ["user-a", "user-b", "user-c"]
    assert json.loads(r["ro_list"]["stdout"]) == []
    listed = {row["name"]: row for row in json.loads(r["profiles_list"]["stdout"])}
    assert listed["alpha"]["default"] and listed["alpha"]["in_use"] and listed["alpha"]["last4"] == "…aaaa"
    assert listed["beta"]["key"].startswith("from keyring (SecretService)") and listed["beta"]["last4"] == "…bbbb"
    assert "earlier version" in listed["gamma"]["key"] and listed["gamma"]["last4"] == "…cccc"
    assert listed["ro"]["read_only"]
    # a read-only profile refuses every write with one line, and its API saw no write request
    for name in ("ro_create", "ro_delete", "ro_provision"):
        said = r[name]["stderr"]
        assert r[name]["rc"] == 2 and "read-only" in said and said.count("\n") == 1, (name, r[name])
    assert servers["ro"].store.sessions() == []
    assert [m for m, _, _ in log["ro"] if m in WRITES] == [], log["ro"]
    # info: COMPOSIO_API_KEY overrides, and every profile's key is explained
    assert "COMPOSIO_API_KEY overrides every profile" in r["info_env"]["stdout"]
    info = r["info"]["stdout"]
    assert "alpha (Alpha project)  (from the default)" in info
    assert "profile beta" in info and "…bbbb" in info and "profile ro" in info
    # removing the profile in use is refused; removing gamma takes both keyring entries with it
    assert r["remove_in_use"]["rc"] == 2 and "in use" in r["remove_in_use"]["stderr"]
    assert json.loads(r["probe"]["stdout"]) == [False, False, True]
    assert "[profiles.gamma]" not in config.read_text() and "# operator settings" in config.read_text()
    assert r["beta_after_logout"]["rc"] == 3 and "login --profile beta" in r["beta_after_logout"]["stderr"]
    for result in r.values():
        for key in KEYS.values():
            assert key not in result["stdout"] + result["stderr"]
