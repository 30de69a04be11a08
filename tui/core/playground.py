"""The discovery playground's flows: search a session as an agent would, list the session's tools,
read a tool's schemas, and run a tool through the session's ``execute``.

Rule: every input is checked here before any request (queries: 1 to 7, each 1 to 1,024 characters;
arguments: a JSON object that fits the tool's input schema); a refusal is an ``InputError`` whose
problems are plain sentences. One flow, two thin callers (the Playground screen and the commands).
Textual-free and blocking; callers run it in a worker.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from . import schema as sch
from .errors import ApiError
from .paging import Page, collect
from .sessions import InputError
from .states import ConnectionState, ErrorKind

MAX_QUERIES = 7
MAX_QUERY_CHARS = 1024
TOOLS_PAGE = 200


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryResult:
    """One query's answer (``SessionSearchResponse.Result``)."""

    index: int
    use_case: str
    primary: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    toolkits: tuple[str, ...] = ()
    difficulty: str = ""
    plan_steps: tuple[str, ...] = ()
    pitfalls: tuple[str, ...] = ()
    guidance: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class ToolSchema:
    """A tool as search describes it (``tool_schemas`` entry)."""

    slug: str
    toolkit: str
    description: str = ""
    input_schema: dict | None = None
    output_schema: dict | None = None
    has_full_schema: bool = False


@dataclass(frozen=True, slots=True)
class ToolkitStatus:
    """A toolkit's connection for the session's user, as search reports it."""

    toolkit: str
    description: str = ""
    connected: bool = False
    message: str = ""

    @property
    def state(self) -> ConnectionState:
        return ConnectionState.ACTIVE if self.connected else ConnectionState.NOT_CONNECTED


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    results: tuple[QueryResult, ...] = ()
    schemas: dict[str, ToolSchema] = field(default_factory=dict)
    statuses: dict[str, ToolkitStatus] = field(default_factory=dict)
    next_steps: tuple[str, ...] = ()
    time_info: str = ""
    error: str = ""
    seconds: float = 0.0

    def missing(self) -> list[ToolkitStatus]:
        """Toolkits the results need that the user has not connected (in result order)."""
        order = [tk for r in self.results for tk in r.toolkits]
        seen = dict.fromkeys(order + list(self.statuses))
        return [self.statuses[tk] for tk in seen if tk in self.statuses and not self.statuses[tk].connected]

    def toolkit_of(self, slug: str) -> str:
        known = self.schemas.get(slug)
        return known.toolkit if known else slug.split("_", 1)[0].lower()


@dataclass(frozen=True, slots=True)
class SessionTool:
    """A tool the session exposes (``SessionToolsResponse.Item``)."""

    slug: str
    name: str
    toolkit: str
    toolkit_name: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    no_auth: bool = False


@dataclass(frozen=True, slots=True)
class ToolDetail:
    """A tool's schemas (``ToolRetrieveResponse``)."""

    slug: str
    name: str
    toolkit: str
    toolkit_name: str = ""
    description: str = ""
    input_schema: dict = field(default_factory=dict)
    output_schema: dict = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    no_auth: bool = False
    version: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "name": self.name, "toolkit": self.toolkit, "toolkit_name": self.toolkit_name,
                "description": self.description, "tags": list(self.tags), "scopes": list(self.scopes),
                "no_auth": self.no_auth, "version": self.version, "input_schema": self.input_schema,
                "output_schema": self.output_schema}


@dataclass(frozen=True, slots=True)
class Execution:
    """What a session's ``execute`` answered, plus how long it took."""

    tool_slug: str
    ok: bool
    result_type: str = ""
    data: dict = field(default_factory=dict)
    error: str = ""
    log_id: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"tool_slug": self.tool_slug, "ok": self.ok, "result_type": self.result_type, "data": self.data,
                "error": self.error or None, "log_id": self.log_id, "seconds": round(self.seconds, 3)}

    def line(self) -> str:
        """The outcome in plain words."""
        took = f"{self.seconds * 1000:.0f} ms"
        if self.ok:
            return f"{self.tool_slug} completed in {took}."
        if self.result_type == "input_required":
            return f"{self.tool_slug} needs input from the user before it can run ({self.error}); nothing ran."
        if self.result_type == "blocked":
            return f"{self.tool_slug} was blocked by a session hook: {self.error or 'no reason given'}."
        reason = (self.error or "the API gave no reason").rstrip(". ")
        return f"{self.tool_slug} failed after {took}: {reason}."


# --- checks ----------------------------------------------------------------------------------------


def check_queries(queries: list[str]) -> list[str]:
    """The queries as sent (trimmed), or InputError with every problem."""
    cleaned = [" ".join(str(q).split()) for q in queries]
    problems = []
    if not cleaned or all(not q for q in cleaned):
        problems.append("Type a task first, e.g. \"star the repo and tell the team on Slack\".")
    elif len(cleaned) > MAX_QUERIES:
        problems.append(f"{len(cleaned)} queries at once; the API takes at most {MAX_QUERIES}.")
    for i, q in enumerate(cleaned, 1):
        label = f"Query {i}" if len(cleaned) > 1 else "The query"
        if not q and any(cleaned):
            problems.append(f"{label} is empty.")
        elif len(q) > MAX_QUERY_CHARS:
            problems.append(f"{label} has {len(q):,} characters; the API takes at most {MAX_QUERY_CHARS:,}. "
                            "Describe the task in fewer words.")
    if problems:
        raise InputError(problems)
    return cleaned


