"""A small read-only path for the catalog (toolkits, categories, a toolkit's tools and detail): plain
httpx, no ``composio`` import.

Why: importing the SDK takes seconds and starves the event loop of the GIL while it runs (typed keys
pile up), so browsing must never need it; a first run (no cache) would otherwise wait for it before
showing a single toolkit. Reading the list is two GET endpoints, so this module reads them directly and maps
them exactly as the gateway maps the SDK's models (``tests/test_catalog_read.py`` checks both against
``composio_client``'s response models). Every write (sessions, links) stays on the SDK.

The key goes only to the API's origin, and plain ``http`` only to a loopback host (the SDK's rule).
Every failure is an :class:`ApiError` with one line; 429 honours ``retry-after``, 5xx and network
failures are retried ``max_retries`` times, like the SDK's reads.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError
from .models import Catalog, Category, Tool, Toolkit
from .paging import Page, pages
from .states import ErrorKind

PRODUCTION_URL = "https://backend.composio.dev"
TOOLKITS = "/api/v3.1/toolkits"
TOOLS = "/api/v3.1/tools"
CATEGORIES = "/api/v3.1/toolkits/categories"
MAX_RETRY_WAIT = 30.0


def is_loopback_host(host: str) -> bool:
    """The SDK's rule (``composio_client._credentials``): localhost names and loopback addresses."""
    candidate = host.strip().lower().removeprefix("[").removesuffix("]")
    if candidate == "localhost" or candidate.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return False
    return address.is_loopback


