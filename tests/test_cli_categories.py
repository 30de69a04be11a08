"""`composio-tui toolkits categories` (issue 11.5): every category from every page of the API's list."""

from __future__ import annotations

import json

import pytest

from test_cli_toolkits import cli, json_lines

from tui.demo import DEMO_API_KEY
from tui.demo.data import DemoCatalog, DemoToolkit
from tui.demo.runner import DemoServer

pytestmark = pytest.mark.timeout(60)
CATS = {f"cat-{i:02d}": f"Category {i:02d}" for i in range(30)}


@pytest.fixture
def api(monkeypatch):
    kits = [DemoToolkit(f"kit{i}", f"Kit {i}", categories=(f"cat-{i % 3:02d}",)) for i in range(7)]
    with DemoServer(catalog=DemoCatalog(toolkits=kits, categories=CATS), max_page_size=10) as srv:
        monkeypatch.setenv("COMPOSIO_BASE_URL", srv.base_url)
        monkeypatch.setenv("COMPOSIO_API_KEY", DEMO_API_KEY)
        yield srv


def test_categories_lists_every_page_with_counts(api, capsys):
    rc, out, err = cli(capsys, "toolkits", "categories")
    assert rc == 0, err
    rows = json_lines(out)
    assert [r["id"] for r in rows] == list(CATS) and rows[0] == {"id": "cat-00", "name": "Category 00", "toolkits": 3}
    assert sum(r["toolkits"] for r in rows) == 7


def test_categories_json_from_the_cache(api, capsys):
    assert cli(capsys, "toolkits", "categories")[0] == 0
    api.stop()  # the fresh cache answers without the API
    rc, out, err = cli(capsys, "toolkits", "categories", "--json")
    assert rc == 0, err
    assert len(json.loads(out)) == 30
