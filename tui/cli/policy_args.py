"""The policy flags, added by one function to every parser that takes them (sessions create/update,
provision, templates save), and the `sessions update|history` and `templates` parsers. Argparse only:
nothing here imports the core, so `--help` stays instant."""

from __future__ import annotations

import argparse

POLICY_NOTE = ("Policy flags: SLUG=TOOL,TOOL lists replace that toolkit's lists; --require-approval takes a "
               "toolkit slug, a tool slug or a tag. Every flag is checked against the catalog and the API "
               "(tools list, auth configs, the user's accounts) before any session request.")


def add_policy_flags(cmd: argparse.ArgumentParser, *, update: bool = False, template: bool = True,
                     accounts: bool = True) -> None:
    """The shared policy flags; ``update`` adds --add-toolkit/--remove-toolkit and --sandbox."""
    group = cmd.add_argument_group("session policy")
    if update:
        group.add_argument("--add-toolkit", nargs="+", action="extend", default=[], metavar="SLUG",
                           help="enable these toolkits too")
        group.add_argument("--remove-toolkit", nargs="+", action="extend", default=[], metavar="SLUG",
                           help="take these toolkits out of the session")
    group.add_argument("--exclude-toolkit", nargs="+", action="extend", default=[], metavar="SLUG",
                       help="every toolkit except these (instead of --toolkit)")
    group.add_argument("--tools", action="append", default=[], metavar="SLUG=TOOL,TOOL",
                       help="only these tools of the toolkit (repeatable)")
    group.add_argument("--deny-tools", action="append", default=[], metavar="SLUG=TOOL,TOOL",
                       help="every tool of the toolkit except these (repeatable)")
    group.add_argument("--read-only", action="store_true", help="only tools tagged readOnlyHint")
    group.add_argument("--tags", action="append", default=[], metavar="TAG,…",
                       help="only tools with one of these tags (readOnlyHint, createHint, updateHint, destructiveHint)")
    group.add_argument("--require-approval", nargs="+", action="extend", default=[], metavar="SLUG|TOOL|TAG",
                       help="the user approves each call of this toolkit, tool or tag first")
    group.add_argument("--auth-config", action="append", default=[], metavar="SLUG=ac_…",
                       help="connect the toolkit through this auth config (e.g. your own OAuth app)")
    if accounts:
        group.add_argument("--account", action="append", default=[], metavar="SLUG=ca_…",
                           help="use this connected account of the user for the toolkit (repeatable)")
    group.add_argument("--callback-url", metavar="URL",
                       help="where the user lands after connecting (https, or http on localhost)")
    group.add_argument("--no-sandbox", dest="sandbox", action="store_const", const=False, default=None,
                       help="no code sandbox (no workbench or bash meta tools)")
    if update:
        group.add_argument("--sandbox", dest="sandbox", action="store_const", const=True,
                           help="turn the code sandbox back on")
    group.add_argument("--guard", action="append", default=[], metavar="CONDITION",
                       help="block tool calls matching this plain sentence (repeatable)")
    group.add_argument("--prompt-injection-check", action="store_true",
                       help="block results that try to give the agent instructions")
    if template:
        group.add_argument("--template", metavar="NAME",
                           help="start from this template (local, or a project session config)")
    _optional_toolkit(cmd)


def _optional_toolkit(cmd: argparse.ArgumentParser) -> None:
    """A template or --exclude-toolkit may stand in for --toolkit; the command checks one is given."""
    for action in cmd._actions:
        if "--toolkit" in action.option_strings:
            action.required = False


def register_sessions(group, command) -> argparse.ArgumentParser:
    """`sessions update` and `sessions history` (``command`` is parser._command)."""
    update = command(group, "update", "policy_cmd", "change a session's toolkits or policy in place (PATCH)",
                     "Edit a session in place: the session id and MCP URL stay, the config version goes up. "
                     "The change is checked first, then sent with the version just read, so a concurrent "
                     "edit is refused (409) instead of overwritten.\n\n" + POLICY_NOTE)
    update.add_argument("session_id", metavar="ID")
    add_policy_flags(update, update=True, template=False)
    update.add_argument("--dry-run", action="store_true", help="print the PATCH body and send nothing")
    update.add_argument("--json", action="store_true", help="print one JSON document")
    history = command(group, "history", "policy_cmd", "every config version of a session, with what changed")
    history.add_argument("session_id", metavar="ID")
    history.add_argument("--json", action="store_true", help="print one JSON document")
    return update


def register_templates(sub, group_fn, command) -> None:
    """`templates list|show|save` (``group_fn``/``command``: parser._group/_command)."""
    group = group_fn(sub, "templates", "named session policies: yours in the config file and the project's")
    listing = command(group, "list", "templates_cmd", "local templates and the project's session configs")
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    show = command(group, "show", "templates_cmd", "one template's policy")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true", help="print one JSON document")
    save = command(group, "save", "templates_cmd", "write a template to the config file ([templates.NAME])",
                   "Save a named policy to the config file. Connected accounts (one user's) and URLs with "
                   "credentials or a query are never written.\n\n" + POLICY_NOTE)
    save.add_argument("name", metavar="NAME")
    save.add_argument("--toolkit", nargs="+", action="extend", metavar="SLUG", help="toolkits the template enables")
    save.add_argument("--description", default="", metavar="TEXT", help="what the template is for")
    add_policy_flags(save, accounts=False)
    save.add_argument("--json", action="store_true", help="print one JSON document")


def route_create(cmd: argparse.ArgumentParser) -> None:
    """`sessions create` takes the policy flags (sessions_cmd turns them into the policy)."""
    add_policy_flags(cmd)


def route_provision(cmd: argparse.ArgumentParser) -> None:
    add_policy_flags(cmd, accounts=False)
