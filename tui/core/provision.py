"""Bulk provisioning: one Tool Router session per user in a file, with bounded concurrency.

Textual-free and blocking. The rules are the same as for one session (``sessions.create``): every
user ID and slug is checked before any request, the intent is written to the ledger before each API
call, a 429 or 5xx is retried by a shared policy, and a re-run skips users that already have an
active session with the same toolkits (``Ledger.find_active``) unless ``force``.

What cannot be known: a process killed while a request is in flight leaves a "pending" ledger row
whose session may or may not exist remotely (the API cannot list sessions). A re-run creates a
session for that user again and reports the earlier row, so an unrecorded remote session is never
silently assumed away.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import contextvars
import csv
import io
import json
import os
import random
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import errors, sessions
from .errors import ApiError
from .ledger import PENDING, UNKNOWN, LedgerError
from .validation import check_user_id

CREATED, SKIPPED, FAILED = "created", "skipped", "failed"
HEADER_NAMES = frozenset({"user_id", "userid", "user id", "user", "id"})
UNKNOWN_OUTCOME = (errors.TIMEOUT, errors.NETWORK)


class UsersFileError(Exception):
    """The users file cannot be read at all (missing, not text, no rows); one sentence."""


@dataclass(frozen=True, slots=True)
class UserRow:
    line: int
    user_id: str
    error: str = ""
    warning: str = ""


@dataclass(slots=True)
class Outcome:
    line: int
    user_id: str
    status: str  # created | skipped | failed
    session_id: str = ""
    mcp_url: str = ""
    error: str = ""
    warning: str = ""
    attempts: int = 0

    def as_row(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    fatal: str = ""
    fatal_kind: str = ""  # an errors.* kind, "ledger" or "interrupted"
    retries: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]


# --- the users file ------------------------------------------------------------------------------


def parse_users(text: str, *, as_csv: bool) -> list[UserRow]:
    """Rows as written: nothing is trimmed. Empty lines are skipped; everything else is a row.

    CSV: the column named user_id (or user, userid, id) when the first row is such a header,
    otherwise the first column. Plain text: one ID per line (a CRLF line ending is a line ending).
    """
    rows: list[UserRow] = []
    if as_csv:
        reader = csv.reader(io.StringIO(text, newline=""))
        column, first = 0, True
        for record in reader:
            line = reader.line_num
            if first:
                first = False
                names = [c.strip().casefold() for c in record]
                found = [i for i, n in enumerate(names) if n in HEADER_NAMES]
                if found:
                    column = found[0]
                    continue
            if not record or all(c == "" for c in record):
                continue
            if column >= len(record):
                rows.append(UserRow(line, "", f"The row has no column {column + 1} for the user ID."))
            else:
                rows.append(UserRow(line, record[column]))
        return rows
    for number, raw in enumerate(text.split("\n"), start=1):
        value = raw[:-1] if raw.endswith("\r") else raw
        if value != "":
            rows.append(UserRow(number, value))
    return rows


def read_users(path: str, stdin: io.TextIOBase | None = None) -> list[UserRow]:
    """Read ``path`` ("-" = stdin); CSV when the name ends in .csv. Raises UsersFileError."""
    name = "standard input" if path == "-" else path
    try:
        if path == "-":
            if stdin is None:
                raise UsersFileError("--users - needs the IDs on standard input.")
            text = stdin.read()
        else:
            text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UsersFileError(f"The users file {name} does not exist.") from None
    except IsADirectoryError:
        raise UsersFileError(f"The users file {name} is a directory.") from None
    except UnicodeDecodeError as exc:
        raise UsersFileError(f"The users file {name} is not UTF-8 text (byte {exc.start}).") from None
    except OSError as exc:
        raise UsersFileError(f"Cannot read the users file {name}: {exc.strerror or exc}.") from None
    rows = parse_users(text, as_csv=path.casefold().endswith(".csv"))
    if not rows:
        raise UsersFileError(f"The users file {name} has no user IDs.")
    return rows


def check_rows(rows: Sequence[UserRow]) -> list[UserRow]:
    """Validate every ID (same rules as the console) and flag repeats; nothing is sent."""
    seen: dict[str, int] = {}
    out: list[UserRow] = []
    for row in rows:
        if row.error:
            out.append(row)
            continue
        verdict = check_user_id(row.user_id)
        if not verdict.ok:
            out.append(UserRow(row.line, row.user_id, verdict.error))
        elif row.user_id in seen:
            out.append(UserRow(row.line, row.user_id,
                               f"The same user ID as line {seen[row.user_id]}; each user gets one session."))
        else:
            seen[row.user_id] = row.line
            out.append(UserRow(row.line, row.user_id, warning=verdict.warning))
    return out


# --- retries ---------------------------------------------------------------------------------


class Backoff:
    """The retry policy for ``sessions.create``: honour 429 ``retry-after`` (and pause every worker
    until then), back off exponentially with jitter on 5xx, give up after ``max_attempts``."""

    def __init__(self, max_attempts: int = 6, base: float = 0.25, cap: float = 8.0, max_wait: float = 120.0,
                 stop: threading.Event | None = None, seed: int | None = None) -> None:
        self.max_attempts = max(1, max_attempts)
        self.base, self.cap, self.max_wait = base, cap, max_wait
        self.stop = stop or threading.Event()
        self.retries = 0
        self._gate = 0.0
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def __call__(self, err: ApiError, attempt: int) -> float | None:
        if attempt >= self.max_attempts or self.stop.is_set():
            return None
        with self._lock:
            self.retries += 1
            if err.kind == errors.RATE_LIMITED and err.retry_after is not None:
                delay = min(err.retry_after, self.max_wait)
            else:
                delay = min(self.cap, self.base * 2 ** (attempt - 1)) * self._rng.uniform(0.5, 1.0)
            if err.kind == errors.RATE_LIMITED:
                self._gate = max(self._gate, time.monotonic() + delay)
        return delay

    def sleep(self, delay: float) -> None:
        """Wait ``delay`` seconds, or longer while a 429 pause is on; returns early on stop."""
        until = max(time.monotonic() + delay, self._gate)
        self.stop.wait(max(0.0, until - time.monotonic()))

    def wait_gate(self) -> None:
        self.sleep(0.0)


# --- the run ----------------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(ledger_path: Path) -> Iterator[None]:
    """One provisioning run per ledger at a time: two would both create for the same users.

    An OS lock on a file beside the ledger; released by the OS when the process dies.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    ledger_path.parent.mkdir(parents=True, exist_ok=True)
    path = ledger_path.with_name(ledger_path.name + ".provision.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerError(f"Another provisioning run is using the ledger {ledger_path}; wait for it to "
                              "finish (or stop it) and run again.", ledger_path) from None
        yield
    finally:
        os.close(fd)


