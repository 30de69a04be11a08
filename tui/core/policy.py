"""A session's policy: which toolkits and tools, which auth configs and accounts, approvals, sandbox,
connections and guardrails. One model, rendered three ways and read back one way:

- ``create_kwargs(policy)``: the keyword arguments of the SDK's ``ToolRouter.create`` (0.30);
- ``patch_body(old, new)``: the blocks a ``ToolRouterSession.update`` (PATCH) must send to turn the
  stored ``old`` into ``new`` (objects, never list shorthands; ``None`` removes a block);
- ``from_config(config)``: the policy a retrieved session's ``config`` describes.

``check(policy, facts)`` finds every problem **before** any create or update: the pure rules (URLs,
conflicts, empty lists) and the ones that need the catalog and the API's lists (``Facts``, gathered
by ``gather``). Textual-free; ``gather`` blocks (call it from a worker or a command).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from .sessions import InputError
from .states import HookCheck, HookPhase, ToolMode

TAGS = ("readOnlyHint", "createHint", "updateHint", "destructiveHint", "idempotentHint", "openWorldHint")
"""Tag values the SDK accepts (``ToolRouterTag``); the first four are the ones operators pick."""
SANDBOX_SIZES = ("standard", "medium", "large", "xlarge")
TOOL_SLUG = re.compile(r"^[A-Z0-9][A-Z0-9_]*$")
MAX_ACCOUNTS = (2, 10)


@dataclass(frozen=True, slots=True)
class ToolkitPolicy:
    """One toolkit's settings. ``allow=()`` is an (invalid) empty allow list; ``None`` means unset."""

    slug: str
    allow: tuple[str, ...] | None = None
    deny: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    approval: tuple[str, ...] = ()
    """Tools of this toolkit that need the user's approval."""
    auth_config: str = ""
    accounts: tuple[str, ...] = ()

    @property
    def mode(self) -> ToolMode:
        if self.allow is not None:
            return ToolMode.ALLOW
        if self.deny:
            return ToolMode.DENY
        if self.tags:
            return ToolMode.TAGS
        return ToolMode.ALL

    @property
    def is_default(self) -> bool:
        return self == ToolkitPolicy(self.slug)


@dataclass(frozen=True, slots=True)
class Guard:
    """A guardrail hook: a plain-sentence condition, or the prompt-injection check (after execute)."""

    condition: str = ""
    check: HookCheck = HookCheck.CONDITION
    phase: HookPhase = HookPhase.BEFORE
    toolkits: tuple[str, ...] = ()
    """Empty: every toolkit."""
    id: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything a session is besides its user. Defaults equal the SDK's defaults."""

    toolkits: tuple[str, ...] = ()
    """Enable list (empty and no ``exclude``: every toolkit of the project)."""
    exclude: tuple[str, ...] = ()
    """Disable list."""
    kits: tuple[ToolkitPolicy, ...] = ()
    tags: tuple[str, ...] = ()
    deny_tags: tuple[str, ...] = ()
    approval_toolkits: tuple[str, ...] = ()
    approval_tags: tuple[str, ...] = ()
    manage_connections: bool = True
    callback_url: str = ""
    wait_for_connections: bool | None = None
    sandbox: bool | None = None
    sandbox_size: str = ""
    proxy_execute: bool | None = None
    multi_account: bool | None = None
    max_accounts: int | None = None
    preload: tuple[str, ...] | str = ()
    """Tool slugs exposed directly, or "all"."""
    guards: tuple[Guard, ...] = ()

    def kit(self, slug: str) -> ToolkitPolicy:
        for k in self.kits:
            if k.slug == slug:
                return k
        return ToolkitPolicy(slug)

    def with_kit(self, kit: ToolkitPolicy) -> Policy:
        """This policy with ``kit`` replacing the toolkit's settings (dropped when all default)."""
        kits = [k for k in self.kits if k.slug != kit.slug]
        if not kit.is_default:
            kits.append(kit)
            order = {s: i for i, s in enumerate(self.toolkits)}
            kits.sort(key=lambda k: order.get(k.slug, len(order)))
        return replace(self, kits=tuple(kits))

    def in_session(self, slug: str) -> bool:
        if self.toolkits:
            return slug in self.toolkits
        return slug not in self.exclude


