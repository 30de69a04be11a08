"""The read-only catalog path (no SDK import) against the embedded API, contract-tested against the SDK.

It must map exactly what the gateway maps, read bodies that ``composio_client``'s models accept, keep
the SDK's origin rule for the key, and word its errors like the gateway.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from composio_client.types.toolkit_list_response import ToolkitListResponse
from composio_client.types.toolkit_retrieve_categories_response import ToolkitRetrieveCategoriesResponse

from tui.core import catalog_read
from tui.core.catalog_read import CatalogReader
from tui.core.errors import ApiError
from tui.core.gateway import Gateway
from tui.core.states import ErrorKind
from tui.demo import DEMO_API_KEY
from tui.demo.data import synthetic_catalog
from tui.demo.faults import Faults
from tui.demo.runner import DemoServer


@pytest.fixture(scope="module")
def server():
    with DemoServer(catalog=synthetic_catalog(450), max_page_size=200) as s:
        yield s


@pytest.fixture(autouse=True)
def no_faults(server):
    server.set_faults(Faults())
    yield
    server.set_faults(Faults())


def test_same_catalog_as_the_gateway(server):
    with CatalogReader(server.base_url, DEMO_API_KEY) as reader:
        read = reader.catalog(page_size=200)
    gw = Gateway(server.base_url, DEMO_API_KEY)
    try:
        via_sdk = gw.fetch_catalog(page_size=200)
    finally:
        gw.close()
    assert len(read.toolkits) == 450
    assert read.toolkits == via_sdk.toolkits  # every field, usage rank included
    assert read.categories == via_sdk.categories and read.categories


def test_bodies_it_reads_validate_against_the_client_models(server):
    headers = {"x-api-key": DEMO_API_KEY}
    page = httpx.get(server.base_url + catalog_read.TOOLKITS, params={"limit": 200, "sort_by": "usage"},
                     headers=headers).json()
    ToolkitListResponse.model_validate(page)
    cats = httpx.get(server.base_url + catalog_read.CATEGORIES, headers=headers).json()
    ToolkitRetrieveCategoriesResponse.model_validate(cats)
    assert catalog_read.toolkit_of(page["items"][0], 0).slug == page["items"][0]["slug"]


def test_progress_reports_pages_and_count(server):
    seen = []
    with CatalogReader(server.base_url, DEMO_API_KEY) as reader:
        reader.catalog(page_size=200, progress=lambda pages, count, total: seen.append((pages, count, total)))
    assert seen == [(1, 200, 450), (2, 400, 450), (3, 450, 450)]


@pytest.mark.parametrize("url", ["http://example.com", "http://10.0.0.1:8000", "http://[::ffff:127.0.0.1]:1"])
def test_plain_http_off_loopback_is_refused_before_any_request(url):
    with pytest.raises(ApiError) as info:
        CatalogReader(url, DEMO_API_KEY)
    assert info.value.kind == ErrorKind.CONFIG and "plain http" in str(info.value)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "api.localhost"])
def test_loopback_http_is_allowed(host):
    assert catalog_read.check_origin(f"http://{host}:9") == f"http://{host}:9"


def test_wrong_key_is_the_gateways_401(server):
    with pytest.raises(ApiError) as info, CatalogReader(server.base_url, "ak_wrong_000000000", max_retries=0) as r:
        r.verify_key()
    err = info.value
    assert err.kind == ErrorKind.AUTH and err.status == 401 and "composio-tui login" in str(err)
    assert "ak_wrong" not in str(err)


def test_server_error_is_retried_then_reported(server):
    server.set_faults(Faults(error_rate=1.0, error_status=503))
    with pytest.raises(ApiError) as info, CatalogReader(server.base_url, DEMO_API_KEY, max_retries=1) as r:
        r.verify_key()
    assert info.value.kind == ErrorKind.SERVER and "(503)" in str(info.value)


def test_the_read_path_never_imports_the_sdk(server):
    code = ("import sys; from tui.core.catalog_read import CatalogReader; "
            f"r = CatalogReader({server.base_url!r}, {DEMO_API_KEY!r}); n = len(r.catalog().toolkits); "
            "print(n, sorted(m for m in sys.modules if m.split('.')[0] in ('composio', 'composio_client')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 1)
    assert out[0] == "450" and out[1].strip() == "[]"


def test_tools_and_detail_match_the_gateway(server):
    """The detail pane and `toolkits info` read a toolkit's tools and detail without the SDK."""
    slug = server.catalog.toolkits[0].slug
    gw = Gateway(server.base_url, DEMO_API_KEY)
    try:
        with CatalogReader(server.base_url, DEMO_API_KEY) as reader:
            assert reader.tools(slug) == gw.tools(slug) and reader.tools(slug)
            assert reader.toolkit_detail(slug) == gw.toolkit_detail(slug)
    finally:
        gw.close()
