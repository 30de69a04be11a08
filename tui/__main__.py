"""Entry point: `composio-tui [--demo]` runs the console; subcommands script the same core.

Kept light: argparse and our own config only. Textual is imported just before the app runs and the
Composio SDK only inside workers, so neither delays argument errors or the first frame.
"""

from __future__ import annotations

import sys

from .cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .cli import run

    return run.dispatch(args, parser)


if __name__ == "__main__":
    sys.exit(main())