# --- facts from the catalog and the API ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthConfig:
    id: str
    toolkit: str
    name: str = ""
    auth_scheme: str = ""
    managed: bool = False
    enabled: bool = True
    connections: int = 0


@dataclass(frozen=True, slots=True)
class Account:
    """A connected account as the policy checks it (the gateway's accounts lookup returns these)."""

    id: str
    user_id: str
    toolkit: str
    status: str = ""
    auth_config_id: str = ""
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class SessionConfigSummary:
    """A project's saved session config (``session_configs``), shown read-only."""

    id: str
    name: str
    description: str = ""
    archived: bool = False
    policy: Policy | None = None


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    version: int
    created_at: str
    current: bool
    policy: Policy


@dataclass(frozen=True, slots=True)
class Applied:
    """A session's policy as the API reports it, with its config version."""

    session_id: str
    user_id: str
    mcp_url: str
    config_version: int
    policy: Policy
    tool_router_tools: tuple[str, ...] = ()
    config: dict = field(default_factory=dict)


@dataclass(slots=True)
class Facts:
    """What validation needs from outside: catalog slugs, each toolkit's tools (slug -> tags), the
    project's auth configs and the user's accounts per toolkit. A missing key means "not looked up"."""

    known: Collection[str] = ()
    tools: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    auth_configs: dict[str, list[AuthConfig]] = field(default_factory=dict)
    accounts: dict[str, list[Account]] = field(default_factory=dict)
    user_id: str = ""


class PolicyError(InputError):
    """The policy cannot be sent; ``problems`` lists one sentence each (an InputError: exit code 2)."""


# --- the rules ----------------------------------------------------------------------------------


def is_tool_slug(text: str) -> bool:
    return bool(TOOL_SLUG.match(text)) and "_" in text


