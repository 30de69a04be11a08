"""A policy change in the operator's words: the command flags and a template's keys say the same
things (``tools github=A,B``, ``require_approval gmail|GMAIL_SEND_EMAIL|destructiveHint``, …).
``apply(base, spec)`` turns a ``Spec`` into a new ``Policy``; ``to_table``/``from_table`` are a
template's TOML shape. Every malformed value is a PolicyError sentence; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .policy import TAGS, Guard, Policy, PolicyError, _owner, is_tool_slug
from .states import HookCheck, HookPhase

READ_ONLY = "readOnlyHint"


@dataclass(slots=True)
class Spec:
    toolkits: list[str] | None = None
    """Replaces the enable list (``--toolkit``)."""
    add_toolkits: list[str] = field(default_factory=list)
    remove_toolkits: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    tools: dict[str, list[str]] = field(default_factory=dict)
    deny_tools: dict[str, list[str]] = field(default_factory=dict)
    read_only: bool = False
    tags: list[str] = field(default_factory=list)
    approvals: list[str] = field(default_factory=list)
    auth_configs: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, list[str]] = field(default_factory=dict)
    callback_url: str | None = None
    sandbox: bool | None = None
    guards: list[str | Guard] = field(default_factory=list)
    """Conditions (every toolkit), or Guards (a template's scoped ones, its scoped prompt-injection check)."""
    prompt_injection: bool = False

    @property
    def empty(self) -> bool:
        return self == Spec()


def pairs(values: Iterable[str], what: str, *, many: bool = True) -> dict[str, list[str]]:
    """``SLUG=A,B`` items (repeatable) -> {slug: [A, B]}; a malformed one is a PolicyError."""
    out: dict[str, list[str]] = {}
    problems = []
    for raw in values:
        slug, sep, rest = raw.partition("=")
        slug, items = slug.strip().lower(), [x.strip() for x in rest.split(",") if x.strip()]
        if not sep or not slug:
            problems.append(f"{what} {raw!r} is not SLUG=VALUE{',VALUE…' if many else ''}")
            continue
        if not many and len(items) > 1:
            problems.append(f"{what} {raw!r} takes one value")
            continue
        out.setdefault(slug, []).extend(items)
    if problems:
        raise PolicyError(problems)
    return out


def csv(values: Iterable[str]) -> list[str]:
    return [x.strip() for raw in values for x in raw.split(",") if x.strip()]


def apply(base: Policy, spec: Spec, known: Collection[str] = ()) -> Policy:
    """``base`` changed by ``spec``. Tool lists replace the toolkit's lists; the rest adds up."""
    p = base
    toolkits = list(p.toolkits) if spec.toolkits is None else list(dict.fromkeys(spec.toolkits))
    toolkits += [s for s in spec.add_toolkits if s not in toolkits]
    gone = set(spec.remove_toolkits)
    if gone and not toolkits and not p.exclude:
        raise PolicyError(["--remove-toolkit needs a session with a toolkit list"])
    toolkits = [s for s in toolkits if s not in gone]
    p = replace(p, toolkits=tuple(toolkits), exclude=tuple(dict.fromkeys([*p.exclude, *spec.exclude])),
                kits=tuple(k for k in p.kits if k.slug not in gone),
                approval_toolkits=tuple(s for s in p.approval_toolkits if s not in gone))
    for slug, tools in spec.tools.items():
        p = p.with_kit(replace(p.kit(slug), allow=tuple(dict.fromkeys(t.upper() for t in tools)),
                               **({} if slug in spec.deny_tools else {"deny": ()}), tags=()))
    for slug, tools in spec.deny_tools.items():
        p = p.with_kit(replace(p.kit(slug), deny=tuple(dict.fromkeys(t.upper() for t in tools)),
                               **({} if slug in spec.tools else {"allow": None}), tags=()))
    tags = list(p.tags)
    if spec.read_only and READ_ONLY not in tags:
        tags.append(READ_ONLY)
    tags += [t for t in csv(spec.tags) if t not in tags]
    p = replace(p, tags=tuple(tags))
    p = with_approvals(p, spec.approvals, known)
    for slug, ac in spec.auth_configs.items():
        p = p.with_kit(replace(p.kit(slug), auth_config=ac))
    for slug, cas in spec.accounts.items():
        p = p.with_kit(replace(p.kit(slug), accounts=tuple(cas)))
    if spec.callback_url is not None:
        p = replace(p, callback_url=spec.callback_url.strip())
    if spec.sandbox is not None:
        p = replace(p, sandbox=spec.sandbox)
    guards = list(p.guards)
    guards += [g if isinstance(g, Guard) else Guard(condition=g) for g in spec.guards]
    if spec.prompt_injection and not any(g.check == HookCheck.PROMPT_INJECTION for g in guards):
        guards.append(Guard(check=HookCheck.PROMPT_INJECTION, phase=HookPhase.AFTER))
    return replace(p, guards=_numbered(guards))


def _numbered(guards: list[Guard]) -> tuple[Guard, ...]:
    """Give id-less condition guards stable ids (guard-1, guard-2, … by position)."""
    out = []
    for i, g in enumerate(guards, 1):
        if not g.id and g.check == HookCheck.CONDITION:
            g = replace(g, id=f"guard-{i}")
        out.append(g)
    return tuple(out)


def with_approvals(p: Policy, items: Iterable[str], known: Collection[str] = ()) -> Policy:
    """``gmail`` (a toolkit), ``GMAIL_SEND_EMAIL`` (a tool of a session toolkit) or a tag."""
    problems = []
    for item in items:
        item = item.strip()
        if item in TAGS:
            if item not in p.approval_tags:
                p = replace(p, approval_tags=(*p.approval_tags, item))
        elif is_tool_slug(item) or item.isupper():
            owner = _owner(item, [s for s in (p.toolkits or known) if p.in_session(s)])
            if not owner:
                problems.append(f"approval on tool {item}, which is not in the session")
                continue
            kit = p.kit(owner)
            if item not in kit.approval:
                p = p.with_kit(replace(kit, approval=(*kit.approval, item)))
        else:
            slug = item.lower()
            if slug not in p.approval_toolkits:
                p = replace(p, approval_toolkits=(*p.approval_toolkits, slug))
    if problems:
        raise PolicyError(problems)
    return p


# --- a template's TOML table ------------------------------------------------------------------------

TABLE_KEYS = {"description", "toolkits", "exclude", "tools", "deny_tools", "tags", "read_only", "require_approval",
              "auth_configs", "callback_url", "sandbox", "guards", "prompt_injection_check"}


def to_table(p: Policy) -> dict[str, Any]:
    """The template keys for ``p``. Connected accounts belong to one user and are never saved."""
    table: dict[str, Any] = {}
    if p.toolkits:
        table["toolkits"] = list(p.toolkits)
    if p.exclude:
        table["exclude"] = list(p.exclude)
    if tools := {k.slug: list(k.allow) for k in p.kits if k.allow is not None}:
        table["tools"] = tools
    if deny := {k.slug: list(k.deny) for k in p.kits if k.deny}:
        table["deny_tools"] = deny
    if p.tags:
        table["tags"] = list(p.tags)
    approvals = [*p.approval_toolkits, *(t for k in p.kits for t in k.approval), *p.approval_tags]
    if approvals:
        table["require_approval"] = approvals
    if auth := {k.slug: k.auth_config for k in p.kits if k.auth_config}:
        table["auth_configs"] = auth
    if p.callback_url:
        table["callback_url"] = p.callback_url
    if p.sandbox is not None:
        table["sandbox"] = p.sandbox
    if conditions := [{"condition": g.condition, "toolkits": list(g.toolkits)} if g.toolkits else g.condition
                      for g in p.guards if g.check == HookCheck.CONDITION]:
        table["guards"] = conditions  # a string for every toolkit, a table for a scoped one
    if injection := [g for g in p.guards if g.check == HookCheck.PROMPT_INJECTION]:
        table["prompt_injection_check"] = list(injection[0].toolkits) or True  # true, or the toolkits it covers
    return table


def from_table(name: str, table: Mapping[str, Any]) -> Spec:
    """A template's keys as a Spec; unknown keys and wrong types are PolicyError sentences."""
    where = f"template {name!r}"
    problems = [f"{where}: unknown key {k!r}" for k in table if k not in TABLE_KEYS]

    def strs(key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            problems.append(f"{where}: {key} must be a list of strings")
            return []
        return list(value)

    def mapping(key: str, many: bool) -> dict:
        value = table.get(key, {})
        ok = isinstance(value, Mapping) and all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) if many else isinstance(v, str)
            for v in value.values())
        if not ok:
            problems.append(f"{where}: {key} must map toolkit slugs to {'lists of strings' if many else 'strings'}")
            return {}
        return {str(k).lower(): list(v) if many else v for k, v in value.items()}

    def flag(key: str) -> bool | None:
        value = table.get(key)
        if value is not None and not isinstance(value, bool):
            problems.append(f"{where}: {key} must be true or false")
            return None
        return value

    def guards() -> list[str | Guard]:
        out: list[str | Guard] = []
        for item in table.get("guards", []) if isinstance(table.get("guards", []), list) else [None]:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, Mapping) and isinstance(item.get("condition"), str) and set(item) <= \
                    {"condition", "toolkits"} and _slugs(item.get("toolkits", [])) is not None:
                out.append(Guard(condition=item["condition"], toolkits=_slugs(item.get("toolkits", []))))
            else:
                problems.append(f"{where}: guards must list conditions, or tables "
                                "{ condition = \"…\", toolkits = [\"slug\", …] }")
                return []
        return out

    injection = table.get("prompt_injection_check")
    scoped: list[str | Guard] = []
    if isinstance(injection, list):
        if _slugs(injection) is None:
            problems.append(f"{where}: prompt_injection_check must be true, false or a list of toolkit slugs")
        else:
            scoped.append(Guard(check=HookCheck.PROMPT_INJECTION, phase=HookPhase.AFTER, toolkits=_slugs(injection)))
        injection = None
    elif injection is not None and not isinstance(injection, bool):
        problems.append(f"{where}: prompt_injection_check must be true, false or a list of toolkit slugs")
        injection = None
    callback = table.get("callback_url")
    if callback is not None and not isinstance(callback, str):
        problems.append(f"{where}: callback_url must be a string")
        callback = None
    spec = Spec(toolkits=strs("toolkits") or None, exclude=strs("exclude"), tools=mapping("tools", True),
                deny_tools=mapping("deny_tools", True), tags=strs("tags"), read_only=bool(flag("read_only")),
                approvals=strs("require_approval"), auth_configs=mapping("auth_configs", False),
                callback_url=callback, sandbox=flag("sandbox"), guards=guards() + scoped,
                prompt_injection=bool(injection))
    if problems:
        raise PolicyError(problems)
    return spec


def _slugs(value: Any) -> tuple[str, ...] | None:
    """A list of toolkit slugs (lower-cased), or None when ``value`` is not one."""
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        return None
    return tuple(x.strip().lower() for x in value)


def merge(template: Spec, flags: Spec) -> Spec:
    """A template's spec with command flags on top (flags' toolkits win when given)."""
    out = replace(template)
    out.toolkits = flags.toolkits if flags.toolkits is not None else template.toolkits
    for name in ("add_toolkits", "remove_toolkits", "exclude", "tags", "approvals", "guards"):
        setattr(out, name, [*getattr(template, name), *getattr(flags, name)])
    for name in ("tools", "deny_tools", "auth_configs", "accounts"):
        setattr(out, name, {**getattr(template, name), **getattr(flags, name)})
    out.read_only = template.read_only or flags.read_only
    out.prompt_injection = template.prompt_injection or flags.prompt_injection
    out.callback_url = flags.callback_url if flags.callback_url is not None else template.callback_url
    out.sandbox = flags.sandbox if flags.sandbox is not None else template.sandbox
    return out
