"""The users core over real HTTP: known users follow every page of the accounts list (and arrive in
steps), offboarding that fails half way reports it, keeps a journal and finishes on the next run, and
user-scoped refusals change nothing."""

from __future__ import annotations

import json

import pytest

from sessionhelp import small_server
from tui.core import offboard, sessions, users
from tui.core.errors import ApiError
from tui.core.gateway import Gateway
from tui.core.ledger import Ledger
from tui.core.sessions import InputError
from tui.core.states import ErrorKind, LedgerState, OffboardOutcome
from tui.demo import DEMO_API_KEY

pytestmark = pytest.mark.timeout(120)
KNOWN = frozenset({"github", "gmail", "slack", "notion", "hackernews", "airtable"})


@pytest.fixture
def env(tmp_path):
    server = small_server(tmp_path)
    gw = Gateway(server.base_url, DEMO_API_KEY)
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    yield server, gw, ledger
    ledger.close()
    gw.close()
    server.stop()


def test_known_users_page_through_the_accounts_list(env):
    server, gw, ledger = env
    sessions.create(gw, ledger, "alice", ["github"], KNOWN)
    for i in range(130):  # more than one page (100) of accounts
        server.store.create_account(f"user-{i % 3}", "gmail", "OAUTH2", True, server.base_url, status="EXPIRED")
    steps = list(users.known_users(gw, ledger))
    assert [u.user_id for u in steps[0]] == ["alice"]  # the ledger first, before any request
    assert len(steps) == 3  # then one step per page
    final = {u.user_id: u for u in steps[-1]}
    assert set(final) == {"alice", "user-0", "user-1", "user-2"}
    assert sum(u.accounts for u in final.values()) == 130 and final["user-0"].broken == 44
    assert final["alice"].sessions == 1 and final["alice"].accounts == 0


class Flaky(Gateway):
    """The real gateway, except that deleting one named account fails once (as a 500 would)."""

    fail_once: set[str]

    def delete_account(self, account_id: str) -> bool:
        if account_id in self.fail_once:
            self.fail_once.discard(account_id)
            raise ApiError(ErrorKind.SERVER, "The API had an internal error (500)")
        return super().delete_account(account_id)


def test_offboarding_that_fails_half_way_finishes_on_the_next_run(env, tmp_path):
    server, gw, ledger = env
    flaky = Flaky(server.base_url, DEMO_API_KEY)
    ids = []
    for slug in ("github", "gmail"):
        info = sessions.create(gw, ledger, "leaver", [slug], KNOWN)
        ids.append(gw.create_link(info.session_id, slug).connected_account_id)
    other = sessions.create(gw, ledger, "stayer", ["slack"], KNOWN)
    flaky.fail_once = {ids[0]}
    try:
        plan = offboard.plan(flaky, ledger, "leaver")
        assert [(i.kind, i.outcome) for i in plan.items] == [("session", "planned")] * 2 + [("account", "planned")] * 2
        first = offboard.run(flaky, ledger, "leaver", tmp_path)
        assert not first.done and [i.id for i in first.failed] == [ids[0]]
        assert "internal error" in first.failed[0].note
        assert server.store.account(ids[0]) is not None and server.store.account(ids[1]) is None
        lines = [json.loads(x) for x in offboard.journal_path(tmp_path, "leaver").read_text().splitlines()]
        assert [e["event"] for e in lines] == ["plan", "done", "done", "done"]  # the failure is left to do

        second = offboard.run(flaky, ledger, "leaver", tmp_path)
        assert second.done
        outcomes = {i.id: (i.outcome, i.earlier) for i in second.items}
        assert outcomes[ids[0]] == (OffboardOutcome.DELETED, False) and outcomes[ids[1]][1] is True
        assert [a for a in server.store.accounts() if a.user_id == "leaver"] == []
        assert {e.state for e in ledger.entries(user="leaver")} == {LedgerState.DELETED}
        assert ledger.get(other.session_id).state == LedgerState.ACTIVE
        with pytest.raises(ApiError) as caught:  # nothing left: a third run says so
            offboard.run(flaky, ledger, "leaver", tmp_path)
        assert caught.value.kind == ErrorKind.NOT_FOUND
    finally:
        flaky.close()


def test_user_scoped_actions_refuse_another_users_account(env):
    server, gw, ledger = env
    info = sessions.create(gw, ledger, "bob", ["github"], KNOWN)
    account = gw.create_link(info.session_id, "github").connected_account_id
    server.activate(account)
    for action in (users.disable, users.enable, users.refresh, users.delete):
        with pytest.raises(InputError, match="belongs to another user"):
            action(gw, account, "alice")
    assert server.store.account(account).status == "ACTIVE"
    with pytest.raises(InputError, match="belongs to another user"):
        users.connect(gw, ledger, "alice", "github", session_id=info.session_id)
    with pytest.raises(InputError, match="shared placeholder"):
        users.view(gw, ledger, "Default")


def test_wait_is_bounded_and_cancellable(env):
    server, gw, ledger = env
    info = sessions.create(gw, ledger, "carol", ["slack"], KNOWN)
    link = gw.create_link(info.session_id, "slack")
    waited = users.wait_active(gw, link.connected_account_id, timeout=0.2, interval=0.05)
    assert (waited.outcome, waited.status) == ("TIMEOUT", "INITIATED")
    waited = users.wait_active(gw, link.connected_account_id, timeout=30, interval=0.05, cancelled=lambda: True)
    assert waited.outcome == "CANCELLED"
    server.activate(link.connected_account_id, "REVOKED")
    waited = users.wait_active(gw, link.connected_account_id, timeout=30, interval=0.05)
    assert (waited.outcome, waited.status) == ("ENDED", "REVOKED") and waited.reason
