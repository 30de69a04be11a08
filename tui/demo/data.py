"""The demo catalog: load the bundled ``toolkits.json`` or synthesize a catalog of any size.

File shape (order of ``toolkits`` = usage order, most used first)::

    {"categories": [{"id": "developer-tools", "name": "Developer Tools"}],
     "toolkits": [{"slug": "github", "name": "GitHub", "description": "...",
                   "categories": ["developer-tools"], "auth_schemes": ["OAUTH2"],
                   "composio_managed_auth_schemes": ["OAUTH2"], "no_auth": false,
                   "app_url": "https://github.com", "triggers_count": 4,
                   "tools": [{"slug": "GITHUB_CREATE_AN_ISSUE", "name": "...", "description": "...",
                              "tags": ["createHint"], "params": {"owner": "string"}, "required": ["owner"]}]}]}
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PATH = Path(__file__).parent / "data" / "toolkits.json"


@dataclass(frozen=True, slots=True)
class DemoTool:
    slug: str
    name: str
    description: str = ""
    tags: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    required: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoToolkit:
    slug: str
    name: str
    description: str = ""
    categories: tuple[str, ...] = ()
    auth_schemes: tuple[str, ...] = ()
    managed_schemes: tuple[str, ...] = ()
    no_auth: bool = False
    app_url: str | None = None
    triggers_count: int = 0
    tools: tuple[DemoTool, ...] = ()
    rank: int = 0


@dataclass(slots=True)
class DemoCatalog:
    """Toolkits in usage order plus the category table (id -> name, in file order)."""

    toolkits: list[DemoToolkit] = field(default_factory=list)
    categories: dict[str, str] = field(default_factory=dict)
    by_slug: dict[str, DemoToolkit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_slug = {tk.slug: tk for tk in self.toolkits}

    def category_name(self, cat_id: str) -> str:
        return self.categories.get(cat_id, cat_id.replace("-", " ").title())


def _tool(raw: dict) -> DemoTool:
    params = raw.get("params") or {}
    return DemoTool(
        slug=str(raw["slug"]),
        name=str(raw.get("name") or raw["slug"]),
        description=str(raw.get("description") or ""),
        tags=tuple(raw.get("tags") or ()),
        params=tuple((str(k), str(v)) for k, v in params.items()),
        required=tuple(raw.get("required") or ()),
    )


def catalog_from_dict(raw: dict) -> DemoCatalog:
    """Build a catalog from the parsed JSON document."""
    categories = {str(c["id"]): str(c.get("name") or c["id"]) for c in raw.get("categories", [])}
    toolkits = []
    for rank, tk in enumerate(raw.get("toolkits", [])):
        toolkits.append(
            DemoToolkit(
                slug=str(tk["slug"]),
                name=str(tk.get("name") or tk["slug"]),
                description=str(tk.get("description") or ""),
                categories=tuple(tk.get("categories") or ()),
                auth_schemes=tuple(tk.get("auth_schemes") or ()),
                managed_schemes=tuple(tk.get("composio_managed_auth_schemes") or ()),
                no_auth=bool(tk.get("no_auth", False)),
                app_url=tk.get("app_url") or None,
                triggers_count=int(tk.get("triggers_count") or 0),
                tools=tuple(_tool(t) for t in tk.get("tools") or ()),
                rank=rank,
            )
        )
    for tk in toolkits:  # categories used but not declared still get a row
        for cat in tk.categories:
            categories.setdefault(cat, cat.replace("-", " ").title())
    return DemoCatalog(toolkits=toolkits, categories=categories)


def load_catalog(path: str | Path | None = None) -> DemoCatalog:
    """Load a catalog file; with no path, the bundled one (a small synthetic catalog if it is absent)."""
    if path is None:
        if not DEFAULT_PATH.exists():
            return synthetic_catalog(60)
        path = DEFAULT_PATH
    with open(path, encoding="utf-8") as fh:
        return catalog_from_dict(json.load(fh))


_CATEGORIES = [
    ("developer-tools", "Developer Tools"),
    ("productivity", "Productivity"),
    ("communication", "Communication"),
    ("crm", "CRM"),
    ("marketing", "Marketing"),
    ("finance", "Finance"),
    ("ai", "Artificial Intelligence"),
    ("storage", "File Storage"),
]
_WORDS = ["acme", "nova", "pixel", "cloud", "orbit", "delta", "lumen", "zen", "flux", "quill", "harbor", "vertex"]
_VERBS = [("LIST", "List", "readOnlyHint"), ("GET", "Get", "readOnlyHint"), ("CREATE", "Create", "createHint"),
          ("UPDATE", "Update", "updateHint"), ("DELETE", "Delete", "destructiveHint")]
_NOUNS = ["ITEM", "RECORD", "PROJECT", "MESSAGE", "FILE"]


def synthetic_catalog(count: int = 1234, tools_per_toolkit: int = 3, seed: int = 0) -> DemoCatalog:
    """A deterministic catalog of ``count`` toolkits (slugs ``<word><n>``), for tests and fallbacks."""
    rng = random.Random(seed)
    toolkits = []
    for i in range(count):
        word = _WORDS[i % len(_WORDS)]
        slug = f"{word}{i:04d}"
        name = f"{word.title()} {i:04d}"
        cats = tuple(sorted({_CATEGORIES[i % len(_CATEGORIES)][0], rng.choice(_CATEGORIES)[0]}))
        no_auth = i % 11 == 5
        schemes = () if no_auth else (("OAUTH2", "API_KEY") if i % 3 == 0 else ("API_KEY",) if i % 3 == 1 else ("OAUTH2",))
        managed = tuple(s for s in schemes if s == "OAUTH2")
        tools = []
        for j in range(tools_per_toolkit):
            verb, verb_title, tag = _VERBS[j % len(_VERBS)]
            noun = _NOUNS[(i + j) % len(_NOUNS)]
            tools.append(
                DemoTool(
                    slug=f"{slug.upper()}_{verb}_{noun}",
                    name=f"{verb_title} {noun.lower()}",
                    description=f"{verb_title} a {noun.lower()} in {name}.",
                    tags=(tag,),
                    params=(("id", "string"), ("limit", "integer")),
                    required=("id",) if verb != "LIST" else (),
                )
            )
        toolkits.append(
            DemoToolkit(
                slug=slug,
                name=name,
                description=f"{name} is a synthetic {word} service for testing.",
                categories=cats,
                auth_schemes=schemes,
                managed_schemes=managed,
                no_auth=no_auth,
                app_url=f"https://{slug}.example.com" if i % 4 else None,
                triggers_count=i % 5,
                tools=tuple(tools),
                rank=i,
            )
        )
    return DemoCatalog(toolkits=toolkits, categories=dict(_CATEGORIES))
