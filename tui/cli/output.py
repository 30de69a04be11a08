"""Output for the scripting commands: data on stdout, everything else on stderr.

- list-like data: a table on a TTY, JSON Lines when piped, one JSON array with ``--json``;
- one record: ``key  value`` lines on a TTY, one JSON object otherwise;
- messages, warnings, prompts and the progress bar: stderr only.

Values shown in a table are made inert (control characters escaped) so a hostile user ID cannot
drive the terminal.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.states import ProvisionStatus

Column = tuple[str, str]  # (key in the row, header)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def error(text: str) -> None:
    say(f"composio-tui: {text}")


def stdout_tty() -> bool:
    return sys.stdout.isatty()


def stdin_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def inert(text: str) -> str:
    """Escape control and format characters (ESC, newline, bidi overrides) for terminal display."""
    out = []
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


MAX_ECHO = 80


def ident(text: str, limit: int = MAX_ECHO) -> str:
    """An identifier the operator typed, safe and short enough to echo: escaped like ``inert`` and cut
    to ``limit`` characters with its length (a pasted 5,000-character "id" is not printed back whole)."""
    if len(text) <= limit:
        return inert(text)
    return f"{inert(text[: limit - 1])}… ({len(text)} characters)"


def cell(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value) or "—"
    return inert(str(value))


def dumps(data: Any, pretty: bool = False) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2 if pretty else None)


def table(rows: Sequence[dict], columns: Sequence[Column], shrink: Iterable[str] = ()) -> str:
    """A plain text table; the ``shrink`` columns are cut (with …) to fit the terminal width."""
    cells = [[cell(r.get(key)) for key, _ in columns] for r in rows]
    heads = [head for _, head in columns]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(heads)]
    room = shutil.get_terminal_size((120, 24)).columns
    excess = sum(widths) + 2 * (len(widths) - 1) - room
    keys = [key for key, _ in columns]
    for key in shrink:
        if excess > 0 and key in keys:
            i = keys.index(key)
            cut = min(excess, widths[i] - max(len(heads[i]), 8))
            if cut > 0:
                widths[i] -= cut
                excess -= cut

    def line(values: list[str]) -> str:
        parts = [(v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(values, widths, strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(heads)] + [line(c) for c in cells])


def emit_list(rows: Sequence[dict], columns: Sequence[Column], *, as_json: bool, empty: str = "",
              shrink: Iterable[str] = ()) -> None:
    if as_json:
        print(dumps(list(rows), pretty=stdout_tty()))
    elif stdout_tty():
        if rows:
            print(table(rows, columns, shrink))
        elif empty:
            say(empty)
    else:
        for row in rows:
            print(dumps(row))
    sys.stdout.flush()


def emit_record(record: dict, *, as_json: bool, fields: Sequence[Column] | None = None) -> None:
    """One object: ``label  value`` lines on a TTY (unless --json), else one JSON object."""
    if as_json or not stdout_tty():
        print(dumps(record, pretty=stdout_tty()))
    else:
        pairs = [(head, record.get(key)) for key, head in (fields or [(k, k) for k in record])]
        width = max(len(head) for head, _ in pairs)
        for head, value in pairs:
            print(f"{head.ljust(width)}  {cell(value)}")
    sys.stdout.flush()


def ask(question: str) -> bool:
    """A yes/no question on stderr, answered on stdin. Callers must check ``stdin_tty()`` first."""
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().casefold() in ("y", "yes")


class Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second; silent when disabled."""

    def __init__(self, total: int, enabled: bool, width: int = 28) -> None:
        self.total = max(total, 0)
        self.enabled = enabled and self.total > 0
        self.width = width
        self.counts = {status: 0 for status in ProvisionStatus}
        self._lock = threading.Lock()
        self._last = 0.0
        self._drawn = False
        self._width_drawn = 0

    def add(self, status: str) -> None:
        with self._lock:
            self.counts[status] = self.counts.get(status, 0) + 1
            now = time.monotonic()
            if self.enabled and (now - self._last >= 0.1 or self.done >= self.total):
                self._last = now
                self._draw()

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def _draw(self) -> None:
        filled = self.width * self.done // self.total if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        c = self.counts
        text = (f"\r[{bar}] {self.done}/{self.total}  created {c[ProvisionStatus.CREATED]}"
                f"  skipped {c[ProvisionStatus.SKIPPED]}  failed {c[ProvisionStatus.FAILED]}")
        if c[ProvisionStatus.UNKNOWN]:
            text += f"  unknown {c[ProvisionStatus.UNKNOWN]}"
        sys.stderr.write(text.ljust(self._width_drawn))
        sys.stderr.flush()
        self._width_drawn = len(text)
        self._drawn = True

    def close(self) -> None:
        with self._lock:
            if self._drawn:
                sys.stderr.write("\n")
                sys.stderr.flush()
                self._drawn = False


ACCOUNT_COLUMNS = [("id", "ACCOUNT"), ("toolkit", "TOOLKIT"), ("status", "STATUS"), ("status_reason", "REASON"),
                   ("auth_config_id", "AUTH CONFIG"), ("created_at", "CREATED"), ("updated_at", "UPDATED")]
"""The columns of a connected-accounts table (`users show`, `connections list`)."""