def callback_problem(url: str) -> str:
    """Why ``url`` cannot be a callback URL ("" when it can): absolute https, or http on loopback."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return f"callback URL {url!r} is not absolute; give https://host/path"
    if parts.scheme not in ("https", "http"):
        return f"callback URL {url!r} must use https"
    host = (parts.hostname or "").lower()
    if not host:
        return f"callback URL {url!r} has no host"
    if parts.scheme == "http" and not _loopback(host):
        return f"callback URL {url!r} must use https (plain http only on localhost)"
    return ""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _owner(tool: str, toolkits: Iterable[str]) -> str:
    """The toolkit a tool slug names by its prefix (GITHUB_X -> github), "" when none fits."""
    best = ""
    for slug in toolkits:
        prefix = slug.upper().replace("-", "_") + "_"
        if tool.startswith(prefix) and len(slug) > len(best):
            best = slug
    return best


def static_problems(policy: Policy) -> list[str]:
    """Rules that need nothing but the policy."""
    problems: list[str] = []
    if policy.toolkits and policy.exclude:
        problems.append("give toolkits to enable or toolkits to exclude, not both")
    for name, tags in (("tags", policy.tags), ("excluded tags", policy.deny_tags),
                       ("approval tags", policy.approval_tags)):
        problems += [f"unknown tag {t!r} in {name}; use one of {', '.join(TAGS[:4])}" for t in tags if t not in TAGS]
    if both := set(policy.tags) & set(policy.deny_tags):
        problems.append(f"tag {sorted(both)[0]} is both required and excluded")
    if policy.callback_url and (why := callback_problem(policy.callback_url)):
        problems.append(why)
    if policy.callback_url and not policy.manage_connections:
        problems.append("a callback URL needs manage connections on")
    if policy.sandbox_size and policy.sandbox_size not in SANDBOX_SIZES:
        problems.append(f"sandbox size {policy.sandbox_size!r} is not one of {', '.join(SANDBOX_SIZES)}")
    if policy.sandbox_size and policy.sandbox is False:
        problems.append("a sandbox size needs the sandbox on")
    if policy.max_accounts is not None:
        low, high = MAX_ACCOUNTS
        if not low <= policy.max_accounts <= high:
            problems.append(f"accounts per toolkit must be between {low} and {high}")
        if policy.multi_account is False:
            problems.append("accounts per toolkit needs multi-account on")
    for slug in policy.approval_toolkits:
        if not policy.in_session(slug):
            problems.append(f"approval on toolkit {slug}, which is not in the session")
    seen_ids: set[str] = set()
    for i, guard in enumerate(policy.guards, 1):
        label = f"guardrail {guard.id or i}"
        if guard.check == HookCheck.CONDITION and not guard.condition.strip():
            problems.append(f"{label} has an empty condition")
        if guard.check == HookCheck.PROMPT_INJECTION and guard.phase != HookPhase.AFTER:
            problems.append(f"{label}: the prompt-injection check runs after execute only")
        for slug in guard.toolkits:
            if not policy.in_session(slug):
                problems.append(f"{label} is scoped to {slug}, which is not in the session")
        gid = hook_id(guard, i)
        if gid in seen_ids:
            problems.append(f"two guardrails share the id {gid!r}")
        seen_ids.add(gid)
    for kit in policy.kits:
        problems += _kit_static(policy, kit)
    return problems


def _kit_static(policy: Policy, kit: ToolkitPolicy) -> list[str]:
    out: list[str] = []
    s = kit.slug
    if not policy.in_session(s):
        out.append(f"settings for toolkit {s}, which is not in the session")
    if kit.allow is not None and kit.deny:
        out.append(f"{s}: give allowed tools or denied tools, not both")
    if kit.allow is not None and not kit.allow:
        out.append(f"{s}: the allow list is empty (the toolkit would have no tools)")
    if kit.tags and (kit.allow is not None or kit.deny):
        out.append(f"{s}: pick tools by list or by tags, not both")
    out += [f"{s}: unknown tag {t!r}; use one of {', '.join(TAGS[:4])}" for t in kit.tags if t not in TAGS]
    if both := set(kit.allow or ()) & set(kit.deny):
        out.append(f"{s}: tool {sorted(both)[0]} is both allowed and denied")
    for tool in kit.approval:
        if kit.allow is not None and tool not in kit.allow:
            out.append(f"approval on {tool}, which the {s} allow list leaves out")
        elif tool in kit.deny:
            out.append(f"approval on {tool}, which is denied")
    if len(kit.accounts) > 1 and policy.multi_account is not True:
        out.append(f"{s}: several accounts need multi-account on")
    if len(set(kit.accounts)) != len(kit.accounts):
        out.append(f"{s}: an account is listed twice")
    return out


def check(policy: Policy, facts: Facts) -> None:
    """Every problem at once (PolicyError), or nothing: safe to send."""
    problems = static_problems(policy)
    known = set(facts.known)
    for slug in (*policy.toolkits, *policy.exclude):
        if known and slug not in known:
            problems.append(f"unknown toolkit {slug!r}")
    everyone = [s for s in known] or [k.slug for k in policy.kits]
    for kit in policy.kits:
        tools = facts.tools.get(kit.slug)
        for tool in (*(kit.allow or ()), *kit.deny, *kit.approval):
            if tools is not None and tool in tools:
                continue
            owner = _owner(tool, everyone)
            if owner and owner != kit.slug:
                problems.append(f"tool {tool} belongs to {owner}, not {kit.slug}")
            elif tools is not None:
                problems.append(f"unknown tool {tool} for {kit.slug}")
        if kit.auth_config and kit.slug in facts.auth_configs:
            problems += _auth_problems(kit, facts)
        if kit.accounts and kit.slug in facts.accounts:
            problems += _account_problems(kit, facts)
    if problems:
        raise PolicyError(list(dict.fromkeys(problems)))


def _auth_problems(kit: ToolkitPolicy, facts: Facts) -> list[str]:
    configs = {c.id: c for c in facts.auth_configs.get(kit.slug, [])}
    found = configs.get(kit.auth_config)
    if found is None:
        elsewhere = [c.toolkit for cs in facts.auth_configs.values() for c in cs if c.id == kit.auth_config]
        if elsewhere:
            return [f"auth config {kit.auth_config} is for {elsewhere[0]}, not {kit.slug}"]
        return [f"auth config {kit.auth_config} is not one of the project's {kit.slug} auth configs"]
    if not found.enabled:
        return [f"auth config {kit.auth_config} is disabled"]
    return []


def _account_problems(kit: ToolkitPolicy, facts: Facts) -> list[str]:
    mine = {a.id: a for a in facts.accounts.get(kit.slug, [])}
    out: list[str] = []
    for ca in kit.accounts:
        account = mine.get(ca)
        if account is None:
            out.append(f"account {ca} is not one of user {facts.user_id!r}'s {kit.slug} accounts")
        elif kit.auth_config and account.auth_config_id and account.auth_config_id != kit.auth_config:
            out.append(f"account {ca} uses auth config {account.auth_config_id}, not {kit.auth_config}")
    return out


def gather(gateway: Any, policy: Policy, user_id: str, known: Collection[str]) -> Facts:
    """Look up only what the policy names: tools of toolkits with tool lists, auth configs of pinned
    toolkits, the user's accounts of toolkits with pinned accounts. Blocking."""
    facts = Facts(known=known, user_id=user_id)
    for kit in policy.kits:
        if kit.allow or kit.deny or kit.approval:
            if not known or kit.slug in known:
                facts.tools[kit.slug] = {t.slug: tuple(t.tags) for t in gateway.tools(kit.slug)}
    pinned = [k.slug for k in policy.kits if k.auth_config]
    if pinned:
        everything = gateway.auth_configs()
        facts.auth_configs = {slug: [c for c in everything if c.toolkit == slug] for slug in pinned}
        for c in everything:  # so a foreign id can say which toolkit it is for
            facts.auth_configs.setdefault(c.toolkit, []).append(c)
    with_accounts = [k.slug for k in policy.kits if k.accounts]
    if with_accounts:
        found = gateway.policy_accounts(user_id=user_id, toolkits=with_accounts)
        facts.accounts = {slug: [a for a in found if a.toolkit == slug and a.user_id == user_id]
                          for slug in with_accounts}
    return facts


