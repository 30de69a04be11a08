"""Connected accounts in the demo API: delete, enable/disable, refresh, and Connect links from an auth config.

The rule: these act on the same accounts the session links create and the accounts list serves (one
``Store``); every body is shaped like composio_client's response model for that endpoint, and request
bodies are strict (an unknown field is refused, as production does). Retrieve is served by
``server.py``'s existing route, the list by ``accounts.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.demo.data import DemoCatalog
from tui.demo.sessions import link_scheme
from tui.demo.shapes import ApiFailure
from tui.demo.state import Account, Store

API = "/api/v3.1"
AUTH_CONFIG_PREFIX = "ac_demo_"
LINK_FIELDS = {"auth_config_id", "user_id", "alias", "callback_url", "connection_data", "experimental"}
STATUS_FIELDS = {"enabled"}
REFRESH_FIELDS = {"redirect_url", "validate_credentials"}
LINK_LIFETIME = timedelta(minutes=10)


def _origin(request: Request) -> str:
    return f"http://{request.headers.get('host', '127.0.0.1')}"


async def _body(request: Request, allowed: set[str]) -> dict:
    """A JSON object with only ``allowed`` keys (an empty body is ``{}``)."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ApiFailure(400, "Request body is not valid JSON", "ValidationError") from None
    if not isinstance(body, dict):
        raise ApiFailure(400, "Request body must be a JSON object", "ValidationError")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiFailure(400, f"Unrecognized key(s) in object: {', '.join(repr(k) for k in unknown)}",
                         "ValidationError", f"Send only {', '.join(sorted(allowed))}.")
    return body


def _not_found() -> ApiFailure:
    return ApiFailure(404, "Connected account not found", "ConnectedAccount_NotFound",
                      "List the user's accounts with GET /api/v3.1/connected_accounts?user_ids=…")


def auth_config_id(toolkit: str) -> str:
    """The demo's one auth config per toolkit (the id its accounts carry)."""
    return AUTH_CONFIG_PREFIX + toolkit


def routes(catalog: DemoCatalog, store: Store) -> list[Route]:
    def account_or_404(request: Request) -> Account:
        account = store.account(request.path_params["account_id"])
        if account is None:
            raise _not_found()
        return account

    async def delete(request: Request) -> Response:
        account = account_or_404(request)
        store.delete_account(account.id)
        return JSONResponse({"success": True})

    async def update_status(request: Request) -> Response:
        account = account_or_404(request)
        body = await _body(request, STATUS_FIELDS)
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise ApiFailure(400, "enabled is required and must be a boolean", "ValidationError")
        store.set_status(account.id, "ACTIVE" if enabled else "INACTIVE")
        return JSONResponse({"success": True})

    async def refresh(request: Request) -> Response:
        account = account_or_404(request)
        await _body(request, REFRESH_FIELDS)
        tk = catalog.by_slug.get(account.toolkit)
        if account.auth_scheme == "API_KEY" or (tk is not None and tk.no_auth):
            # Nothing to redirect to: the stored credentials are simply checked again.
            account = store.set_status(account.id, "ACTIVE") or account
            return JSONResponse({"id": account.id, "status": account.status, "redirect_url": None})
        account = store.restart_account(account.id) or account
        return JSONResponse({"id": account.id, "status": account.status, "redirect_url": account.redirect_url})

    async def link(request: Request) -> Response:
        body = await _body(request, LINK_FIELDS)
        user_id, config_id = body.get("user_id"), body.get("auth_config_id")
        if not isinstance(user_id, str) or not user_id.strip():
            raise ApiFailure(400, "user_id is required and must be a non-empty string", "ValidationError")
        if not isinstance(config_id, str) or not config_id.strip():
            raise ApiFailure(400, "auth_config_id is required", "ValidationError")
        for key in ("callback_url", "alias"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise ApiFailure(400, f"{key} must be a string", "ValidationError")
        slug = config_id.removeprefix(AUTH_CONFIG_PREFIX) if config_id.startswith(AUTH_CONFIG_PREFIX) else ""
        tk = catalog.by_slug.get(slug)
        if tk is None:
            raise ApiFailure(404, f"Auth config {config_id} not found", "AuthConfig_NotFound",
                             "Use an auth config id of this project (ac_…).")
        if tk.no_auth:
            raise ApiFailure(400, f"Toolkit {slug} does not need a connection (no auth)", "AuthConfig_NoAuth")
        scheme, managed = link_scheme(tk)
        account = store.create_account(user_id, slug, scheme, managed, _origin(request),
                                       alias=body.get("alias"), callback_url=body.get("callback_url"))
        expires = (datetime.now(UTC) + LINK_LIFETIME).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return JSONResponse({"link_token": account.link_token, "redirect_url": account.redirect_url,
                             "expires_at": expires, "connected_account_id": account.id}, status_code=201)

    return [
        Route(f"{API}/connected_accounts/link", link, methods=["POST"]),
        Route(f"{API}/connected_accounts/{{account_id}}", delete, methods=["DELETE"]),
        Route(f"{API}/connected_accounts/{{account_id}}/status", update_status, methods=["PATCH"]),
        Route(f"{API}/connected_accounts/{{account_id}}/refresh", refresh, methods=["POST"]),
    ]
