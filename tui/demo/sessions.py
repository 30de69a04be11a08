"""Tool Router session logic: validate a create body, echo its config, and shape session bodies."""

from __future__ import annotations

from tui.demo.data import DemoCatalog, DemoToolkit
from tui.demo.shapes import ApiFailure, logo
from tui.demo.state import Account, SessionRecord, iso_now, new_id

SEARCH = "COMPOSIO_SEARCH_TOOLS"
SCHEMAS = "COMPOSIO_GET_TOOL_SCHEMAS"
MULTI_EXECUTE = "COMPOSIO_MULTI_EXECUTE_TOOL"
MANAGE = "COMPOSIO_MANAGE_CONNECTIONS"
WORKBENCH = "COMPOSIO_REMOTE_WORKBENCH"
BASH = "COMPOSIO_REMOTE_BASH_TOOL"


def _obj(body: dict, key: str) -> dict:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiFailure(400, f"{key} must be an object", "ValidationError")
    return value


def _slug_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ApiFailure(400, f"{where} must be a list of toolkit slugs", "ValidationError")
    return [s.strip().lower() for s in value]


def _renamed(value: dict) -> dict:
    """``{enable|disable: [...]}`` -> ``{enabled|disabled: [...]}`` as the API echoes it."""
    out = {k: v for k, v in value.items() if k not in ("enable", "disable")}
    if "enable" in value:
        out["enabled"] = value["enable"]
    if "disable" in value:
        out["disabled"] = value["disable"]
    return out


def build_session(body: object, catalog: DemoCatalog, mcp_base: str, new_id=new_id) -> tuple[SessionRecord, dict]:
    """Validate a ``POST /tool_router/session`` body; return the record and the response body."""
    if not isinstance(body, dict):
        raise ApiFailure(400, "Request body must be a JSON object", "ValidationError")
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not user_id.strip():
        raise ApiFailure(400, "user_id is required and must be a non-empty string", "ValidationError",
                         "Pass the end user's stable id as user_id.")
    tk_cfg = _obj(body, "toolkits")
    if "enable" in tk_cfg and "disable" in tk_cfg:
        raise ApiFailure(400, "toolkits.enable and toolkits.disable are mutually exclusive", "ValidationError")
    mode = "enable" if "enable" in tk_cfg else "disable" if "disable" in tk_cfg else None
    listed = _slug_list(tk_cfg[mode], f"toolkits.{mode}") if mode else []
    unknown = [s for s in listed if s not in catalog.by_slug]
    if unknown:
        raise ApiFailure(400, f"Unknown toolkit slugs: {', '.join(unknown)}", "ToolRouter_InvalidToolkits",
                         "Use slugs from GET /api/v3.1/toolkits.")
    listed = list(dict.fromkeys(listed))
    if mode == "enable":
        toolkits = tuple(listed)
    else:
        toolkits = tuple(tk.slug for tk in catalog.toolkits if tk.slug not in listed)

    manage = _obj(body, "manage_connections")
    manage_on = bool(manage.get("enable", True))
    workbench = _obj(body, "workbench")
    search_on = bool(_obj(body, "search").get("enable", True))
    multi_on = bool(_obj(body, "execute").get("enable_multi_execute", True))
    tools = [SEARCH] if search_on else []
    tools += [SCHEMAS] + ([MULTI_EXECUTE] if multi_on else []) + ([MANAGE] if manage_on else [])
    if workbench.get("enable", True):
        tools += [WORKBENCH, BASH]

    config: dict = {
        "user_id": user_id,
        "manage_connections": {**{k: v for k, v in manage.items() if k != "enable"}, "enabled": manage_on},
        "execute": {"enable_multi_execute": multi_on},
        "search": {"enable": search_on},
        "preload": {"tools": _obj(body, "preload").get("tools", [])},
        "instant": False if body.get("instant") is False else {
            "return_instant_charge": False, "return_prices_in_search": False},
    }
    if mode:
        config["toolkits"] = {("enabled" if mode == "enable" else "disabled"): listed}
    if workbench:
        config["workbench"] = {k: v for k, v in workbench.items() if k != "enable"} | {"enable": workbench.get("enable", True)}
    for key in ("auth_configs", "connected_accounts", "multi_account", "proxy_execute"):
        if isinstance(body.get(key), dict):
            config[key] = body[key]
    if isinstance(body.get("tools"), dict):
        config["tools"] = {k: _renamed(v) for k, v in body["tools"].items() if isinstance(v, dict)}
    tags = body.get("tags")
    if isinstance(tags, list):
        config["tags"] = {"enabled": tags}
    elif isinstance(tags, dict):
        config["tags"] = _renamed(tags)

    session_id = new_id("trs_")
    record = SessionRecord(
        session_id=session_id, user_id=user_id, toolkits=toolkits, config=config,
        tool_router_tools=tuple(tools), manage_connections=manage_on, created_at=iso_now(),
    )
    return record, session_body(record, mcp_base)