def validate(gateway: Any, policy: Policy, user_id: str, known: Collection[str]) -> Facts:
    """Static rules first (no request at all when they fail), then the looked-up ones."""
    problems = static_problems(policy)
    if problems:
        raise PolicyError(problems)
    facts = gather(gateway, policy, user_id, known)
    check(policy, facts)
    return facts


# --- rendering ----------------------------------------------------------------------------------


def hook_id(guard: Guard, index: int) -> str:
    return guard.id or ("prompt-injection" if guard.check == HookCheck.PROMPT_INJECTION else f"guard-{index}")


def hooks(policy: Policy) -> list[dict]:
    out = []
    for i, g in enumerate(policy.guards, 1):
        handler: dict = {"type": str(g.check), "action": "block"}
        if g.check == HookCheck.CONDITION:
            handler = {"type": "condition_check", "condition": g.condition.strip(), "action": "block"}
        hook: dict = {"type": str(g.phase), "id": hook_id(g, i)}
        if g.name:
            hook["name"] = g.name
        hook["applies_to"] = {"toolkits": list(g.toolkits)} if g.toolkits else "all"
        hook["handler"] = handler
        out.append(hook)
    return out


def _toolkits_block(p: Policy) -> dict | None:
    block: dict = {}
    if p.toolkits:
        block["enable"] = list(p.toolkits)
    elif p.exclude:
        block["disable"] = list(p.exclude)
    if p.approval_toolkits:
        block["require_approval"] = list(p.approval_toolkits)
    return block or None


