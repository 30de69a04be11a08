"""`templates list|show|save`: named policies (tui.core.templates) from the command line."""

from __future__ import annotations

import argparse

from ..core import policy as P, policy_spec as S, templates
from ..core.context import Context
from ..core.errors import ApiError
from .output import emit_list, emit_record, say
from .policy_input import spec_from_args
from .run import EXIT_OK, connect


def _row(t: templates.Template) -> dict:
    return {"name": t.name, "source": t.source, "id": t.id or None, "description": t.description or None}


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = [_row(t) for t in templates.local(ctx.paths.config_file).values()]
    try:
        connect(ctx)
        rows += [_row(t) for t in templates.project(ctx.gateway)]
    except ApiError as err:  # the local ones are still worth showing
        say(f"note: the project's session configs are not listed: {err.line()}")
    emit_list(rows, [("name", "NAME"), ("source", "SOURCE"), ("id", "ID"), ("description", "DESCRIPTION")],
              as_json=args.json, empty="No templates yet: `composio-tui templates save NAME --toolkit …`.",
              shrink=("description",))
    return EXIT_OK


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    mine = templates.local(ctx.paths.config_file)
    if args.name not in mine:
        connect(ctx)
    found = templates.find(ctx.paths.config_file, args.name, None if args.name in mine else ctx.gateway)
    policy = found.policy()
    record = _row(found) | {"template": S.to_table(policy), "policy": P.as_dict(policy),
                            "summary": [f"{s}: {P.kit_summary(policy, s)}" for s in policy.toolkits]
                            + P.summary(policy)}
    emit_record(record, as_json=args.json, fields=[("name", "template"), ("source", "source"),
                                                   ("description", "description"), ("summary", "policy")])
    return EXIT_OK


def cmd_save(ctx: Context, args: argparse.Namespace) -> int:
    spec = spec_from_args(args, toolkits=[x.lower() for x in args.toolkit] if args.toolkit else None)
    if args.template:
        base = templates.find(ctx.paths.config_file, args.template, None)
        spec = S.merge(base.spec, spec)
    known: frozenset[str] = frozenset()
    if spec.toolkits or spec.exclude:  # check the slugs against the catalog when there are any
        connect(ctx)
        known = ctx.catalogs.known_slugs([*(spec.toolkits or ()), *spec.exclude])
    policy = S.apply(P.Policy(), spec, known)
    table, notes = templates.store(ctx.paths.config_file, args.name, policy, gateway=ctx.gateway if known else None,
                                   known=known, description=args.description)
    for note in notes:
        say(f"note: {note}.")
    say(f"Saved template {args.name} to {ctx.paths.config_file}.")
    emit_record({"name": args.name, "source": templates.LOCAL, "file": str(ctx.paths.config_file),
                 "template": table}, as_json=args.json)
    return EXIT_OK
