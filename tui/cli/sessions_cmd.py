"""`sessions create|list|show|delete|verify|export`: the console's session rules, one line at a time
(a create with policy flags or a template goes through tui.core.editing)."""

from __future__ import annotations

import argparse
import sys

from ..core import editing, policy as P, probe, sessions
from ..core.context import Context
from ..core.errors import ApiError
from ..core.ledger import ACTIVE, Entry, LedgerError
from ..core.models import SessionInfo
from ..core.provision import Backoff, Recorder, confirm_active
from ..core.states import LedgerState
from . import policy_input
from .output import ask, emit_list, emit_record, error, ident, inert, say, stdin_tty, stdout_tty
from .run import EXIT_API, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_OK, EXIT_STORAGE, EXIT_USAGE, connect

SESSION_FIELDS = [("session_id", "session"), ("user_id", "user"), ("mcp_url", "MCP URL"), ("toolkits", "toolkits"),
                  ("manage_connections", "manage connections"), ("state", "ledger state"),
                  ("created_at", "created")]
LIST_COLUMNS = [("session_id", "SESSION"), ("user_id", "USER"), ("toolkits", "TOOLKITS"), ("state", "STATE"),
                ("created_at", "CREATED"), ("mcp_url", "MCP URL")]


def _entry_row(entry: Entry) -> dict:
    return {"session_id": entry.session_id, "user_id": entry.user_id, "mcp_url": entry.mcp_url,
            "toolkits": list(entry.toolkits), "manage_connections": entry.manage_connections,
            "state": entry.state, "created_at": entry.created_at, "updated_at": entry.updated_at,
            "base_url": entry.base_url, "operator": entry.operator, "note": entry.note, "profile": entry.profile}


def _info_row(info: SessionInfo, entry: Entry | None = None) -> dict:
    return {"session_id": info.session_id, "user_id": info.user_id, "mcp_url": info.mcp_url,
            "toolkits": list(info.toolkits), "manage_connections": info.manage_connections,
            "tool_router_tools": list(info.tool_router_tools), "excluded": list(info.excluded),
            "state": entry.state if entry else None, "created_at": entry.created_at if entry else None}


def _policy_record(info, policy: P.Policy, entry, template: str) -> dict:
    return _info_row(info, entry) | {"status": "created", "template": template or None, "config_version": 1,
                                     "policy": P.as_dict(policy)}


def _create_with_policy(ctx: Context, args: argparse.Namespace) -> int:
    """`sessions create` with policy flags or a template (tui.core.editing)."""
    if args.reuse:
        error("--reuse looks for a session with the same toolkits only; it cannot be combined with a policy.")
        return EXIT_USAGE
    connect(ctx)
    policy, known, template = policy_input.resolve(ctx, args)
    retry = Backoff(max_attempts=3)
    info = editing.create(ctx.gateway, ctx.ledger, args.user, policy, known, retry=retry, sleep=retry.sleep)
    record = _policy_record(info, policy, ctx.ledger.get(info.session_id), template)
    say(f"Created session {info.session_id} for user {inert(info.user_id)}"
        f"{f' from template {template}' if template else ''}.")
    if args.url_only:
        print(record["mcp_url"])
    else:
        emit_record(record, as_json=args.json, fields=SESSION_FIELDS)
    return EXIT_OK


def _session_url(ctx: Context, session_id: str) -> tuple[str | None, Entry | None]:
    """The MCP URL from the ledger, else from the API (None when neither knows the session)."""
    entry = ctx.ledger.get(session_id)
    if entry is not None and entry.mcp_url:
        return entry.mcp_url, entry
    connect(ctx)
    info = sessions.refresh(ctx.gateway, ctx.ledger, session_id)
    return (info.mcp_url if info else None), entry


def _not_found(session_id: str) -> int:
    error(f"no session {ident(session_id)}: the API does not know it (404) and the ledger has no record of it.")
    return EXIT_NOT_FOUND


