"""The Tool Router meta tools the demo MCP endpoint lists, and what calling them returns (plain dicts)."""

from __future__ import annotations

from tui.demo import sessions as s
from tui.demo.data import DemoCatalog, DemoTool, DemoToolkit
from tui.demo.shapes import input_schema
from tui.demo.state import SessionRecord, Store

_STR_LIST = {"type": "array", "items": {"type": "string"}}

SCHEMAS: dict[str, tuple[str, dict]] = {
    s.SEARCH: ("Search the session's toolkits for tools that fit one or more use cases.", {
        "type": "object",
        "properties": {
            "queries": {"type": "array", "description": "Use cases to find tools for.", "items": {
                "type": "object",
                "properties": {"use_case": {"type": "string", "description": "What the user wants to do."},
                               "known_fields": {"type": "string", "description": "Known inputs, e.g. 'repo: x'."}},
                "required": ["use_case"]}},
            "session": {"type": "object", "properties": {"id": {"type": "string"}, "generate_id": {"type": "boolean"}}},
        },
        "required": ["queries"],
    }),
    s.SCHEMAS: ("Get the input schemas of tools by slug.", {
        "type": "object", "properties": {"tool_slugs": {**_STR_LIST, "description": "Tool slugs."}},
        "required": ["tool_slugs"]}),
    s.MULTI_EXECUTE: ("Execute one or more tools in parallel.", {
        "type": "object",
        "properties": {
            "tools": {"type": "array", "items": {"type": "object", "properties": {
                "tool_slug": {"type": "string"}, "arguments": {"type": "object"}}, "required": ["tool_slug", "arguments"]}},
            "thought": {"type": "string"},
            "sync_response_to_workbench": {"type": "boolean"},
        },
        "required": ["tools"],
    }),
    s.MANAGE: ("Check the user's connections to toolkits and get links to connect missing ones.", {
        "type": "object",
        "properties": {"toolkits": {**_STR_LIST, "description": "Toolkit slugs."},
                       "reinitiate_all": {"type": "boolean", "description": "Start new links even if connected."}},
        "required": ["toolkits"]}),
    s.WORKBENCH: ("Run Python code in a remote sandbox.", {
        "type": "object", "properties": {"code_to_execute": {"type": "string"}, "thought": {"type": "string"}},
        "required": ["code_to_execute"]}),
    s.BASH: ("Run a bash command in the remote sandbox.", {
        "type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}),
}


def _session_tools(record: SessionRecord, catalog: DemoCatalog) -> list[tuple[DemoToolkit, DemoTool]]:
    return [(catalog.by_slug[slug], tool) for slug in record.toolkits if slug in catalog.by_slug
            for tool in catalog.by_slug[slug].tools]


def search(record: SessionRecord, catalog: DemoCatalog, args: dict) -> dict:
    queries = args.get("queries") or []
    if isinstance(args.get("query"), str):
        queries = [{"use_case": args["query"]}]
    candidates = _session_tools(record, catalog)
    results = []
    for q in queries:
        use_case = str(q.get("use_case", "")) if isinstance(q, dict) else str(q)
        words = [w for w in use_case.casefold().replace("_", " ").split() if len(w) >= 3] or [use_case.casefold()]
        scored = []
        for tk, tool in candidates:
            hay = f"{tool.slug} {tool.name} {tool.description} {tk.slug} {tk.name}".casefold().replace("_", " ")
            score = sum(1 for w in words if w in hay)
            if score:
                scored.append((-score, tk.rank, tool.slug, tk, tool))
        scored.sort(key=lambda x: x[:3])
        top = scored[:10]
        results.append({
            "use_case": use_case,
            "primary_tool_slugs": [t[4].slug for t in top[:3]],
            "toolkits": list(dict.fromkeys(t[3].slug for t in top)),
            "tools": [{"tool_slug": tool.slug, "toolkit": tk.slug, "description": tool.description}
                      for *_, tk, tool in top],
        })
    return {"successful": True, "data": {"results": results}, "error": None}


def tool_schemas(record: SessionRecord, catalog: DemoCatalog, args: dict) -> dict:
    wanted = [str(x).upper() for x in args.get("tool_slugs") or []]
    known = {tool.slug: tool for _, tool in _session_tools(record, catalog)}
    found = {slug: {"input_schema": input_schema(known[slug]), "description": known[slug].description}
             for slug in wanted if slug in known}
    return {"successful": True, "data": {"tool_schemas": found,
                                         "not_found": [x for x in wanted if x not in known]}, "error": None}


def manage_connections(record: SessionRecord, catalog: DemoCatalog, store: Store, args: dict, link_base: str) -> dict:
    out = {}
    for slug in [str(x).lower() for x in args.get("toolkits") or []]:
        tk = catalog.by_slug.get(slug)
        if tk is None or slug not in record.toolkits:
            out[slug] = {"status": "not_in_session"}
            continue
        if tk.no_auth:
            out[slug] = {"status": "no_auth"}
            continue
        account = store.latest_account(record.user_id, slug)
        if account and account.status == "ACTIVE" and not args.get("reinitiate_all"):
            out[slug] = {"status": "active", "connected_account_id": account.id}
            continue
        if account is None or account.status != "INITIATED":
            scheme, managed = s.link_scheme(tk)
            account = store.create_account(record.user_id, slug, scheme, managed, link_base)
        out[slug] = {"status": "initiated", "redirect_url": account.redirect_url, "connected_account_id": account.id}
    return {"successful": True, "data": {"results": out}, "error": None}


def not_available(name: str) -> dict:
    return {"successful": False, "data": {}, "error": f"{name} does not run in the composio-tui demo (no real execution)."}
