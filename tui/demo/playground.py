"""The playground endpoints of the demo API: session ``search``, ``tools``, ``execute``, ``execute_meta``
and ``GET /tools/{slug}``.

Rules: answers are deterministic and come from the bundled catalog only (search ranks the session's
tools against the query words; a few well-known tasks have a cached plan); ``tools`` and ``execute``
honour the session's policy (toolkits, per-toolkit tool lists and tags, global tags); ``execute``
returns canned, schema-shaped data and never does anything else. Bodies are checked strictly like
production: a bad body is a 400 with a generic message and the reasons in ``errors``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.demo import logs as activity_logs
from tui.demo import meta_tools
from tui.demo import sessions as s
from tui.demo.data import DemoCatalog, DemoTool, DemoToolkit
from tui.demo.shapes import ApiFailure, error_body, paginate, parse_limit, tool_item
from tui.demo.state import SessionRecord, Store

API = "/api/v3.1"
GENERIC = "Validation error while processing request"
MAX_QUERIES = 7
MAX_USE_CASE = 1024
META_SLUGS = ("COMPOSIO_SEARCH_TOOLS", "COMPOSIO_MULTI_EXECUTE_TOOL", "COMPOSIO_MANAGE_CONNECTIONS",
              "COMPOSIO_WAIT_FOR_CONNECTIONS", "COMPOSIO_REMOTE_WORKBENCH", "COMPOSIO_REMOTE_BASH_TOOL",
              "COMPOSIO_GET_TOOL_SCHEMAS")


class BadBody(Exception):
    """A request body that breaks the endpoint's contract; ``errors`` lists every reason."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- schemas derived from the catalog's params ----------------------------------------------------

ENUMS: dict[str, list[str]] = {
    "state": ["open", "closed", "all"],
    "order": ["asc", "desc"],
    "units": ["standard", "metric", "imperial"],
    "format": ["minimal", "full", "raw", "metadata"],
    "importance": ["low", "normal", "high"],
    "when": ["d", "w", "m", "y"],
}
NESTED: dict[str, dict] = {
    "attachment": {"properties": {"name": {"type": "string", "description": "File name shown to the recipient."},
                                  "mimetype": {"type": "string", "description": "MIME type, e.g. application/pdf."},
                                  "s3key": {"type": "string", "description": "Key of the uploaded file."}},
                   "required": ["name", "s3key"]},
    "attendee": {"properties": {"name": {"type": "string", "description": "Attendee's name."},
                                "email": {"type": "string", "description": "Attendee's email address."},
                                "timeZone": {"type": "string", "description": "IANA time zone."}},
                 "required": ["email"]},
    "sender": {"properties": {"name": {"type": "string", "description": "Sender's name."},
                              "email": {"type": "string", "description": "Sender's email address."}},
               "required": ["email"]},
}
_TYPES = {"string", "integer", "number", "boolean", "array", "object"}


def _words(name: str) -> str:
    return name.replace("_", " ")


def input_schema(tool: DemoTool) -> dict:
    """The tool's input JSON schema: each param typed, enums and nested objects for well-known names."""
    props: dict[str, dict] = {}
    for name, kind in tool.params:
        kind = kind if kind in _TYPES else "string"
        prop: dict = {"type": kind, "title": _words(name).title(), "description": f"The {_words(name)}."}
        if kind == "string" and name in ENUMS:
            prop["enum"] = list(ENUMS[name])
            prop["description"] = f"The {_words(name)}: one of {', '.join(ENUMS[name])}."
        if kind == "array":
            prop["items"] = {"type": "string"}
        if kind == "object" and name in NESTED:
            prop.update({"properties": NESTED[name]["properties"], "required": list(NESTED[name]["required"])})
        props[name] = prop
    return {"type": "object", "title": f"{tool.slug}Request", "properties": props, "required": list(tool.required),
            "additionalProperties": False}


_LIST_VERBS = ("LIST", "FETCH", "SEARCH", "FIND", "QUERY")
_ITEM = {"type": "object", "properties": {"id": {"type": "string", "description": "Identifier."},
                                          "name": {"type": "string", "description": "Display name or title."}},
         "required": ["id", "name"]}


def _verb(tool: DemoTool) -> str:
    parts = tool.slug.split("_")
    for part in parts[1:]:
        if part in _LIST_VERBS or part in ("GET", "CREATE", "SEND", "UPDATE", "DELETE", "STAR", "ADD"):
            return part
    return parts[1] if len(parts) > 1 else "RUN"


