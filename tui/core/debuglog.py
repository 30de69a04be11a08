"""The optional debug log (off by default): API calls and timings for support, the key redacted.

Everything written goes through :class:`Redactor`, which replaces the API key in use and anything
shaped like a Composio key or an ``x-api-key`` header value, whatever logger produced the record.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from .redact import mask

LOGGERS = ("tui", "composio", "composio_client", "httpx", "mcp")
_KEY_SHAPES = re.compile(r"\b(ak|uak|oak|ck)_[A-Za-z0-9_\-]{6,}")
_HEADER = re.compile(r"(?i)(x-(?:user-|org-|consumer-)?api-key['\"]?\s*[:=]\s*['\"]?)([^\s'\",}]+)")
log = logging.getLogger("tui")


class Redactor(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, secret: str | None) -> None:
        if secret:
            self.secrets.add(secret)

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, mask(secret))
        text = _HEADER.sub(lambda m: m.group(1) + "[redacted]", text)
        return _KEY_SHAPES.sub(lambda m: m.group(1) + "_…" + m.group(0)[-4:], text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.clean(record.getMessage())
        record.args = None
        return True


_redactor = Redactor()
_handler: logging.Handler | None = None


def redact(secret: str | None) -> None:
    """Register a secret to be masked in every later record."""
    _redactor.add(secret)


def enable(path: Path) -> Path:
    """Start writing DEBUG records to ``path`` (created 0600). Safe to call twice."""
    global _handler
    if _handler is not None:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_redactor)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    _handler = handler
    log.debug("debug log started")
    return path
