"""The argument parser. No command takes the API key as an argument (it would land in shell history)."""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

from .. import __version__
from ..core.states import LedgerState
from ..core.validation import check_base_url, check_rate_limit_wait, check_timeout

from . import policy_args

EXIT_CODES = """exit codes:
  0  ok
  1  unexpected error
  2  usage error (bad arguments, bad input, no TTY to prompt on)
  3  authentication (no key, key rejected, keyring unusable)
  4  not found (toolkit, session)
  5  API or network failure
  6  local storage failure (ledger, config)
  130  interrupted (Ctrl-C)"""


@functools.cache
def build_parser() -> argparse.ArgumentParser:
    """Built once per process (parsing never changes it; building it costs ~30 ms of argparse)."""
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
    p.add_argument("--base-url", type=_checked(check_base_url), metavar="URL",
                   help="Composio API origin (default: COMPOSIO_BASE_URL or production)")
    p.add_argument("--config", type=_config_file, metavar="FILE",
                   help="config file (default: COMPOSIO_TUI_CONFIG or the platform config dir)")
    p.add_argument("--theme", metavar="NAME", help="Textual theme for this run")
    p.add_argument("--timeout", type=_checked(check_timeout, float), metavar="SECONDS",
                   help="seconds before an API call gives up")
    p.add_argument("--rate-limit-wait", type=_checked(check_rate_limit_wait, float), metavar="SECONDS",
                   help="most seconds one API request waits for rate limits before giving up (default 300)")
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
    _tools(sub)  # playground (issue 14)

    _logs(sub)

    _users_and_connections(sub)

    policy_args.register_templates(sub, _group, _command)  # policy: templates list|show|save
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
    cats = _command(group, "categories", "toolkits_cmd", "list the toolkit categories: id, name and toolkit count",
                    note=LIST_NOTE)
    cats.add_argument("--refresh", action="store_true", help="fetch the catalog even if the cache is fresh")
    _json_flag(cats)


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
    policy_args.route_create(create)  # policy: the policy flags and --template
    policy_args.register_sessions(group, _command)  # policy: sessions update|history

    listing = _command(group, "list", "sessions_cmd",
                       "sessions recorded in the local ledger (the API cannot list them)", note=LIST_NOTE)
    listing.add_argument("--user", metavar="TEXT", help="user IDs containing TEXT (any case)")
    listing.add_argument("--toolkit", metavar="SLUG", help="sessions that include this toolkit")
    listing.add_argument("--state", action="append", metavar="STATE",
                         choices=[state.value for state in LedgerState],
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
    link = _command(group, "link", "link_cmd", "a Connect link for one toolkit of a session",
                    "Print a Connect link for one toolkit of the session's user. A link still waiting is "
                    "printed again instead of piling up pending accounts; --again makes another one.")
    link.add_argument("session_id", metavar="ID")
    link.add_argument("toolkit", metavar="TOOLKIT", help="a toolkit slug of the session")
    link.add_argument("--again", action="store_true", help="make a new link even if one is still waiting")
    _json_flag(link)

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
    _playground_sessions(group)  # playground (issue 14)


def _provision(sub) -> None:
    cmd = sub.add_parser(
        "provision", help="create one session per user listed in a file",
        description="Create one Tool Router session per user in FILE (one ID a line, or CSV with a user_id "
                    "column or the IDs in the first column; '-' reads stdin). Every ID and slug is checked "
                    "before any request; bad rows are reported and skipped. Users that already have an active "
                    "session with the same toolkits in the ledger (confirmed with the API) are skipped unless "
                    "--force, so an interrupted run can simply be run again; users whose earlier attempt never "
                    "got its answer are listed as unknown, not created again, unless --retry-unknown. Results (user_id, session_id, mcp_url, status, "
                    "error) go to stdout or --output; a progress bar and the summary go to stderr.",
        epilog=EXIT_CODES + "\n\nprovision exits 0 when every user has a session, 2 when only bad rows "
                            "failed, 5 when the API refused some users or some outcomes are unknown, 3 when the key was "
                            "rejected, 6 when the ledger cannot be written.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.set_defaults(handler=("provision_cmd", "cmd_provision"))
    cmd.add_argument("--users", required=True, metavar="FILE", help="the user IDs (.csv or one a line; - = stdin)")
    cmd.add_argument("--toolkit", required=True, nargs="+", action="extend", metavar="SLUG",
                     help="toolkit slugs every session gets")
    cmd.add_argument("--concurrency", type=_whole(1, 64), default=8, metavar="N",
                     help="sessions created at the same time (default 8, at most 64)")
    cmd.add_argument("--force", action="store_true", help="create even for users already provisioned")
    cmd.add_argument("--retry-unknown", action="store_true",
                     help="create again for users whose earlier attempt never got its answer (a session may "
                          "already exist for them at the API; by default they are listed, not created)")
    cmd.add_argument("--retries", type=_count, default=5, metavar="N",
                     help="retries per user after a 429 or 5xx (default 5)")
    cmd.add_argument("--no-manage-connections", action="store_true",
                     help="leave out the COMPOSIO_MANAGE_CONNECTIONS meta tool")
    cmd.add_argument("--output", "-o", metavar="FILE", help="write the results here instead of stdout")
    cmd.add_argument("--format", choices=("csv", "json", "jsonl"),
                     help="results format (default: from the --output suffix, else a table on a terminal "
                          "and JSON Lines in a pipe)")
    cmd.add_argument("--json", action="store_true", help="same as --format json")
    policy_args.route_provision(cmd)  # policy: --template and the policy flags


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


def _checked(check, convert=str):
    """An argparse type from a core check that raises ValueError with the reason (argparse names the flag)."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        try:
            return check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


def _config_file(text: str) -> str:
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory, not a TOML file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} does not exist (leave --config out to use the default)")
    return text


_positive = _whole(1)
_count = _whole(0, 20)


# --- playground (issue 14) ---------------------------------------------------------------------------

JSON_NOTE = "Output: one JSON document on stdout (indented on a terminal); messages on stderr."


def _playground_sessions(group) -> None:
    search = _command(group, "search", "playground_cmd", "ask the session's tool search in plain words, as an agent would",
                      "Search the session's tools for one or more tasks (at most 7, each at most 1,024 "
                      "characters): primary and related tools, plan steps and pitfalls when the API has a "
                      "cached plan, and which toolkits the user still has to connect.", note=JSON_NOTE)
    search.add_argument("session_id", metavar="ID")
    search.add_argument("query", metavar="QUERY", help="the task, e.g. \"star the repo and tell the team on Slack\"")
    search.add_argument("--query", dest="more", action="append", default=[], metavar="QUERY",
                        help="another task searched in the same request (repeatable)")
    tools = _command(group, "tools", "playground_cmd", "every tool the session exposes after its policy",
                     note=LIST_NOTE)
    tools.add_argument("session_id", metavar="ID")
    _json_flag(tools)
    execute = _command(group, "execute", "playground_cmd", "run one tool through the session (needs --yes)",
                       "Run TOOL_SLUG through the session's execute, acting as the session's user and their "
                       "connected account. The arguments are checked against the tool's input schema first; "
                       "nothing runs without --yes, and nothing ever prompts.", note=JSON_NOTE)
    execute.add_argument("session_id", metavar="ID")
    execute.add_argument("tool_slug", metavar="TOOL_SLUG")
    execute.add_argument("--args", dest="arguments", default="{}", metavar="JSON|@FILE",
                         help="the arguments as a JSON object, or @path to a file holding it (default: {})")
    execute.add_argument("--yes", "-y", action="store_true", help="really run the tool")


def _tools(sub) -> None:
    group = _group(sub, "tools", "tool schemas (input and output)")
    show = _command(group, "show", "playground_cmd", "a tool's input and output JSON schemas",
                    note=JSON_NOTE)
    show.set_defaults(handler=("playground_cmd", "cmd_tool_show"))
    show.add_argument("tool_slug", metavar="TOOL_SLUG")
    show.add_argument("--tree", action="store_true", help="print the input schema as a readable tree instead")

def _logs(sub) -> None:
    """`logs [filters] [--follow]` and `logs show ID` (activity: tui/cli/logs_cmd.py)."""
    text = "what each user's agent did: tool executions, newest first (--follow tails them live)"
    cmd = sub.add_parser("logs", help=text, epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
                         description=text + ". Filters combine (AND). An unknown user or session simply has no "
                                     "activity.\n\n" + LIST_NOTE + " With --follow: JSON Lines whenever stdout "
                                     "is piped or --json is given, until interrupted (exit 130).")
    cmd.set_defaults(handler=("logs_cmd", "cmd_logs"))
    cmd.add_argument("--user", metavar="ID", help="one end user's activity")
    cmd.add_argument("--session", metavar="ID", help="one Tool Router session's activity (trs_…)")
    cmd.add_argument("--toolkit", metavar="SLUG", help="one toolkit, e.g. gmail")
    cmd.add_argument("--tool", metavar="SLUG", help="one tool, e.g. GMAIL_SEND_EMAIL")
    cmd.add_argument("--status", metavar="STATUS", help="success or failed")
    cmd.add_argument("--since", metavar="WHEN", help="15m, 2h, 1d or an ISO-8601 time (UTC unless it says)")
    cmd.add_argument("--limit", type=int, metavar="N", help="at most N logs, 1-100 (default 50)")
    cmd.add_argument("--follow", "-f", action="store_true", help="keep printing new executions until ctrl+c")
    _json_flag(cmd)
    actions = cmd.add_subparsers(dest="logs_command", metavar="[show ID]", title="one log")
    show = _command(actions, "show", "logs_cmd", "one log in full: metadata, metrics, timings, parent call, "
                    "session, request and trace ids")
    show.add_argument("log_id", metavar="ID", help="the log id (log_…)")
    _json_flag(show)

# --- users and connections ---

ACCOUNT_STATUSES = ("INITIALIZING", "INITIATED", "ACTIVE", "FAILED", "EXPIRED", "INACTIVE", "REVOKED")


def _users_and_connections(sub) -> None:
    group = _group(sub, "users", "end users: their sessions and connected accounts; offboarding")
    listing = _command(group, "list", "users_cmd", "every known user: ledger users and users with connected accounts",
                       note=LIST_NOTE)
    _json_flag(listing)
    show = _command(group, "show", "users_cmd", "one user: sessions in the ledger and connected accounts at the API")
    show.add_argument("user", metavar="USER", help="the end user's exact ID")
    _json_flag(show)
    off = _command(group, "offboard", "users_cmd", "delete every session and connected account of a user",
                   "Delete every session of USER recorded in the ledger (at the API) and every connected account "
                   "of USER. --dry-run lists exactly what would be removed. On a terminal the user id must be "
                   "typed again; elsewhere --yes is required. Resumable: a journal beside the ledger records "
                   "what is done, so running it again after a crash or failure finishes the job. The ledger "
                   "keeps the rows, marked deleted with the operator and time.",
                   note="Output: the report (every item with its outcome) as a table on a terminal, one JSON "
                        "object when piped or with --json; messages on stderr. Exit 5 when items failed.")
    off.add_argument("user", metavar="USER", help="the end user's exact ID")
    off.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    off.add_argument("--yes", "-y", action="store_true", help="do not ask")
    _json_flag(off)

    group = _group(sub, "connections", "connected accounts: list, Connect links, disable, enable, refresh, delete")
    listing = _command(group, "list", "connections_cmd", "connected accounts at the API (every page)", note=LIST_NOTE)
    listing.add_argument("--user", metavar="ID", help="only this user's accounts (exact ID)")
    listing.add_argument("--toolkit", action="append", metavar="SLUG", help="only this toolkit (repeatable)")
    listing.add_argument("--status", nargs="+", action="extend", choices=ACCOUNT_STATUSES, metavar="STATUS",
                         help="only these statuses: " + ", ".join(ACCOUNT_STATUSES))
    _json_flag(listing)
    link = _command(group, "link", "connections_cmd", "a Connect link for one user and toolkit",
                    "Create a Connect link: through --session, else the user's newest active session that "
                    "enables the toolkit, else through --auth-config or the auth config of the user's earlier "
                    "account for that toolkit. Prints the URL (and a QR code on a terminal). With --wait, exits "
                    "0 once the account is ACTIVE and 5 with the final status on timeout or failure.")
    link.add_argument("--user", required=True, metavar="ID", help="the end user's exact ID")
    link.add_argument("--toolkit", required=True, metavar="SLUG", help="toolkit slug, e.g. github")
    link.add_argument("--session", metavar="ID", help="link through this session of the user")
    link.add_argument("--auth-config", metavar="ID", help="link through this auth config (ac_…)")
    link.add_argument("--callback-url", metavar="URL", help="where the user returns after connecting")
    link.add_argument("--wait", type=_seconds_arg, metavar="SECONDS", help="wait this long for ACTIVE")
    _json_flag(link)
    for name, text in (("disable", "disable an account (INACTIVE; can be enabled again)"),
                       ("enable", "enable a disabled account"),
                       ("refresh", "re-authenticate an account (a new Connect link for OAuth)"),
                       ("delete", "delete an account (asks first on a terminal)")):
        cmd = _command(group, name, "connections_cmd", text)
        cmd.add_argument("account_id", metavar="ID", help="connected account id (ca_…)")
        cmd.add_argument("--user", metavar="ID", help="refuse the action unless the account belongs to this user")
        if name == "delete":
            cmd.add_argument("--yes", "-y", action="store_true", help="do not ask")
        _json_flag(cmd)


def _seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600 seconds")
    return value
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