def data_schema(tool: DemoTool) -> dict:
    verb = _verb(tool)
    if verb in _LIST_VERBS:
        return {"type": "object", "description": "The matching items.",
                "properties": {"items": {"type": "array", "items": _ITEM, "description": "Matching items."},
                               "count": {"type": "integer", "description": "How many items matched."}},
                "required": ["items", "count"]}
    if verb == "GET":
        return {"type": "object", "description": "The requested item.",
                "properties": {"id": {"type": "string", "description": "Identifier."},
                               "name": {"type": "string", "description": "Display name."},
                               "url": {"type": "string", "description": "Where to see it."}},
                "required": ["id", "name"]}
    return {"type": "object", "description": "What the tool did.",
            "properties": {"id": {"type": "string", "description": "Identifier of the affected item."},
                           "status": {"type": "string", "description": "What happened.",
                                      "enum": ["created", "sent", "updated", "deleted", "done"]},
                           "url": {"type": "string", "description": "Where to see it."}},
            "required": ["id", "status"]}


def output_schema(tool: DemoTool) -> dict:
    return {"type": "object", "title": f"{tool.slug}Response",
            "properties": {"data": data_schema(tool),
                           "error": {"type": ["string", "null"], "description": "Error, if any."},
                           "successful": {"type": "boolean", "description": "Whether the call worked."}},
            "required": ["data", "successful"]}


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:10]


def canned(tk: DemoToolkit, tool: DemoTool, arguments: dict) -> dict:
    """The tool's ``data``: shaped by its output schema, derived from the arguments, always the same."""
    verb = _verb(tool)
    key = _digest(tool.slug, json.dumps(arguments, sort_keys=True, default=str))
    url = f"https://{tk.slug}.example.com/demo/{key}"
    if verb in _LIST_VERBS:
        items = [{"id": f"{tk.slug}_{key}_{i}", "name": f"Demo {_words(tool.name).lower()} result {i}"}
                 for i in range(1, 4)]
        return {"items": items, "count": len(items)}
    if verb == "GET":
        return {"id": f"{tk.slug}_{key}", "name": f"Demo {tk.name} item", "url": url}
    status = {"CREATE": "created", "SEND": "sent", "UPDATE": "updated", "DELETE": "deleted"}.get(verb, "done")
    return {"id": f"{tk.slug}_{key}", "status": status, "url": url}


# --- a small validator (the demo checks arguments on its own, independent of the client) ----------

def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "unknown")


def argument_errors(schema: dict, value: object, path: str = "") -> list[str]:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    actual = _kind(value)
    if kinds and actual not in kinds and not (actual == "integer" and "number" in kinds):
        return [f"{path or 'arguments'}: expected {'/'.join(kinds)}, got {actual}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: must be one of {', '.join(map(str, schema['enum']))}"]
    out: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        out += [f"{path + '.' if path else ''}{name}: required" for name in schema.get("required") or []
                if name not in value]
        for name, sub in value.items():
            where = f"{path}.{name}" if path else name
            if name in props:
                if sub is not None:
                    out += argument_errors(props[name], sub, where)
            elif schema.get("additionalProperties") is False:
                out.append(f"{where}: not a parameter of this tool")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out += argument_errors(schema["items"], item, f"{path}[{i}]")
    return out


# --- the session's policy ------------------------------------------------------------------------

def _listed(value: object, key: str) -> list[str] | None:
    if isinstance(value, dict) and isinstance(value.get(key), list):
        return [str(x) for x in value[key]]
    return None


