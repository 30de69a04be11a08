from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from tui.core.redact import mask
from tui.core.export import (
    FORMATS,
    KEY_MODES,
    VSCODE_INPUT_ID,
    initialize_request,
    masked,
    render,
)

URL = "https://backend.composio.dev/tool_router/trs_abc123/mcp"
KEY = "ak_test_0123456789abcdefWXYZ"
JSON_FORMATS = ("mcp-json", "cursor", "vscode", "mcp-remote")
SHELL_FORMATS = ("claude-code", "curl")


def value_for(fmt: str, mode: str) -> str:
    """The header value each client should see, per the conventions documented in tui/core/export.py."""
    if mode == "literal":
        return KEY
    if mode == "placeholder":
        return "<COMPOSIO_API_KEY>"
    return {
        "claude-code": "$COMPOSIO_API_KEY",
        "curl": "$COMPOSIO_API_KEY",
        "mcp-json": "${COMPOSIO_API_KEY}",
        "cursor": "${env:COMPOSIO_API_KEY}",
        "vscode": f"${{input:{VSCODE_INPUT_ID}}}",
    }[fmt]


def expected_json(fmt: str, mode: str, url: str = URL, key: str = KEY) -> dict[str, object]:
    value = (key if mode == "literal" else value_for(fmt, mode)) if fmt != "mcp-remote" else ""
    if fmt == "mcp-json":
        return {"mcpServers": {"composio": {"type": "http", "url": url, "headers": {"x-api-key": value}}}}
    if fmt == "cursor":
        return {"mcpServers": {"composio": {"url": url, "headers": {"x-api-key": value}}}}
    if fmt == "vscode":
        config: dict[str, object] = {
            "servers": {"composio": {"type": "http", "url": url, "headers": {"x-api-key": value}}}
        }
        if mode == "env":
            config["inputs"] = [
                {"type": "promptString", "id": VSCODE_INPUT_ID, "description": "Composio API key", "password": True}
            ]
        return config
    bridge: dict[str, object] = {
        "command": "npx",
        "args": ["-y", "mcp-remote", url, "--header", "x-api-key:${COMPOSIO_API_KEY}"],
    }
    if mode != "env":
        bridge["env"] = {"COMPOSIO_API_KEY": key if mode == "literal" else "<COMPOSIO_API_KEY>"}
    return {"mcpServers": {"composio": bridge}}


def render_any(fmt: str, mode: str, url: str = URL) -> str:
    return render(fmt, url, key_mode=mode, key=KEY if mode == "literal" else None)


@pytest.mark.parametrize("mode", KEY_MODES)
@pytest.mark.parametrize("fmt", JSON_FORMATS)
def test_json_formats_have_the_exact_structure(fmt: str, mode: str) -> None:
    text = render_any(fmt, mode)
    assert json.loads(text) == expected_json(fmt, mode)


@pytest.mark.parametrize("mode", KEY_MODES)
def test_claude_code_command_round_trips(mode: str) -> None:
    words = shlex.split(render_any("claude-code", mode))
    assert words == [
        "claude", "mcp", "add", "--transport", "http", "composio", URL,
        "--header", f"x-api-key: {value_for('claude-code', mode)}",
    ]  # fmt: skip


@pytest.mark.parametrize("mode", KEY_MODES)
def test_curl_smoke_test_round_trips(mode: str) -> None:
    words = shlex.split(render_any("curl", mode))
    assert words[0] == "curl"
    assert URL in words
    headers = [words[i + 1] for i, word in enumerate(words) if word == "-H"]
    assert headers == [
        "Content-Type: application/json",
        "Accept: application/json, text/event-stream",
        f"x-api-key: {value_for('curl', mode)}",
    ]
    body = json.loads(words[words.index("--data") + 1])
    assert body["method"] == "initialize" and body["jsonrpc"] == "2.0" and body["id"] == 1
    assert set(body["params"]) == {"protocolVersion", "capabilities", "clientInfo"}
    assert "-L" not in words and "--location" not in words  # item 12: never follow a redirect with the key


@pytest.mark.parametrize("fmt", SHELL_FORMATS)
def test_env_mode_is_expanded_by_a_real_shell(fmt: str) -> None:
    command = render_any(fmt, "env")
    # Replace the program with printf so the shell shows exactly which words it would pass.
    program = command.split(" ", 1)
    script = "printf '%s\\0' " + program[1]
    result = subprocess.run(
        ["bash", "-c", script], env={"COMPOSIO_API_KEY": "ak from env $x"}, capture_output=True, check=True
    )
    words = result.stdout.decode().split("\0")
    assert "x-api-key: ak from env $x" in words  # one word, expanded, not re-split
    assert URL in words


