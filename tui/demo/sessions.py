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


# --- create body validation: the one place that decides what a create body may hold ----------------
# Production refuses unknown keys (``Unrecognized key(s) in object``) and answers every problem at once
# in the 400 envelope's ``errors`` list. To validate another field (e.g. session policy options), add
# a checker to CREATE_FIELDS: ``checker(value, catalog) -> list of problems`` (each "path: reason").

def _check_user_id(value: object, catalog: DemoCatalog) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return ["user_id: Required, a non-empty string (the end user's stable id)"]
    return []


def _check_toolkits(value: object, catalog: DemoCatalog) -> list[str]:
    if not isinstance(value, dict):
        return ["toolkits: Expected object ({enable: [...]} or {disable: [...]})"]
    problems = _unknown_keys(value, {"enable", "disable", "require_approval"}, "toolkits")
    if "enable" in value and "disable" in value:
        problems.append("toolkits: enable and disable are mutually exclusive")
    for mode in ("enable", "disable", "require_approval"):
        if mode not in value:
            continue
        listed = value[mode]
        if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
            problems.append(f"toolkits.{mode}: Expected array of toolkit slugs")
            continue
        unknown = [x for x in listed if x.strip().lower() not in catalog.by_slug]
        if unknown:
            problems.append(f"toolkits.{mode}: Unknown toolkit slugs: {', '.join(unknown)}")
    return problems


def _check_manage(value: object, catalog: DemoCatalog) -> list[str]:
    if not isinstance(value, dict):
        return ["manage_connections: Expected object"]
    return _unknown_keys(value, {"enable", "callback_url", "enable_connection_removal", "enable_wait_for_connections"},
                         "manage_connections")


def _any_object(name: str):
    def check(value: object, catalog: DemoCatalog) -> list[str]:
        return [] if isinstance(value, dict) else [f"{name}: Expected object"]
    return check


def _any(value: object, catalog: DemoCatalog) -> list[str]:
    return []


def _unknown_keys(value: dict, known: set[str], where: str) -> list[str]:
    extra = sorted(set(value) - known)
    return [f"{where}: Unrecognized key(s) in object: {', '.join(repr(k) for k in extra)}"] if extra else []


CREATE_FIELDS = {
    "user_id": _check_user_id,
    "toolkits": _check_toolkits,
    "manage_connections": _check_manage,
    "auth_configs": _any_object("auth_configs"),
    "connected_accounts": _any_object("connected_accounts"),
    "tools": _any_object("tools"),
    "tags": _any,
    "workbench": _any_object("workbench"),
    "proxy_execute": _any_object("proxy_execute"),
    "multi_account": _any_object("multi_account"),
    "experimental": _any_object("experimental"),
    "preload": _any_object("preload"),
    "search": _any_object("search"),
    "execute": _any_object("execute"),
    "instant": _any,
    "hooks": _any,
}
"""Every key a create body may carry (``SessionCreateParams`` plus 0.30's ``hooks``) and its checker."""


def validate_create(body: object, catalog: DemoCatalog) -> dict:
    """Refuse a create body the way production does: every problem in one 400; returns the body."""
    if not isinstance(body, dict):
        raise ApiFailure(400, "payload: Expected object", "ValidationError")
    problems = _unknown_keys(body, set(CREATE_FIELDS), "payload")
    if "user_id" not in body:
        problems += _check_user_id(None, catalog)
    for key, value in body.items():
        if key in CREATE_FIELDS and value is not None:
            problems += CREATE_FIELDS[key](value, catalog)
    if problems:
        only_slugs = all("Unknown toolkit slugs" in p for p in problems)
        raise ApiFailure(400, problems[0], "ToolRouter_InvalidToolkits" if only_slugs else "ValidationError",
                         "Use slugs from GET /api/v3.1/toolkits." if only_slugs else "", errors=problems)
    return body


def build_session(body: object, catalog: DemoCatalog, mcp_base: str, new_id=new_id) -> tuple[SessionRecord, dict]:
    """Validate a ``POST /tool_router/session`` body; return the record and the response body."""
    body = validate_create(body, catalog)
    user_id = body["user_id"]
    tk_cfg = _obj(body, "toolkits")
    mode = "enable" if "enable" in tk_cfg else "disable" if "disable" in tk_cfg else None
    listed = _slug_list(tk_cfg[mode], f"toolkits.{mode}") if mode else []
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
        "is_disabled": account.is_disabled,
        "status_reason": account.status_reason,
        "alias": account.alias,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def account_list_item(account: Account) -> dict:
    """An item of ``GET /connected_accounts`` (``ConnectedAccountListResponse.Item``): no ``params``."""
    body = account_body(account)
    del body["params"]
    return body
