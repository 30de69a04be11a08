"""The demo API as a Starlette app: Composio v3.1 routes, the MCP endpoint, link pages and ``/_demo``."""

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Collection

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from tui.demo import accounts
from tui.demo import playground

from tui.demo import logs as activity_logs

from tui.demo import connections
from tui.demo import policy
from tui.demo import sessions as s
from tui.demo.data import DemoCatalog
from tui.demo.faults import FaultEngine, Faults
from tui.demo.guard import Guard, send_json
from tui.demo.mcp_endpoint import McpEndpoint
from tui.demo.shapes import (
    ApiFailure, error_body, matches, paginate, parse_limit, tool_item, toolkit_detail, toolkit_item,
)
from tui.demo.state import STATUSES, Store

API = "/api/v3.1"
LINK_FIELDS = {"toolkit", "callback_url", "alias", "experimental"}
"""Keys a Connect link request body may carry (``SessionLinkParams``); others are refused."""


def _origin(request: Request) -> str:
    return f"http://{request.headers.get('host', '127.0.0.1')}"


def _csv(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").split(",") if x.strip()]


async def _json_body(request: Request) -> object:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        raise ApiFailure(400, "Request body is not valid JSON", "ValidationError") from None


def create_app(
    catalog: DemoCatalog, store: Store, engine: FaultEngine, api_keys: Collection[str], max_page_size: int = 200,
) -> ASGIApp:
    """Build the whole demo app (wrapped in the guard that checks keys and injects faults)."""

    def failure(request: Request, exc: Exception) -> Response:
        rid = request.state.request_id if hasattr(request.state, "request_id") else ""
        if isinstance(exc, ApiFailure):
            return JSONResponse(exc.envelope(rid), status_code=exc.status)
        if isinstance(exc, HTTPException):
            status = exc.status_code
            message = "Not found" if status == 404 else str(exc.detail or "Error")
            slug, fix = ("NotFound" if status == 404 else "Error"), ""
        else:  # a bug in the demo server: still answer with the envelope
            status, message, slug, fix = 500, "Internal server error", "InternalServerError", "Retry the request."
        body = error_body(status, message, slug, rid, fix)
        if getattr(exc, "errors", None):  # policy: the specific reasons of a generic 400
            body["error"]["errors"] = list(exc.errors)
        return JSONResponse(body, status_code=status)

    async def mcp_not_found(scope, receive, send) -> None:
        rid = scope.get("state", {}).get("request_id", "")
        await send_json(send, 404, error_body(404, "Session not found", "ToolRouterV2_SessionNotFound", rid,
                                              "Create a new session; this one was deleted or never existed."))

    mcp = McpEndpoint(store, catalog, mcp_not_found)

    def _mcp_base(request: Request) -> str:
        """Where session MCP URLs point: the API's own origin unless the ``mcp_origin`` knob says otherwise."""
        return engine.faults.mcp_origin or _origin(request)

    def session_or_404(session_id: str):
        record = store.session(session_id)
        if record is None:
            raise ApiFailure(404, "Session not found", "ToolRouterV2_SessionNotFound",
                             "Create a new session; this one was deleted or never existed.")
        return record

    async def list_toolkits(request: Request) -> Response:
        q = request.query_params
        sort_by = q.get("sort_by") or "usage"
        if sort_by not in ("usage", "alphabetically"):
            raise ApiFailure(400, "sort_by must be 'usage' or 'alphabetically'", "ValidationError")
        limit = parse_limit(q.get("limit"), 1, 1000)
        limit = min(limit, max_page_size) if limit else None
        items = catalog.toolkits
        if category := (q.get("category") or "").strip():
            wanted = {cid for cid, name in catalog.categories.items()
                      if category.casefold() in (cid.casefold(), name.casefold())}
            items = [tk for tk in items if wanted.intersection(tk.categories)]
        if search := (q.get("search") or "").strip():
            items = [tk for tk in items if matches(tk, catalog, search)]
        if sort_by == "alphabetically":
            items = sorted(items, key=lambda tk: (tk.name.casefold(), tk.slug))
        body = paginate(items, limit, q.get("cursor"), lambda tk: toolkit_item(tk, catalog), min(20, max_page_size))
        return JSONResponse(body)

    async def categories(request: Request) -> Response:
        """Paged like every list (``limit``, ``cursor``; 20 a page unless asked): read all pages."""
        q = request.query_params
        limit = parse_limit(q.get("limit"), 1, 1000)
        limit = min(limit, max_page_size) if limit else None
        items = list(catalog.categories.items())
        return JSONResponse(paginate(items, limit, q.get("cursor"), lambda c: {"id": c[0], "name": c[1]},
                                     min(20, max_page_size)))

    async def get_toolkit(request: Request) -> Response:
        slug = request.path_params["slug"].lower()
        tk = catalog.by_slug.get(slug)
        if tk is None:
            raise ApiFailure(404, f"Toolkit {slug} not found", "Toolkit_NotFound",
                             "Check the slug against GET /api/v3.1/toolkits.")
        return JSONResponse(toolkit_detail(tk, catalog))

    async def list_tools(request: Request) -> Response:
        q = request.query_params
        limit = parse_limit(q.get("limit"), 1, 1000)
        limit = min(limit, max_page_size) if limit else None
        kits = [catalog.by_slug[x.lower()] for x in _csv(q.get("toolkit_slug")) if x.lower() in catalog.by_slug]
        pairs = [(tk, tool) for tk in (kits if q.get("toolkit_slug") else catalog.toolkits) for tool in tk.tools]
        if slugs := {x.upper() for x in _csv(q.get("tool_slugs"))}:
            pairs = [(tk, t) for tk in catalog.toolkits for t in tk.tools if t.slug in slugs]
        if query := (q.get("query") or q.get("search") or "").strip().casefold():
            pairs = [(tk, t) for tk, t in pairs if query in f"{t.slug} {t.name} {t.description}".casefold()]
        if tags := set(_csv(q.get("tags"))):
            pairs = [(tk, t) for tk, t in pairs if tags.intersection(t.tags)]
        body = paginate(pairs, limit, q.get("cursor"), lambda p: tool_item(*p), min(20, max_page_size))
        return JSONResponse(body)

    async def create_session(request: Request) -> Response:
        raw = await _json_body(request)
        s.validate_create(raw, catalog)  # the body's shape, as production words it
        policy.before_create(raw, catalog, store)  # then the policy's own checks; the body is recorded
        record, body = s.build_session(raw, catalog, _mcp_base(request), store.new_id)
        record = policy.after_create(record, raw, store)
        body = s.session_body(record, _mcp_base(request))
        store.add_session(record)
        return JSONResponse(body, status_code=201)

    async def session_route(request: Request) -> Response:
        record = session_or_404(request.path_params["session_id"])
        if request.method == "DELETE":
            store.delete_session(record.session_id)
            return JSONResponse({"session_id": record.session_id, "deleted": True})
        return JSONResponse(s.session_body(record, _mcp_base(request)))

    async def session_toolkits(request: Request) -> Response:
        record = session_or_404(request.path_params["session_id"])
        q = request.query_params
        limit = parse_limit(q.get("limit"), 1, 50)
        slugs = [x.lower() for x in _csv(q.get("toolkits"))] or list(record.toolkits)
        kits = [catalog.by_slug[x] for x in dict.fromkeys(slugs) if x in catalog.by_slug]
        if search := (q.get("search") or "").strip():
            kits = [tk for tk in kits if matches(tk, catalog, search)]
        hide = engine.faults.hide_session_accounts  # ComposioHQ/composio#3118
        pairs = [(tk, None if hide else store.latest_account(record.user_id, tk.slug)) for tk in kits]
        if q.get("is_connected", "").lower() == "true":
            pairs = [(tk, a) for tk, a in pairs if a is not None and a.status == "ACTIVE" and not tk.no_auth]
        return JSONResponse(paginate(pairs, limit, q.get("cursor"), lambda p: s.session_toolkit_item(*p)))

    async def link(request: Request) -> Response:
        record = session_or_404(request.path_params["session_id"])
        body = await _json_body(request)
        if isinstance(body, dict) and (extra := sorted(set(body) - LINK_FIELDS)):
            raise ApiFailure(400, f"payload: Unrecognized key(s) in object: {', '.join(map(repr, extra))}",
                             "ValidationError")
        slug = body.get("toolkit") if isinstance(body, dict) else None
        if not isinstance(slug, str) or not slug.strip():
            raise ApiFailure(400, "toolkit is required", "ValidationError")
        slug = slug.strip().lower()
        tk = catalog.by_slug.get(slug)
        if tk is None:
            raise ApiFailure(400, f"Unknown toolkit slug: {slug}", "ToolRouter_InvalidToolkits")
        if slug not in record.toolkits:
            raise ApiFailure(400, f"Toolkit {slug} is not enabled in this session", "ToolRouter_ToolkitNotInSession",
                             "Create a session that includes the toolkit.")
        if tk.no_auth:
            raise ApiFailure(400, f"Toolkit {slug} does not need a connection (no auth)", "ToolRouter_NoAuthToolkit")
        scheme, managed = s.link_scheme(tk)
        account = store.create_account(record.user_id, slug, scheme, managed, _origin(request),
                                       alias=body.get("alias"), callback_url=body.get("callback_url"),
                                       status=engine.faults.link_status)
        return JSONResponse({"link_token": account.link_token, "redirect_url": account.redirect_url,
                             "connected_account_id": account.id}, status_code=201)

    async def connected_account(request: Request) -> Response:
        account = store.account(request.path_params["account_id"])
        if account is None:
            raise ApiFailure(404, "Connected account not found", "ConnectedAccount_NotFound")
        return JSONResponse(s.account_body(account))

    async def link_page(request: Request) -> Response:
        account = store.account_by_token(request.path_params["token"])
        if account is None:
            return HTMLResponse("<h1>Link not found</h1>", status_code=404)
        if request.method == "POST":
            store.set_status(account.id, engine.faults.authorize_status)
            return HTMLResponse(f"<h1>Connected {html.escape(account.toolkit)}</h1><p>You can close this tab.</p>")
        return HTMLResponse(
            f"<h1>Connect {html.escape(account.toolkit)}</h1><p>Demo Connect Link for user "
            f"{html.escape(account.user_id)} (status {account.status}).</p>"
            f'<form method="post"><button type="submit">Authorize (demo)</button></form>')

    async def demo_status(request: Request) -> Response:
        body = await _json_body(request)
        status = body.get("status") if isinstance(body, dict) else None
        if status not in STATUSES:
            raise ApiFailure(400, f"status must be one of {', '.join(STATUSES)}", "ValidationError")
        reason = body.get("reason") if isinstance(body.get("reason"), str) else None
        account = store.set_status(request.path_params["account_id"], status, reason)
        if account is None:
            raise ApiFailure(404, "Connected account not found", "ConnectedAccount_NotFound")
        return JSONResponse(s.account_body(account))

    async def demo_sessions(request: Request) -> Response:
        return JSONResponse({"items": [
            {"session_id": r.session_id, "user_id": r.user_id, "toolkits": list(r.toolkits),
             "manage_connections": r.manage_connections, "created_at": r.created_at}
            for r in store.sessions()]})

    async def demo_faults(request: Request) -> Response:
        if request.method == "POST":
            body = await _json_body(request)
            if not isinstance(body, dict):
                raise ApiFailure(400, "faults must be an object", "ValidationError")
            try:
                engine.set(Faults.from_dict(engine.faults.to_dict() | body))
            except (ValueError, TypeError) as exc:
                raise ApiFailure(400, str(exc), "ValidationError") from None
        return JSONResponse(engine.faults.to_dict())

    async def index(request: Request) -> Response:
        return HTMLResponse("<h1>composio-tui demo API</h1><p>A local stand-in for Composio's v3.1 API.</p>")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await mcp.aclose()

    routes = [
        *policy.routes(catalog, store, _mcp_base),
        Route("/", index, methods=["GET", "POST"]),
        Route(f"{API}/toolkits", list_toolkits),
        Route(f"{API}/toolkits/categories", categories),
        Route(f"{API}/toolkits/{{slug}}", get_toolkit),
        Route(f"{API}/tools", list_tools),
        Route(f"{API}/tool_router/session", create_session, methods=["POST"]),
        Route(f"{API}/tool_router/session/{{session_id}}", session_route, methods=["GET", "DELETE"]),
        Route(f"{API}/tool_router/session/{{session_id}}/toolkits", session_toolkits),
        Route(f"{API}/tool_router/session/{{session_id}}/link", link, methods=["POST"]),
        *accounts.routes(store),
        Route(f"{API}/connected_accounts/{{account_id}}", connected_account),
        *connections.routes(catalog, store),  # users and connections: delete, status, refresh, link
        Route("/tool_router/{session_id}/mcp", mcp, methods=["GET", "POST", "DELETE"]),
        Route("/link/{token}", link_page, methods=["GET", "POST"]),
        Route("/_demo/connected_accounts/{account_id}/status", demo_status, methods=["POST"]),
        Route("/_demo/sessions", demo_sessions),
        Route("/_demo/faults", demo_faults, methods=["GET", "POST"]),
        *playground.routes(catalog, store),  # issue 14: search, tools, execute, execute_meta, tools/{slug}

        *activity_logs.routes(catalog, store),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={ApiFailure: failure, HTTPException: failure, Exception: failure})
    return Guard(app, engine, api_keys)