@pytest.mark.parametrize("mode", ["placeholder", "env"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_placeholder_and_env_never_contain_the_key(fmt: str, mode: str) -> None:
    text = render(fmt, URL, key_mode=mode, key=KEY)  # the key is offered but must not be used
    assert KEY not in text
    assert KEY[-8:] not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_literal_needs_a_key_and_contains_it(fmt: str) -> None:
    with pytest.raises(ValueError, match="needs the API key"):
        render(fmt, URL, key_mode="literal")
    assert KEY in render(fmt, URL, key_mode="literal", key=KEY)


@pytest.mark.parametrize("bad_key", ["", " ak_x", "ak_x\n", "ak\r\nX-Evil: 1", "ak\x00"])
def test_literal_refuses_an_unsendable_key(bad_key: str) -> None:
    with pytest.raises(ValueError, match="API key"):
        render("mcp-json", URL, key_mode="literal", key=bad_key)


HOSTILE_URL = "https://backend.composio.dev/tool_router/trs_a'b\"c/mcp?x=$(touch${IFS}pwned)&y=`id`;z=1#frag"
HOSTILE_KEY = "ak_'quote\"dq$(touch${IFS}pwned)`tick`;&|"


@pytest.mark.parametrize("mode", KEY_MODES)
def test_urls_and_keys_that_need_quoting_are_safe(mode: str, tmp_path: Path) -> None:
    key = HOSTILE_KEY if mode == "literal" else None
    for fmt in SHELL_FORMATS:
        command = render(fmt, HOSTILE_URL, key_mode=mode, key=key)
        words = shlex.split(command)
        assert HOSTILE_URL in words
        if mode == "literal":
            assert f"x-api-key: {HOSTILE_KEY}" in words
        script = "printf '%s\\0' " + command.split(" ", 1)[1]
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={}, capture_output=True, check=True)
        shell_words = result.stdout.decode().split("\0")
        assert HOSTILE_URL in shell_words
        if mode == "literal":
            assert f"x-api-key: {HOSTILE_KEY}" in shell_words
        assert not (tmp_path / "pwned").exists()  # nothing in the URL or key was executed
    for fmt in JSON_FORMATS:
        config = json.loads(render(fmt, HOSTILE_URL, key_mode=mode, key=key))
        assert config == expected_json(fmt, mode, HOSTILE_URL, HOSTILE_KEY)


def test_custom_server_name_and_env_var() -> None:
    config = json.loads(render("mcp-json", URL, key_mode="env", server_name="acme tools", env_var="ACME_KEY"))
    assert config == {
        "mcpServers": {"acme tools": {"type": "http", "url": URL, "headers": {"x-api-key": "${ACME_KEY}"}}}
    }
    words = shlex.split(render("claude-code", URL, server_name="acme tools", env_var="ACME_KEY"))
    assert words[5] == "acme tools" and words[-1] == "x-api-key: <ACME_KEY>"


def test_mcp_remote_allows_plain_http_only_when_the_url_is_http() -> None:
    local = json.loads(render("mcp-remote", "http://127.0.0.1:9/tool_router/trs_abc/mcp"))
    assert local["mcpServers"]["composio"]["args"][-1] == "--allow-http"
    remote = json.loads(render("mcp-remote", URL))
    assert "--allow-http" not in remote["mcpServers"]["composio"]["args"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"fmt": "yaml"}, "Unknown export format"),
        ({"key_mode": "plain"}, "Unknown key mode"),
        ({"url": "ftp://example.com/mcp"}, "http(s) URL"),
        ({"url": "/tool_router/trs_abc/mcp"}, "http(s) URL"),
        ({"url": URL + "\n--header x"}, "control characters"),
        ({"env_var": "COMPOSIO-API-KEY"}, "not a valid environment variable name"),
        ({"env_var": "X; rm -rf /"}, "not a valid environment variable name"),
        ({"server_name": ""}, "server name"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, str], fragment: str) -> None:
    args = {"fmt": "mcp-json", "url": URL, **kwargs}
    fmt, url = args.pop("fmt"), args.pop("url")
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        render(fmt, url, **args)


def test_masked_replaces_every_occurrence_with_the_last_four() -> None:
    text = render("curl", URL, key_mode="literal", key=KEY) + KEY
    shown = masked(text, KEY)
    assert KEY not in shown
    assert shown.count("…WXYZ") == 2
    assert URL in shown
    assert mask(KEY) == "…WXYZ"
    assert mask("ak_short") == "…"  # too short to reveal any of it
    assert masked("no key here", KEY) == "no key here"
    assert masked("text", None) == "text" and masked("text", "") == "text"


def test_initialize_request_is_one_line_json() -> None:
    body = initialize_request()
    assert "\n" not in body
    assert json.loads(body)["params"]["clientInfo"]["name"] == "composio-tui"


@pytest.mark.parametrize("mode", ["placeholder", "env", "literal"])
def test_item12_the_curl_smoke_test_does_not_follow_redirects_with_the_key(mode: str) -> None:
    words = shlex.split(render_any("curl", mode))
    assert not [w for w in words if w in ("-L", "--location", "--location-trusted") or w.startswith("--post30")]
    assert not [w for w in words if w.startswith("-") and not w.startswith("--") and "L" in w]