def allowed(record: SessionRecord, tk: DemoToolkit, tool: DemoTool) -> bool:
    """Whether the session's policy exposes ``tool``: toolkits, per-toolkit tools or tags, global tags."""
    if tk.slug not in record.toolkits:
        return False
    config = record.config or {}
    per = (config.get("tools") or {}).get(tk.slug)
    if isinstance(per, list):
        per = {"enabled": per}
    if isinstance(per, dict):
        enabled, disabled = _listed(per, "enabled"), _listed(per, "disabled")
        if enabled is not None and tool.slug not in enabled:
            return False
        if disabled is not None and tool.slug in disabled:
            return False
        tags = per.get("tags")
        if isinstance(tags, list) and not set(tags) & set(tool.tags):
            return False
        if isinstance(tags, dict):
            want, drop = _listed(tags, "enabled") or _listed(tags, "enable"), _listed(tags, "disabled") or _listed(tags, "disable")
            if want is not None and not set(want) & set(tool.tags):
                return False
            if drop is not None and set(drop) & set(tool.tags):
                return False
        if enabled is not None:
            return True  # an explicit tool list wins over global tags
    tags = config.get("tags")
    if isinstance(tags, dict):
        want, drop = _listed(tags, "enabled"), _listed(tags, "disabled")
        if want and not set(want) & set(tool.tags):
            return False
        if drop and set(drop) & set(tool.tags):
            return False
    return True


def session_tools(record: SessionRecord, catalog: DemoCatalog) -> list[tuple[DemoToolkit, DemoTool]]:
    return [(catalog.by_slug[slug], tool) for slug in record.toolkits if slug in catalog.by_slug
            for tool in catalog.by_slug[slug].tools if allowed(record, catalog.by_slug[slug], tool)]


def find_tool(catalog: DemoCatalog, slug: str) -> tuple[DemoToolkit, DemoTool] | None:
    wanted = slug.strip().upper()
    for tk in catalog.toolkits:
        for tool in tk.tools:
            if tool.slug == wanted:
                return tk, tool
    return None


# --- search ---------------------------------------------------------------------------------------

STOP = {"the", "and", "for", "with", "that", "this", "from", "into", "our", "all", "any", "tell", "then", "about",
        "please", "them", "their", "what", "who", "new", "get", "make", "let", "know", "team"}
SYNONYMS = {"tell": ["send", "message"], "notify": ["send", "message"], "post": ["send", "message"],
            "team": ["slack", "channel"], "mail": ["email"], "emails": ["email"], "inbox": ["email", "fetch"],
            "meeting": ["event", "calendar"], "schedule": ["event", "schedule"], "bug": ["issue"],
            "ticket": ["issue"], "repo": ["repository"], "repos": ["repository"], "pr": ["pull", "request"],
            "weather": ["weather", "forecast"], "news": ["news", "search"]}


def _terms(text: str) -> list[str]:
    words = [w.strip(".,;:!?\"'()").casefold() for w in text.replace("_", " ").replace("-", " ").split()]
    out: list[str] = []
    for w in words:
        if len(w) < 3 and w not in ("pr",):
            continue
        out += SYNONYMS.get(w, [])
        if w not in STOP:
            out.append(w[:-1] if w.endswith("s") and len(w) > 4 else w)
    return list(dict.fromkeys(out))


def _score(tk: DemoToolkit, tool: DemoTool, terms: list[str]) -> int:
    name = f"{tool.slug} {tool.name}".casefold().replace("_", " ")
    body = f"{tool.description}".casefold()
    kit = f"{tk.slug} {tk.name}".casefold()
    return sum(3 * (t in name) + (t in body) + 2 * (t in kit) for t in terms)