def _in_doubt(ledger, base_url: str, toolkits: Collection[str]) -> dict[str, int]:
    """user_id -> ledger row id of an earlier attempt whose outcome is unknown (same toolkit set)."""
    wanted = set(toolkits)
    found: dict[str, int] = {}
    for entry in ledger.entries(base_url=base_url, states=[PENDING, UNKNOWN]):
        if set(entry.toolkits) == wanted:
            found.setdefault(entry.user_id, entry.id)
    return found


def provision(gateway, ledger, rows: Sequence[UserRow], toolkits: Sequence[str], known: Collection[str], *,
              concurrency: int = 8, force: bool = False, manage_connections: bool = True,
              policy: Backoff | None = None, on_outcome: Callable[[Outcome], None] | None = None,
              stop: threading.Event | None = None) -> Report:
    """Create one session per valid row; returns every row's outcome in file order.

    ``rows`` should come from :func:`check_rows`; rows with an ``error`` are reported, never sent.
    An authentication or ledger failure stops the run: the remaining users are reported as not attempted.
    """
    gateway.require_writable("provisioning sessions")  # a read-only profile: nothing is attempted
    started = time.monotonic()
    stop = stop or threading.Event()
    policy = policy or Backoff(stop=stop)
    policy.stop = stop
    report = Report()
    outcomes: list[Outcome | None] = [None] * len(rows)
    todo: list[int] = []
    base_url = gateway.base_url
    ledger.reconcile_stale()
    doubtful = _in_doubt(ledger, base_url, toolkits)

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    for index, row in enumerate(rows):
        if row.error:
            done(index, Outcome(row.line, row.user_id, FAILED, error=row.error))
            continue
        existing = None if force else ledger.find_active(row.user_id, toolkits, base_url)
        if existing is not None:
            done(index, Outcome(row.line, row.user_id, SKIPPED, existing.session_id or "", existing.mcp_url,
                                warning=row.warning))
        else:
            todo.append(index)

    fatal: list[tuple[str, str]] = []

    def work(index: int) -> Outcome:
        row = rows[index]
        warning = row.warning
        if row.user_id in doubtful:
            warning = " ".join(filter(None, [warning, (
                f"An earlier attempt for this user never got its answer (ledger row {doubtful[row.user_id]}, "
                "e.g. the run was killed); the API cannot list sessions, so an unrecorded one may exist remotely.")]))
        if fatal or stop.is_set():
            reason = fatal[0][1] if fatal else "interrupted"
            return Outcome(row.line, row.user_id, FAILED, error=f"not attempted: {reason}", warning=warning)
        attempts = 0

        def counted(err: ApiError, attempt: int) -> float | None:
            nonlocal attempts
            attempts = attempt
            return policy(err, attempt)

        policy.wait_gate()
        try:
            info = sessions.create(gateway, ledger, row.user_id, toolkits, known,
                                   manage_connections=manage_connections, retry=counted, sleep=policy.sleep)
        except ApiError as err:
            text = err.line()
            if err.kind in UNKNOWN_OUTCOME:
                text += (" The outcome is unknown: the ledger row stays pending and a re-run creates this "
                         "user's session again.")
            if err.kind == errors.AUTH or err.kind == errors.CONFIG:
                fatal.append((err.kind, err.line()))
            return Outcome(row.line, row.user_id, FAILED, error=text, warning=warning,
                           attempts=max(attempts, 1))
        except LedgerError as err:
            fatal.append(("ledger", str(err)))
            return Outcome(row.line, row.user_id, FAILED, error=str(err), warning=warning)
        except sessions.InputError as err:  # only if the rows were not checked first
            return Outcome(row.line, row.user_id, FAILED, error=" ".join(err.problems), warning=warning)
        except Exception as err:  # a bug or an odd failure: report this row, keep the others going
            return Outcome(row.line, row.user_id, FAILED, error=f"unexpected {type(err).__name__}: {err}",
                           warning=warning)
        return Outcome(row.line, row.user_id, CREATED, info.session_id, info.mcp_url, warning=warning,
                       attempts=attempts + 1)

    if todo:
        # Build the SDK client here: it keeps ``allow_tracking=False`` in a ContextVar of the thread that
        # built it, and each worker runs in a copy of this thread's context (else it would send telemetry).
        getattr(gateway, "creator", None)
    pool = cf.ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="provision")
    futures = {pool.submit(contextvars.copy_context().run, work, index): index for index in todo}
    try:
        pending = set(futures)
        while pending:
            finished, pending = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                done(futures[future], future.result())
    except KeyboardInterrupt:
        stop.set()
        fatal.append(("interrupted", "interrupted"))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for future, index in futures.items():
        if outcomes[index] is None:
            row = rows[index]
            result = future.result() if future.done() and not future.cancelled() else Outcome(
                row.line, row.user_id, FAILED, error="not attempted: interrupted")
            done(index, result)
    report.outcomes = [o for o in outcomes if o is not None]
    report.seconds = time.monotonic() - started
    report.retries = policy.retries
    if fatal:
        report.fatal_kind, report.fatal = fatal[0]
    return report


# --- writing the results -------------------------------------------------------------------------

FIELDS = ("user_id", "session_id", "mcp_url", "status", "error", "warning", "line")


def render(report: Report, fmt: str) -> str:
    """The results as ``csv``, ``json`` (one array) or ``jsonl``; never contains the API key."""
    rows = [{k: o.as_row()[k] for k in FIELDS} for o in report.outcomes]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
