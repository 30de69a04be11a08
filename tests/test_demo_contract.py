"""Every body the demo API produces validates against composio_client's own response models.

Each body is checked twice: against the compatibility model the SDK parses into
(``composio_client.types...``) and against the OpenAPI-generated model (``_generated.pydantic_gen``).
Both allow extra keys, so a recursive walk also rejects keys the models do not declare (typos).
"""

from __future__ import annotations

import httpx
import pytest
from pydantic import BaseModel

import composio_client._generated.pydantic_gen as gen
from composio_client.types import (
    connected_account_retrieve_response as car,
    tool_list_response as tools_m,
    toolkit_list_response as tkl,
    toolkit_retrieve_categories_response as cats_m,
    toolkit_retrieve_response as tkr,
)
from composio_client.types.tool_router import (
    session_create_response as create_m,
    session_delete_response as delete_m,
    session_link_response as link_m,
    session_retrieve_response as retrieve_m,
    session_toolkits_response as stk_m,
)
from demo_fixtures import api, create_session, server  # noqa: F401  (fixtures)
from tui.demo import DEMO_API_KEY
from tui.demo.data import synthetic_catalog
from tui.demo.runner import DemoServer
from tui.demo.faults import Faults
from tui.demo.state import STATUSES

pytestmark = pytest.mark.timeout(60)

# Keys the real API sends beyond the models (reference §2.2: detail repeats the list fields).
ALLOWED_EXTRA = {"auth_schemes", "no_auth"}