PLANS: list[dict] = [
    {"id": "plan_star_and_notify", "needs": [{"star"}, {"repo", "repository"}],
     "tools": ["GITHUB_STAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER", "SLACK_SEND_MESSAGE"],
     "related": ["GITHUB_GET_A_REPOSITORY", "SLACK_LIST_ALL_CHANNELS"],
     "use_case": "star a GitHub repository and announce it in a Slack channel",
     "steps": ["Confirm the repository with GITHUB_GET_A_REPOSITORY (owner and repo from the user's words).",
               "Star it with GITHUB_STAR_A_REPOSITORY_FOR_THE_AUTHENTICATED_USER.",
               "Find the team's channel with SLACK_LIST_ALL_CHANNELS if only its name is known.",
               "Post the news with SLACK_SEND_MESSAGE (channel id, text with the repository link)."],
     "pitfalls": ["Starring is idempotent: a repository already starred still returns success.",
                  "SLACK_SEND_MESSAGE needs the channel id (C…), not the #name; the bot must be in the channel."]},
    {"id": "plan_issue_from_report", "needs": [{"issue", "bug"}],
     "tools": ["GITHUB_CREATE_AN_ISSUE"], "related": ["GITHUB_LIST_REPOSITORY_ISSUES", "GITHUB_CREATE_AN_ISSUE_COMMENT"],
     "use_case": "open a GitHub issue for a reported problem",
     "steps": ["Search open issues with GITHUB_LIST_REPOSITORY_ISSUES (state=open) to avoid a duplicate.",
               "Open the issue with GITHUB_CREATE_AN_ISSUE (owner, repo, title; body with the steps to reproduce)."],
     "pitfalls": ["Labels must already exist in the repository, or the call fails.",
                  "Owner is the account or organisation, not the full URL."]},
    {"id": "plan_send_email", "needs": [{"email", "mail"}, {"send", "write", "reply"}],
     "tools": ["GMAIL_SEND_EMAIL"], "related": ["GMAIL_CREATE_EMAIL_DRAFT", "GMAIL_FETCH_EMAILS"],
     "use_case": "send an email from the user's Gmail",
     "steps": ["Draft the text; for a reply, find the thread with GMAIL_FETCH_EMAILS.",
               "Send it with GMAIL_SEND_EMAIL (recipient_email, subject, body)."],
     "pitfalls": ["recipient_email must be a single valid address; use cc for more.",
                  "Set is_html only when the body is HTML."]},
    {"id": "plan_schedule_meeting", "needs": [{"meeting", "event", "calendar"}],
     "tools": ["GOOGLECALENDAR_FIND_FREE_SLOTS", "GOOGLECALENDAR_CREATE_EVENT"], "related": ["GOOGLECALENDAR_FIND_EVENT"],
     "use_case": "schedule a meeting in Google Calendar",
     "steps": ["Find a free slot with GOOGLECALENDAR_FIND_FREE_SLOTS (time_min, time_max).",
               "Create the event with GOOGLECALENDAR_CREATE_EVENT (summary, start_datetime, attendees)."],
     "pitfalls": ["Datetimes need a time zone offset (RFC 3339)."]},
]


def _plan(terms: list[str], exposed: dict[str, tuple[DemoToolkit, DemoTool]]) -> dict | None:
    have = set(terms)
    for plan in PLANS:
        if all(need & have for need in plan["needs"]) and any(t in exposed for t in plan["tools"]):
            return plan
    return None


