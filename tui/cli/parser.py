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
  6  local storage failure (ledger, config)"""


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
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("info", help="print every path in use, the base URL and where the API key comes from")
    login = sub.add_parser("login", help="verify an API key and store it in the OS keyring",
                           description="Prompts for the key (hidden) on a TTY; otherwise reads it from stdin, "
                                       "e.g. `printf %%s \"$KEY\" | composio-tui login`.")
    login.add_argument("--check-only", action="store_true", help="verify the key without storing it")
    sub.add_parser("logout", help="delete the stored API key for this base URL from the keyring")
    return p
