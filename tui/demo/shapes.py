"""JSON bodies for catalog endpoints, shaped like Composio's v3.1 responses, plus paging and errors."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence

from tui.demo.data import DemoCatalog, DemoTool, DemoToolkit

CREATED_AT = "2024-11-05T10:00:00.000Z"
UPDATED_AT = "2025-06-01T12:00:00.000Z"
VERSION = "20250601_00"
_JSON_TYPES = {"string", "integer", "number", "boolean", "array", "object"}


GENERIC_400 = "Validation error while processing request"
"""Production's ``message`` for a 400: the specific reasons travel in the envelope's ``errors`` list."""


class ApiFailure(Exception):
    """Raised by handlers; the server turns it into the error envelope.

    A 400 is answered as production answers it: the generic message, with ``errors`` (or, when none
    are given, ``message``) as the envelope's ``errors`` list.
    """

    def __init__(self, status: int, message: str, slug: str = "", suggested_fix: str = "",
                 errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.slug = slug or {400: "BadRequest", 401: "Unauthorized", 404: "NotFound"}.get(status, "Error")
        self.suggested_fix = suggested_fix
        self.errors = list(errors or [])

    def envelope(self, request_id: str) -> dict:
        if self.status == 400:
            return error_body(400, GENERIC_400, self.slug, request_id, self.suggested_fix,
                              self.errors or [self.message])
        return error_body(self.status, self.message, self.slug, request_id, self.suggested_fix, self.errors)


def error_body(status: int, message: str, slug: str, request_id: str, suggested_fix: str = "",
               errors: list[str] | None = None) -> dict:
    """The ``{"error": {...}}`` envelope (spec ``Error``)."""
    err: dict = {"message": message, "code": status * 10 + 1, "slug": slug, "status": status, "request_id": request_id}
    if suggested_fix:
        err["suggested_fix"] = suggested_fix
    if errors:
        err["errors"] = [str(e) for e in errors]
    return {"error": err}


# -- paging ---------------------------------------------------------------------------------

def encode_cursor(page: int, limit: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"page": page, "limit": limit}).encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
        page, limit = int(raw["page"]), int(raw["limit"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ApiFailure(400, "Invalid cursor", "InvalidCursor", "Pass next_cursor back unchanged.") from exc
    if page < 1 or limit < 1:
        raise ApiFailure(400, "Invalid cursor", "InvalidCursor", "Pass next_cursor back unchanged.")
    return page, limit


def parse_limit(value: str | None, low: int, high: int) -> int | None:
    """A ``limit`` query value checked against ``low..high`` (None when absent)."""
    if value is None or value == "":
        return None
    try:
        limit = int(float(value))
    except ValueError:
        raise ApiFailure(400, f"limit must be a number, got {value!r}", "InvalidLimit") from None
    if limit < low or limit > high:
        raise ApiFailure(400, f"limit must be between {low} and {high}", "InvalidLimit")
    return limit


def paginate(items: Sequence, limit: int | None, cursor: str | None, item_fn, default: int = 20) -> dict:
    """One page of ``items``: the list envelope used by every paginated endpoint.

    Without an explicit ``limit`` a cursor's own page size applies, else ``default``.
    """
    page = 1
    if cursor:
        page, cursor_limit = decode_cursor(cursor)
        limit = limit or cursor_limit
    limit = limit or default
    total = len(items)
    start = (page - 1) * limit
    chunk = items[start : start + limit]
    has_more = start + limit < total
    return {
        "items": [item_fn(x) for x in chunk],
        "next_cursor": encode_cursor(page + 1, limit) if has_more else None,
        "total_pages": max(1, math.ceil(total / limit)),
        "current_page": page,
        "total_items": total,
    }


# -- catalog ---------------------------------------------------------------------------------

def logo(slug: str) -> str:
    return f"https://logos.composio.dev/api/{slug}"


def toolkit_meta(tk: DemoToolkit, catalog: DemoCatalog) -> dict:
    meta = {
        "description": tk.description,
        "logo": logo(tk.slug),
        "categories": [{"id": c, "name": catalog.category_name(c)} for c in tk.categories],
        "tools_count": len(tk.tools),
        "triggers_count": tk.triggers_count,
        "version": VERSION,
        "created_at": CREATED_AT,
        "updated_at": UPDATED_AT,
    }
    if tk.app_url:
        meta["app_url"] = tk.app_url
    return meta


def toolkit_item(tk: DemoToolkit, catalog: DemoCatalog) -> dict:
    """An item of ``GET /toolkits`` (``ToolkitListResponse.Item``)."""
    return {
        "slug": tk.slug,
        "name": tk.name,
        "type": "native",
        "meta": toolkit_meta(tk, catalog),
        "auth_schemes": list(tk.auth_schemes),
        "composio_managed_auth_schemes": list(tk.managed_schemes),
        "no_auth": tk.no_auth,
        "is_local_toolkit": False,
        "deprecated": {"toolkitId": f"tk_{tk.slug}"},
    }


def _field(name: str, display: str, description: str, secret: bool) -> dict:
    return {"name": name, "displayName": display, "type": "string", "description": description,
            "required": True, "is_secret": secret, "user_visible": True}


def _auth_detail(scheme: str, tk: DemoToolkit) -> dict:
    creation: list[dict] = []
    initiation: list[dict] = []
    if scheme == "OAUTH2":
        creation = [_field("client_id", "Client ID", f"OAuth client id for {tk.name}", False),
                    _field("client_secret", "Client secret", f"OAuth client secret for {tk.name}", True)]
    elif scheme == "API_KEY":
        initiation = [_field("generic_api_key", "API Key", f"Your {tk.name} API key", True)]
    else:
        initiation = [_field("token", "Token", f"Credential for {tk.name}", True)]
    return {
        "mode": scheme,
        "name": f"{tk.name} {scheme.replace('_', ' ').title()}",
        "required_scopes": [],
        "fields": {
            "auth_config_creation": {"required": creation, "optional": []},
            "connected_account_initiation": {"required": initiation, "optional": []},
        },
    }


def toolkit_detail(tk: DemoToolkit, catalog: DemoCatalog) -> dict:
    """The body of ``GET /toolkits/{slug}`` (``ToolkitRetrieveResponse``)."""
    meta = toolkit_meta(tk, catalog)
    meta["categories"] = [{"slug": c, "name": catalog.category_name(c)} for c in tk.categories]
    meta["available_versions"] = [VERSION]
    return {
        "slug": tk.slug,
        "name": tk.name,
        "type": "native",
        "enabled": True,
        "is_local_toolkit": False,
        "meta": meta,
        "auth_schemes": list(tk.auth_schemes),
        "composio_managed_auth_schemes": list(tk.managed_schemes),
        "no_auth": tk.no_auth,
        "composio_managed_auth": [{"mode": s, "scopes": {"available": []}} for s in tk.managed_schemes],
        "auth_config_details": [_auth_detail(s, tk) for s in tk.auth_schemes],
        "base_url": tk.app_url,
        "get_current_user_endpoint": None,
        "get_current_user_endpoint_method": None,
        "deprecated": {"toolkitId": f"tk_{tk.slug}", "rawProxyInfoByAuthSchemes": []},
    }


def input_schema(tool: DemoTool) -> dict:
    """A JSON Schema object built from a tool's ``params``."""
    props: dict[str, dict] = {}
    for name, kind in tool.params:
        kind = kind if kind in _JSON_TYPES else "string"
        prop: dict = {"type": kind, "title": name.replace("_", " ").title(), "description": f"The {name}."}
        if kind == "array":
            prop["items"] = {"type": "string"}
        props[name] = prop
    return {"type": "object", "title": f"{tool.slug}Request", "properties": props, "required": list(tool.required)}


OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "data": {"type": "object", "title": "Data", "description": "The result."},
        "error": {"type": ["string", "null"], "title": "Error", "description": "Error, if any."},
        "successful": {"type": "boolean", "title": "Successful", "description": "Whether the call worked."},
    },
    "required": ["data", "successful"],
}


def tool_item(tk: DemoToolkit, tool: DemoTool) -> dict:
    """An item of ``GET /tools`` (``ToolListResponse.Item``)."""
    return {
        "slug": tool.slug,
        "name": tool.name,
        "description": tool.description,
        "human_description": tool.description,
        "toolkit": {"slug": tk.slug, "name": tk.name, "logo": logo(tk.slug)},
        "tags": list(tool.tags),
        "scopes": [],
        "no_auth": tk.no_auth,
        "input_parameters": input_schema(tool),
        "output_parameters": OUTPUT_SCHEMA,
        "version": VERSION,
        "available_versions": [VERSION],
        "is_deprecated": False,
        "deprecated": {"available_versions": [VERSION], "displayName": tool.name, "is_deprecated": False,
                       "toolkit": {"logo": logo(tk.slug)}, "version": VERSION},
    }


def matches(tk: DemoToolkit, catalog: DemoCatalog, needle: str) -> bool:
    """Case-insensitive search over slug, name, description and categories."""
    needle = needle.casefold()
    hay = [tk.slug, tk.name, tk.description, *tk.categories, *(catalog.category_name(c) for c in tk.categories)]
    return any(needle in h.casefold() for h in hay)