def check_origin(base_url: str) -> str:
    """The origin the key may go to; ApiError(CONFIG) for plain http off loopback."""
    url = (base_url or PRODUCTION_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ApiError(ErrorKind.CONFIG, f"{url!r} is not an API base URL", hint=f"Use one like {PRODUCTION_URL}")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ApiError(ErrorKind.CONFIG, f"Refusing to send the API key over plain http to {url}",
                       hint="Use an https:// base URL (http is allowed only on loopback)")
    return url


def _get(d: Any, name: str, default: Any = None) -> Any:
    """An optional field of a JSON object or of an SDK model (both accept missing fields)."""
    value = d.get(name, default) if isinstance(d, dict) else getattr(d, name, default)
    return default if value is None else value


def toolkit_of(item: Any, rank: int) -> Toolkit:
    """The one toolkit mapping: from the JSON body here, from the SDK's model in the gateway."""
    meta = _get(item, "meta", {})
    cats = tuple(Category(id=str(_get(c, "id", "") or _get(c, "slug", "")), name=str(_get(c, "name", "")))
                 for c in _get(meta, "categories", []))
    slug = _get(item, "slug")
    return Toolkit(
        slug=slug,
        name=_get(item, "name", slug),
        description=_get(meta, "description", ""),
        categories=cats,
        auth_schemes=tuple(_get(item, "auth_schemes", [])),
        managed_auth_schemes=tuple(_get(item, "composio_managed_auth_schemes", [])),
        no_auth=bool(_get(item, "no_auth", False)),
        tools_count=int(_get(meta, "tools_count", 0)),
        triggers_count=int(_get(meta, "triggers_count", 0)),
        app_url=_get(meta, "app_url", ""),
        logo=_get(meta, "logo", ""),
        usage_rank=rank,
    )


def tool_of(item: Any) -> Tool:
    """The one tool mapping (JSON body or SDK model)."""
    slug = _get(item, "slug")
    return Tool(slug=slug, name=_get(item, "name", slug), description=_get(item, "description", ""),
                tags=tuple(_get(item, "tags", [])))


def detail_of(resp: Any) -> dict[str, Any]:
    """Fields of the toolkit detail endpoint the list lacks (managed auth modes, available versions)."""
    managed = [str(_get(m, "mode", "")) for m in _get(resp, "composio_managed_auth", [])]
    meta = _get(resp, "meta", {})
    return {"managed_auth": [m for m in managed if m], "versions": list(_get(meta, "available_versions", [])),
            "app_url": _get(meta, "app_url", "")}


def _error(resp: Any, where: str) -> ApiError:
    try:
        body = resp.json()
    except ValueError:
        body = {}
    details = body.get("error") if isinstance(body, dict) else None
    details = details if isinstance(details, dict) else {}
    said = str(details.get("message") or "").strip()
    fix = str(details.get("suggested_fix") or "").strip()
    status = resp.status_code
    kw = {"status": status, "request_id": resp.headers.get("x-request-id") or details.get("request_id")}
    if status == 401:
        return ApiError(ErrorKind.AUTH, f"The API at {where} rejected the API key (401)",
                        hint="Run `composio-tui login` with a valid project key (ak_…) or fix COMPOSIO_API_KEY", **kw)
    if status == 403:
        return ApiError(ErrorKind.AUTH, f"The API key may not do this (403){': ' + said if said else ''}",
                        hint=fix or "Use a project key with session management permissions", **kw)
    if status == 404:
        return ApiError(ErrorKind.NOT_FOUND, said or "Not found (404)", hint=fix, **kw)
    if status == 429:
        retry = _seconds(resp.headers.get("retry-after", ""))
        wait = f"; retry in {retry:g} s" if retry is not None else ""
        return ApiError(ErrorKind.RATE_LIMITED, f"Rate limited by the API (429){wait}",
                        hint=fix or "Wait a moment and try again", retry_after=retry, **kw)
    if status >= 500:
        return ApiError(ErrorKind.SERVER, f"The API had an internal error ({status}){': ' + said if said else ''}",
                        hint=fix or "Try again shortly", **kw)
    return ApiError(ErrorKind.BAD_REQUEST, f"The API refused the request ({status}){': ' + said if said else ''}",
                    hint=fix, **kw)


def _seconds(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


class CatalogReader:
    """GETs on the toolkit list for one origin and key; close it (or use ``with``) when done."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 15.0, max_retries: int = 1,
                 cancelled: Callable[[], bool] | None = None) -> None:
        import httpx

        self.base_url = check_origin(base_url)
        self.max_retries = max_retries
        self.cancelled = cancelled or (lambda: False)
        self._httpx = httpx
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, follow_redirects=False,
                                    headers={"x-api-key": api_key, "accept": "application/json",
                                             "user-agent": "composio-tui (catalog read path)"})

    def __repr__(self) -> str:  # never the key
        return f"CatalogReader(base_url={self.base_url!r})"

    def __enter__(self) -> CatalogReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """One GET with the SDK's read retries; the JSON body, or ApiError."""
        httpx = self._httpx
        attempt = 0
        while True:
            try:
                resp = self._client.get(path, params={k: v for k, v in (params or {}).items() if v is not None})
            except httpx.TimeoutException:
                err = ApiError(ErrorKind.TIMEOUT, f"{self.base_url} did not answer in time",
                               hint="Check the network or raise `timeout` in the config")
            except httpx.HTTPError:
                err = ApiError(ErrorKind.NETWORK, f"Cannot reach {self.base_url}",
                               hint="Check the network, COMPOSIO_BASE_URL or the `base_url` setting")
            else:
                if resp.status_code < 300:
                    try:
                        return resp.json()
                    except ValueError:
                        raise ApiError(ErrorKind.BAD_RESPONSE, f"{self.base_url} sent an unreadable (non-JSON) body",
                                       hint="Try again; if it persists, check the base URL") from None
                err = _error(resp, self.base_url)
            retryable = err.kind in (ErrorKind.TIMEOUT, ErrorKind.NETWORK, ErrorKind.SERVER, ErrorKind.RATE_LIMITED)
            if not retryable or attempt >= self.max_retries or self.cancelled():
                raise err
            attempt += 1
            wait = err.retry_after if err.retry_after is not None else 0.5 * 2 ** (attempt - 1)
            time.sleep(min(wait, MAX_RETRY_WAIT))

    def page(self, cursor: str | None, *, limit: int, offset: int = 0, search: str | None = None) -> Page[Toolkit]:
        body = self.get(TOOLKITS, {"limit": limit, "cursor": cursor, "sort_by": "usage", "search": search})
        items = [toolkit_of(it, offset + i) for i, it in enumerate(_get(body, "items", []))]
        return Page(items, _get(body, "next_cursor"), int(_get(body, "total_items", len(items))))

    def tools(self, slug: str, *, limit: int = 200) -> list[Tool]:
        """Every tool of one toolkit (through the one paging helper)."""
        out: list[Tool] = []

        def fetch(cursor: str | None) -> Page[Tool]:
            body = self.get(TOOLS, {"toolkit_slug": slug, "limit": limit, "cursor": cursor})
            return Page([tool_of(t) for t in _get(body, "items", [])], _get(body, "next_cursor"))

        for page in pages(fetch, what=f"the tools of {slug}"):
            out.extend(page.items)
        return out

    def toolkit_detail(self, slug: str) -> dict[str, Any]:
        from urllib.parse import quote

        return detail_of(self.get(f"{TOOLKITS}/{quote(slug, safe='')}"))

    def categories(self) -> list[Category]:
        body = self.get(CATEGORIES)
        return [Category(id=str(c["id"]), name=str(_get(c, "name", c["id"]))) for c in _get(body, "items", [])]

    def verify_key(self) -> int:
        """One-item toolkit list: proves the key works. Returns the catalog size."""
        return int(_get(self.get(TOOLKITS, {"limit": 1}), "total_items", 0))

    def catalog(self, *, page_size: int = 200,
                progress: Callable[[int, int, int], None] | None = None) -> Catalog:
        """Every toolkit (following the cursor through the one paging helper) and the categories.
        ``progress(pages, count, total)`` after each page."""
        toolkits: list[Toolkit] = []
        seen: set[str] = set()
        done = 0
        count = 0

        def fetch(cursor: str | None) -> Page[Toolkit]:
            return self.page(cursor, limit=page_size, offset=done)

        for page in pages(fetch, what="toolkits"):
            done += len(page.items)
            count += 1
            fresh = [t for t in page.items if t.slug not in seen]
            seen.update(t.slug for t in fresh)
            toolkits.extend(fresh)
            if progress:
                progress(count, len(toolkits), page.total or len(toolkits))
            if self.cancelled():
                break
        return Catalog(toolkits=toolkits, categories=self.categories(), fetched_at=time.time(),
                       base_url=self.base_url)
