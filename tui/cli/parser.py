"""The argument parser. No command takes the API key as an argument (it would land in shell history)."""

from __future__ import annotations

import argparse

from .. import __version__

EXIT_CODES = """exit codes:
  0  ok
  1  unexpected error
  2  usage error (bad arguments, bad input, no TTY to prompt on)
  3  authentication (no key, key rejected, keyring unusable)
  4  not found (toolkit, session)
  5  API or network failure
  6  local storage failure (ledger, config)
  130  interrupted (Ctrl-C)"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="composio-tui",
        description="A terminal console for Composio's Tool Router: browse toolkits, create one session per end "
                    "user, copy its MCP URL and client config.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--demo", action="store_true",
                   help="use the embedded local Composio-compatible API (no key, no keyring)")
    p.add_argument("--base-url", metavar="URL", help="Composio API origin (default: COMPOSIO_BASE_URL or production)")
    p.add_argument("--config", metavar="FILE", help="config file (default: COMPOSIO_TUI_CONFIG or the platform config dir)")
    p.add_argument("--theme", metavar="NAME", help="Textual theme for this run")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="seconds before an API call gives up")
    p.add_argument("--profile", metavar="NAME", help="profile for this run (default: COMPOSIO_TUI_PROFILE or the "
                                                     "default profile; see `profiles list`)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("info", help="print every path in use, the base URL and where the API key comes from")
    login = sub.add_parser("login", help="verify an API key and store it in the OS keyring",
                           description="Prompts for the key (hidden) on a TTY; otherwise reads it from stdin, "
                                       "e.g. `printf %%s \"$KEY\" | composio-tui login`.")
    login.add_argument("--check-only", action="store_true", help="verify the key without storing it")
    logout = sub.add_parser("logout", help="delete the stored API key for this base URL from the keyring")
    for cmd in (login, logout):  # dest differs: a subparser default would overwrite the global --profile
        cmd.add_argument("--profile", dest="sub_profile", metavar="NAME", help="the profile whose key this is")
    _toolkits(sub)
    _sessions(sub)
    _provision(sub)
    _profiles(sub)
    return p


LIST_NOTE = ("Output: a table on a terminal, JSON Lines when stdout is piped, one JSON array with --json. "
             "Messages go to stderr.")
RECORD_NOTE = ("Output: labelled lines on a terminal, one JSON object when stdout is piped or with --json. "
               "Messages go to stderr.")
EXPORT_NOTE = "Output: the configuration itself on stdout; notes and warnings on stderr."


def _group(sub, name: str, help_text: str) -> argparse._SubParsersAction:
    group = sub.add_parser(name, help=help_text, description=help_text, epilog=EXIT_CODES,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    return group.add_subparsers(dest=f"{name}_command", metavar="ACTION", required=True)


def _command(group, name: str, module: str, help_text: str, description: str = "",
             note: str = RECORD_NOTE) -> argparse.ArgumentParser:
    cmd = group.add_parser(name, help=help_text, description=(description or help_text) + "\n\n" + note,
                           epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.set_defaults(handler=(module, "cmd_" + name))
    return cmd


def _json_flag(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--json", action="store_true", help="print one JSON document")


def _toolkits(sub) -> None:
    group = _group(sub, "toolkits", "browse the toolkit catalog (cached for catalog_max_age minutes)")
    for name, text in (("list", "list every toolkit"), ("search", "search toolkits like the console does")):
        cmd = _command(group, name, "toolkits_cmd", text, note=LIST_NOTE)
        if name == "search":
            cmd.add_argument("query", help="words to look for in slug, name, categories and description")
        cmd.add_argument("--category", metavar="ID", help="only this category (id or name)")
        cmd.add_argument("--sort", choices=("usage", "alpha"), default="usage", help="order (default: usage)")
        cmd.add_argument("--limit", type=_positive, metavar="N", help="at most N toolkits")
        cmd.add_argument("--refresh", action="store_true", help="fetch the catalog even if the cache is fresh")
        _json_flag(cmd)
    info = _command(group, "info", "toolkits_cmd", "one toolkit: auth, categories, managed auth and its tools")
    info.add_argument("slug", help="exact toolkit slug, e.g. github")
    info.add_argument("--refresh", action="store_true", help="fetch the catalog even if the cache is fresh")
    _json_flag(info)


def _sessions(sub) -> None:
    group = _group(sub, "sessions", "create and manage Tool Router sessions (one per end user)")
    create = _command(group, "create", "sessions_cmd", "create a session for one user and print its MCP URL",
                      "Create a Tool Router session for one end user. Every call makes a new session "
                      "unless --reuse finds an active one with the same toolkits in the ledger.")
    create.add_argument("--user", required=True, metavar="ID", help="the end user's stable ID")
    create.add_argument("--toolkit", required=True, nargs="+", action="extend", metavar="SLUG",
                        help="toolkit slugs from the catalog (repeat or list several)")
    create.add_argument("--reuse", action="store_true",
                        help="print the user's active session with the same toolkits instead of creating one")
    create.add_argument("--no-manage-connections", action="store_true",
                        help="leave out the COMPOSIO_MANAGE_CONNECTIONS meta tool")
    create.add_argument("--url-only", action="store_true", help="print only the MCP URL")
    _json_flag(create)

    listing = _command(group, "list", "sessions_cmd",
                       "sessions recorded in the local ledger (the API cannot list them)", note=LIST_NOTE)
    listing.add_argument("--user", metavar="TEXT", help="user IDs containing TEXT (any case)")
    listing.add_argument("--toolkit", metavar="SLUG", help="sessions that include this toolkit")
    listing.add_argument("--state", action="append", metavar="STATE",
                         choices=("pending", "active", "failed", "deleted", "gone", "unknown"),
                         help="only this ledger state (repeatable)")
    listing.add_argument("--all-origins", action="store_true", help="include sessions made against other base URLs")
    listing.add_argument("--all-profiles", action="store_true", help="include sessions of every profile")
    _json_flag(listing)

    show = _command(group, "show", "sessions_cmd", "a session as the API sees it, with each toolkit's connection")
    show.add_argument("session_id", metavar="ID")
    _json_flag(show)

    delete = _command(group, "delete", "sessions_cmd", "delete a session (asks first on a terminal)",
                      "Delete a session remotely and mark it in the ledger. Asks for confirmation when stdin is "
                      "a terminal; otherwise --yes is required.",
                      note="Output: one JSON object when stdout is piped or with --json; messages on stderr.")
    delete.add_argument("session_id", metavar="ID")
    delete.add_argument("--yes", "-y", action="store_true", help="do not ask")
    _json_flag(delete)

    verify = _command(group, "verify", "sessions_cmd", "connect to the MCP URL like a client (initialize, tools/list)",
                      note="Output: the tool names on a terminal, one JSON object when stdout is piped or with "
                           "--json; the verdict on stderr.")
    verify.add_argument("session_id", metavar="ID")
    _json_flag(verify)

    from ..core.export import FORMATS, KEY_MODES

    export = _command(group, "export", "sessions_cmd", "print an MCP client configuration for a session",
                      "Print a client configuration for the session's MCP URL. The x-api-key header is a "
                      "placeholder or an environment reference (default: the key_mode setting); the literal "
                      "key only with --key literal --i-know-this-prints-the-key.", note=EXPORT_NOTE)
    export.add_argument("session_id", metavar="ID")
    export.add_argument("--format", choices=FORMATS, default="claude-code", help="client (default: claude-code)")
    export.add_argument("--key", choices=KEY_MODES, dest="key_mode", help="how the header carries the API key")
    export.add_argument("--i-know-this-prints-the-key", dest="allow_literal", action="store_true",
                        help="required with --key literal")
    export.add_argument("--server-name", default="composio", metavar="NAME", help="MCP server name (default: composio)")


def _provision(sub) -> None:
    cmd = sub.add_parser(
        "provision", help="create one session per user listed in a file",
        description="Create one Tool Router session per user in FILE (one ID a line, or CSV with a user_id "
                    "column or the IDs in the first column; '-' reads stdin). Every ID and slug is checked "
                    "before any request; bad rows are reported and skipped. Users that already have an active "
                    "session with the same toolkits in the ledger are skipped unless --force, so an "
                    "interrupted run can simply be run again. Results (user_id, session_id, mcp_url, status, "
                    "error) go to stdout or --output; a progress bar and the summary go to stderr.",
        epilog=EXIT_CODES + "\n\nprovision exits 0 when every user has a session, 2 when only bad rows "
                            "failed, 5 when the API refused some users, 3 when the key was rejected.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.set_defaults(handler=("provision_cmd", "cmd_provision"))
    cmd.add_argument("--users", required=True, metavar="FILE", help="the user IDs (.csv or one a line; - = stdin)")
    cmd.add_argument("--toolkit", required=True, nargs="+", action="extend", metavar="SLUG",
                     help="toolkit slugs every session gets")
    cmd.add_argument("--concurrency", type=_whole(1, 64), default=8, metavar="N",
                     help="sessions created at the same time (default 8, at most 64)")
    cmd.add_argument("--force", action="store_true", help="create even for users already provisioned")
    cmd.add_argument("--retries", type=_count, default=5, metavar="N",
                     help="retries per user after a 429 or 5xx (default 5)")
    cmd.add_argument("--no-manage-connections", action="store_true",
                     help="leave out the COMPOSIO_MANAGE_CONNECTIONS meta tool")
    cmd.add_argument("--output", "-o", metavar="FILE", help="write the results here instead of stdout")
    cmd.add_argument("--format", choices=("csv", "json", "jsonl"),
                     help="results format (default: from the --output suffix, else a table on a terminal "
                          "and JSON Lines in a pipe)")
    cmd.add_argument("--json", action="store_true", help="same as --format json")


def _whole(low: int, high: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {low} or more" if high is None
                                             else f"must be between {low} and {high}")
        return value
    return parse


_positive = _whole(1)
_count = _whole(0, 20)


def _profiles(sub) -> None:
    """Issue 16: `profiles list|add|remove|use` (tui/cli/profiles_cmd.py)."""
    group = _group(sub, "profiles", "several Composio projects and environments: list, add, remove, pick the default")
    listing = _command(group, "list", "profiles_cmd", "every profile: base URL, where its key comes from, last four",
                       note=LIST_NOTE)
    _json_flag(listing)
    add = _command(group, "add", "profiles_cmd", "add a profile to the config file (never its key; then `login --profile`)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--base-url", dest="profile_url", required=True, metavar="URL", help="the API origin (https://)")
    add.add_argument("--label", default="", help="a longer name shown next to NAME")
    add.add_argument("--colour", "--color", dest="colour", default="", help="header colour: a name or #rrggbb")
    add.add_argument("--read-only", action="store_true", help="refuse every write (create, delete, link, ...)")
    add.add_argument("--key-env", default="", metavar="VAR", help="environment variable holding its key (no keyring)")
    add.add_argument("--default-template", default="", metavar="NAME", help="template preselected for new sessions")
    remove = _command(group, "remove", "profiles_cmd", "remove a profile and its stored key (asks first on a terminal)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--yes", "-y", action="store_true", help="do not ask")
    use = _command(group, "use", "profiles_cmd", "make NAME the default profile")
    use.add_argument("name", metavar="NAME")
