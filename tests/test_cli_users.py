"""`composio-tui users …` and `connections …` against the demo API over real HTTP: views, links, the
account actions, offboarding (dry run, for real) and every refusal."""

from __future__ import annotations

import json

import pytest
from demo_fixtures import server  # noqa: F401  (fixture)
from test_cli_sessions import create, ledger_rows
from test_cli_toolkits import api, cli, json_lines, run_cli, run_tty  # noqa: F401  (api is a fixture)

from tui.demo import DEMO_API_KEY

pytestmark = pytest.mark.timeout(120)


def link(capsys, user: str, slug: str, *extra: str) -> dict:
    rc, out, err = cli(capsys, "connections", "link", "--user", user, "--toolkit", slug, *extra)
    assert rc == 0, err
    return json.loads(out)


def accounts_of(server, user: str) -> list:
    return [a for a in server.store.accounts() if a.user_id == user]


@pytest.fixture
def two_users(api, capsys):
    """alice: two sessions, github ACTIVE, gmail EXPIRED, slack INACTIVE; bob: one session, github ACTIVE."""
    create(capsys, "alice", "github", "gmail")
    create(capsys, "alice", "slack")
    create(capsys, "bob", "github")
    ids = {}
    for user, slug, status in (("alice", "github", "ACTIVE"), ("alice", "gmail", "EXPIRED"),
                               ("alice", "slack", "INACTIVE"), ("bob", "github", "ACTIVE")):
        made = link(capsys, user, slug)
        api.activate(made["connected_account_id"], status)
        ids[(user, slug)] = made["connected_account_id"]
    return ids


def test_users_list_counts_sessions_accounts_and_broken(two_users, capsys):
    rc, out, _ = cli(capsys, "users", "list")
    assert rc == 0
    rows = {r["user_id"]: r for r in json_lines(out)}
    assert rows["alice"] | {} == {"user_id": "alice", "sessions": 2, "accounts": 3, "broken_accounts": 2,
                                  "in_ledger": True}
    assert (rows["bob"]["sessions"], rows["bob"]["accounts"], rows["bob"]["broken_accounts"]) == (1, 1, 0)


def test_users_show_joins_sessions_and_accounts_by_toolkit(two_users, capsys):
    rc, out, _ = cli(capsys, "users", "show", "alice", "--json")
    assert rc == 0
    view = json.loads(out)
    assert len(view["sessions"]) == 2
    assert {a["toolkit"]: a["status"] for a in view["accounts"]} == {"github": "ACTIVE", "gmail": "EXPIRED",
                                                                    "slack": "INACTIVE"}
    by_kit = {t["toolkit"]: t for t in view["toolkits"]}
    assert by_kit["gmail"]["status"] == "EXPIRED" and len(by_kit["gmail"]["sessions"]) == 1
    assert all(a["user_id"] == "alice" for a in view["accounts"])
    reasons = {a["toolkit"]: a["status_reason"] for a in view["accounts"]}
    assert reasons["gmail"] == "Permanent auth error during token refresh"
    assert reasons["slack"] == "Connection status updated by user" and reasons["github"] is None


def test_connections_list_filters(two_users, capsys):
    rc, out, _ = cli(capsys, "connections", "list", "--user", "alice", "--status", "EXPIRED", "INACTIVE")
    assert rc == 0
    assert sorted(r["toolkit"] for r in json_lines(out)) == ["gmail", "slack"]
    rc, out, _ = cli(capsys, "connections", "list", "--toolkit", "github")
    assert sorted(r["user_id"] for r in json_lines(out)) == ["alice", "bob"]


def test_link_wait_turns_active_and_returns_to_the_callback(api, capsys):
    create(capsys, "carol", "github")
    api.store.auto_activate_after = 0.3
    rc, out, err = cli(capsys, "connections", "link", "--user", "carol", "--toolkit", "github",
                       "--callback-url", "https://app.example/done", "--wait", "20")
    assert rc == 0, err
    made = json.loads(out)
    assert made["redirect_url"].startswith(f"{api.base_url}/link/ln_") and made["via"].startswith("session trs_")
    assert made["callback_url"] == "https://app.example/done"
    assert api.store.account(made["connected_account_id"]).callback_url == "https://app.example/done"
    assert "is connected for carol (ACTIVE)" in err


def test_link_wait_times_out_with_the_status(api, capsys):
    create(capsys, "dave", "slack")
    rc, _, err = cli(capsys, "connections", "link", "--user", "dave", "--toolkit", "slack", "--wait", "0.5")
    assert rc == 5
    assert "still INITIATED" in err


def test_link_wait_ends_on_failure(api, capsys):
    import threading

    create(capsys, "erin", "slack")

    def fail_it():
        import time

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not accounts_of(api, "erin"):
            time.sleep(0.02)
        api.activate(accounts_of(api, "erin")[0].id, "FAILED")

    threading.Thread(target=fail_it, daemon=True).start()
    rc, _, err = cli(capsys, "connections", "link", "--user", "erin", "--toolkit", "slack", "--wait", "20")
    assert rc == 5 and "ended FAILED" in err


def test_link_through_an_earlier_accounts_auth_config(api, capsys):
    """No live session enables gmail any more, but carol's EXPIRED gmail account names its auth config."""
    session = create(capsys, "carol", "gmail")
    old = link(capsys, "carol", "gmail")
    api.activate(old["connected_account_id"], "EXPIRED")
    rc, _, err = cli(capsys, "sessions", "delete", session["session_id"], "--yes")
    assert rc == 0, err
    made = link(capsys, "carol", "gmail")
    assert made["via"] == "auth config ac_demo_gmail" and made["connected_account_id"] != old["connected_account_id"]
    assert api.store.account(made["connected_account_id"]).user_id == "carol"