def _tools_block(p: Policy) -> dict | None:
    out: dict = {}
    for kit in p.kits:
        entry: dict = {}
        if kit.allow is not None:
            entry["enable"] = list(kit.allow)
        elif kit.deny:
            entry["disable"] = list(kit.deny)
        elif kit.tags:
            entry["tags"] = {"enable": list(kit.tags)}
        if kit.approval:
            entry["require_approval"] = list(kit.approval)
        if entry:
            out[kit.slug] = entry
    return out or None


def _tags_block(p: Policy) -> dict | None:
    block: dict = {}
    if p.tags:
        block["enable"] = list(p.tags)
    if p.deny_tags:
        block["disable"] = list(p.deny_tags)
    if p.approval_tags:
        block["require_approval"] = list(p.approval_tags)
    return block or None


def _sandbox_block(p: Policy) -> dict | None:
    if p.sandbox is None and not p.sandbox_size:
        return None
    block: dict = {"enable": p.sandbox is not False}
    if p.sandbox_size:
        block["sandbox_size"] = p.sandbox_size
    return block


def _multi_block(p: Policy) -> dict | None:
    if p.multi_account is None and p.max_accounts is None:
        return None
    block: dict = {"enable": p.multi_account is not False}
    if p.max_accounts is not None:
        block["max_accounts_per_toolkit"] = p.max_accounts
    return block


def create_kwargs(p: Policy) -> dict:
    """Keyword arguments for ``ToolRouter.create(user_id=..., **create_kwargs(p), mcp=True)``;
    only what differs from the SDK's defaults."""
    kw: dict = {}
    if (block := _toolkits_block(p)) is not None:
        kw["toolkits"] = block
    if (block := _tools_block(p)) is not None:
        kw["tools"] = block
    if (block := _tags_block(p)) is not None:
        kw["tags"] = block
    manage: dict = {"enable": p.manage_connections}
    if p.callback_url:
        manage["callback_url"] = p.callback_url
    if p.wait_for_connections is not None:
        manage["wait_for_connections"] = p.wait_for_connections
    kw["manage_connections"] = manage if len(manage) > 1 else p.manage_connections
    if auth := {k.slug: k.auth_config for k in p.kits if k.auth_config}:
        kw["auth_configs"] = auth
    if accounts := {k.slug: list(k.accounts) for k in p.kits if k.accounts}:
        kw["connected_accounts"] = accounts
    if (block := _sandbox_block(p)) is not None:
        kw["sandbox"] = block
    if p.proxy_execute is not None:
        kw["proxy_execute"] = p.proxy_execute
    if (block := _multi_block(p)) is not None:
        kw["multi_account"] = block
    if p.preload:
        kw["preload"] = {"tools": p.preload if isinstance(p.preload, str) else list(p.preload)}
    if p.guards:
        kw["hooks"] = hooks(p)
    return kw


def _blocks(p: Policy) -> dict:
    """Every PATCH block of ``p`` in the update's (object) shapes; ``None`` = no override."""
    manage: dict = {"enable": p.manage_connections, "callback_url": p.callback_url or None}
    if p.wait_for_connections is not None:
        manage["enable_wait_for_connections"] = p.wait_for_connections
    return {
        "toolkits": _toolkits_block(p),
        "tools": _tools_block(p),
        "tags": _tags_block(p),
        "auth_configs": {k.slug: k.auth_config for k in p.kits if k.auth_config} or None,
        "connected_accounts": {k.slug: list(k.accounts) for k in p.kits if k.accounts} or None,
        "manage_connections": manage,
        "sandbox": _sandbox_block(p),
        "proxy_execute": {"enable": p.proxy_execute} if p.proxy_execute is not None else None,
        "multi_account": _multi_block(p),
        "preload": {"tools": p.preload if isinstance(p.preload, str) else list(p.preload)},
        "hooks": hooks(p) or None,
    }


def patch_body(old: Policy, new: Policy) -> dict:
    """The ``ToolRouterSession.update`` keyword arguments that turn ``old`` into ``new``: only the
    blocks that change. A manage_connections change sends only the changed subfields."""
    before, after = _blocks(old), _blocks(new)
    out: dict = {}
    for key, value in after.items():
        if value == before[key]:
            continue
        if key == "manage_connections":
            value = {k: v for k, v in value.items() if before[key].get(k) != v}
        out[key] = value
    return out