def _no_extras(value: object, where: str = "$") -> None:
    if isinstance(value, BaseModel):
        extra = set(value.model_extra or {}) - ALLOWED_EXTRA
        assert not extra, f"undeclared keys at {where}: {sorted(extra)}"
        for name in type(value).model_fields:
            _no_extras(value.__dict__.get(name), f"{where}.{name}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _no_extras(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_extras(item, f"{where}.{key}")
    elif isinstance(getattr(value, "root", None), BaseModel):
        _no_extras(value.root, where)


def check(resp: httpx.Response, status: int, *models: type[BaseModel]) -> dict:
    """Assert the status and x-request-id, validate the JSON against every model, return the JSON."""
    assert resp.status_code == status, resp.text
    assert resp.headers.get("x-request-id", "").startswith("req_")
    body = resp.json()
    for model in models:
        _no_extras(model.model_validate(body))
    return body


def check_error(resp: httpx.Response, status: int) -> dict:
    body = check(resp, status, gen.Error)
    err = body["error"]
    assert err["status"] == status and err["message"] and err["slug"]
    assert err["request_id"] == resp.headers["x-request-id"]
    return err


TOOLKITS = (tkl.ToolkitListResponse, gen.GetV31ToolkitsResponse)
DETAIL = (tkr.ToolkitRetrieveResponse, gen.GetV31ToolkitsBySlugResponse)
TOOLS = (tools_m.ToolListResponse, gen.GetV31ToolsResponse)
SESSION = (create_m.SessionCreateResponse, gen.PostV31ToolRouterSessionResponse)
RETRIEVED = (retrieve_m.SessionRetrieveResponse, gen.GetV31ToolRouterSessionBySessionIdResponse)
SESSION_TOOLKITS = (stk_m.SessionToolkitsResponse, gen.GetV31ToolRouterSessionBySessionIdToolkitsResponse)
LINK = (link_m.SessionLinkResponse, gen.PostV31ToolRouterSessionBySessionIdLinkResponse)
ACCOUNT = (car.ConnectedAccountRetrieveResponse, gen.GetV31ConnectedAccountsByNanoidResponse)


@pytest.mark.parametrize("query", [
    {}, {"limit": 2}, {"search": "mail"}, {"search": "no-such-thing-anywhere"}, {"category": "communication"},
    {"category": "Productivity", "sort_by": "alphabetically"}, {"sort_by": "usage", "limit": 1000},
])
def test_toolkit_list_bodies(api, query):
    body = check(api.get("/api/v3.1/toolkits", params=query), 200, *TOOLKITS)
    if query.get("search") == "no-such-thing-anywhere":
        assert body["items"] == [] and body["total_items"] == 0 and body["next_cursor"] is None


def test_toolkit_list_page_two_and_last_page(api):
    first = check(api.get("/api/v3.1/toolkits", params={"limit": 4}), 200, *TOOLKITS)
    assert first["next_cursor"] and first["current_page"] == 1 and first["total_pages"] == 2
    second = check(api.get("/api/v3.1/toolkits", params={"limit": 4, "cursor": first["next_cursor"]}), 200, *TOOLKITS)
    assert second["current_page"] == 2 and second["next_cursor"] is None and len(second["items"]) == 2


def test_categories_and_details(api):
    cats = check(api.get("/api/v3.1/toolkits/categories"), 200, cats_m.ToolkitRetrieveCategoriesResponse,
                 gen.GetV31ToolkitsCategoriesResponse)
    assert {c["id"] for c in cats["items"]} == {"developer-tools", "communication", "productivity"}
    for slug in ("github", "slack", "notion", "hackernews", "airtable"):  # managed, no app_url, API key, no auth
        detail = check(api.get(f"/api/v3.1/toolkits/{slug}"), 200, *DETAIL)
        assert detail["slug"] == slug and detail["meta"]["categories"][0].keys() == {"slug", "name"}
    check_error(api.get("/api/v3.1/toolkits/does-not-exist"), 404)


@pytest.mark.parametrize("query", [
    {"toolkit_slug": "github"}, {"toolkit_slug": "github,gmail", "limit": 1}, {"query": "send"},
    {"tool_slugs": "GMAIL_SEND_EMAIL"}, {"toolkit_slug": "notion"}, {},
])
def test_tool_list_bodies(api, query):
    check(api.get("/api/v3.1/tools", params=query), 200, *TOOLS)


def test_tool_list_page_two(api):
    first = check(api.get("/api/v3.1/tools", params={"toolkit_slug": "github,gmail", "limit": 2}), 200, *TOOLS)
    second = check(api.get("/api/v3.1/tools", params={"limit": 2, "cursor": first["next_cursor"]}), 200, *TOOLS)
    assert second["items"][0]["slug"] == "GMAIL_SEND_EMAIL"


@pytest.mark.parametrize("extra", [
    {}, {"manage_connections": {"enable": False}}, {"toolkits": {"disable": ["slack"]}},
    {"workbench": {"enable": False}, "tags": ["readOnlyHint"], "instant": False},
    {"tools": {"github": {"enable": ["GITHUB_CREATE_AN_ISSUE"]}}, "tags": {"disable": ["destructiveHint"]},
     "auth_configs": {"github": "ac_custom_github"}},  # strict: ids must exist (see test_demo_policy.py)
])
def test_session_create_and_retrieve_bodies(api, extra):
    body = {"user_id": "u-contract", "toolkits": {"enable": ["github", "hackernews"]}, **extra}
    created = check(api.post("/api/v3.1/tool_router/session", json=body), 201, *SESSION)
    retrieved = check(api.get(f"/api/v3.1/tool_router/session/{created['session_id']}"), 200, *RETRIEVED)
    assert retrieved["session_id"] == created["session_id"]
    assert retrieved["tool_router_tools"] == created["tool_router_tools"]


def test_session_toolkits_link_account_and_delete_bodies(api, server):
    sid = create_session(api, "u-flow", ["github", "notion", "hackernews"])["session_id"]
    base = f"/api/v3.1/tool_router/session/{sid}"
    check(api.get(f"{base}/toolkits"), 200, *SESSION_TOOLKITS)
    page1 = check(api.get(f"{base}/toolkits", params={"limit": 2}), 200, *SESSION_TOOLKITS)
    check(api.get(f"{base}/toolkits", params={"limit": 2, "cursor": page1["next_cursor"]}), 200, *SESSION_TOOLKITS)
    check(api.get(f"{base}/toolkits", params={"is_connected": "true"}), 200, *SESSION_TOOLKITS)
    accounts = [check(api.post(f"{base}/link", json={"toolkit": slug}), 201, *LINK)["connected_account_id"]
                for slug in ("github", "notion")]  # OAuth2 (managed) and API key
    with_accounts = check(api.get(f"{base}/toolkits"), 200, *SESSION_TOOLKITS)
    assert sum(1 for i in with_accounts["items"] if i["connected_account"]) == 2
    for account_id in accounts:
        for status in STATUSES:
            assert server.activate(account_id, status)
            got = check(api.get(f"/api/v3.1/connected_accounts/{account_id}"), 200, *ACCOUNT)
            assert got["status"] == status
        check(api.get(f"{base}/toolkits"), 200, *SESSION_TOOLKITS)
    check(api.delete(base), 200, delete_m.SessionDeleteResponse, gen.DeleteV31ToolRouterSessionBySessionIdResponse)


def test_error_envelopes(api, server):
    assert check_error(api.get("/api/v3.1/tool_router/session/trs_missing"), 404)["message"] == "Session not found"
    check_error(api.delete("/api/v3.1/tool_router/session/trs_missing"), 404)
    check_error(api.get("/api/v3.1/tool_router/session/trs_missing/toolkits"), 404)
    check_error(api.post("/api/v3.1/tool_router/session/trs_missing/link", json={"toolkit": "github"}), 404)
    check_error(api.get("/api/v3.1/connected_accounts/ca_missing"), 404)
    err = check_error(api.post("/api/v3.1/tool_router/session", json={"user_id": "u", "toolkits": {"enable": ["nope"]}}), 400)
    assert err["message"] == "Validation error while processing request" and "nope" in err["errors"][0]
    check_error(api.post("/api/v3.1/tool_router/session", json={"toolkits": {"enable": ["github"]}}), 400)
    check_error(api.get("/api/v3.1/toolkits", params={"limit": 0}), 400)
    check_error(api.get("/api/v3.1/toolkits", params={"cursor": "!!not-a-cursor"}), 400)
    check_error(api.get("/api/v3.1/no/such/route"), 404)
    with httpx.Client(base_url=server.base_url) as anon:
        check_error(anon.get("/api/v3.1/toolkits"), 401)
        check_error(anon.get("/api/v3.1/toolkits", headers={"x-api-key": "ak_wrong"}), 401)


# -- the real high-level SDK ----------------------------------------------------------------

def _sdk(base_url: str, key: str = DEMO_API_KEY):
    from composio import Composio

    return Composio(api_key=key, base_url=base_url, allow_tracking=False, timeout=5, max_retries=0)


def test_sdk_pages_through_1234_toolkits():
    catalog = synthetic_catalog(1234)
    with DemoServer(catalog=catalog, max_page_size=200) as srv:
        client = _sdk(srv.base_url).client
        slugs, cursor, pages = [], None, 0
        while True:
            kwargs = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = client.toolkits.list(**kwargs)
            pages += 1
            assert len(page.items) <= 200
            slugs += [item.slug for item in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
        assert int(page.total_items) == 1234 == len(slugs) == len(set(slugs))
        assert pages == 7 and int(page.total_pages) == 7
        assert slugs == [tk.slug for tk in catalog.toolkits]  # usage order kept


def test_sdk_catalog_calls(server):
    client = _sdk(server.base_url).client
    assert [c.id for c in client.toolkits.retrieve_categories().items][0] == "developer-tools"
    detail = client.toolkits.retrieve("github")
    assert detail.meta.tools_count == 2 and detail.composio_managed_auth[0].mode == "OAUTH2"
    tools = client.tools.list(toolkit_slug="github")
    assert [t.slug for t in tools.items] == ["GITHUB_CREATE_AN_ISSUE", "GITHUB_LIST_PULL_REQUESTS"]
    found = client.toolkits.list(search="chat")
    assert [t.slug for t in found.items] == ["slack"]


def test_sdk_session_lifecycle(server):
    from composio_client import AuthenticationError, NotFoundError

    composio = _sdk(server.base_url)
    session = composio.create(user_id="sdk-user", toolkits=["github", "hackernews"])
    assert session.session_id.startswith("trs_")
    assert session.mcp.url == f"{server.base_url}/tool_router/{session.session_id}/mcp"
    assert session.mcp.headers == {"x-api-key": DEMO_API_KEY}
    states = {t.slug: t for t in session.toolkits().items}
    assert states["hackernews"].is_no_auth and states["hackernews"].connection is None
    assert states["github"].connection is not None and not states["github"].connection.is_active

    request = session.authorize("github")
    assert request.redirect_url.startswith(f"{server.base_url}/link/ln_")
    assert server.activate(request.id)
    account = request.wait_for_connection(timeout=5)
    assert account.status == "ACTIVE"
    assert {t.slug: t for t in session.toolkits().items}["github"].connection.is_active

    assert [r.session_id for r in server.sessions()] == [session.session_id]
    deleted = composio.sessions.delete(session.session_id)
    assert deleted == {"session_id": session.session_id, "deleted": True}
    with pytest.raises(NotFoundError) as exc:
        composio.client.tool_router.session.retrieve(session.session_id)
    assert "Session not found" in str(exc.value)

    with pytest.raises(AuthenticationError) as exc:
        _sdk(server.base_url, "ak_wrong_key").client.toolkits.list()
    assert exc.value.status_code == 401 and exc.value.request_id


def test_bundled_catalog_bodies_validate():
    """The shipped toolkits.json: every list page, every detail, every tool and a link per auth scheme."""
    from tui.demo.data import DEFAULT_PATH, load_catalog

    assert DEFAULT_PATH.exists(), f"bundled catalog missing at {DEFAULT_PATH}"
    catalog = load_catalog()
    with DemoServer(catalog=catalog) as srv, httpx.Client(base_url=srv.base_url, headers={"x-api-key": DEMO_API_KEY}) as c:
        cursor, seen = None, []
        while True:
            page = check(c.get("/api/v3.1/toolkits", params={"limit": 50, **({"cursor": cursor} if cursor else {})}),
                         200, *TOOLKITS)
            seen += [i["slug"] for i in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert seen == [tk.slug for tk in catalog.toolkits]
        for tk in catalog.toolkits:
            check(c.get(f"/api/v3.1/toolkits/{tk.slug}"), 200, *DETAIL)
        cursor, tool_count = None, 0
        while True:
            tools = check(c.get("/api/v3.1/tools", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}),
                          200, *TOOLS)
            tool_count += len(tools["items"])
            if not (cursor := tools["next_cursor"]):
                break
        assert tool_count == tools["total_items"] == sum(len(tk.tools) for tk in catalog.toolkits)
        by_scheme = {}
        for tk in catalog.toolkits:
            if not tk.no_auth and tk.auth_schemes:
                by_scheme.setdefault((tk.managed_schemes or tk.auth_schemes)[0], tk.slug)
        sid = create_session(c, "bundled", list(by_scheme.values()))["session_id"]
        for slug in by_scheme.values():
            ca = check(c.post(f"/api/v3.1/tool_router/session/{sid}/link", json={"toolkit": slug}), 201, *LINK)
            for status in ("INITIATED", "ACTIVE", "EXPIRED"):
                srv.activate(ca["connected_account_id"], status)
                check(c.get(f"/api/v3.1/connected_accounts/{ca['connected_account_id']}"), 200, *ACCOUNT)
        check(c.get(f"/api/v3.1/tool_router/session/{sid}/toolkits"), 200, *SESSION_TOOLKITS)


# -- issue 11.8: the connected accounts list, paged categories, production's 400s --------------------

from composio_client.types import connected_account_list_response as cal  # noqa: E402

ACCOUNTS = (cal.ConnectedAccountListResponse, gen.GetV31ConnectedAccountsResponse)


def test_connected_accounts_list_bodies_filters_and_pages(api, server):
    sid = create_session(api, "u-list", ["github", "notion", "gmail"])["session_id"]
    base = f"/api/v3.1/tool_router/session/{sid}"
    ids = {slug: check(api.post(f"{base}/link", json={"toolkit": slug}), 201, *LINK)["connected_account_id"]
           for slug in ("github", "notion", "gmail")}
    other = create_session(api, "u-other", ["github"])["session_id"]
    check(api.post(f"/api/v3.1/tool_router/session/{other}/link", json={"toolkit": "github"}), 201, *LINK)
    for slug, status in (("github", "ACTIVE"), ("notion", "INACTIVE"), ("gmail", "EXPIRED")):
        assert server.activate(ids[slug], status)
    every = check(api.get("/api/v3.1/connected_accounts"), 200, *ACCOUNTS)
    assert every["total_items"] == 4
    mine = check(api.get("/api/v3.1/connected_accounts", params={"user_ids": "u-list"}), 200, *ACCOUNTS)
    assert {i["id"] for i in mine["items"]} == set(ids.values())
    by_status = {i["toolkit"]["slug"]: (i["status"], i["status_reason"], i["is_disabled"]) for i in mine["items"]}
    assert by_status["notion"] == ("INACTIVE", "Connection status updated by user", True)
    assert by_status["gmail"] == ("EXPIRED", "Permanent auth error during token refresh", False)
    narrow = check(api.get("/api/v3.1/connected_accounts", params={
        "user_ids": "u-list", "toolkit_slugs": "github,notion", "statuses": "INACTIVE"}), 200, *ACCOUNTS)
    assert [i["id"] for i in narrow["items"]] == [ids["notion"]]
    repeated = check(api.get("/api/v3.1/connected_accounts", params=[("toolkit_slugs", "gmail"),
                                                                     ("toolkit_slugs", "notion")]), 200, *ACCOUNTS)
    assert {i["id"] for i in repeated["items"]} == {ids["gmail"], ids["notion"]}
    page1 = check(api.get("/api/v3.1/connected_accounts", params={"limit": 3, "order_direction": "asc"}), 200,
                  *ACCOUNTS)
    page2 = check(api.get("/api/v3.1/connected_accounts", params={"cursor": page1["next_cursor"],
                                                                  "order_direction": "asc"}), 200, *ACCOUNTS)
    assert len(page1["items"]) == 3 and len(page2["items"]) == 1 and page2["next_cursor"] is None
    assert page1["items"][0]["id"] == ids["github"]
    assert check(api.get("/api/v3.1/connected_accounts", params={"account_type": "SHARED"}), 200,
                 *ACCOUNTS)["items"] == []
    err = check_error(api.get("/api/v3.1/connected_accounts", params={"statuses": "SLEEPING"}), 400)
    assert err["message"] == "Validation error while processing request" and "SLEEPING" in err["errors"][0]


def test_sdk_lists_connected_accounts_with_its_filters(server):
    client = _sdk(server.base_url).client
    session = _sdk(server.base_url).create(user_id="sdk-list", toolkits=["github"])
    request = session.authorize("github")
    server.activate(request.id, "REVOKED")
    page = client.connected_accounts.list(user_ids=["sdk-list"], toolkit_slugs=["github"], statuses=["REVOKED"])
    assert [i.id for i in page.items] == [request.id] and page.items[0].status_reason


def test_categories_are_paged_like_every_list(tmp_path):
    from tui.demo.data import DemoCatalog, DemoToolkit

    cats = {f"c{i:02d}": f"Cat {i:02d}" for i in range(25)}
    catalog = DemoCatalog(toolkits=[DemoToolkit("kit", "Kit", categories=("c00",))], categories=cats)
    with DemoServer(catalog=catalog) as srv, httpx.Client(base_url=srv.base_url, headers={"x-api-key": DEMO_API_KEY}) as c:
        model = (cats_m.ToolkitRetrieveCategoriesResponse, gen.GetV31ToolkitsCategoriesResponse)
        first = check(c.get("/api/v3.1/toolkits/categories"), 200, *model)
        assert len(first["items"]) == 20 and first["next_cursor"] and first["total_items"] == 25
        rest = check(c.get("/api/v3.1/toolkits/categories", params={"cursor": first["next_cursor"]}), 200, *model)
        assert [i["id"] for i in first["items"] + rest["items"]] == list(cats) and rest["next_cursor"] is None


@pytest.mark.parametrize("body", [
    {"user_id": "u", "toolkits": {"enable": ["nope"]}}, {"user_id": "u", "bogus": True}, {"toolkits": {}},
    {"user_id": "u", "toolkits": {"enable": ["github"], "disable": ["slack"]}}, [1, 2],
])
def test_create_400s_are_generic_with_errors(api, body):
    err = check_error(api.post("/api/v3.1/tool_router/session", json=body), 400)
    assert err["message"] == "Validation error while processing request" and err["errors"]


def test_sessions_with_a_foreign_mcp_origin_still_validate(api, server):
    server.set_faults(mcp_origin="http://127.0.0.2:9")
    try:
        created = check(api.post("/api/v3.1/tool_router/session", json={"user_id": "far"}), 201, *SESSION)
        assert created["mcp"]["url"].startswith("http://127.0.0.2:9/tool_router/")
        server.set_faults(hide_session_accounts=True)
        check(api.get(f"/api/v3.1/tool_router/session/{created['session_id']}/toolkits"), 200, *SESSION_TOOLKITS)
    finally:
        server.set_faults(Faults())
