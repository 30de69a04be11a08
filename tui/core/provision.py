"""Bulk provisioning: one Tool Router session per user in a file, with bounded concurrency.

Textual-free and blocking. The rules are the same as for one session (``sessions.create``): every
user ID and slug is checked before any request, the intent is written to the ledger before each API
call, a 429 or 5xx is retried by a shared policy, and a re-run skips users that already have an
active session with the same toolkits unless ``force`` -- but only once the API confirms that session
still exists (``confirm_active``, batched); a session gone at the API is marked "gone" and made again.

What cannot be known: a process killed while a request is in flight (or a create whose answer was
lost) leaves a "pending"/"unknown" ledger row whose session may or may not exist remotely, and the API
cannot list sessions. A re-run does not guess: such users get the status "unknown" and are listed;
``retry_unknown`` creates them again knowingly.

Nothing the API created may go unrecorded: when the ledger cannot record an answer (a full disk), the
session id and URL still reach the results, and the run stops before the next create.
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
from .ledger import Entry, LedgerError, storage_error, storage_problem
from .models import SessionInfo
from .states import ErrorKind, LedgerProblem, LedgerState, ProvisionStatus
from .validation import check_user_id

CREATED, SKIPPED, FAILED, UNKNOWN = (ProvisionStatus.CREATED, ProvisionStatus.SKIPPED, ProvisionStatus.FAILED,
                                     ProvisionStatus.UNKNOWN)
HEADER_NAMES = frozenset({"user_id", "userid", "user id", "user", "id"})
FATAL_LEDGER, FATAL_INTERRUPTED = "ledger", "interrupted"


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
    status: ProvisionStatus
    session_id: str = ""
    mcp_url: str = ""
    error: str = ""
    warning: str = ""
    attempts: int = 0
    recorded: bool = True
    """False when the API created the session but the ledger could not record it (see the results)."""

    def as_row(self) -> dict:
        row = asdict(self)
        row["status"] = str(self.status)
        return row


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    fatal: str = ""
    fatal_kind: str = ""  # an ErrorKind, FATAL_LEDGER or FATAL_INTERRUPTED
    retries: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    @property
    def unknown(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == UNKNOWN]

    @property
    def unrecorded(self) -> list[Outcome]:
        """Sessions the API created that the ledger does not hold: their ids live only in the results."""
        return [o for o in self.outcomes if o.session_id and not o.recorded]


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
    path = ledger_path.with_name(ledger_path.name + ".provision.lock")
    try:
        ledger_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:  # a read-only or immutable data dir, a full disk
        raise storage_error(ledger_path, storage_problem(exc) or LedgerProblem.UNWRITABLE) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LedgerError(f"Another provisioning run is using the ledger {ledger_path}; wait for it to "
                              "finish (or stop it) and run again.", ledger_path, LedgerProblem.LOCKED) from None
        yield
    finally:
        os.close(fd)


def _last_attempts(ledger, base_url: str, toolkits: Collection[str]) -> dict[str, Entry]:
    """user_id -> the newest ledger row for the same API origin and toolkit set."""
    wanted = set(toolkits)
    found: dict[str, Entry] = {}
    for entry in ledger.entries(base_url=base_url):  # newest first
        if set(entry.toolkits) == wanted:
            found.setdefault(entry.user_id, entry)
    return found


def confirm_active(gateway, ledger, entries: Sequence[Entry], *, concurrency: int = 8,
                   stop: threading.Event | None = None) -> dict[int, bool | ApiError]:
    """Ask the API whether each recorded session still exists (ledger row id -> verdict).

    True: it exists (reuse it). False: the API no longer knows it; ``sessions.refresh`` has marked the
    row "gone". An ApiError: it could not be asked (network, auth), so nothing may be assumed.
    Bounded concurrency, like the creates.
    """
    verdicts: dict[int, bool | ApiError] = {}
    if not entries:
        return verdicts

    def ask(entry: Entry) -> bool | ApiError:
        if stop is not None and stop.is_set():
            return ApiError(ErrorKind.NETWORK, "not asked: interrupted")
        try:
            return sessions.refresh(gateway, ledger, entry.session_id or "") is not None
        except ApiError as err:
            return err

    with cf.ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(entries))),
                               thread_name_prefix="confirm") as pool:
        futures = [(entry, pool.submit(contextvars.copy_context().run, ask, entry)) for entry in entries]
        for entry, future in futures:
            verdicts[entry.id] = future.result()
    return verdicts


class Recorder:
    """The ledger as ``sessions.create`` sees it, keeping the API's answer when recording it fails
    (a full disk): the session exists remotely, so its id and URL must reach the results."""

    def __init__(self, ledger) -> None:
        self._ledger = ledger
        self.unrecorded: SessionInfo | None = None

    def __getattr__(self, name: str):
        return getattr(self._ledger, name)

    def complete(self, row_id: int, info: SessionInfo) -> None:
        try:
            self._ledger.complete(row_id, info)
        except LedgerError:
            self.unrecorded = info
            raise


IN_DOUBT = ("An earlier attempt for this user never got its answer (ledger row {row}, e.g. the run was killed); "
            "a session may exist at the API, which cannot list sessions, so none was created. Check with the "
            "user, or run again with --retry-unknown to create one knowingly.")
RETRIED = ("An earlier attempt for this user never got its answer (ledger row {row}); created again as "
           "asked (--retry-unknown), so an unrecorded earlier session may exist remotely.")
UNKNOWN_NOW = (" The outcome is unknown: the session may exist at the API; the ledger row stays pending and a "
               "re-run lists this user rather than creating again (--retry-unknown creates it).")


def provision(gateway, ledger, rows: Sequence[UserRow], toolkits: Sequence[str], known: Collection[str], *,
              concurrency: int = 8, force: bool = False, retry_unknown: bool = False,
              manage_connections: bool = True, policy: Backoff | None = None,
              on_outcome: Callable[[Outcome], None] | None = None,
              stop: threading.Event | None = None, session_policy=None) -> Report:
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
    ledger.check_writable()
    ledger.reconcile_stale()
    last = _last_attempts(ledger, base_url, toolkits)
    retried: dict[str, int] = {}

    def done(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    to_confirm: dict[int, Entry] = {}
    for index, row in enumerate(rows):
        if row.error:
            done(index, Outcome(row.line, row.user_id, FAILED, error=row.error))
            continue
        if force:
            todo.append(index)
            continue
        active = ledger.find_active(row.user_id, toolkits, base_url)
        previous = last.get(row.user_id)
        if active is not None:
            to_confirm[index] = active
        elif previous is not None and previous.state in (LedgerState.PENDING, LedgerState.UNKNOWN):
            if retry_unknown:
                retried[row.user_id] = previous.id
                todo.append(index)
            else:
                done(index, Outcome(row.line, row.user_id, UNKNOWN, warning=row.warning,
                                    error=IN_DOUBT.format(row=previous.id)))
        else:
            todo.append(index)

    if to_confirm:
        gateway.warm()  # built in this thread's context (see below)
    verdicts = confirm_active(gateway, ledger, list(to_confirm.values()), concurrency=concurrency, stop=stop)
    for index, entry in to_confirm.items():
        row, verdict = rows[index], verdicts.get(entry.id)
        if verdict is True:
            done(index, Outcome(row.line, row.user_id, SKIPPED, entry.session_id or "", entry.mcp_url,
                                warning=row.warning))
        elif verdict is False:
            todo.append(index)  # gone at the API (now marked so): make a new one
        else:
            why = verdict.line() if isinstance(verdict, ApiError) else "interrupted"
            done(index, Outcome(row.line, row.user_id, FAILED, warning=row.warning,
                                error=f"not attempted: could not confirm the recorded session "
                                      f"{entry.session_id} still exists ({why})"))
    todo.sort()

    fatal: list[tuple[str, str]] = []

    def work(index: int) -> Outcome:
        row = rows[index]
        warning = row.warning
        if row.user_id in retried:
            warning = " ".join(filter(None, [warning, RETRIED.format(row=retried[row.user_id])]))
        if fatal or stop.is_set():
            reason = fatal[0][1] if fatal else "interrupted"
            return Outcome(row.line, row.user_id, FAILED, error=f"not attempted: {reason}", warning=warning)
        attempts = 0

        def counted(err: ApiError, attempt: int) -> float | None:
            nonlocal attempts
            attempts = attempt
            return policy(err, attempt)

        policy.wait_gate()
        recorder = Recorder(ledger)
        try:
            info = sessions.create(gateway, recorder, row.user_id, toolkits, known,
                                   manage_connections=manage_connections, retry=counted, sleep=policy.sleep,
                                   policy=session_policy)  # a tui.core.policy.Policy or None
        except ApiError as err:
            text = err.line()
            if err.kind == errors.AUTH or err.kind == errors.CONFIG:
                fatal.append((err.kind, err.line()))
            if err.outcome_unknown:
                return Outcome(row.line, row.user_id, UNKNOWN, error=text + UNKNOWN_NOW, warning=warning,
                               attempts=max(attempts, 1))
            return Outcome(row.line, row.user_id, FAILED, error=text, warning=warning,
                           attempts=max(attempts, 1))
        except LedgerError as err:
            fatal.append((FATAL_LEDGER, str(err)))
            made = recorder.unrecorded
            if made is not None:  # created at the API, not recorded: the results are its only record
                return Outcome(row.line, row.user_id, CREATED, made.session_id, made.mcp_url, warning=warning,
                               error=f"created at the API but NOT recorded in the ledger: {err}",
                               attempts=attempts + 1, recorded=False)
            return Outcome(row.line, row.user_id, FAILED, error=str(err), warning=warning)
        except sessions.InputError as err:  # only if the rows were not checked first
            return Outcome(row.line, row.user_id, FAILED, error=" ".join(err.problems), warning=warning)
        except Exception as err:  # a bug or an odd failure: report this row, keep the others going
            return Outcome(row.line, row.user_id, FAILED, error=f"unexpected {type(err).__name__}: {err}",
                           warning=warning)
        return Outcome(row.line, row.user_id, CREATED, info.session_id, info.mcp_url, warning=warning,
                       attempts=attempts + 1)

    if todo:
        # Build the SDK clients here: each worker runs in a copy of this thread's context (Gateway.warm).
        gateway.warm()
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
        fatal.append((FATAL_INTERRUPTED, "interrupted"))
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


class OutputError(Exception):
    """The results file cannot be written; ``usage`` when the path itself is wrong (a directory)."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def check_output(path: Path) -> None:
    """Before any request: the results file can be written where ``write_atomic`` will write it.

    Raises OutputError; creates the folder (as ``write_atomic`` would) and leaves no file behind.
    """
    if path.is_dir():
        raise OutputError(f"The results path {path} is a directory; name a file, e.g. {path / 'sessions.csv'}.",
                          usage=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(probe, "x", encoding="utf-8") as handle:
            handle.write("probe")
        probe.unlink()
    except FileExistsError:
        pass  # a stale probe from this pid: the folder is writable
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise OutputError(f"Cannot write the results file {path} ({why}); nothing was sent. Choose a writable "
                          "path with --output, or leave it out to print the results.",
                          usage=isinstance(exc, NotADirectoryError)) from None