def split_tasks(text: str) -> list[str]:
    """Several tasks typed in one line, separated by ``;`` (or one per line)."""
    parts = [p.strip() for chunk in text.splitlines() for p in chunk.split(";")]
    return [p for p in parts if p] or [text.strip()]


def check_arguments(detail: ToolDetail, arguments: Any) -> dict[str, Any]:
    """``arguments`` if they fit the tool's input schema, else InputError listing every problem."""
    if not isinstance(arguments, dict):
        raise InputError([f"The arguments for {detail.slug} must be a JSON object."])
    problems = sch.validate(detail.input_schema, arguments)
    if problems:
        raise InputError([f"{detail.slug}: {p}" for p in problems])
    return arguments


def read_arguments(text: str) -> dict[str, Any]:
    """``--args`` text (JSON) as an object, or InputError in plain words."""
    try:
        return sch.parse_arguments(text)
    except sch.FieldError as exc:
        raise InputError([str(exc)]) from None


# --- flows -----------------------------------------------------------------------------------------


def search(gateway, session_id: str, queries: list[str], *, on_result=None, cancelled=None) -> SearchOutcome:
    """Ask the session's search like an agent. Without ``on_result``: one request for all queries (the
    API runs them in parallel). With it: one request per query, ``on_result(outcome_so_far)`` after each
    (results stream in), stopping early when ``cancelled()`` says so."""
    cleaned = check_queries(queries)
    started = time.monotonic()
    if on_result is None:
        outcome = gateway.playground_search(session_id, cleaned)
        return _with_seconds(outcome, time.monotonic() - started)
    merged = SearchOutcome()
    for i, query in enumerate(cleaned, 1):
        if cancelled is not None and cancelled():
            break
        part = gateway.playground_search(session_id, [query])
        results = tuple(QueryResult(i, r.use_case, r.primary, r.related, r.toolkits, r.difficulty, r.plan_steps,
                                    r.pitfalls, r.guidance, r.error) for r in part.results)
        merged = SearchOutcome(merged.results + results, {**merged.schemas, **part.schemas},
                               {**merged.statuses, **part.statuses},
                               tuple(dict.fromkeys(merged.next_steps + part.next_steps)), part.time_info,
                               "; ".join(e for e in (merged.error, part.error) if e), time.monotonic() - started)
        on_result(merged)
    return merged


def _with_seconds(outcome: SearchOutcome, seconds: float) -> SearchOutcome:
    return SearchOutcome(outcome.results, outcome.schemas, outcome.statuses, outcome.next_steps,
                         outcome.time_info, outcome.error, seconds)


def session_tools(gateway, session_id: str) -> list[SessionTool]:
    """Every tool the session exposes after its policy (all pages)."""
    def fetch(cursor: str | None) -> Page[SessionTool]:
        return gateway.playground_tools_page(session_id, cursor=cursor, limit=TOOLS_PAGE)

    return collect(fetch, what=f"the tools of session {session_id}")


def tool_detail(gateway, tool_slug: str) -> ToolDetail:
    slug = tool_slug.strip()
    if not slug:
        raise InputError(["Give a tool slug, e.g. GITHUB_CREATE_AN_ISSUE."])
    return gateway.playground_tool(slug)


def execute(gateway, session_id: str, detail: ToolDetail, arguments: Any) -> Execution:
    """Validate, then run ``detail`` through the session's execute (never retried: it is a write)."""
    args = check_arguments(detail, arguments)
    started = time.monotonic()
    try:
        result = gateway.playground_execute(session_id, detail.slug, args)
    except ApiError as err:
        if err.outcome_unknown and err.kind != ErrorKind.BAD_RESPONSE:
            raise ApiError(ErrorKind.OUTCOME_UNKNOWN, f"{err.message}; {detail.slug} may have run",
                           hint="Check the tool's app before running it again", status=err.status,
                           request_id=err.request_id) from err
        raise
    return Execution(result.tool_slug, result.ok, result.result_type, result.data, result.error, result.log_id,
                     time.monotonic() - started)


def pretty(value: Any) -> str:
    """JSON as the playground shows and copies it."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def search_dict(outcome: SearchOutcome) -> dict[str, Any]:
    """The outcome as the ``sessions search`` command prints it."""
    return {
        "results": [{"index": r.index, "use_case": r.use_case, "primary_tool_slugs": list(r.primary),
                     "related_tool_slugs": list(r.related), "toolkits": list(r.toolkits),
                     "difficulty": r.difficulty or None, "recommended_plan_steps": list(r.plan_steps),
                     "known_pitfalls": list(r.pitfalls), "execution_guidance": r.guidance or None,
                     "error": r.error or None} for r in outcome.results],
        "toolkits": [{"toolkit": s.toolkit, "connected": s.connected, "state": s.state, "message": s.message}
                     for s in outcome.statuses.values()],
        "missing": [s.toolkit for s in outcome.missing()],
        "tools": {slug: {"toolkit": t.toolkit, "description": t.description} for slug, t in outcome.schemas.items()},
        "next_steps": list(outcome.next_steps),
        "error": outcome.error or None,
        "seconds": round(outcome.seconds, 3),
    }
