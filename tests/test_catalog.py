"""Local search, ranking, ordering and the disk cache."""

from __future__ import annotations

import json
import time

import pytest

from tui.core import catalog
from tui.core.catalog import ALPHA, CatalogIndex
from tui.core.models import Catalog, Category, Toolkit

DEV = Category("developer-tools", "Developer Tools")
COMMS = Category("communication", "Communication")


def tk(slug, name, desc="", cats=(DEV,), rank=0, **kw):
    return Toolkit(slug=slug, name=name, description=desc, categories=tuple(cats), usage_rank=rank, **kw)


@pytest.fixture
def index():
    return CatalogIndex([
        tk("gitlab", "GitLab", "Host git repositories and pipelines.", rank=2),
        tk("github", "GitHub", "Issues, pull requests and repositories.", rank=0),
        tk("gmail", "Gmail", "Send and read mail.", (COMMS,), rank=1),
        tk("digital_ocean", "DigitalOcean", "Cloud droplets; not git related.", rank=3),
        tk("slack", "Slack", "Team chat with a GitHub app.", (COMMS,), rank=4),
        tk("cafe_app", "Café Finder", "Find a café near you — naïve search, 日本 too.", (COMMS,), rank=5),
    ])


def slugs(items):
    return [t.slug for t in items]


def test_empty_query_lists_everything_in_usage_order(index):
    assert slugs(index.search("")) == ["github", "gmail", "gitlab", "digital_ocean", "slack", "cafe_app"]


def test_alpha_order_sorts_by_name(index):
    assert slugs(index.search("", order=ALPHA)) == ["cafe_app", "digital_ocean", "github", "gitlab", "gmail", "slack"]


def test_exact_slug_then_prefix_then_word_then_substring(index):
    # exact "github"; "slack" mentions GitHub as a word; nothing else contains it
    assert slugs(index.search("github")) == ["github", "slack"]
    # prefix (github, gitlab) before word start (digital_ocean says "git"; slack says "GitHub")
    # before a bare substring ("legit"), even though legit is the most used of all
    idx = CatalogIndex(list(index.search("")) + [tk("legit", "Legit Forms", "Forms.", rank=-1)])
    assert slugs(idx.search("git")) == ["github", "gitlab", "digital_ocean", "slack", "legit"]


def test_category_filter_and_search_combine(index):
    assert slugs(index.search("", category="communication")) == ["gmail", "slack", "cafe_app"]
    assert slugs(index.search("g", category="communication")) == ["gmail", "slack"]


@pytest.mark.parametrize("query", ["(", "[a-z]+", ".*", "\\", "a" * 500, "😀", "\x00", "   "])
def test_hostile_queries_do_not_raise(index, query):
    result = index.search(query)
    assert isinstance(result, list)
    if query.strip() == "":
        assert len(result) == 6


def test_unicode_and_case_insensitive(index):
    assert slugs(index.search("CAFÉ")) == ["cafe_app"]
    assert slugs(index.search("日本")) == ["cafe_app"]
    assert slugs(index.search("NAÏVE")) == ["cafe_app"]


def test_multi_word_query_needs_every_word(index):
    assert slugs(index.search("pull requests")) == ["github"]
    assert slugs(index.search("mail pipelines")) == []


def test_missing_optional_fields_are_fine():
    bare = Toolkit(slug="bare", name="Bare")
    idx = CatalogIndex([bare])
    assert slugs(idx.search("bare")) == ["bare"]
    assert bare.auth_label == "—" and bare.category_names == ""


def test_cache_round_trip_and_identity(tmp_path):
    cat = Catalog(toolkits=[tk("github", "GitHub", rank=0, auth_schemes=("OAUTH2",))],
                  categories=[DEV], fetched_at=123.0, base_url="http://127.0.0.1:1")
    path = catalog.save(cat, tmp_path)
    assert path.exists()
    back = catalog.load(tmp_path, "http://127.0.0.1:1")
    assert back is not None and back.toolkits == cat.toolkits and back.categories == [DEV]
    assert back.fetched_at == 123.0
    assert catalog.load(tmp_path, "http://127.0.0.1:2") is None  # another API, another cache


def test_corrupt_cache_is_ignored(tmp_path):
    path = catalog.cache_file(tmp_path, "x")
    path.write_text("{not json")
    assert catalog.load(tmp_path, "x") is None
    path.write_text(json.dumps({"version": 999, "base_url": "x"}))
    assert catalog.load(tmp_path, "x") is None


def test_age_text():
    now = time.time()
    assert catalog.age_text(0) == "not loaded yet"
    assert catalog.age_text(now - 5, now) == "updated just now"
    assert catalog.age_text(now - 300, now) == "updated 5 min ago"
    assert catalog.age_text(now - 7300, now) == "updated 2 h ago"
    assert catalog.age_text(now - 3 * 86400, now) == "updated 3 d ago"