def cmd_create(ctx: Context, args: argparse.Namespace) -> int:
    ctx.require_writable("creating a session")  # a read-only profile: refused before any request
    if policy_input.has_policy(args):
        return _create_with_policy(ctx, args)
    if not args.toolkit:
        error("the following arguments are required: --toolkit (or --template / --exclude-toolkit)")
        return EXIT_USAGE
    connect(ctx)
    slugs = list(args.toolkit)
    known = ctx.catalogs.known_slugs(slugs)
    checked = sessions.check(args.user, slugs, known)  # every problem at once, before any request
    if checked.warning:
        say(f"note: {checked.warning}")
    record: dict | None = None
    ctx.ledger.check_writable()  # a read-only ledger: the storage sentence before any request
    if args.reuse:
        entry = ctx.ledger.find_active(args.user, slugs, ctx.gateway.base_url)
        if entry is not None:
            verdict = confirm_active(ctx.gateway, ctx.ledger, [entry])[entry.id]
            if isinstance(verdict, ApiError):
                raise verdict
            if verdict:
                record = _entry_row(ctx.ledger.get(entry.session_id) or entry) | {"status": "reused"}
                say(f"Reusing the active session {entry.session_id} from the ledger ({entry.created_at}); "
                    "the API confirms it exists.")
            else:
                say(f"The ledger's session {entry.session_id} is gone at the API (now marked 'gone'); "
                    "creating a new one.")
    if record is None:
        policy = Backoff(max_attempts=3)
        recorder = Recorder(ctx.ledger)
        try:
            info = sessions.create(ctx.gateway, recorder, args.user, slugs, known,
                                   manage_connections=not args.no_manage_connections, retry=policy,
                                   sleep=policy.sleep)
        except LedgerError as err:
            made = recorder.unrecorded
            if made is None:
                raise
            # Created at the API, not recorded (e.g. a full disk): this output is its only record.
            emit_record(_info_row(made) | {"status": "created", "recorded": False}, as_json=args.json,
                        fields=SESSION_FIELDS)
            error(f"created session {made.session_id} ({made.mcp_url}) but could not record it: {err}")
            return EXIT_STORAGE
        record = _info_row(info, ctx.ledger.get(info.session_id)) | {"status": "created"}
        say(f"Created session {info.session_id} for user {inert(info.user_id)}.")
    if args.url_only:
        print(record["mcp_url"])
    else:
        emit_record(record, as_json=args.json, fields=SESSION_FIELDS)
    return EXIT_OK


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    ledger = ctx.ledger
    if ledger.read_only:  # a healthy ledger on a read-only mount: list it as it is
        say(f"note: the ledger at {ledger.path} is read-only here; listing it as it is.")
    else:
        ledger.reconcile_stale()
    every = args.all_origins or getattr(args, "all_profiles", False)
    entries = ledger.entries(user=args.user, toolkit=args.toolkit, states=args.state,
                             base_url=None if every or ctx.demo else ctx.base_url)
    scope = f"profile {ctx.ledger_profile}" if ctx.ledger_profile else ctx.base_url
    where = "" if every else f" for {scope} (--all-profiles shows every profile and API)"
    emit_list([_entry_row(e) for e in entries], LIST_COLUMNS, as_json=args.json,
              empty=f"No sessions in the ledger{where}.", shrink=("toolkits", "user_id"))
    return EXIT_OK


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    entry = ctx.ledger.get(args.session_id)
    connect(ctx)
    info = sessions.refresh(ctx.gateway, ctx.ledger, args.session_id)
    if info is None:
        if entry is None:
            return _not_found(args.session_id)
        error(f"session {ident(args.session_id)} was deleted elsewhere (404); the ledger now marks it 'gone'.")
        return EXIT_NOT_FOUND
    entry = ctx.ledger.get(args.session_id)
    connections = [{"toolkit": c.slug, "name": c.name, "state": c.state, "ready": c.ready,
                    "connected_account_id": c.connected_account_id, "status_reason": c.status_reason,
                    "is_disabled": c.is_disabled}
                   for c in sessions.readiness(ctx.gateway, info)]

    record = _info_row(info, entry) | {"connections": connections} | policy_input.show_fields(ctx, args.session_id)
    if stdout_tty() and not args.json:
        emit_record(record | {"toolkits": info.toolkit_scope}, as_json=False,
                    fields=SESSION_FIELDS + [("excluded", "excluded"), ("tool_router_tools", "meta tools")])
        print()
        emit_list(connections, [("toolkit", "TOOLKIT"), ("state", "CONNECTION"), ("ready", "READY"),
                                ("connected_account_id", "ACCOUNT"), ("status_reason", "REASON")], as_json=False)
    else:
        emit_record(record, as_json=args.json)
    return EXIT_OK


