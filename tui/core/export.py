"""Client configurations for a Tool Router MCP URL, with the API key as a placeholder, an env reference
or (only when asked) the literal key.

Every MCP request to a session URL must carry ``x-api-key`` (reference §4.1), so every format includes it.

Env-reference syntax per format (``env`` key mode), each being that client's own convention:

- ``claude-code``: a shell command; the header is double-quoted so the shell expands ``"$COMPOSIO_API_KEY"``
  when the command runs (the key then lives in Claude Code's config, not in the shell history).
- ``mcp-json``: Claude Code expands ``${COMPOSIO_API_KEY}`` in ``.mcp.json`` headers at start-up.
- ``cursor``: Cursor interpolates ``${env:COMPOSIO_API_KEY}`` in ``mcp.json``.
- ``vscode``: VS Code prompts once for an ``inputs`` entry with ``"password": true`` and keeps the answer in
  its secret storage; the header refers to it as ``${input:composio-api-key}``.
- ``mcp-remote``: the bridge itself expands ``${VAR}`` inside ``--header`` values from its own environment;
  in env mode no ``env`` block is written, so the variable must reach the bridge from the client's
  environment (some clients, e.g. Claude Desktop, start stdio servers with a reduced environment).
- ``curl``: a shell command, ``"$COMPOSIO_API_KEY"`` in double quotes.
"""

from __future__ import annotations

import json
import re
import shlex
from urllib.parse import urlsplit

from .origin import key_refusal
from .redact import mask

FORMATS = ("claude-code", "mcp-json", "cursor", "vscode", "mcp-remote", "curl")
KEY_MODES = ("placeholder", "env", "literal")

HEADER = "x-api-key"
VSCODE_INPUT_ID = "composio-api-key"
MCP_PROTOCOL_VERSION = "2025-06-18"

_SHELL_FORMATS = ("claude-code", "curl")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _check(fmt: str, key_mode: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}.")
    if key_mode not in KEY_MODES:
        raise ValueError(f"Unknown key mode {key_mode!r}; choose one of: {', '.join(KEY_MODES)}.")


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("The MCP URL must be an absolute http(s) URL.")
    if _CONTROL_RE.search(url) or " " in url:
        raise ValueError("The MCP URL contains spaces or control characters.")


def _check_key(key: str) -> None:
    if not key or key.strip() != key or _CONTROL_RE.search(key):
        raise ValueError("The API key is blank, has surrounding whitespace or contains control characters.")


def placeholder(env_var: str = "COMPOSIO_API_KEY") -> str:
    return f"<{env_var}>"


def _env_reference(fmt: str, env_var: str) -> str:
    if fmt in _SHELL_FORMATS:
        return f"${env_var}"  # placed inside double quotes by _header_arg
    if fmt == "mcp-json":
        return f"${{{env_var}}}"
    if fmt == "cursor":
        return f"${{env:{env_var}}}"
    if fmt == "vscode":
        return f"${{input:{VSCODE_INPUT_ID}}}"
    return f"${{{env_var}}}"  # mcp-remote


def _value(fmt: str, key_mode: str, key: str | None, env_var: str) -> str:
    if key_mode == "literal":
        assert key is not None
        return key
    if key_mode == "env":
        return _env_reference(fmt, env_var)
    return placeholder(env_var)


def _header_arg(key_mode: str, value: str) -> str:
    """The shell word for ``x-api-key: <value>``; only env mode is double-quoted so the shell expands it."""
    if key_mode == "env":
        return f'"{HEADER}: {value}"'
    return shlex.quote(f"{HEADER}: {value}")


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def initialize_request() -> str:
    """The JSON-RPC ``initialize`` body the curl smoke test posts."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": MCP_PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "composio-tui", "version": "0.1.0"},
        },
    }
    return json.dumps(body, separators=(",", ":"))


def render(
    fmt: str,
    url: str,
    *,
    key_mode: str = "placeholder",
    key: str | None = None,
    server_name: str = "composio",
    env_var: str = "COMPOSIO_API_KEY",
    api_url: str | None = None,
) -> str:
    """Render a client configuration (JSON text or a shell command) for the MCP ``url``.

    ``literal`` mode needs ``key`` and is the only mode whose output contains it. With ``api_url``, a
    ``url`` off the API's origin is refused (every format tells the client to send the key to it).
    """
    _check(fmt, key_mode)
    _check_url(url)
    if api_url is not None and (refusal := key_refusal(url, api_url)):
        raise ValueError(refusal)
    if not server_name or _CONTROL_RE.search(server_name):
        raise ValueError("The server name must be non-empty and free of control characters.")
    if not _ENV_NAME_RE.match(env_var):
        raise ValueError(f"{env_var!r} is not a valid environment variable name.")
    if key_mode == "literal":
        if key is None:
            raise ValueError("Literal key mode needs the API key; use 'placeholder' or 'env' to export without it.")
        _check_key(key)
    value = _value(fmt, key_mode, key, env_var)

    if fmt == "claude-code":
        words = ["claude", "mcp", "add", "--transport", "http", shlex.quote(server_name), shlex.quote(url)]
        return " ".join([*words, "--header", _header_arg(key_mode, value)]) + "\n"

    if fmt == "curl":
        lines = [
            # No -L: curl would send x-api-key on to whatever host a redirect names.
            f"curl -sS {shlex.quote(url)}",
            f"  -H {shlex.quote('Content-Type: application/json')}",
            f"  -H {shlex.quote('Accept: application/json, text/event-stream')}",
            f"  -H {_header_arg(key_mode, value)}",
            f"  --data {shlex.quote(initialize_request())}",
        ]
        return " \\\n".join(lines) + "\n"

    if fmt == "mcp-json":
        server: dict[str, object] = {"type": "http", "url": url, "headers": {HEADER: value}}
        return _json({"mcpServers": {server_name: server}})

    if fmt == "cursor":
        return _json({"mcpServers": {server_name: {"url": url, "headers": {HEADER: value}}}})

    if fmt == "vscode":
        config: dict[str, object] = {}
        if key_mode == "env":
            config["inputs"] = [
                {
                    "type": "promptString",
                    "id": VSCODE_INPUT_ID,
                    "description": "Composio API key",
                    "password": True,
                }
            ]
        config["servers"] = {server_name: {"type": "http", "url": url, "headers": {HEADER: value}}}
        return _json(config)

    # mcp-remote: a stdio bridge for clients that cannot speak HTTP themselves.
    args = ["-y", "mcp-remote", url, "--header", f"{HEADER}:${{{env_var}}}"]
    if urlsplit(url).scheme == "http":
        args.append("--allow-http")  # mcp-remote refuses plain http otherwise
    bridge: dict[str, object] = {"command": "npx", "args": args}
    if key_mode != "env":
        bridge["env"] = {env_var: value}
    return _json({"mcpServers": {server_name: bridge}})


def masked(text: str, key: str | None) -> str:
    """Replace every occurrence of ``key`` in ``text`` with its last-four mask, for on-screen display."""
    if not key:
        return text
    return text.replace(key, mask(key))