def search_one(index: int, use_case: str, exposed: dict[str, tuple[DemoToolkit, DemoTool]]) -> dict:
    terms = _terms(use_case)
    scores = {slug: _score(tk, tool, terms) for slug, (tk, tool) in exposed.items()}
    ranked = sorted((sl for sl, sc in scores.items() if sc > 0), key=lambda sl: (-scores[sl], exposed[sl][0].rank, sl))
    top = scores[ranked[0]] if ranked else 0
    strong = [sl for sl in ranked if scores[sl] >= max(2, top // 2)]
    result: dict = {"index": index, "use_case": use_case, "difficulty": None, "execution_guidance": None,
                    "known_pitfalls": None, "recommended_plan_steps": None, "plan_id": None,
                    "reference_workbench_snippets": None, "error": None}
    plan = _plan(terms, exposed)
    if plan:
        primary = [t for t in plan["tools"] if t in exposed]
        related = [t for t in plan["related"] if t in exposed and t not in primary]
        related += [t for t in strong if t not in primary and t not in related][: max(0, 4 - len(related))]
        result.update(plan_id=plan["id"], recommended_plan_steps=list(plan["steps"]),
                      known_pitfalls=list(plan["pitfalls"]), cached_plan_usecase=plan["use_case"],
                      execution_guidance="A cached plan matches this task: follow its steps in order.")
    else:
        primary = [t for t in ranked if scores[t] >= max(1, top - 1)][:3]
        related = [t for t in strong if t not in primary][:4]
        result["memory"] = {}
    toolkits = list(dict.fromkeys(exposed[t][0].slug for t in primary + related))
    if primary:
        n = len({exposed[t][0].slug for t in primary})
        result["difficulty"] = ("easy - Simple single-toolkit operation" if n == 1
                                else f"medium - Spans {n} toolkits; run the steps in order")
    else:
        result["execution_guidance"] = ("No tool in this session matches the task; widen the session's toolkits "
                                        "or describe the task differently.")
    result.update(primary_tool_slugs=primary, related_tool_slugs=related, toolkits=toolkits)
    return result


def _status(record: SessionRecord, store: Store, tk: DemoToolkit) -> dict:
    account = store.latest_account(record.user_id, tk.slug)
    active = tk.no_auth or (account is not None and account.status == "ACTIVE")
    body: dict = {"toolkit": tk.slug, "description": tk.description, "has_active_connection": active}
    if tk.no_auth:
        body["status_message"] = f"{tk.name} needs no connection."
    elif active:
        body["status_message"] = f"Connected ({account.id})."
        body["connection_details"] = {"auth_config_id": account.auth_config_id, "connected_account_id": account.id}
        body["account_type"] = "PRIVATE"
    else:
        body["status_message"] = (f"No active connection for {tk.slug}. Call COMPOSIO_MANAGE_CONNECTIONS or create "
                                  "a Connect link, then retry.")
    return body


def _check_search(body: object) -> list[str]:
    if not isinstance(body, dict):
        raise BadBody(["body: must be a JSON object"])
    errors = [f"{k}: unknown field" for k in body if k not in ("queries", "model", "search_strategy", "experimental")]
    queries = body.get("queries")
    if not isinstance(queries, list) or not queries:
        errors.append("queries: must be a list of 1 to 7 queries")
        raise BadBody(errors)
    if len(queries) > MAX_QUERIES:
        errors.append(f"queries: at most {MAX_QUERIES} queries, got {len(queries)}")
    use_cases = []
    for i, q in enumerate(queries):
        if not isinstance(q, dict):
            errors.append(f"queries[{i}]: must be an object with use_case")
            continue
        errors += [f"queries[{i}].{k}: unknown field" for k in q if k not in ("use_case", "known_fields")]
        use_case = q.get("use_case")
        if not isinstance(use_case, str) or not use_case.strip():
            errors.append(f"queries[{i}].use_case: must be a non-empty string")
        elif len(use_case) > MAX_USE_CASE:
            errors.append(f"queries[{i}].use_case: at most {MAX_USE_CASE} characters, got {len(use_case)}")
        if "known_fields" in q and (not isinstance(q["known_fields"], str) or len(q["known_fields"]) > 500):
            errors.append(f"queries[{i}].known_fields: must be a string of at most 500 characters")
        use_cases.append(use_case if isinstance(use_case, str) else "")
    if "search_strategy" in body and body["search_strategy"] not in ("auto", "tool_search"):
        errors.append("search_strategy: must be 'auto' or 'tool_search'")
    if "model" in body and not isinstance(body["model"], str):
        errors.append("model: must be a string")
    if errors:
        raise BadBody(errors)
    return use_cases


def search(record: SessionRecord, catalog: DemoCatalog, store: Store, body: object) -> dict:
    use_cases = _check_search(body)
    exposed = {tool.slug: (tk, tool) for tk, tool in session_tools(record, catalog)}
    results = [search_one(i, uc.strip(), exposed) for i, uc in enumerate(use_cases, 1)]
    schemas: dict[str, dict] = {}
    for r in results:
        for slug in r["primary_tool_slugs"] + r["related_tool_slugs"]:
            tk, tool = exposed[slug]
            entry = {"tool_slug": slug, "toolkit": tk.slug, "description": tool.description}
            if slug in r["primary_tool_slugs"]:
                entry.update(hasFullSchema=True, input_schema=input_schema(tool))
            elif slug not in schemas:
                entry.update(hasFullSchema=False, schemaRef={
                    "tool": "COMPOSIO_GET_TOOL_SCHEMAS", "args": {"tool_slugs": [slug]},
                    "message": f"Call COMPOSIO_GET_TOOL_SCHEMAS for the full schema of {slug}."})
            if slug not in schemas or entry.get("hasFullSchema"):
                schemas[slug] = entry
    kits = list(dict.fromkeys(tk for r in results for tk in r["toolkits"]))
    statuses = [_status(record, store, catalog.by_slug[tk]) for tk in kits]
    steps = [f"Connect {st['toolkit']} first: {st['status_message']}" for st in statuses
             if not st["has_active_connection"]]
    steps.append("Fetch full schemas with COMPOSIO_GET_TOOL_SCHEMAS where hasFullSchema is false.")
    steps.append("Run the primary tools with COMPOSIO_MULTI_EXECUTE_TOOL, following the plan when one is given.")
    now = datetime.now(timezone.utc)
    return {
        "success": True, "error": None, "results": results, "tool_schemas": schemas,
        "toolkit_connection_statuses": statuses, "next_steps_guidance": steps,
        "session": {"id": "srch_" + _digest(record.session_id), "generate_id": False,
                    "instructions": "Pass this id as session_id to the next meta tool calls of this task."},
        "time_info": {"current_time_utc": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "current_time_utc_epoch_seconds": round(now.timestamp(), 3),
                      "message": "Times are UTC; convert to the user's time zone when showing them."},
    }


# --- tools and tool detail -------------------------------------------------------------------------

def tool_body(tk: DemoToolkit, tool: DemoTool) -> dict:
    """``ToolRetrieveResponse`` / ``SessionToolsResponse.Item`` for a catalog tool."""
    return tool_item(tk, tool) | {"input_parameters": input_schema(tool), "output_parameters": output_schema(tool)}


def meta_tool_body(slug: str) -> dict:
    description, params = meta_tools.SCHEMAS.get(slug, ("A Composio meta tool.", {"type": "object", "properties": {}}))
    fake = DemoTool(slug=slug, name=slug.replace("COMPOSIO_", "").replace("_", " ").title(), description=description)
    kit = DemoToolkit(slug="composio", name="Composio", no_auth=True)
    return tool_item(kit, fake) | {"input_parameters": params, "output_parameters": output_schema(fake)}


# --- execute ---------------------------------------------------------------------------------------

EXECUTE_KEYS = ("tool_slug", "arguments", "account", "enable_auto_workbench_offload", "input_responses",
                "request_state", "experimental")
META_KEYS = ("slug", "arguments", "input_responses", "request_state", "experimental")


def _check_execute(body: object, keys: tuple[str, ...], slug_key: str) -> tuple[str, dict]:
    if not isinstance(body, dict):
        raise BadBody(["body: must be a JSON object"])
    errors = [f"{k}: unknown field" for k in body if k not in keys]
    slug = body.get(slug_key)
    if not isinstance(slug, str) or not slug.strip():
        errors.append(f"{slug_key}: required, a non-empty string")
    if slug_key == "slug" and isinstance(slug, str) and slug not in META_SLUGS:
        errors.append(f"slug: must be one of {', '.join(META_SLUGS)}")
    arguments = body.get("arguments", {})
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        errors.append("arguments: must be an object")
    if "account" in body and not isinstance(body["account"], str):
        errors.append("account: must be a string")
    if errors:
        raise BadBody(errors)
    return str(slug).strip(), arguments


def execute(record: SessionRecord, catalog: DemoCatalog, store: Store, body: object, link_base: str,
            new_id: Callable[[str], str]) -> dict:
    started = time.monotonic()
    slug, arguments = _check_execute(body, EXECUTE_KEYS, "tool_slug")
    if slug.upper() in META_SLUGS:
        return execute_meta(record, catalog, store, {"slug": slug.upper(), "arguments": arguments}, link_base, new_id)
    found = find_tool(catalog, slug)
    if found is None:
        raise ApiFailure(404, f"Tool {slug} not found", "Tool_NotFound", "Use a tool slug from the session's tools.")
    tk, tool = found
    if not allowed(record, tk, tool):
        raise ApiFailure(400, f"Tool {tool.slug} is not available in this session", "ToolRouter_ToolNotInSession",
                         "Only tools the session's toolkits, tool filters and tags allow can run; "
                         "see GET …/session/{id}/tools.")
    account = store.latest_account(record.user_id, tk.slug)
    problems = argument_errors(input_schema(tool), arguments)
    if problems:
        result_type, data, error = "failed", {}, "Invalid arguments: " + "; ".join(problems)
    elif not tk.no_auth and (account is None or account.status != "ACTIVE"):
        result_type, data, error = "failed", {}, (
            f"No active connection for {tk.slug} for user {record.user_id}; connect it first "
            "(COMPOSIO_MANAGE_CONNECTIONS or a Connect link).")
    else:
        result_type, data, error = "completed", canned(tk, tool, arguments), None
    log_id = new_id("log_")
    activity_logs.record_entry(store, {  # every execution is an activity log (issue 15)
        "user_id": record.user_id, "session_id": record.session_id, "toolkit": tk.slug, "tool_slug": tool.slug,
        "connected_account_id": account.id if account and not tk.no_auth else None, "status": result_type,
        "duration_ms": round((time.monotonic() - started) * 1000, 1), "message": error or "ok",
        "arguments_bytes": len(json.dumps(arguments, separators=(",", ":"), default=str).encode()),
        "log_id": log_id,
    })
    return {"data": data, "error": error, "log_id": log_id, "result_type": result_type}


def execute_meta(record: SessionRecord, catalog: DemoCatalog, store: Store, body: object, link_base: str,
                 new_id: Callable[[str], str]) -> dict:
    slug, arguments = _check_execute(body, META_KEYS, "slug")
    if slug not in record.tool_router_tools:
        raise ApiFailure(400, f"Meta tool {slug} is not enabled in this session", "ToolRouter_ToolNotInSession")
    if slug == s.SEARCH:
        out = meta_tools.search(record, catalog, arguments)
    elif slug == s.SCHEMAS:
        out = meta_tools.tool_schemas(record, catalog, arguments)
    elif slug == s.MANAGE:
        out = meta_tools.manage_connections(record, catalog, store, arguments, link_base)
    else:
        out = meta_tools.not_available(slug)
    ok = bool(out.get("successful"))
    return {"data": out.get("data") or {}, "error": out.get("error"), "log_id": new_id("log_"),
            "result_type": "completed" if ok else "failed"}


# --- routes ----------------------------------------------------------------------------------------

def routes(catalog: DemoCatalog, store: Store) -> list[Route]:
    """The playground's routes, for ``server.create_app``'s route list."""

    def record_of(request: Request) -> SessionRecord:
        record = store.session(request.path_params["session_id"])
        if record is None:
            raise ApiFailure(404, "Session not found", "ToolRouterV2_SessionNotFound",
                             "Create a new session; this one was deleted or never existed.")
        return record

    def bad(request: Request, errors: list[str]) -> Response:
        rid = getattr(request.state, "request_id", "")
        body = error_body(400, GENERIC, "ValidationError", rid, "Fix the fields listed in errors.")
        body["error"]["errors"] = errors
        return JSONResponse(body, status_code=400)

    async def body_of(request: Request) -> object:
        raw = await request.body()
        try:
            return json.loads(raw or b"null")
        except ValueError:
            raise BadBody(["body: not valid JSON"]) from None

    def link_base(request: Request) -> str:
        return f"http://{request.headers.get('host', '127.0.0.1')}"

    async def do_search(request: Request) -> Response:
        record = record_of(request)
        try:
            return JSONResponse(search(record, catalog, store, await body_of(request)))
        except BadBody as exc:
            return bad(request, exc.errors)

    async def do_tools(request: Request) -> Response:
        record = record_of(request)
        q = request.query_params
        limit = parse_limit(q.get("limit"), 1, 500)
        items: list = [("meta", slug) for slug in record.tool_router_tools]
        items += [("app", pair) for pair in session_tools(record, catalog)]
        return JSONResponse(paginate(items, limit, q.get("cursor"),
                                     lambda x: meta_tool_body(x[1]) if x[0] == "meta" else tool_body(*x[1]), 50))

    async def do_execute(request: Request) -> Response:
        record = record_of(request)
        try:
            return JSONResponse(execute(record, catalog, store, await body_of(request), link_base(request),
                                        store.new_id))
        except BadBody as exc:
            return bad(request, exc.errors)

    async def do_execute_meta(request: Request) -> Response:
        record = record_of(request)
        try:
            return JSONResponse(execute_meta(record, catalog, store, await body_of(request), link_base(request),
                                             store.new_id))
        except BadBody as exc:
            return bad(request, exc.errors)

    async def get_tool(request: Request) -> Response:
        slug = request.path_params["tool_slug"]
        if slug.upper() in META_SLUGS:
            return JSONResponse(meta_tool_body(slug.upper()))
        found = find_tool(catalog, slug)
        if found is None:
            raise ApiFailure(404, f"Tool {slug} not found", "Tool_NotFound", "Check the slug against GET /api/v3.1/tools.")
        return JSONResponse(tool_body(*found))

    base = f"{API}/tool_router/session/{{session_id}}"
    return [
        Route(f"{base}/search", do_search, methods=["POST"]),
        Route(f"{base}/tools", do_tools),
        Route(f"{base}/execute", do_execute, methods=["POST"]),
        Route(f"{base}/execute_meta", do_execute_meta, methods=["POST"]),
        Route(f"{API}/tools/{{tool_slug}}", get_tool),
    ]

