"""`provision --users FILE --toolkit SLUG...`: one session per user, resumable, with a summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core import errors, provision
from ..core.context import Context
from ..core.sessions import InputError
from ..core.validation import check_slugs
from . import policy_input
from .output import Progress, emit_list, error, inert, say
from .run import EXIT_API, EXIT_AUTH, EXIT_OK, EXIT_STORAGE, EXIT_USAGE, connect

COLUMNS = [("user_id", "USER"), ("status", "STATUS"), ("session_id", "SESSION"), ("mcp_url", "MCP URL"),
           ("error", "ERROR")]
SHOW_FAILURES = 20


def _format(args: argparse.Namespace) -> str | None:
    """csv | json | jsonl, or None for the terminal table / pipe JSON Lines default on stdout."""
    if args.json:
        return "json"
    if args.format:
        return args.format
    if args.output:
        suffix = Path(args.output).suffix.casefold()
        return {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "csv")
    return None


def cmd_provision(ctx: Context, args: argparse.Namespace) -> int:
    ctx.require_writable("provisioning sessions")  # a read-only profile: refused before any request
    session_policy = None
    if policy_input.has_policy(args):  # a template or policy flags: one policy for every user's session
        connect(ctx)
        session_policy = policy_input.provision_policy(ctx, args)
    elif not args.toolkit:
        error("the following arguments are required: --toolkit (or --template)")
        return EXIT_USAGE
    try:
        rows = provision.check_rows(provision.read_users(args.users, sys.stdin))
    except provision.UsersFileError as exc:
        error(str(exc))
        return EXIT_USAGE
    # Everything local that could fail after sessions exist is checked before the first request.
    if args.output:
        try:
            provision.check_output(Path(args.output))
        except provision.OutputError as exc:
            error(str(exc))
            return EXIT_USAGE if exc.usage else EXIT_STORAGE
    ctx.ledger.check_writable()  # LedgerError: exit 6 with the storage sentence
    slugs = list(args.toolkit)
    connect(ctx)
    known = ctx.catalogs.known_slugs(slugs)
    problems = check_slugs(slugs, known)
    if problems:  # one list of slugs for every user: nothing is sent
        raise InputError(problems)
    if any(not r.error for r in rows):
        ctx.gateway.warm()  # the SDK import (seconds) happens here, before any ledger row is pending
    bad = sum(1 for r in rows if r.error)
    say(f"{len(rows)} users in {'standard input' if args.users == '-' else args.users}"
        f"{f', {bad} not usable (reported below)' if bad else ''}; toolkits: {', '.join(slugs)}.")

    progress = Progress(len(rows), enabled=sys.stderr.isatty())
    policy = provision.Backoff(max_attempts=args.retries + 1)
    with provision.exclusive(ctx.ledger_path):
        try:
            report = provision.provision(
                ctx.gateway, ctx.ledger, rows, slugs, known, concurrency=args.concurrency, force=args.force,
                retry_unknown=args.retry_unknown, manage_connections=not args.no_manage_connections,
                policy=policy, session_policy=session_policy, on_outcome=lambda o: progress.add(o.status))
        finally:
            progress.close()
    _write(report, args)
    _summary(report)
    return _exit(report)


def _write(report: provision.Report, args: argparse.Namespace) -> None:
    fmt = _format(args)
    if args.output:
        text = provision.render(report, fmt or "csv")
        try:
            provision.write_atomic(Path(args.output), text)
        except OSError as exc:  # e.g. the disk filled during the run: the results must still reach someone
            error(f"cannot write the results file {args.output} ({exc.strerror or exc}); printing them here.")
            _stdout(text)
            return
        say(f"Results written to {args.output} ({fmt}).")
    elif fmt is None:
        rows = [{k: o.as_row()[k] for k in provision.FIELDS} for o in report.outcomes]
        emit_list(rows, COLUMNS, as_json=False, shrink=("error", "user_id"))
    else:
        _stdout(provision.render(report, fmt))


def _stdout(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:  # stdout itself is a full disk: stderr is the last resort
        if isinstance(exc, BrokenPipeError):
            raise
        error(f"cannot write the results to standard output ({exc.strerror or exc}):")
        sys.stderr.write(text)


def _summary(report: provision.Report) -> None:
    created, skipped = report.count(provision.CREATED), report.count(provision.SKIPPED)
    failed, unknown = report.failed, report.unknown
    retries = f"; {report.retries} retries after 429/5xx" if report.retries else ""
    held = f", {len(unknown)} unknown (not created again)" if unknown else ""
    say(f"Done in {report.seconds:.1f} s: {created} created, {skipped} skipped (already provisioned), "
        f"{len(failed)} failed{held}{retries}.")
    skipped_out = [o for o in failed if o.error.startswith("not attempted: ") and report.fatal
                   and o.error == f"not attempted: {report.fatal}"]
    failed = [o for o in failed if o not in skipped_out]
    for outcome in failed[:SHOW_FAILURES]:
        say(f"  failed  line {outcome.line}  {inert(outcome.user_id)!r}: {outcome.error}")
    if len(failed) > SHOW_FAILURES:
        say(f"  … and {len(failed) - SHOW_FAILURES} more (see the results' error column).")
    if skipped_out:  # one line for the users the stop left out, not one each
        say(f"  not attempted  {len(skipped_out)} users (lines {skipped_out[0].line}…{skipped_out[-1].line}), "
            "because the run stopped early (below).")
    for outcome in unknown[:SHOW_FAILURES]:
        say(f"  unknown line {outcome.line}  {inert(outcome.user_id)!r}: {outcome.error}")
    if len(unknown) > SHOW_FAILURES:
        say(f"  … and {len(unknown) - SHOW_FAILURES} more unknown (see the results' status column).")
    if unknown:
        say("  Users marked unknown may have a session at the API; run again with --retry-unknown to create "
            "theirs knowingly.")
    warned = [o for o in report.outcomes if o.warning and o.status not in (provision.FAILED, provision.UNKNOWN)]
    for outcome in warned[:SHOW_FAILURES]:
        say(f"  note    line {outcome.line}  {inert(outcome.user_id)!r}: {outcome.warning}")
    if len(warned) > SHOW_FAILURES:
        say(f"  … and {len(warned) - SHOW_FAILURES} more notes (see the results' warning column).")
    for outcome in report.unrecorded:  # every one, never cut: these ids are recorded nowhere else
        say(f"  NOT IN LEDGER  {inert(outcome.user_id)!r}  {outcome.session_id}  {outcome.mcp_url}")
    if report.fatal:
        error(f"stopped early: {report.fatal}")


def _exit(report: provision.Report) -> int:
    if report.fatal_kind in (errors.AUTH, errors.CONFIG):
        return EXIT_AUTH if report.fatal_kind == errors.AUTH else EXIT_USAGE
    if report.fatal_kind == provision.FATAL_LEDGER:
        return EXIT_STORAGE
    if report.fatal_kind == provision.FATAL_INTERRUPTED:
        return 130
    failed = report.failed
    if not failed and not report.unknown:
        return EXIT_OK
    if not report.unknown and all(o.attempts == 0 and not o.error.startswith("not attempted") for o in failed):
        return EXIT_USAGE  # only rows that were never sent: bad IDs or repeats
    return EXIT_API
