"""The debug log in tests: the product starts it once and keeps it for the life of the process; a
test that starts it stops it again (``stop_debug_log``; conftest does it after every test too), so no
later test writes into its files or captures DEBUG records nobody asked for."""

from __future__ import annotations

import logging

from tui.core import debuglog


def logger_levels() -> dict[str, int]:
    return {name: logging.getLogger(name).level for name in debuglog.LOGGERS}


def stop_debug_log(levels: dict[str, int] | None = None) -> None:
    """Detach and close the debug log's handler, if one was started; with ``levels`` (from
    ``logger_levels()`` before), loggers the debug log raised to DEBUG get their old level back."""
    handler = debuglog._handler
    if handler is not None:
        for name in debuglog.LOGGERS:
            logging.getLogger(name).removeHandler(handler)
        handler.close()
        debuglog._handler = None
    for name, level in (levels or {}).items():
        logger = logging.getLogger(name)
        if logger.level == logging.DEBUG and level != logging.DEBUG:
            logger.setLevel(level)