def cmd_delete(ctx: Context, args: argparse.Namespace) -> int:
    ctx.require_writable("deleting a session")  # a read-only profile: refused before asking
    if not args.yes and not stdin_tty():
        error(f"not deleting {ident(args.session_id)}: stdin is not a terminal, so nobody can confirm; "
              "pass --yes to delete without asking.")
        return EXIT_USAGE
    entry = ctx.ledger.get(args.session_id)
    connect(ctx)
    if not args.yes:
        who = f" of user {inert(entry.user_id)} ({', '.join(entry.toolkits)})" if entry else ""
        if not ask(f"Delete session {ident(args.session_id)}{who}? Its MCP URL stops working."):
            say("Nothing deleted.")
            return EXIT_OK
    deleted = sessions.delete(ctx.gateway, ctx.ledger, args.session_id)
    if deleted:
        say(f"Deleted session {ident(args.session_id)}.")
    elif entry is not None:
        say(f"Session {ident(args.session_id)} was already deleted elsewhere; the ledger now marks it 'gone'.")
    else:
        return _not_found(args.session_id)
    if args.json or not stdout_tty():
        emit_record({"session_id": args.session_id, "deleted": deleted,
                     "state": LedgerState.DELETED if deleted else LedgerState.GONE}, as_json=args.json)
    return EXIT_OK


def verify_exit(result: probe.ProbeResult) -> int:
    if result.ok:
        return EXIT_OK
    if result.diagnosis.startswith(probe.AUTH):
        return EXIT_AUTH
    if result.diagnosis.startswith((probe.NOT_FOUND, "nothing at this URL")):
        return EXIT_NOT_FOUND
    return EXIT_API


def cmd_verify(ctx: Context, args: argparse.Namespace) -> int:
    connect(ctx)
    url, _ = _session_url(ctx, args.session_id)
    if url is None:
        return _not_found(args.session_id)
    say(f"Connecting to {url} like an MCP client (initialize, tools/list)…")
    result = probe.verify_session(ctx.gateway, url, timeout=ctx.settings.timeout)
    record = {"session_id": args.session_id, "mcp_url": url, "ok": result.ok, "server": result.server,
              "tools": list(result.tools), "diagnosis": result.diagnosis, "seconds": round(result.seconds, 3)}
    if result.ok:
        say(f"✓ The MCP endpoint answers ({result.server or 'server'}, {result.seconds:.2f} s) "
            f"with {len(result.tools)} tools.")
    else:
        error(f"✗ {result.diagnosis}")
    if stdout_tty() and not args.json:
        for tool in result.tools:
            print(f"  • {inert(tool)}")
    else:
        emit_record(record, as_json=args.json)
    return verify_exit(result)


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    mode = args.key_mode or ctx.settings.key_mode
    if args.key_mode is None and mode == "literal":
        say("note: the key_mode setting is 'literal', but the key is printed only with --key literal "
            "--i-know-this-prints-the-key; using 'env'.")
        mode = "env"
    if mode == "literal" and not args.allow_literal:
        error("--key literal prints the API key itself; add --i-know-this-prints-the-key if that is what you want.")
        return EXIT_USAGE
    if mode == "literal":
        connect(ctx)
    url, entry = _session_url(ctx, args.session_id)
    if url is None:
        return _not_found(args.session_id)
    if entry is not None and entry.state != ACTIVE:
        say(f"note: the ledger marks this session '{entry.state}'.")
    try:
        text = ctx.export_text(args.format, url, mode, server_name=args.server_name)
    except ValueError as exc:
        error(str(exc))
        return EXIT_USAGE
    sys.stdout.write(text)
    sys.stdout.flush()
    if mode == "literal":
        say("warning: this configuration contains the API key; keep it out of shared files and chats.")
    elif mode == "placeholder":
        say("Replace <COMPOSIO_API_KEY> with the project API key where the client reads it.")
    return EXIT_OK
