"""The demo API's connected-account actions (delete, enable/disable, refresh, Connect link from an auth
config): every body validates against composio_client's models, and they act on the one account store
that session links fill."""

from __future__ import annotations

import pytest

import composio_client._generated.pydantic_gen as gen
from composio_client.types import (
    connected_account_delete_response as del_m,
    connected_account_refresh_response as ref_m,
    connected_account_retrieve_response as car,
    connected_account_update_status_response as upd_m,
    link_create_response as lnk_m,
)
from demo_fixtures import api, create_session, server  # noqa: F401  (fixtures)
from test_demo_contract import check, check_error
from tui.demo.connections import auth_config_id

pytestmark = pytest.mark.timeout(60)

ACCOUNT = (car.ConnectedAccountRetrieveResponse, gen.GetV31ConnectedAccountsByNanoidResponse)
DELETED = (del_m.ConnectedAccountDeleteResponse, gen.DeleteV31ConnectedAccountsByNanoidResponse)
STATUS = (upd_m.ConnectedAccountUpdateStatusResponse, gen.PatchV31ConnectedAccountsByNanoIdStatusResponse)
REFRESHED = (ref_m.ConnectedAccountRefreshResponse, gen.PostV31ConnectedAccountsByNanoidRefreshResponse)
LINKED = (lnk_m.LinkCreateResponse, gen.PostV31ConnectedAccountsLinkResponse)
A = "/api/v3.1/connected_accounts"


def _session_account(api, user="alice", slug="github") -> str:
    sid = create_session(api, user, [slug])["session_id"]
    return api.post(f"/api/v3.1/tool_router/session/{sid}/link", json={"toolkit": slug}).json()["connected_account_id"]


def _status(api, account_id: str) -> str:
    return check(api.get(f"{A}/{account_id}"), 200, *ACCOUNT)["status"]


def test_link_from_auth_config_then_activate_on_the_link_page(api, server):
    body = check(api.post(f"{A}/link", json={"user_id": "alice", "auth_config_id": auth_config_id("gmail"),
                                             "callback_url": "https://app.example/cb"}), 201, *LINKED)
    assert body["redirect_url"].startswith(f"{server.base_url}/link/ln_") and body["expires_at"].endswith("Z")
    account = check(api.get(f"{A}/{body['connected_account_id']}"), 200, *ACCOUNT)
    assert (account["user_id"], account["toolkit"]["slug"], account["status"]) == ("alice", "gmail", "INITIATED")
    assert account["auth_config"]["id"] == auth_config_id("gmail")
    assert server.store.account(body["connected_account_id"]).callback_url == "https://app.example/cb"
    page = api.post(body["redirect_url"].removeprefix(server.base_url))  # the user presses Authorize
    assert page.status_code == 200
    assert _status(api, body["connected_account_id"]) == "ACTIVE"


def test_disable_enable_refresh_delete(api, server):
    account_id = _session_account(api)
    server.activate(account_id)
    check(api.patch(f"{A}/{account_id}/status", json={"enabled": False}), 200, *STATUS)
    assert _status(api, account_id) == "INACTIVE"
    check(api.patch(f"{A}/{account_id}/status", json={"enabled": True}), 200, *STATUS)
    assert _status(api, account_id) == "ACTIVE"
    server.activate(account_id, "EXPIRED")
    refreshed = check(api.post(f"{A}/{account_id}/refresh", json={}), 200, *REFRESHED)
    assert refreshed["status"] == "INITIATED" and refreshed["redirect_url"].startswith(f"{server.base_url}/link/")
    assert _status(api, account_id) == "INITIATED"
    check(api.delete(f"{A}/{account_id}"), 200, *DELETED)
    check_error(api.get(f"{A}/{account_id}"), 404)
    assert server.store.account(account_id) is None


def test_refresh_of_an_api_key_account_has_no_redirect(api, server):
    account_id = _session_account(api, slug="notion")
    server.activate(account_id, "EXPIRED")
    refreshed = check(api.post(f"{A}/{account_id}/refresh"), 200, *REFRESHED)
    assert refreshed == {"id": account_id, "status": "ACTIVE", "redirect_url": None}


def test_errors(api, server):
    for resp in (api.delete(f"{A}/ca_missing"), api.patch(f"{A}/ca_missing/status", json={"enabled": True}),
                 api.post(f"{A}/ca_missing/refresh", json={})):
        check_error(resp, 404)
    account_id = _session_account(api)
    check_error(api.patch(f"{A}/{account_id}/status", json={}), 400)
    check_error(api.patch(f"{A}/{account_id}/status", json={"enabled": "yes"}), 400)
    check_error(api.patch(f"{A}/{account_id}/status", json={"enabled": True, "extra": 1}), 400)  # strict body
    check_error(api.post(f"{A}/link", json={"user_id": "alice"}), 400)
    check_error(api.post(f"{A}/link", json={"auth_config_id": auth_config_id("github")}), 400)
    check_error(api.post(f"{A}/link", json={"user_id": "alice", "auth_config_id": "ac_nope"}), 404)
    check_error(api.post(f"{A}/link", json={"user_id": "alice", "auth_config_id": auth_config_id("hackernews")}), 400)
    check_error(api.post(f"{A}/link", json={"user_id": "a", "auth_config_id": auth_config_id("github"), "x": 1}), 400)
    assert _status(api, account_id) == "INITIATED"  # refusals changed nothing


def test_sdk_drives_every_action(server):
    """The real SDK's raw client over HTTP: the bodies parse into its own models."""
    from composio import Composio
    from tui.demo import DEMO_API_KEY

    client = Composio(api_key=DEMO_API_KEY, base_url=server.base_url, allow_tracking=False).client
    link = client.link.create(user_id="bob", auth_config_id=auth_config_id("slack"), callback_url="https://x.example/")
    assert server.store.account(link.connected_account_id).user_id == "bob"
    server.activate(link.connected_account_id)
    assert client.connected_accounts.update_status(link.connected_account_id, enabled=False).success
    assert client.connected_accounts.retrieve(link.connected_account_id).status == "INACTIVE"
    assert client.connected_accounts.update_status(link.connected_account_id, enabled=True).success
    assert client.connected_accounts.refresh(link.connected_account_id).status == "INITIATED"
    assert client.connected_accounts.delete(link.connected_account_id).success
    assert server.store.account(link.connected_account_id) is None
