"""Helpers for the demo-server tests: a small catalog file, a running server, an HTTP client.

Import the fixtures into a test module (``from demo_fixtures import server, api``) to use them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tui.core.ratelimit import shared_tls
from tui.demo import DEMO_API_KEY
from tui.demo.data import DemoCatalog, load_catalog
from tui.demo.runner import DemoServer

SMALL_CATALOG = {
    "categories": [
        {"id": "developer-tools", "name": "Developer Tools"},
        {"id": "communication", "name": "Communication"},
        {"id": "productivity", "name": "Productivity"},
    ],
    "toolkits": [
        {"slug": "github", "name": "GitHub", "description": "Code hosting and pull requests.",
         "categories": ["developer-tools"], "auth_schemes": ["OAUTH2", "API_KEY"],
         "composio_managed_auth_schemes": ["OAUTH2"], "no_auth": False, "app_url": "https://github.com",
         "triggers_count": 4, "tools": [
             {"slug": "GITHUB_CREATE_AN_ISSUE", "name": "Create an issue", "description": "Open a new issue.",
              "tags": ["createHint"], "params": {"owner": "string", "repo": "string", "labels": "array"},
              "required": ["owner", "repo"]},
             {"slug": "GITHUB_LIST_PULL_REQUESTS", "name": "List pull requests", "description": "List PRs.",
              "tags": ["readOnlyHint"], "params": {"owner": "string", "per_page": "integer"}, "required": ["owner"]}]},
        {"slug": "gmail", "name": "Gmail", "description": "Send and read email.",
         "categories": ["communication"], "auth_schemes": ["OAUTH2"], "composio_managed_auth_schemes": ["OAUTH2"],
         "no_auth": False, "app_url": "https://mail.google.com", "triggers_count": 1, "tools": [
             {"slug": "GMAIL_SEND_EMAIL", "name": "Send email", "description": "Send an email message.",
              "tags": ["openWorldHint"], "params": {"to": "string", "body": "string"}, "required": ["to"]}]},
        {"slug": "slack", "name": "Slack", "description": "Team chat and channels.",
         "categories": ["communication"], "auth_schemes": ["OAUTH2"], "composio_managed_auth_schemes": ["OAUTH2"],
         "no_auth": False, "triggers_count": 2, "tools": [
             {"slug": "SLACK_SEND_MESSAGE", "name": "Send message", "description": "Post a message to a channel.",
              "tags": [], "params": {"channel": "string", "text": "string"}, "required": ["channel", "text"]}]},
        {"slug": "notion", "name": "Notion", "description": "Docs and wikis.",
         "categories": ["productivity"], "auth_schemes": ["API_KEY"], "composio_managed_auth_schemes": [],
         "no_auth": False, "app_url": "https://notion.so", "triggers_count": 0, "tools": []},
        {"slug": "hackernews", "name": "Hacker News", "description": "Read top stories.",
         "categories": ["productivity"], "auth_schemes": [], "composio_managed_auth_schemes": [],
         "no_auth": True, "triggers_count": 0, "tools": [
             {"slug": "HACKERNEWS_GET_TOP_STORIES", "name": "Get top stories", "description": "Top stories.",
              "tags": ["readOnlyHint"], "params": {}, "required": []}]},
        {"slug": "airtable", "name": "Airtable", "description": "Spreadsheet-database hybrid.",
         "categories": ["productivity", "developer-tools"], "auth_schemes": ["API_KEY"],
         "composio_managed_auth_schemes": [], "no_auth": False, "triggers_count": 0, "tools": []},
    ],
}


def write_small_catalog(directory: Path) -> Path:
    path = directory / "toolkits.json"
    path.write_text(json.dumps(SMALL_CATALOG), encoding="utf-8")
    return path


def small_catalog(tmp_path: Path) -> DemoCatalog:
    """The small catalog, loaded through the real file loader."""
    return load_catalog(write_small_catalog(tmp_path))


def client_for(srv: DemoServer, key: str | None = DEMO_API_KEY) -> httpx.Client:
    headers = {"x-api-key": key} if key is not None else {}
    return httpx.Client(base_url=srv.base_url, headers=headers, timeout=10, verify=shared_tls())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DemoServer]:
    """A demo server over the small catalog, stopped after the test."""
    with DemoServer(catalog=small_catalog(tmp_path)) as srv:
        yield srv


@pytest.fixture
def api(server: DemoServer) -> Iterator[httpx.Client]:
    with client_for(server) as client:
        yield client


def create_session(client: httpx.Client, user_id: str = "user-1", toolkits: list[str] | None = None, **extra) -> dict:
    body = {"user_id": user_id, **extra}
    if toolkits is not None:
        body["toolkits"] = {"enable": toolkits}
    resp = client.post("/api/v3.1/tool_router/session", json=body)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()