def change_lines(old: Policy, new: Policy) -> list[str]:
    """What changed, one short line per block, for the history view."""
    before, after = _blocks(old), _blocks(new)
    lines = []
    for key, value in after.items():
        if value != before[key]:
            lines.append(f"{key}: {_brief(before[key])} → {_brief(value)}")
    return lines


def _brief(value: Any) -> str:
    if value is None:
        return "default"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_brief(v)}" for k, v in value.items() if v is not None) or "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_brief(v) for v in value) + "]"
    return str(value)


# --- reading a session's config back --------------------------------------------------------------


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        value = obj.get(key, default)
    else:
        value = getattr(obj, key, default)
    return default if value is None else value


def _either(obj: Any, *keys: str) -> list:
    for key in keys:
        value = _get(obj, key)
        if value is not None:
            return list(value)
    return []


def from_config(config: Any) -> Policy:
    """The policy a session's ``config`` (API echo: ``enabled``/``disabled``; or request shapes:
    ``enable``/``disable``) describes. Accepts the SDK model or a plain dict."""
    tk = _get(config, "toolkits")
    toolkits = tuple(_either(tk, "enabled", "enable"))
    exclude = tuple(_either(tk, "disabled", "disable"))
    kits: dict[str, ToolkitPolicy] = {}
    for slug, entry in dict(_get(config, "tools", {}) or {}).items():
        allow = _either(entry, "enabled", "enable")
        has_allow = _get(entry, "enabled") is not None or _get(entry, "enable") is not None
        tags = _either(_get(entry, "tags"), "enabled", "enable")
        kits[slug] = ToolkitPolicy(slug, allow=tuple(allow) if has_allow else None,
                                   deny=tuple(_either(entry, "disabled", "disable")), tags=tuple(tags),
                                   approval=tuple(_either(entry, "require_approval")))
    for slug, ac in dict(_get(config, "auth_configs", {}) or {}).items():
        kits[slug] = replace(kits.get(slug, ToolkitPolicy(slug)), auth_config=str(ac))
    for slug, cas in dict(_get(config, "connected_accounts", {}) or {}).items():
        cas = [cas] if isinstance(cas, str) else list(cas)
        kits[slug] = replace(kits.get(slug, ToolkitPolicy(slug)), accounts=tuple(cas))
    order = {s: i for i, s in enumerate(toolkits)}
    tags = _get(config, "tags")
    manage = _get(config, "manage_connections")
    wb = _get(config, "workbench")
    multi = _get(config, "multi_account")
    proxy = _get(config, "proxy_execute")
    preload = _get(_get(config, "preload"), "tools", [])
    enabled = _get(manage, "enabled", _get(manage, "enable", True))
    wait = _get(manage, "enable_wait_for_connections", _get(manage, "wait_for_connections"))
    return Policy(
        toolkits=toolkits, exclude=exclude,
        kits=tuple(sorted(kits.values(), key=lambda k: (order.get(k.slug, len(order)), k.slug))),
        tags=tuple(_either(tags, "enabled", "enable")), deny_tags=tuple(_either(tags, "disabled", "disable")),
        approval_toolkits=tuple(_either(tk, "require_approval")),
        approval_tags=tuple(_either(tags, "require_approval")),
        manage_connections=bool(enabled), callback_url=str(_get(manage, "callback_url", "") or ""),
        wait_for_connections=wait if isinstance(wait, bool) else None,
        sandbox=_get(wb, "enable") if wb is not None and isinstance(_get(wb, "enable"), bool) else None,
        sandbox_size=str(_get(wb, "sandbox_size", "") or ""),
        proxy_execute=_get(proxy, "enable") if proxy is not None else None,
        multi_account=_get(multi, "enable") if multi is not None else None,
        max_accounts=_get(multi, "max_accounts_per_toolkit") if multi is not None else None,
        preload=preload if isinstance(preload, str) else tuple(preload),
        guards=tuple(_guard_from(h) for h in (_get(config, "hooks", []) or [])),
    )


