"""The local record of Tool Router sessions created from this console.

The API cannot list sessions (reference §3), so every session created here is written to a small SQLite
file. The intent is written and committed *before* the API call ("pending"), so a crash between the call
and the bookkeeping leaves a row that ``reconcile_stale`` later marks "unknown" instead of losing it.

Concurrency: WAL journal, a 10 s busy timeout and short ``BEGIN IMMEDIATE`` write transactions let several
consoles share one file; one connection per ``Ledger`` guarded by a lock serves the app's worker threads.

No API key is ever stored: the schema has no column for one and no method accepts one.
"""

from __future__ import annotations

import errno
import getpass
import json
import logging
import os
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from tui.core.models import SessionInfo

from tui.core.states import LedgerProblem, LedgerState

log = logging.getLogger("tui.ledger")

PENDING = LedgerState.PENDING
ACTIVE = LedgerState.ACTIVE
FAILED = LedgerState.FAILED
DELETED = LedgerState.DELETED
GONE = LedgerState.GONE
UNKNOWN = LedgerState.UNKNOWN
STATES = tuple(LedgerState)

APPLICATION_ID = 0x43545549  # "CTUI": marks a SQLite file as a composio-tui ledger
SCHEMA_VERSION = 2  # 2 (issue 16): the profile column; a version-1 file is migrated on open
BUSY_TIMEOUT_MS = 10_000
MAX_NOTE = 500

_SQLITE_MAGIC = b"SQLite format 3\x00"
_COLUMNS = (
    "id",
    "user_id",
    "session_id",
    "mcp_url",
    "toolkits",
    "manage_connections",
    "base_url",
    "created_at",
    "updated_at",
    "operator",
    "state",
    "note",
    "profile",
)
_V1_COLUMNS = _COLUMNS[:-1]
_SCHEMA = f"""
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    session_id TEXT UNIQUE,
    mcp_url TEXT NOT NULL DEFAULT '',
    toolkits TEXT NOT NULL DEFAULT '[]',
    manage_connections INTEGER NOT NULL DEFAULT 1,
    base_url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    operator TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ({", ".join(repr(s.value) for s in STATES)})),
    note TEXT NOT NULL DEFAULT '',
    profile TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_state ON sessions (state);
"""

T = TypeVar("T")


class LedgerError(Exception):
    """The ledger file cannot be used; ``str(err)`` is a sentence naming the path and what to do.

    ``problem`` tells a damaged file (the only case where moving it aside is advised) from a place
    that cannot be written (permissions, read-only, full disk), where the file itself is intact.
    """

    def __init__(self, message: str, path: Path | None = None,
                 problem: LedgerProblem = LedgerProblem.OTHER) -> None:
        super().__init__(message)
        self.path = path
        self.problem = LedgerProblem(problem)


_FULL_MARKERS = ("disk is full", "database or disk is full", "no space left")
_UNWRITABLE_MARKERS = ("readonly", "read-only", "unable to open", "permission", "access", "not authorized")


def storage_problem(exc: BaseException) -> LedgerProblem | None:
    """FULL or UNWRITABLE for an OS or SQLite error that says "no room" or "may not write here", else None."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return LedgerProblem.FULL
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return LedgerProblem.UNWRITABLE
        return None
    text = str(exc).casefold()
    if any(m in text for m in _FULL_MARKERS):
        return LedgerProblem.FULL
    if any(m in text for m in _UNWRITABLE_MARKERS):
        return LedgerProblem.UNWRITABLE
    return None


def storage_error(path: Path, problem: LedgerProblem, what: str = "write to") -> LedgerError:
    """The one sentence for "cannot write here": the ledger is intact, so never "move it aside"."""
    if problem == LedgerProblem.FULL:
        why, fix = "the disk is full", "free some space (or raise the quota) and run the command again"
    else:
        why, fix = ("the folder or file is read-only, immutable or not yours",
                    "fix its permissions or mount, or point XDG_DATA_HOME at a writable folder")
    return LedgerError(f"Cannot {what} the session ledger at {path}: {why}; the ledger itself is intact, "
                       f"so {fix}.", path, problem)


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    user_id: str
    session_id: str | None
    mcp_url: str
    toolkits: tuple[str, ...]
    manage_connections: bool
    base_url: str
    created_at: str
    updated_at: str
    operator: str
    state: str
    note: str = ""
    profile: str = ""


def operator() -> str:
    """``user@host`` of whoever runs this process, for the ledger's audit column."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no USER/LOGNAME (some containers)
        user = "unknown"
    host = socket.gethostname() or "localhost"
    return f"{user}@{host}"


