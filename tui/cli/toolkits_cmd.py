"""`toolkits list|search|info`: the live catalog (or the fresh on-disk cache), same search as the console."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from ..core import catalog as catalog_mod
from ..core.context import Context
from ..core.errors import BAD_REQUEST, ApiError
from ..core.models import Catalog, Toolkit
from ..core.validation import check_slugs
from .output import emit_list, emit_record, error, stdout_tty
from .run import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE

COLUMNS = [("slug", "SLUG"), ("name", "NAME"), ("categories", "CATEGORIES"), ("auth", "AUTH"),
           ("tools_count", "TOOLS"), ("description", "DESCRIPTION")]


def catalog_for(ctx: Context, refresh: bool = False) -> Catalog:
    """The catalog store's answer (cached while fresh, else fetched and cached), with the CLI's warning."""
    catalog = ctx.catalogs.get(refresh=refresh)
    if ctx.catalogs.last_cache_error:
        error(f"could not write the catalog cache ({ctx.catalogs.last_cache_error}); continuing without it.")
    return catalog


def row(tk: Toolkit) -> dict:
    data = asdict(tk)
    data.pop("logo", None)
    data.pop("usage_rank", None)
    data["auth"] = tk.auth_label
    return data


def _table_row(tk: Toolkit) -> dict:
    return {"slug": tk.slug, "name": tk.name, "categories": tk.category_names, "auth": tk.auth_label,
            "tools_count": tk.tools_count, "description": tk.description}


def _category(catalog: Catalog, wanted: str | None) -> str | None:
    if not wanted:
        return None
    for cat in catalog.categories:
        if wanted in (cat.id, cat.name) or wanted.casefold() in (cat.id.casefold(), cat.name.casefold()):
            return cat.id
    names = ", ".join(sorted(c.id for c in catalog.categories)) or "none"
    raise ApiError(BAD_REQUEST, f"No category {wanted!r}; categories: {names}")


def _emit(toolkits: list[Toolkit], args: argparse.Namespace, empty: str) -> int:
    if args.limit:
        toolkits = toolkits[: args.limit]
    if stdout_tty() and not args.json:
        emit_list([_table_row(t) for t in toolkits], COLUMNS, as_json=False, empty=empty,
                  shrink=("description", "categories"))
    else:
        emit_list([row(t) for t in toolkits], COLUMNS, as_json=args.json)
    return EXIT_OK


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    catalog = catalog_for(ctx, args.refresh)
    index = catalog_mod.CatalogIndex(catalog.toolkits)
    order = catalog_mod.ALPHA if args.sort == "alpha" else catalog_mod.USAGE
    found = index.search("", category=_category(catalog, args.category), order=order)
    return _emit(found, args, "No toolkits.")


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    if not catalog_mod.normalise_query(args.query):
        error("give some words to search for.")
        return EXIT_USAGE
    catalog = catalog_for(ctx, args.refresh)
    index = catalog_mod.CatalogIndex(catalog.toolkits)
    order = catalog_mod.ALPHA if args.sort == "alpha" else catalog_mod.USAGE
    found = index.search(args.query, category=_category(catalog, args.category), order=order)
    return _emit(found, args, f"No toolkit matches {args.query!r}.")


def cmd_info(ctx: Context, args: argparse.Namespace) -> int:
    catalog = catalog_for(ctx, args.refresh)
    index = catalog_mod.CatalogIndex(catalog.toolkits)
    toolkit = index.get(args.slug)
    if toolkit is None:
        problem = check_slugs([args.slug], index.slugs)
        error(problem[0] if problem else f"no toolkit {args.slug!r} in the catalog.")
        return EXIT_NOT_FOUND
    with ctx.reader() as reader:  # the same read path as the console's detail pane
        detail = reader.toolkit_detail(toolkit.slug)
        tools = reader.tools(toolkit.slug)
    record = row(toolkit) | {
        "managed_auth": detail.get("managed_auth", []),
        "versions": detail.get("versions", []),
        "app_url": detail.get("app_url") or toolkit.app_url,
        "tools": [{"slug": t.slug, "name": t.name, "description": t.description, "tags": list(t.tags)}
                  for t in tools],
    }
    if stdout_tty() and not args.json:
        fields = [("slug", "slug"), ("name", "name"), ("description", "description"), ("categories", "categories"),
                  ("auth", "auth"), ("managed_auth", "managed auth"), ("app_url", "app url"),
                  ("versions", "versions"), ("tools_count", "tools"), ("triggers_count", "triggers")]
        shown = record | {"categories": toolkit.category_names}
        emit_record(shown, as_json=False, fields=fields)
        if tools:
            print()
            emit_list(record["tools"], [("slug", "TOOL"), ("name", "NAME"), ("description", "DESCRIPTION")],
                      as_json=False, shrink=("description",))
    else:
        emit_record(record, as_json=args.json)
    return EXIT_OK
