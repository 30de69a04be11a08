"""Origins, and the one rule for where the project key may go: only to the API's own origin.

The SDK attaches ``x-api-key`` to a session's MCP URL only when that URL has the API's origin (WHATWG
origin: scheme, host, port with the default port dropped). The console does the same for verify and
export: a session whose MCP URL has another origin is refused with a message naming both origins and
never the key. Plain ``http`` passes only when the API origin is itself a loopback ``http`` origin.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

PRODUCTION_URL = "https://backend.composio.dev"
"""The Composio API's production origin: the one place this constant is written."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """``scheme://host[:port]`` in lower case (default port dropped); "" when ``url`` has no tuple origin."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def key_refusal(mcp_url: str, api_url: str) -> str:
    """Why the project key must not go to ``mcp_url`` (one sentence), or "" when it may."""
    api = origin(api_url or PRODUCTION_URL)
    mcp = origin(mcp_url)
    if not mcp:
        return f"The MCP URL has no http(s) origin; the API key is sent only to the API origin {api or api_url}."
    if mcp != api:
        return (f"The MCP URL's origin {mcp} is not the API origin {api}; the API key is sent only to the "
                "API origin, so this session is not verified or exported.")
    if mcp.startswith("http://") and not is_loopback(mcp):
        return f"The MCP URL {mcp} is plain http; the API key goes over http only to loopback addresses."
    return ""
