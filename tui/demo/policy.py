"""Session policy in the demo API, as strict as production: every option of a session create and of
its PATCH is checked (unknown tool, tool of another toolkit, foreign auth config or account, bad
callback URL, …) and refused with a generic 400 whose reasons are in the envelope's ``errors``.

Also: config versions and history (``expected_config_version`` → 409 when stale), the project's auth
configs, the connected accounts list, saved session configs, and ``/_demo/requests`` (the bodies the
session endpoints received, for tests). State lives on the Store (``state(store)``), per server.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.demo import sessions as s
from tui.demo.data import DemoCatalog
from tui.demo.shapes import CREATED_AT, UPDATED_AT, ApiFailure, logo, paginate, parse_limit
from tui.demo.state import SessionRecord, Store, iso_now

API = "/api/v3.1"
TAGS = ("readOnlyHint", "createHint", "updateHint", "destructiveHint", "idempotentHint", "openWorldHint")
SIZES = ("standard", "medium", "large", "xlarge")
GENERIC = "Validation error while processing request"
PATCH_KEYS = {"toolkits", "tools", "tags", "auth_configs", "connected_accounts", "manage_connections", "workbench",
              "multi_account", "proxy_execute", "preload", "search", "execute", "experimental", "instant", "hooks",
              "expected_config_version"}
CREATE_KEYS = PATCH_KEYS - {"expected_config_version"} | {"user_id", "session_preset"}


class PolicyFailure(ApiFailure):
    """A 400 with the specific reasons in ``errors`` (the production envelope)."""

    def __init__(self, errors: list[str], status: int = 400, message: str = GENERIC, slug: str = "ValidationError",
                 suggested_fix: str = "") -> None:
        super().__init__(status, message, slug, suggested_fix)
        self.errors = errors


@dataclass
class Version:
    version: int
    created_at: str
    config: dict


@dataclass
class PolicyState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    requests: list[dict] = field(default_factory=list)
    bodies: dict[str, dict] = field(default_factory=dict)
    """session id -> its request-shaped body (what create sent, with every PATCH merged in)."""
    versions: dict[str, list[Version]] = field(default_factory=dict)

    def record(self, method: str, path: str, body: object) -> None:
        with self.lock:
            self.requests.append({"method": method, "path": path, "body": copy.deepcopy(body)})

    def current(self, session_id: str) -> int:
        with self.lock:
            return len(self.versions.get(session_id, ())) or 1


_states_lock = threading.Lock()


def state(store: Store) -> PolicyState:
    with _states_lock:
        found = store.__dict__.get("_policy_state")
        if found is None:
            found = store.__dict__["_policy_state"] = PolicyState()
        return found


# --- the project's auth configs and saved session configs (derived from the catalog) -------------


@dataclass(frozen=True, slots=True)
class DemoAuthConfig:
    id: str
    toolkit: str
    name: str
    scheme: str
    managed: bool
    enabled: bool = True


def auth_configs(catalog: DemoCatalog) -> list[DemoAuthConfig]:
    """Per toolkit that needs auth: ``ac_demo_SLUG`` (what Connect Links use; Composio-managed when the
    toolkit has a managed scheme), plus ``ac_custom_SLUG`` (the company's own OAuth app) for OAuth2."""
    out = []
    for tk in catalog.toolkits:
        if tk.no_auth:
            continue
        scheme, managed = s.link_scheme(tk)
        out.append(DemoAuthConfig(f"ac_demo_{tk.slug}", tk.slug, f"{tk.name} ({'Composio-managed' if managed else scheme})",
                                  scheme, managed))
        if "OAUTH2" in tk.auth_schemes:
            out.append(DemoAuthConfig(f"ac_custom_{tk.slug}", tk.slug, f"{tk.name} (own OAuth app)", "OAUTH2", False))
    return out


def auth_config_item(c: DemoAuthConfig) -> dict:
    """An item of ``GET /auth_configs`` (``AuthConfigListResponse.Item``)."""
    return {
        "id": c.id, "uuid": f"uuid-{c.id}", "name": c.name, "type": "default" if c.managed else "custom",
        "auth_scheme": c.scheme, "is_composio_managed": c.managed, "status": "ENABLED" if c.enabled else "DISABLED",
        "no_of_connections": 0, "toolkit": {"slug": c.toolkit, "logo": logo(c.toolkit)},
        "tool_access_config": {}, "created_at": CREATED_AT, "last_updated_at": UPDATED_AT,
    }


def session_configs(catalog: DemoCatalog) -> list[dict]:
    """One saved config: read-only access to the two most used toolkits."""
    first = [tk.slug for tk in catalog.toolkits[:2]]
    return [{"id": "sc_demo_readonly", "name": "read-only-support",
             "description": "Support agents: read-only tools of " + ", ".join(first) + ".",
             "archived": False, "created_at": CREATED_AT, "updated_at": UPDATED_AT,
             "config": {"toolkits": {"enable": first}, "tags": {"enable": ["readOnlyHint"]}}}]


# --- strict checks -------------------------------------------------------------------------------


def _strs(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _tags(value: object, where: str, errors: list[str]) -> None:
    if not _strs(value):
        errors.append(f"{where} must be a list of tags")
        return
    errors += [f"{where}: unknown tag {t}" for t in value if t not in TAGS]


def _tag_block(value: object, where: str, errors: list[str]) -> None:
    if isinstance(value, list):
        _tags(value, where, errors)
        return
    if not isinstance(value, dict):
        errors.append(f"{where} must be a list or an object")
        return
    for key, item in value.items():
        if key not in ("enable", "disable", "require_approval"):
            errors.append(f"{where}.{key} is not a known field")
        elif item is not None:
            _tags(item, f"{where}.{key}", errors)


def _session_toolkits(body: dict, catalog: DemoCatalog) -> list[str]:
    tk = body.get("toolkits") if isinstance(body.get("toolkits"), dict) else {}
    if _strs(tk.get("enable")):
        return [x.lower() for x in tk["enable"]]
    dropped = {x.lower() for x in tk.get("disable") or []} if _strs(tk.get("disable")) else set()
    return [t.slug for t in catalog.toolkits if t.slug not in dropped]


def problems(body: dict, catalog: DemoCatalog, store: Store, user_id: str, *, slugs: bool = True) -> list[str]:
    """Every reason this create-shaped body cannot be applied ([] when it can). ``slugs=False`` leaves
    the enable/disable lists to the session create's own checks."""
    errors = [f"{k} is not a known field" for k in body if k not in CREATE_KEYS]
    in_session = set(_session_toolkits(body, catalog))
    tk = body.get("toolkits")
    if isinstance(tk, dict):
        if slugs and "enable" in tk and "disable" in tk:
            errors.append("toolkits.enable and toolkits.disable are mutually exclusive")
        for key in ("enable", "disable", "require_approval") if slugs else ("require_approval",):
            if key in tk and not _strs(tk[key]):
                errors.append(f"toolkits.{key} must be a list of toolkit slugs")
            elif key in tk:
                errors += [f"toolkits.{key}: unknown toolkit {x}" for x in tk[key] if x.lower() not in catalog.by_slug]
        for x in tk.get("require_approval") or [] if _strs(tk.get("require_approval")) else []:
            if x.lower() in catalog.by_slug and x.lower() not in in_session:
                errors.append(f"toolkits.require_approval: {x} is not in the session")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, dict):
        errors.append("tools must be an object keyed by toolkit slug")
    for slug, entry in (tools or {}).items() if isinstance(tools, dict) else ():
        errors += _tool_entry(slug, entry, catalog, in_session)
    if body.get("tags") is not None:
        _tag_block(body["tags"], "tags", errors)
    errors += _auth(body.get("auth_configs"), catalog)
    errors += _accounts(body.get("connected_accounts"), catalog, store, user_id)
    manage = body.get("manage_connections")
    if isinstance(manage, dict) and manage.get("callback_url") is not None:
        url = manage["callback_url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            errors.append("manage_connections.callback_url must be an absolute http(s) URL")
    wb = body.get("workbench")
    if isinstance(wb, dict) and wb.get("sandbox_size") is not None and wb["sandbox_size"] not in SIZES:
        errors.append(f"workbench.sandbox_size must be one of {', '.join(SIZES)}")
    multi = body.get("multi_account")
    if isinstance(multi, dict) and multi.get("max_accounts_per_toolkit") is not None:
        n = multi["max_accounts_per_toolkit"]
        if not isinstance(n, int) or not 2 <= n <= 10:
            errors.append("multi_account.max_accounts_per_toolkit must be between 2 and 10")
    if body.get("hooks") is not None:
        errors += _hooks(body["hooks"], in_session)
    return errors


def _tool_entry(slug: str, entry: object, catalog: DemoCatalog, in_session: set[str]) -> list[str]:
    tk = catalog.by_slug.get(slug.lower())
    if tk is None:
        return [f"tools: unknown toolkit {slug}"]
    if slug.lower() not in in_session:
        return [f"tools: toolkit {slug} is not in the session"]
    if isinstance(entry, list):
        entry = {"enable": entry}
    if not isinstance(entry, dict):
        return [f"tools.{slug} must be an object"]
    out: list[str] = []
    modes = [k for k in ("enable", "disable", "tags") if k in entry]
    if len(modes) > 1:
        out.append(f"tools.{slug}: {' and '.join(modes)} are mutually exclusive")
    out += [f"tools.{slug}.{k} is not a known field" for k in entry if k not in ("enable", "disable", "tags",
                                                                                  "require_approval")]
    mine = {t.slug for t in tk.tools}
    owners = {t.slug: other.slug for other in catalog.toolkits for t in other.tools}
    for key in ("enable", "disable", "require_approval"):
        if key not in entry:
            continue
        if not _strs(entry[key]):
            out.append(f"tools.{slug}.{key} must be a list of tool slugs")
            continue
        for tool in entry[key]:
            if tool in mine:
                continue
            owner = owners.get(tool)
            out.append(f"tools.{slug}.{key}: tool {tool} belongs to toolkit {owner}" if owner
                       else f"tools.{slug}.{key}: unknown tool {tool}")
    if "tags" in entry:
        _tag_block(entry["tags"], f"tools.{slug}.tags", out)
    return out


def _auth(value: object, catalog: DemoCatalog) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["auth_configs must be an object keyed by toolkit slug"]
    configs = {c.id: c for c in auth_configs(catalog)}
    out = []
    for slug, ac in value.items():
        found = configs.get(ac) if isinstance(ac, str) else None
        if slug.lower() not in catalog.by_slug:
            out.append(f"auth_configs: unknown toolkit {slug}")
        elif found is None:
            out.append(f"auth_configs.{slug}: auth config {ac} not found")
        elif found.toolkit != slug.lower():
            out.append(f"auth_configs.{slug}: auth config {ac} belongs to toolkit {found.toolkit}")
        elif not found.enabled:
            out.append(f"auth_configs.{slug}: auth config {ac} is disabled")
    return out


def _accounts(value: object, catalog: DemoCatalog, store: Store, user_id: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["connected_accounts must be an object keyed by toolkit slug"]
    out = []
    for slug, ids in value.items():
        ids = [ids] if isinstance(ids, str) else ids
        if slug.lower() not in catalog.by_slug:
            out.append(f"connected_accounts: unknown toolkit {slug}")
            continue
        if not _strs(ids):
            out.append(f"connected_accounts.{slug} must be a list of account ids")
            continue
        for ca in ids:
            account = store.account(ca)
            if account is None:
                out.append(f"connected_accounts.{slug}: account {ca} not found")
            elif account.user_id != user_id:
                out.append(f"connected_accounts.{slug}: account {ca} belongs to another user")
            elif account.toolkit != slug.lower():
                out.append(f"connected_accounts.{slug}: account {ca} is a {account.toolkit} account")
    return out


def _hooks(value: object, in_session: set[str]) -> list[str]:
    if not isinstance(value, list):
        return ["hooks must be a list"]
    out: list[str] = []
    ids: set[str] = set()
    for i, hook in enumerate(value):
        where = f"hooks[{i}]"
        if not isinstance(hook, dict):
            out.append(f"{where} must be an object")
            continue
        kind, handler = hook.get("type"), hook.get("handler")
        if kind not in ("before_execute", "after_execute"):
            out.append(f"{where}.type must be before_execute or after_execute")
        hid = hook.get("id")
        if not isinstance(hid, str) or not hid:
            out.append(f"{where}.id is required")
        elif hid in ids:
            out.append(f"{where}.id {hid} is used twice")
        ids.add(hid if isinstance(hid, str) else "")
        scope = hook.get("applies_to")
        if scope != "all":
            kits = scope.get("toolkits") if isinstance(scope, dict) else None
            if not _strs(kits) or not kits:
                out.append(f"{where}.applies_to must be 'all' or {{toolkits: [...]}}")
            else:
                out += [f"{where}.applies_to: toolkit {k} is not in the session" for k in kits if k not in in_session]
        htype = handler.get("type") if isinstance(handler, dict) else None
        if htype == "condition_check":
            if not isinstance(handler.get("condition"), str) or not handler["condition"].strip():
                out.append(f"{where}.handler.condition is required")
        elif htype == "prompt_injection_check":
            if kind == "before_execute":
                out.append(f"{where}: prompt_injection_check runs after_execute only")
        else:
            out.append(f"{where}.handler.type must be condition_check or prompt_injection_check")
        if isinstance(handler, dict) and handler.get("action") != "block":
            out.append(f"{where}.handler.action must be block")
    return out


# --- the config echo ------------------------------------------------------------------------------


def _renamed(block: dict) -> dict:
    out = {}
    for key, value in block.items():
        if value is None:
            continue
        out[{"enable": "enabled", "disable": "disabled"}.get(key, key)] = value
    return out


def echo_config(body: dict, user_id: str) -> dict:
    """The ``config`` the API reports for a request-shaped ``body``."""
    manage = body.get("manage_connections") if isinstance(body.get("manage_connections"), dict) else {}
    mc = {"enabled": bool(manage.get("enable", True))}
    for key in ("callback_url", "enable_wait_for_connections", "enable_connection_removal"):
        if manage.get(key) is not None:
            mc[key] = manage[key]
    search = body.get("search") if isinstance(body.get("search"), dict) else {}
    execute = body.get("execute") if isinstance(body.get("execute"), dict) else {}
    preload = body.get("preload") if isinstance(body.get("preload"), dict) else {}
    config: dict = {
        "user_id": user_id, "manage_connections": mc,
        "execute": {"enable_multi_execute": bool(execute.get("enable_multi_execute", True))},
        "search": {"enable": bool(search.get("enable", True))},
        "preload": {"tools": preload.get("tools", [])},
        "instant": False if body.get("instant") is False else {"return_instant_charge": False,
                                                               "return_prices_in_search": False},
    }
    if isinstance(body.get("toolkits"), dict) and (tk := _renamed(body["toolkits"])):
        config["toolkits"] = tk
    if isinstance(body.get("tools"), dict):
        tools = {}
        for slug, entry in body["tools"].items():
            entry = {"enable": entry} if isinstance(entry, list) else entry
            out = _renamed({k: v for k, v in entry.items() if k != "tags"})
            if isinstance(entry.get("tags"), (list, dict)):
                tags = entry["tags"]
                out["tags"] = _renamed({"enable": tags} if isinstance(tags, list) else tags)
            tools[slug] = out
        if tools:
            config["tools"] = tools
    if (tags := body.get("tags")) is not None:
        config["tags"] = _renamed({"enable": tags} if isinstance(tags, list) else tags)
    wb = body.get("workbench")
    if isinstance(wb, dict):
        echo = {"enable": bool(wb.get("enable", True))}
        if wb.get("sandbox_size") is not None:
            echo["sandbox_size"] = wb["sandbox_size"]
        if wb.get("enable_proxy_execution") is not None:
            echo["proxy_execution_enabled"] = wb["enable_proxy_execution"]
        if wb.get("auto_offload_threshold") is not None:
            echo["auto_offload_threshold"] = wb["auto_offload_threshold"]
        config["workbench"] = echo
    for key in ("auth_configs", "multi_account", "proxy_execute"):
        if isinstance(body.get(key), dict):
            config[key] = {k: v for k, v in body[key].items() if v is not None}
    if isinstance(body.get("connected_accounts"), dict):
        config["connected_accounts"] = {k: [v] if isinstance(v, str) else list(v)
                                        for k, v in body["connected_accounts"].items()}
    return config


def meta_tools(body: dict) -> tuple[str, ...]:
    """The meta tools a session with this body lists (sandbox off: no workbench/bash)."""
    config = echo_config(body, "")
    tools = [s.SEARCH] if config["search"]["enable"] else []
    tools.append(s.SCHEMAS)
    if config["execute"]["enable_multi_execute"]:
        tools.append(s.MULTI_EXECUTE)
    if config["manage_connections"]["enabled"]:
        tools.append(s.MANAGE)
    if config.get("workbench", {}).get("enable", True):
        tools += [s.WORKBENCH, s.BASH]
    return tuple(tools)


# --- hooks for the server's session create ----------------------------------------------------------


def before_create(body: object, catalog: DemoCatalog, store: Store) -> None:
    """Record the body, then refuse it with every reason found (before anything is created)."""
    state(store).record("POST", f"{API}/tool_router/session", body)
    if not isinstance(body, dict) or not isinstance(body.get("user_id"), str):
        return  # the session create's own checks answer these
    errors = problems(body, catalog, store, body["user_id"], slugs=False)
    if errors:
        raise PolicyFailure(errors, suggested_fix="See errors for each rejected field.")


def after_create(record: SessionRecord, body: dict, store: Store) -> SessionRecord:
    """The record with the full policy echo; version 1 in the history."""
    st = state(store)
    config = echo_config(body, record.user_id)
    record = replace(record, config=config, tool_router_tools=meta_tools(body))
    with st.lock:
        st.bodies[record.session_id] = {k: copy.deepcopy(v) for k, v in body.items() if k != "user_id"}
        st.versions[record.session_id] = [Version(1, record.created_at or iso_now(), config)]
    return record


def _merge(stored: dict, patch: dict) -> dict:
    out = copy.deepcopy(stored)
    for key, value in patch.items():
        if key == "expected_config_version":
            continue
        if value is None:
            out.pop(key, None)
        elif key in ("manage_connections", "multi_account", "experimental") and isinstance(value, dict):
            merged = dict(out.get(key) or {})
            for sub, v in value.items():
                if v is None:
                    merged.pop(sub, None)
                else:
                    merged[sub] = v
            out[key] = merged
        else:
            out[key] = copy.deepcopy(value)
    return out


def routes(catalog: DemoCatalog, store: Store, mcp_base: Callable[[Request], str] | None = None) -> list[Route]:
    """``mcp_base(request)``: where MCP URLs point (the server's ``mcp_origin`` knob), else the API origin."""
    st = state(store)

    def record_or_404(session_id: str) -> SessionRecord:
        record = store.session(session_id)
        if record is None:
            raise ApiFailure(404, "Session not found", "ToolRouterV2_SessionNotFound",
                             "Create a new session; this one was deleted or never existed.")
        return record

    def origin(request: Request) -> str:
        if mcp_base is not None:
            return mcp_base(request)
        return f"http://{request.headers.get('host', '127.0.0.1')}"

    def body_of(record: SessionRecord, request: Request) -> dict:
        out = s.session_body(record, origin(request))
        out["config_version"] = st.current(record.session_id)
        return out

    async def session_route(request: Request) -> Response:
        """GET with the current config version; PATCH applies a partial update."""
        record = record_or_404(request.path_params["session_id"])
        if request.method == "GET":
            return JSONResponse(body_of(record, request))
        try:
            patch = json.loads(await request.body() or b"{}")
        except ValueError:
            raise ApiFailure(400, "Request body is not valid JSON", "ValidationError") from None
        st.record("PATCH", request.url.path, patch)
        if not isinstance(patch, dict):
            raise PolicyFailure(["Request body must be a JSON object"])
        with st.lock:
            stored = st.bodies.get(record.session_id, {})
            merged = _merge(stored, patch)
            errors = [f"{k} is not a known field" for k in patch if k not in PATCH_KEYS]
            errors += problems(merged, catalog, store, record.user_id)
            v = patch.get("expected_config_version")
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                errors.append("expected_config_version must be a positive integer")
            if errors:
                raise PolicyFailure(list(dict.fromkeys(errors)))
            current = st.current(record.session_id)
            expected = patch.get("expected_config_version")
            if expected is not None and expected != current:
                raise ApiFailure(409, f"Session config is at version {current}, not {expected}",
                                 "ToolRouterV2_ConfigVersionConflict", "Retrieve the session and retry.")
            config = echo_config(merged, record.user_id)
            toolkits = tuple(dict.fromkeys(_session_toolkits(merged, catalog)))
            record = replace(record, config=config, toolkits=toolkits, tool_router_tools=meta_tools(merged),
                             manage_connections=config["manage_connections"]["enabled"])
            store.add_session(record)
            st.bodies[record.session_id] = merged
            st.versions.setdefault(record.session_id, [Version(1, record.created_at, config)])
            st.versions[record.session_id].append(Version(current + 1, iso_now(), config))
        return JSONResponse(body_of(record, request))

    async def history(request: Request) -> Response:
        record = record_or_404(request.path_params["session_id"])
        q = request.query_params
        with st.lock:
            versions = list(st.versions.get(record.session_id) or [Version(1, record.created_at, record.config)])
        newest = versions[-1].version
        items = list(reversed(versions))
        return JSONResponse(paginate(items, parse_limit(q.get("limit"), 1, 100), q.get("cursor"),
                                     lambda v: {"version": v.version, "created_at": v.created_at,
                                                "is_current": v.version == newest, "config": v.config}))

    async def list_auth_configs(request: Request) -> Response:
        q = request.query_params
        items = auth_configs(catalog)
        if slug := (q.get("toolkit_slug") or "").strip().lower():
            items = [c for c in items if c.toolkit == slug]
        if (managed := q.get("is_composio_managed")) is not None:
            items = [c for c in items if c.managed == (managed.lower() == "true")]
        return JSONResponse(paginate(items, parse_limit(q.get("limit"), 1, 1000), q.get("cursor"), auth_config_item))

    async def list_configs(request: Request) -> Response:
        q = request.query_params
        items = [{k: v for k, v in c.items() if k in ("id", "name", "archived", "created_at", "updated_at")}
                 for c in session_configs(catalog)]
        if search := (q.get("search") or "").strip().casefold():
            items = [c for c in items if search in c["name"].casefold()]
        page = paginate(items, parse_limit(q.get("limit"), 1, 100), q.get("cursor"), lambda c: c)
        return JSONResponse({"items": page["items"], "next_cursor": page["next_cursor"]})

    async def get_config(request: Request) -> Response:
        for c in session_configs(catalog):
            if c["id"] == request.path_params["config_id"]:
                return JSONResponse(c)
        raise ApiFailure(404, "Session config not found", "SessionConfig_NotFound")

    async def demo_requests(request: Request) -> Response:
        with st.lock:
            if request.method == "DELETE":
                st.requests.clear()
            return JSONResponse({"items": list(st.requests)})

    return [
        Route(f"{API}/tool_router/session/{{session_id}}", session_route, methods=["GET", "PATCH"]),
        Route(f"{API}/tool_router/session/{{session_id}}/config_history", history),
        Route(f"{API}/auth_configs", list_auth_configs),
        Route(f"{API}/session_configs", list_configs),
        Route(f"{API}/session_configs/{{config_id}}", get_config),
        Route("/_demo/requests", demo_requests, methods=["GET", "DELETE"]),
    ]
