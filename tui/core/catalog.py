"""The toolkit catalog: local search and ranking, and the on-disk cache.

Ranking tiers: exact slug (or name), then prefix, then word start, then substring. Inside a tier the
order is the catalog order chosen by the user (usage or A–Z). No sort happens per keystroke: the
candidates are walked once in the chosen order and dropped into four buckets.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from .models import Catalog, Category, Toolkit

CACHE_VERSION = 1
MAX_QUERY = 200
_SPLIT = re.compile(r"[\s_\-./,:;()]+")

USAGE = "usage"
ALPHA = "alpha"


class _Entry:
    __slots__ = ("toolkit", "slug", "name", "words", "hay", "cats")

    def __init__(self, tk: Toolkit) -> None:
        self.toolkit = tk
        self.slug = tk.slug.casefold()
        self.name = tk.name.casefold()
        cats = " ".join(c.name for c in tk.categories).casefold()
        text = f"{self.slug} {self.name} {cats} {tk.description.casefold()}"
        # " word1 word2 ..." so that `" " + q in words` is a word-start test in C.
        self.words = " " + " ".join(w for w in _SPLIT.split(text) if w)
        self.hay = text
        self.cats = frozenset(c.id for c in tk.categories)


def normalise_query(text: str) -> str:
    return " ".join(text.casefold().split())[:MAX_QUERY]


class CatalogIndex:
    """Precomputed search over a list of toolkits (kept in usage order)."""

    def __init__(self, toolkits: list[Toolkit]) -> None:
        self._usage = [_Entry(t) for t in sorted(toolkits, key=lambda t: t.usage_rank)]
        self._alpha = sorted(self._usage, key=lambda e: (e.name, e.slug))
        self.slugs = frozenset(t.slug for t in toolkits)
        self._by_slug = {t.slug: t for t in toolkits}

    def __len__(self) -> int:
        return len(self._usage)

    def get(self, slug: str) -> Toolkit | None:
        return self._by_slug.get(slug)

    def search(self, query: str = "", *, category: str | None = None, order: str = USAGE) -> list[Toolkit]:
        entries = self._alpha if order == ALPHA else self._usage
        if category:
            entries = [e for e in entries if category in e.cats]
        q = normalise_query(query)
        if not q:
            return [e.toolkit for e in entries]
        terms = q.split(" ")
        buckets: tuple[list[Toolkit], ...] = ([], [], [], [])
        if len(terms) == 1:
            wq = " " + q
            for e in entries:
                if q not in e.hay:
                    continue
                if e.slug == q or e.name == q:
                    buckets[0].append(e.toolkit)
                elif e.slug.startswith(q) or e.name.startswith(q):
                    buckets[1].append(e.toolkit)
                elif wq in e.words:
                    buckets[2].append(e.toolkit)
                else:
                    buckets[3].append(e.toolkit)
        else:
            for e in entries:
                if q in e.hay or all(t in e.hay for t in terms):
                    buckets[_tier(e, q, terms)].append(e.toolkit)
        return buckets[0] + buckets[1] + buckets[2] + buckets[3]


def _tier(e: _Entry, q: str, terms: list[str]) -> int:
    if e.name == q or e.slug == q.replace(" ", "_"):
        return 0
    if e.name.startswith(q):
        return 1
    if all(" " + t in e.words for t in terms):
        return 2
    return 3


# --- disk cache ---------------------------------------------------------------------------


def cache_file(cache_dir: Path, base_url: str) -> Path:
    digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:16]
    return cache_dir / f"catalog-{digest}.json"


def save(catalog: Catalog, cache_dir: Path) -> Path:
    """Write atomically; the file holds the catalog and its origin, never a key."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_file(cache_dir, catalog.base_url)
    body = {
        "version": CACHE_VERSION,
        "base_url": catalog.base_url,
        "fetched_at": catalog.fetched_at,
        "categories": [asdict(c) for c in catalog.categories],
        "toolkits": [asdict(t) for t in catalog.toolkits],
    }
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".catalog-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")))  # dumps: the C encoder
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(cache_dir: Path, base_url: str) -> Catalog | None:
    """The cached catalog for this base URL, or None when absent, stale-format or unreadable."""
    path = cache_file(cache_dir, base_url)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.get("version") != CACHE_VERSION or body.get("base_url") != base_url.rstrip("/"):
            return None
        toolkits = [_toolkit_from(d) for d in body["toolkits"]]
        categories = [Category(**c) for c in body.get("categories", [])]
        return Catalog(toolkits=toolkits, categories=categories, fetched_at=float(body["fetched_at"]),
                       base_url=body["base_url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _toolkit_from(d: dict) -> Toolkit:
    d = dict(d)
    d["categories"] = tuple(Category(**c) for c in d.get("categories", ()))
    for key in ("auth_schemes", "managed_auth_schemes"):
        d[key] = tuple(d.get(key, ()))
    return Toolkit(**d)


def age_text(fetched_at: float, now: float | None = None) -> str:
    """'updated just now' / 'updated 5 min ago' / 'updated 3 h ago' / 'updated 2 d ago'."""
    if not fetched_at:
        return "not loaded yet"
    secs = max(0, int((now or time.time()) - fetched_at))
    if secs < 60:
        return "updated just now"
    if secs < 3600:
        return f"updated {secs // 60} min ago"
    if secs < 86400:
        return f"updated {secs // 3600} h ago"
    return f"updated {secs // 86400} d ago"