def test_link_refused_for_a_toolkit_no_session_enables(two_users, capsys):
    rc, _, err = cli(capsys, "connections", "link", "--user", "bob", "--toolkit", "slack")
    assert rc == 2
    assert "No session of 'bob' enables 'slack'" in err and "--toolkit slack" in err
    rc, out, _ = cli(capsys, "connections", "link", "--user", "bob", "--toolkit", "slack",
                     "--auth-config", "ac_demo_slack")
    assert rc == 0 and json.loads(out)["via"] == "auth config ac_demo_slack"


def test_disable_enable_refresh_delete(two_users, api, capsys):
    github = two_users[("alice", "github")]
    rc, out, _ = cli(capsys, "connections", "disable", github, "--user", "alice")
    assert rc == 0 and json.loads(out)["status"] == "INACTIVE"
    rc, out, _ = cli(capsys, "connections", "enable", github)
    assert rc == 0 and json.loads(out)["status"] == "ACTIVE"
    gmail = two_users[("alice", "gmail")]
    rc, out, err = cli(capsys, "connections", "refresh", gmail)
    assert rc == 0 and json.loads(out)["redirect_url"].startswith(api.base_url) and "reconnect" in err
    rc, _, err = cli(capsys, "connections", "delete", gmail)
    assert rc == 2 and "pass --yes" in err
    rc, out, _ = cli(capsys, "connections", "delete", gmail, "--yes")
    assert rc == 0 and json.loads(out)["deleted"] is True
    assert api.store.account(gmail) is None
    rc, _, _ = cli(capsys, "connections", "disable", gmail)
    assert rc == 4


def test_account_of_another_user_is_refused(two_users, api, capsys):
    bobs = two_users[("bob", "github")]
    for action in ("disable", "enable", "refresh"):
        rc, _, err = cli(capsys, "connections", action, bobs, "--user", "alice")
        assert rc == 2 and "belongs to another user, not 'alice'" in err
    rc, _, err = cli(capsys, "connections", "delete", bobs, "--user", "alice", "--yes")
    assert rc == 2
    assert api.store.account(bobs).status == "ACTIVE"


def test_unknown_user_and_default(api, capsys):
    rc, _, err = cli(capsys, "users", "show", "nobody")
    assert rc == 4 and "No sessions or accounts for user 'nobody'" in err
    rc, _, err = cli(capsys, "users", "offboard", "nobody", "--dry-run")
    assert rc == 4 and "No sessions or accounts" in err
    for args in (("users", "show", "default"), ("users", "offboard", "default", "--yes"),
                 ("connections", "link", "--user", "default", "--toolkit", "github"),
                 ("connections", "list", "--user", "default")):
        rc, _, err = cli(capsys, *args)
        assert rc == 2 and "'default' is a shared placeholder" in err, args


def test_offboard_dry_run_then_for_real(two_users, api, capsys):
    rc, out, err = cli(capsys, "users", "offboard", "alice", "--dry-run")
    assert rc == 0 and "Dry run: nothing was removed." in err
    plan = json.loads(out)
    assert (plan["sessions"], plan["accounts"], plan["dry_run"]) == (2, 3, True)
    assert {i["outcome"] for i in plan["items"]} == {"planned"}
    assert len(accounts_of(api, "alice")) == 3 and len([s for s in api.sessions() if s.user_id == "alice"]) == 2
    rc, _, err = cli(capsys, "users", "offboard", "alice")
    assert rc == 2 and "--yes" in err  # no terminal to type the id on
    rc, out, err = cli(capsys, "users", "offboard", "alice", "--yes")
    assert rc == 0, err
    report = json.loads(out)
    assert report["complete"] and {i["outcome"] for i in report["items"]} == {"deleted"}
    assert accounts_of(api, "alice") == [] and [s for s in api.sessions() if s.user_id == "alice"] == []
    alice_rows = [r for r in ledger_rows() if r["user_id"] == "alice"]
    assert {r["state"] for r in alice_rows} == {"deleted"} and all("offboarded by " in r["note"] for r in alice_rows)
    assert len(accounts_of(api, "bob")) == 1 and len([s for s in api.sessions() if s.user_id == "bob"]) == 1
    assert {r["state"] for r in ledger_rows() if r["user_id"] == "bob"} == {"active"}


def test_offboard_in_a_real_subprocess_never_prints_the_key(two_users):
    done = run_cli("users", "offboard", "bob", "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["complete"] is True
    assert DEMO_API_KEY not in done.stdout + done.stderr


def test_offboard_on_a_terminal_asks_for_the_id_typed_again(two_users, api):
    rc, screen = run_tty("users", "offboard", "bob", answer="bobby", after=b"to remove all of this: ")
    assert rc == 0 and "That is not the user id; nothing was removed." in screen
    assert len(accounts_of(api, "bob")) == 1
    rc, screen = run_tty("users", "offboard", "bob", answer="bob", after=b"to remove all of this: ")
    assert rc == 0, screen
    assert "removes 1 sessions and 1 connected accounts" in screen and "Offboarded bob" in screen
    assert accounts_of(api, "bob") == [] and len(accounts_of(api, "alice")) == 3
    assert DEMO_API_KEY not in screen


def test_link_on_a_terminal_prints_the_url_and_a_qr_code(two_users, api):
    rc, screen = run_tty("connections", "link", "--user", "bob", "--toolkit", "github",
                         "--callback-url", "https://app.example/cb")
    assert rc == 0, screen
    [url] = [line for line in screen.splitlines() if line.startswith(f"{api.base_url}/link/ln_")]
    assert "█" in screen and "the user returns to https://app.example/cb" in screen
    assert api.store.account_by_token(url.rsplit("/", 1)[1]).user_id == "bob"