def _now() -> str:
    return _stamp(datetime.now(UTC))


def _stamp(moment: datetime) -> str:
    """UTC ISO 8601 with seconds, e.g. ``2025-01-31T12:00:00Z`` (sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _origin(base_url: str) -> str:
    return base_url.rstrip("/")


def _one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_NOTE else line[: MAX_NOTE - 1] + "…"


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"],
        user_id=row["user_id"],
        session_id=row["session_id"],
        mcp_url=row["mcp_url"],
        toolkits=tuple(json.loads(row["toolkits"])),
        manage_connections=bool(row["manage_connections"]),
        base_url=row["base_url"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        operator=row["operator"],
        state=row["state"],
        note=row["note"],
        profile=row["profile"],
    )


class Ledger:
    """One SQLite ledger file. Safe to share between threads; several processes may open the same path."""

    def __init__(self, path: str | Path, profile: str = "", legacy: bool = True) -> None:
        """``profile`` (issue 16): rows are recorded under it and scoped views (a ``base_url`` given)
        show only its rows; ``legacy`` adds the rows of the pre-profile version for the same origin."""
        self.path = Path(path).expanduser()
        self.profile = profile
        self.legacy = legacy
        self._lock = threading.Lock()
        self._operator = operator()
        self.read_only = False
        """True when only reading is possible (read-only mount, immutable folder): writes raise."""
        self._db: sqlite3.Connection | None = self._open()

    # -- opening and recognising the file -------------------------------------------------------------

    def _operational(self, exc: sqlite3.OperationalError, what: str) -> LedgerError:
        if "locked" in str(exc) or "busy" in str(exc):
            return LedgerError(
                f"The session ledger at {self.path} stayed locked by another process for "
                f"{BUSY_TIMEOUT_MS // 1000} s; close other composio-tui windows and try again.",
                self.path, LedgerProblem.LOCKED,
            )
        problem = storage_problem(exc)
        if problem is not None:
            return storage_error(self.path, problem)
        return self._fail(what, detail=str(exc))

    def _fail(self, problem: str, detail: str = "") -> LedgerError:
        """A damaged file: one sentence with the path and the fix; the details go to the debug log."""
        if detail:
            log.debug("ledger %s %s: %s", self.path, problem, detail)
        return LedgerError(
            f"The session ledger at {self.path} {problem}; move it aside (for example rename it to "
            f"{self.path.name}.bad) and composio-tui will start a new, empty ledger there.",
            self.path, LedgerProblem.DAMAGED,
        )

    def _open(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise LedgerError(
                f"The session ledger path {self.path} is a directory, not a file; move that directory "
                "aside or choose another ledger path.",
                self.path,
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            problem = storage_problem(exc)
            if isinstance(exc, FileExistsError | NotADirectoryError):
                why, fix = "a file is in the way", "move that file aside or choose another location"
            else:
                why, fix = str(exc.strerror or exc), "check its permissions or choose another location"
            raise LedgerError(
                f"Cannot create the folder for the session ledger at {self.path} ({why}); {fix}.", self.path,
                problem or LedgerProblem.OTHER,
            ) from None
        self._check_header()
        try:
            return self._connect()
        except LedgerError as err:
            if err.problem not in (LedgerProblem.UNWRITABLE, LedgerProblem.FULL) or not self.path.is_file():
                raise
            first = err
        # A healthy ledger where nothing may be written (read-only mount, immutable folder, full disk):
        # still readable, so `sessions list` works; every write then says why it cannot be made.
        from urllib.parse import quote

        for flag in ("mode=ro", "immutable=1"):
            try:
                db = self._connect(f"file:{quote(str(self.path))}?{flag}")
            except LedgerError as err:
                if err.problem == LedgerProblem.DAMAGED:
                    raise
                continue
            self.read_only = True
            log.debug("ledger %s opened read-only (%s): %s", self.path, flag, first)
            return db
        raise first

    def _connect(self, uri: str | None = None) -> sqlite3.Connection:
        """Open and recognise the file; ``uri`` opens it read-only (nothing is initialised then)."""
        try:
            db = sqlite3.connect(uri or self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                                 check_same_thread=False, uri=uri is not None)
        except sqlite3.Error as exc:
            problem = storage_problem(exc)
            if problem is not None:
                raise storage_error(self.path, problem, "open") from None
            raise LedgerError(
                f"Cannot open the session ledger at {self.path} ({exc}); check the file's permissions.",
                self.path,
            ) from None
        db.row_factory = sqlite3.Row
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._prepare(db, read_only=uri is not None)
        except LedgerError:
            db.close()
            raise
        except sqlite3.OperationalError as exc:
            db.close()
            raise self._operational(exc, "cannot be read") from None
        except sqlite3.DatabaseError as exc:
            db.close()
            raise self._fail("is damaged or is not a SQLite database", detail=str(exc)) from None
        return db

    def _check_header(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(len(_SQLITE_MAGIC))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise LedgerError(
                f"Cannot read the session ledger at {self.path} ({exc.strerror or exc}); check its permissions.",
                self.path, LedgerProblem.UNWRITABLE,
            ) from None
        if head and head != _SQLITE_MAGIC:
            raise self._fail("is not a SQLite database (it may be corrupt or belong to another program)")

    def _prepare(self, db: sqlite3.Connection, read_only: bool = False) -> None:
        """Recognise our file, or initialise a brand-new empty one; refuse anything else."""
        if self._is_ours(db):
            self._check_schema(db)
        elif read_only:
            foreign = db.execute("PRAGMA application_id").fetchone()[0] != 0 or db.execute(
                "SELECT count(*) FROM sqlite_master").fetchone()[0]
            if foreign:
                raise self._fail("is a SQLite database from another program (its tables are not ours)")
            raise storage_error(self.path, LedgerProblem.UNWRITABLE, "create")
        else:
            db.execute("BEGIN IMMEDIATE")
            try:
                if self._is_ours(db):  # another process initialised it while we waited for the lock
                    db.execute("COMMIT")
                    self._check_schema(db)
                else:
                    foreign_id = db.execute("PRAGMA application_id").fetchone()[0] != 0
                    if foreign_id or db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                        raise self._fail("is a SQLite database from another program (its tables are not ours)")
                    # Not executescript(): it would COMMIT first and lose the write lock.
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    db.execute("COMMIT")
                    self._restrict_permissions()
            finally:
                if db.in_transaction:
                    db.execute("ROLLBACK")
        # WAL lets readers and one writer proceed together. Where WAL is impossible (some network file
        # systems) SQLite keeps its rollback journal, which is still safe, only slower under contention.
        if not read_only:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # durable across process crashes in WAL mode
        result = "\n".join(str(row[0]) for row in db.execute("PRAGMA quick_check"))
        if result != "ok":
            raise self._fail("is damaged", detail=result)

    def _restrict_permissions(self) -> None:
        """A new ledger is private to its owner (it names end users); SQLite gives -wal/-shm the same mode."""
        try:
            os.chmod(self.path, 0o600)
        except OSError:
            pass  # e.g. a file system without POSIX modes; the ledger still works

    @staticmethod
    def _is_ours(db: sqlite3.Connection) -> bool:
        return db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID

    def _check_schema(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"The session ledger at {self.path} was written by a newer composio-tui (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade composio-tui or point it at another ledger path.",
                self.path,
            )
        columns = tuple(row[1] for row in db.execute("PRAGMA table_info(sessions)"))
        if version == 1 and columns == _V1_COLUMNS:
            self._migrate_v1(db)
            version, columns = SCHEMA_VERSION, _COLUMNS
        if version != SCHEMA_VERSION or columns != _COLUMNS:
            raise self._fail(f"has an unexpected layout (schema {version})")

    def _migrate_v1(self, db: sqlite3.Connection) -> None:
        """Schema 1 -> 2: add the profile column (old rows get '' = made before profiles existed)."""
        db.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] == 1:  # not done by another process meanwhile
                db.execute("ALTER TABLE sessions ADD COLUMN profile TEXT NOT NULL DEFAULT ''")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")

    def _scope(self, base_url: str) -> tuple[str, list[object]]:
        """The WHERE clause of a scoped view: this profile's rows (plus legacy rows of the origin)."""
        if not self.profile:
            return "base_url = ?", [_origin(base_url)]  # the pre-profile view, unchanged
        if self.legacy:
            return "(profile = ? OR (profile = '' AND base_url = ?))", [self.profile, _origin(base_url)]
        return "profile = ?", [self.profile]

    # -- plumbing ---------------------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise LedgerError(f"The session ledger at {self.path} is closed.", self.path)
        return self._db

    def _run(self, action: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        with self._lock:
            db = self._conn()
            try:
                if not write:
                    return action(db)
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = action(db)
                    db.execute("COMMIT")
                    return result
                finally:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                raise self._operational(exc, "cannot be used") from None
            except sqlite3.IntegrityError as exc:
                raise LedgerError(f"The session ledger at {self.path} refused a write ({exc}).", self.path) from None
            except sqlite3.DatabaseError as exc:
                problem = storage_problem(exc)
                if problem is not None:  # e.g. SQLITE_FULL surfaces as a DatabaseError on some paths
                    raise storage_error(self.path, problem) from None
                raise self._fail("is damaged", detail=str(exc)) from None

    # -- writes -----------------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """Raise the storage LedgerError now when nothing could be written (before any API request)."""
        if self.read_only:
            raise storage_error(self.path, LedgerProblem.UNWRITABLE)

    def begin(self, user_id: str, toolkits: Iterable[str], base_url: str, manage_connections: bool = True) -> int:
        """Record the intent to create a session (state "pending") and commit it; returns the row id."""
        now = _now()
        slugs = json.dumps(list(toolkits))

        def insert(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "INSERT INTO sessions (user_id, toolkits, manage_connections, base_url, created_at, updated_at,"
                " operator, state, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, slugs, int(manage_connections), _origin(base_url), now, now, self._operator, PENDING,
                 self.profile),
            )
            return int(cursor.lastrowid or 0)

        return self._run(insert, write=True)

    def complete(self, row_id: int, info: SessionInfo) -> None:
        """Record the API's answer: the row becomes "active" with its session id and MCP URL."""

        def update(db: sqlite3.Connection) -> None:
            row = db.execute("SELECT toolkits FROM sessions WHERE id = ?", (row_id,)).fetchone()
            if row is None:
                raise LedgerError(f"The session ledger at {self.path} has no row {row_id}.", self.path)
            toolkits = json.dumps(list(info.toolkits)) if info.toolkits else row["toolkits"]
            db.execute(
                "UPDATE sessions SET session_id = ?, mcp_url = ?, toolkits = ?, manage_connections = ?,"
                " state = ?, note = '', updated_at = ? WHERE id = ?",
                (info.session_id, info.mcp_url, toolkits, int(info.manage_connections), ACTIVE, _now(), row_id),
            )

        self._run(update, write=True)

    def fail(self, row_id: int, reason: str) -> None:
        """The API refused: the row becomes "failed" with a one-line reason."""

        def update(db: sqlite3.Connection) -> None:
            cursor = db.execute(
                "UPDATE sessions SET state = ?, note = ?, updated_at = ? WHERE id = ?",
                (FAILED, _one_line(reason), _now(), row_id),
            )
            if cursor.rowcount == 0:
                raise LedgerError(f"The session ledger at {self.path} has no row {row_id}.", self.path)

        self._run(update, write=True)

    def set_state(self, session_id: str, state: str, note: str = "") -> bool:
        """Change the state of the row for ``session_id``; returns False when no such row exists."""
        if state not in STATES:
            raise ValueError(f"Unknown ledger state {state!r}; expected one of {', '.join(STATES)}.")

        def update(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE sessions SET state = ?, note = ?, updated_at = ? WHERE session_id = ?",
                (state, _one_line(note), _now(), session_id),
            )
            return cursor.rowcount > 0

        return self._run(update, write=True)

    def reconcile_stale(self, older_than_s: float = 120) -> int:
        """Mark "pending" rows older than ``older_than_s`` as "unknown" (their process died); never deletes."""
        cutoff = _stamp(datetime.now(UTC) - timedelta(seconds=older_than_s))
        note = "The process that created this session stopped before recording the answer; it may exist remotely."

        def update(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "UPDATE sessions SET state = ?, note = ?, updated_at = ? WHERE state = ? AND updated_at <= ?",
                (UNKNOWN, note, _now(), PENDING, cutoff),
            )
            return cursor.rowcount

        return self._run(update, write=True)

    # -- reads ------------------------------------------------------------------------------------------

    def get(self, session_id: str) -> Entry | None:
        def select(db: sqlite3.Connection) -> Entry | None:
            row = db.execute("SELECT * FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
            return _entry(row) if row else None

        return self._run(select, write=False)

    def entries(
        self,
        user: str | None = None,
        toolkit: str | None = None,
        base_url: str | None = None,
        states: Iterable[str] | None = None,
    ) -> list[Entry]:
        """Rows newest first. ``user`` matches a case-insensitive substring, ``toolkit`` an exact slug."""
        clauses: list[str] = []
        params: list[object] = []
        if user:
            clauses.append("instr(lower(user_id), lower(?)) > 0")
            params.append(user)
        if toolkit:
            clauses.append("EXISTS (SELECT 1 FROM json_each(sessions.toolkits) WHERE value = ?)")
            params.append(toolkit)
        if base_url:
            clause, values = self._scope(base_url)
            clauses.append(clause)
            params.extend(values)
        if states is not None:
            wanted = list(states)
            clauses.append(f"state IN ({', '.join('?' for _ in wanted)})" if wanted else "0")
            params.extend(wanted)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT * FROM sessions{where} ORDER BY id DESC"

        def select(db: sqlite3.Connection) -> list[Entry]:
            return [_entry(row) for row in db.execute(sql, params)]

        return self._run(select, write=False)

    def recent_user_ids(self, base_url: str | None = None, limit: int = 20) -> list[str]:
        """Distinct user ids, most recently used first."""
        clause, params = self._scope(base_url) if base_url else ("", [])
        where = f" WHERE {clause}" if clause else ""
        sql = f"SELECT user_id FROM sessions{where} GROUP BY user_id ORDER BY max(id) DESC LIMIT ?"

        def select(db: sqlite3.Connection) -> list[str]:
            return [row[0] for row in db.execute(sql, [*params, limit])]

        return self._run(select, write=False)

    def find_active(self, user_id: str, toolkits: Iterable[str], base_url: str) -> Entry | None:
        """The newest active session for the same user, API origin and toolkit SET (order ignored)."""
        wanted = set(toolkits)
        clause, values = self._scope(base_url)

        def select(db: sqlite3.Connection) -> Entry | None:
            rows = db.execute(
                f"SELECT * FROM sessions WHERE user_id = ? AND {clause} AND state = ? ORDER BY id DESC",
                (user_id, *values, ACTIVE),
            )
            for row in rows:
                if set(json.loads(row["toolkits"])) == wanted:
                    return _entry(row)
            return None

        return self._run(select, write=False)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- outcome unknown (fidelity, issue 11.2) ---------------------------------------------------------

    def unknown(self, row_id: int, reason: str) -> None:
        """The create was sent and its answer is unknown: the row becomes "unknown" (the session may exist)."""

        def update(db: sqlite3.Connection) -> None:
            cursor = db.execute(
                "UPDATE sessions SET state = ?, note = ?, updated_at = ? WHERE id = ?",
                (UNKNOWN, _one_line(reason), _now(), row_id),
            )
            if cursor.rowcount == 0:
                raise LedgerError(f"The session ledger at {self.path} has no row {row_id}.", self.path)

        self._run(update, write=True)

    # --- policy ---------------------------------------------------------------------------------
    # Config versions of edited sessions, in a side table of their own (additive: the sessions table
    # and SCHEMA_VERSION are unchanged, so older composio-tui releases still open the file).

    _VERSIONS = ("CREATE TABLE IF NOT EXISTS session_versions (session_id TEXT NOT NULL, version INTEGER NOT NULL,"
                 " recorded_at TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', PRIMARY KEY (session_id, version))")

    def record_version(self, session_id: str, version: int, note: str = "") -> None:
        """Remember that the session's config is now at ``version`` (after a PATCH)."""

        def write(db: sqlite3.Connection) -> None:
            db.execute(self._VERSIONS)
            db.execute("INSERT OR REPLACE INTO session_versions (session_id, version, recorded_at, note)"
                       " VALUES (?, ?, ?, ?)", (session_id, int(version), _now(), _one_line(note)[:MAX_NOTE]))
            db.execute("UPDATE sessions SET updated_at = ? WHERE session_id = ?", (_now(), session_id))

        self._run(write, write=True)

    def config_version(self, session_id: str) -> int:
        """The newest config version recorded for the session (1: never edited from here)."""

        def read(db: sqlite3.Connection) -> int:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'session_versions'").fetchone():
                return 1
            row = db.execute("SELECT max(version) FROM session_versions WHERE session_id = ?",
                             (session_id,)).fetchone()
            return int(row[0]) if row and row[0] is not None else 1

        return self._run(read, write=False)