def _guard_from(hook: Any) -> Guard:
    handler = _get(hook, "handler", {})
    scope = _get(hook, "applies_to", "all")
    return Guard(condition=str(_get(handler, "condition", "")),
                 check=HookCheck(_get(handler, "type", "condition_check")),
                 phase=HookPhase(_get(hook, "type", "before_execute")),
                 toolkits=() if scope == "all" else tuple(_get(scope, "toolkits", [])),
                 id=str(_get(hook, "id", "")), name=str(_get(hook, "name", "")))


# --- summaries --------------------------------------------------------------------------------------


def kit_summary(policy: Policy, slug: str) -> str:
    """One line: what this toolkit gets in the session."""
    kit = policy.kit(slug)
    mode = kit.mode
    if mode == ToolMode.ALLOW:
        count = len(kit.allow or ())
        parts = [f"{count} tool{'' if count == 1 else 's'} allowed"]
    elif mode == ToolMode.DENY:
        parts = [f"all tools but {len(kit.deny)}"]
    elif mode == ToolMode.TAGS:
        parts = ["tools tagged " + "/".join(kit.tags)]
    else:
        parts = ["all tools"]
    if policy.tags:
        parts.append("only " + "/".join(policy.tags))
    if kit.approval or slug in policy.approval_toolkits:
        parts.append("approval: " + ("all" if slug in policy.approval_toolkits else str(len(kit.approval))))
    parts.append(f"auth {kit.auth_config}" if kit.auth_config else "Composio-managed auth")
    if kit.accounts:
        parts.append("account " + ", ".join(kit.accounts))
    return " · ".join(parts)


def summary(policy: Policy) -> list[str]:
    """A few lines for the session-wide settings."""
    lines = []
    if policy.exclude:
        lines.append("toolkits: all but " + ", ".join(policy.exclude))
    if policy.tags or policy.deny_tags:
        lines.append("tags: " + " ".join([*policy.tags, *(f"-{t}" for t in policy.deny_tags)]))
    if policy.approval_tags:
        lines.append("approval on tags: " + ", ".join(policy.approval_tags))
    conn = "on" if policy.manage_connections else "off"
    if policy.callback_url:
        conn += f", callback {policy.callback_url}"
    lines.append(f"manage connections: {conn}")
    sandbox = "off" if policy.sandbox is False else "on"
    lines.append(f"sandbox: {sandbox}{f' ({policy.sandbox_size})' if policy.sandbox_size else ''}")
    if policy.guards:
        scoped = [f"{hook_id(g, i)} on {', '.join(g.toolkits)}" for i, g in enumerate(policy.guards, 1) if g.toolkits]
        lines.append(f"guardrails: {len(policy.guards)}" + (f" ({'; '.join(scoped)})" if scoped else ""))
    return lines



def as_dict(p: Policy) -> dict:
    """The policy as plain JSON (commands' output; ``sessions show --json``)."""
    return {
        "toolkits": list(p.toolkits), "exclude": list(p.exclude),
        "tools": {k.slug: {"mode": str(k.mode), "allow": list(k.allow) if k.allow is not None else None,
                           "deny": list(k.deny), "tags": list(k.tags), "require_approval": list(k.approval),
                           "auth_config": k.auth_config or None, "accounts": list(k.accounts)} for k in p.kits},
        "tags": list(p.tags), "deny_tags": list(p.deny_tags),
        "require_approval": {"toolkits": list(p.approval_toolkits), "tags": list(p.approval_tags)},
        "manage_connections": p.manage_connections, "callback_url": p.callback_url or None,
        "wait_for_connections": p.wait_for_connections,
        "sandbox": p.sandbox is not False, "sandbox_size": p.sandbox_size or None,
        "proxy_execute": p.proxy_execute, "multi_account": p.multi_account, "max_accounts": p.max_accounts,
        "preload": p.preload if isinstance(p.preload, str) else list(p.preload),
        "guards": hooks(p),
    }