def session_body(record: SessionRecord, mcp_base: str) -> dict:
    """The create/retrieve response (``SessionCreateResponse``)."""
    return {
        "session_id": record.session_id,
        "mcp": {"type": "http", "url": f"{mcp_base}/tool_router/{record.session_id}/mcp"},
        "tool_router_tools": list(record.tool_router_tools),
        "config": record.config,
        "config_version": 1,
    }


def connected_account_summary(account: Account) -> dict:
    """The ``connected_account`` of a session toolkit item."""
    return {
        "id": account.id,
        "user_id": account.user_id,
        "status": account.status,
        "created_at": account.created_at,
        "auth_config": {"id": account.auth_config_id, "auth_scheme": account.auth_scheme,
                        "is_composio_managed": account.is_managed},
    }


def session_toolkit_item(tk: DemoToolkit, account: Account | None) -> dict:
    """An item of ``GET .../session/{id}/toolkits`` (``SessionToolkitsResponse.Item``)."""
    return {
        "slug": tk.slug,
        "name": tk.name,
        "enabled": True,
        "is_no_auth": tk.no_auth,
        "composio_managed_auth_schemes": list(tk.managed_schemes),
        "meta": {"logo": logo(tk.slug), "description": tk.description, "isNoAuth": tk.no_auth},
        "connected_account": connected_account_summary(account) if account and not tk.no_auth else None,
    }


def link_scheme(tk: DemoToolkit) -> tuple[str, bool]:
    """The auth scheme a Connect Link uses for ``tk`` and whether Composio manages it."""
    if tk.managed_schemes:
        return tk.managed_schemes[0], True
    return (tk.auth_schemes[0] if tk.auth_schemes else "OAUTH2"), False


def _state(account: Account) -> dict:
    """``state`` of a connected account: a member of the spec's union for its scheme and status."""
    api_key_ok = account.auth_scheme == "API_KEY" and account.status in ("INITIALIZING", "INITIATED", "ACTIVE", "INACTIVE")
    val: dict = {"status": account.status}
    if api_key_ok:
        return {"authScheme": "API_KEY", "val": val}
    if account.status == "INITIATED":
        val["redirectUrl"] = account.redirect_url
    elif account.status in ("ACTIVE", "INACTIVE"):
        val["access_token"] = "demo-access-token"
    return {"authScheme": "OAUTH2", "val": val}


def account_body(account: Account) -> dict:
    """The body of ``GET /connected_accounts/{id}`` (``ConnectedAccountRetrieveResponse``)."""
    return {
        "id": account.id,
        "user_id": account.user_id,
        "status": account.status,
        "toolkit": {"slug": account.toolkit},
        "auth_config": {"id": account.auth_config_id, "auth_scheme": account.auth_scheme,
                        "is_composio_managed": account.is_managed, "is_disabled": False},
        "state": _state(account),
        "data": {},
        "params": {},
        "is_disabled": False,
        "alias": account.alias,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }
