from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.core import ledger as ledger_module
from tui.core.ledger import APPLICATION_ID, Entry, Ledger, LedgerError, operator
from tui.core.models import SessionInfo

ROOT = Path(__file__).resolve().parents[1]
WORKER = Path(__file__).with_name("ledger_worker.py")
BASE = "https://backend.composio.dev"
OTHER_BASE = "http://127.0.0.1:9"


def info(session_id: str, user_id: str, toolkits: tuple[str, ...] = ()) -> SessionInfo:
    return SessionInfo(session_id, user_id, f"{BASE}/tool_router/{session_id}/mcp", toolkits)


def entry_at(book: Ledger, row_id: int) -> Entry | None:
    """The ledger row ``row_id`` (``begin`` returns it), through the public listing."""
    return next((e for e in book.entries() if e.id == row_id), None)


def worker(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    book = Ledger(tmp_path / "data" / "ledger.sqlite3")
    yield book
    book.close()


def test_round_trip_through_every_state(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "ledger.sqlite3"
    book = Ledger(path)
    assert path.parent.is_dir()
    assert path.stat().st_mode & 0o777 == 0o600  # it names end users: private to its owner
    row = book.begin("user-1", ["github", "slack"], BASE + "/", manage_connections=False)
    pending = entry_at(book, row)
    assert pending is not None
    assert (pending.state, pending.session_id, pending.mcp_url) == ("pending", None, "")
    assert pending.base_url == BASE
    assert pending.manage_connections is False
    assert pending.operator == operator() and "@" in pending.operator
    assert pending.created_at.endswith("Z") and "T" in pending.created_at

    book.complete(row, SessionInfo("trs_1", "user-1", f"{BASE}/tool_router/trs_1/mcp", ("github", "slack")))
    book.close()

    reopened = Ledger(path)
    entry = reopened.get("trs_1")
    assert isinstance(entry, Entry)
    assert entry.id == row
    assert entry.user_id == "user-1"
    assert entry.toolkits == ("github", "slack")
    assert entry.mcp_url == f"{BASE}/tool_router/trs_1/mcp"
    assert entry.state == "active"
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.state = "gone"  # type: ignore[misc]

    assert reopened.set_state("trs_1", "gone", "404 Session not found") is True
    gone = reopened.get("trs_1")
    assert gone is not None and (gone.state, gone.note) == ("gone", "404 Session not found")
    assert reopened.set_state("trs_missing", "deleted") is False
    assert reopened.get("trs_missing") is None
    with pytest.raises(ValueError, match="Unknown ledger state"):
        reopened.set_state("trs_1", "vanished")

    failed_row = reopened.begin("user-2", ["gmail"], BASE)
    reopened.fail(failed_row, "400 Bad request:\nunknown toolkit 'gmial'\n")
    failed = entry_at(reopened, failed_row)
    assert failed is not None
    assert (failed.state, failed.note) == ("failed", "400 Bad request: unknown toolkit 'gmial'")
    assert len(reopened.entries()) == 2  # nothing was ever deleted
    reopened.close()
    with pytest.raises(LedgerError, match="closed"):
        reopened.entries()


def test_entries_filters_newest_first(ledger: Ledger) -> None:
    rows = {
        "alice-gh": ledger.begin("alice", ["github"], BASE),
        "bob-slack": ledger.begin("bob", ["slack", "github"], BASE),
        "alice-local": ledger.begin("Alice.Smith", ["gmail"], OTHER_BASE),
        "carol": ledger.begin("carol", ["github_enterprise"], BASE),
    }
    ledger.complete(rows["alice-gh"], info("trs_a", "alice"))
    ledger.fail(rows["carol"], "refused")

    assert [e.id for e in ledger.entries()] == sorted(rows.values(), reverse=True)
    assert [e.user_id for e in ledger.entries(user="alice")] == ["Alice.Smith", "alice"]
    assert [e.user_id for e in ledger.entries(user="LIC")] == ["Alice.Smith", "alice"]
    assert [e.user_id for e in ledger.entries(toolkit="github")] == ["bob", "alice"]  # exact slug, not prefix
    assert [e.user_id for e in ledger.entries(toolkit="git")] == []
    assert [e.user_id for e in ledger.entries(base_url=OTHER_BASE + "/")] == ["Alice.Smith"]
    assert [e.user_id for e in ledger.entries(states=["active", "failed"])] == ["carol", "alice"]
    assert ledger.entries(states=[]) == []
    assert [e.user_id for e in ledger.entries(user="a", toolkit="github", base_url=BASE)] == ["alice"]
    assert [e.user_id for e in ledger.entries(user="%")] == []  # no LIKE wildcards


def test_recent_user_ids(ledger: Ledger) -> None:
    for user in ["u1", "u2", "u1", "u3", "u2"]:
        ledger.begin(user, ["github"], BASE)
    ledger.begin("elsewhere", ["github"], OTHER_BASE)
    assert ledger.recent_user_ids() == ["elsewhere", "u2", "u3", "u1"]
    assert ledger.recent_user_ids(base_url=BASE) == ["u2", "u3", "u1"]
    assert ledger.recent_user_ids(base_url=BASE, limit=2) == ["u2", "u3"]


def test_find_active_ignores_toolkit_order(ledger: Ledger) -> None:
    old = ledger.begin("alice", ["github", "slack"], BASE)
    ledger.complete(old, info("trs_old", "alice"))
    new = ledger.begin("alice", ["slack", "github"], BASE)
    ledger.complete(new, info("trs_new", "alice"))
    ledger.begin("alice", ["github", "slack"], BASE)  # still pending: not resumable

    found = ledger.find_active("alice", ["slack", "github"], BASE + "/")
    assert found is not None and found.session_id == "trs_new"
    assert ledger.find_active("alice", ["github"], BASE) is None  # subset is a different set
    assert ledger.find_active("alice", ["github", "slack", "gmail"], BASE) is None
    assert ledger.find_active("bob", ["github", "slack"], BASE) is None
    assert ledger.find_active("alice", ["github", "slack"], OTHER_BASE) is None

    ledger.set_state("trs_new", "deleted")
    older = ledger.find_active("alice", ["github", "slack"], BASE)
    assert older is not None and older.session_id == "trs_old"


def test_threads_share_one_ledger(ledger: Ledger) -> None:
    def write(tag: str) -> None:
        for n in range(50):
            row = ledger.begin(f"{tag}{n}", ["github"], BASE)
            ledger.complete(row, info(f"trs_{tag}{n}", f"{tag}{n}"))

    threads = [threading.Thread(target=write, args=(tag,)) for tag in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ledger.entries(states=["active"])) == 200


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared" / "ledger.sqlite3"  # both workers create the fresh file at the same time
    go = tmp_path / "go"
    procs = [worker("write", str(db), tag, "200", str(tmp_path / f"ready-{tag}"), str(go)) for tag in ("p1", "p2")]
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"ready-{tag}").exists() for tag in ("p1", "p2")):
        assert time.monotonic() < deadline, [p.poll() for p in procs]
        time.sleep(0.01)
    go.touch()
    windows = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        windows.append(tuple(float(t) for t in out.split()))
    (start1, end1), (start2, end2) = windows
    assert start1 < end2 and start2 < end1  # the two writers really ran at the same time

    book = Ledger(db)
    entries = book.entries()
    book.close()
    assert len(entries) == 400
    assert {e.state for e in entries} == {"active"}
    assert len({e.session_id for e in entries}) == 400
    assert sum(e.user_id.startswith("p1-") for e in entries) == 200
    owners = [e.user_id[:2] for e in reversed(entries)]
    assert sum(a != b for a, b in zip(owners, owners[1:])) > 10  # rows interleave, not one batch after another
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_crash_between_create_and_record_is_recoverable(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    book = Ledger(db)
    done = book.begin("steady", ["github"], BASE)
    book.complete(done, info("trs_steady", "steady"))

    proc = worker("crash", str(db))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 9, err
    crashed_row = int(out.strip())

    pending = entry_at(book, crashed_row)
    assert pending is not None
    assert (pending.user_id, pending.toolkits, pending.state) == ("crash-user", ("gmail",), "pending")
    assert book.reconcile_stale(older_than_s=3600) == 0  # too recent: its process might still be waiting
    assert entry_at(book, crashed_row).state == "pending"  # type: ignore[union-attr]

    assert book.reconcile_stale(older_than_s=0) == 1
    unknown = entry_at(book, crashed_row)
    assert unknown is not None and unknown.state == "unknown"
    assert "may exist" in unknown.note
    assert unknown.user_id == "crash-user" and unknown.base_url == BASE
    assert [e.state for e in book.entries()] == ["unknown", "active"]  # nothing lost, the good row untouched
    assert book.reconcile_stale(older_than_s=0) == 0
    book.close()


@pytest.mark.parametrize(
    "kind", ["random-bytes", "foreign-sqlite", "foreign-app-id", "directory", "damaged-sqlite", "newer-schema"]
)
def test_unusable_file_gives_a_clear_ledger_error(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "ledger.sqlite3"
    if kind == "random-bytes":
        path.write_bytes(bytes(range(256)) * 40)
    elif kind == "foreign-sqlite":
        with sqlite3.connect(path) as foreign:
            foreign.execute("CREATE TABLE notes (body TEXT)")
    elif kind == "foreign-app-id":  # no tables yet, but stamped as another program's file
        with sqlite3.connect(path) as foreign:
            foreign.execute("PRAGMA application_id = 1234")
    elif kind == "directory":
        path.mkdir()
    elif kind == "damaged-sqlite":
        book = Ledger(path)
        for n in range(300):
            book.begin(f"user-{n}" * 5, ["github"], BASE)
        book.close()
        data = bytearray(path.read_bytes())
        assert len(data) > 8192
        data[4096:8192] = b"\xa5" * 4096  # wreck the second page, keep the header
        path.write_bytes(bytes(data))
    elif kind == "newer-schema":
        Ledger(path).close()
        with sqlite3.connect(path) as raw:
            raw.execute("PRAGMA user_version = 99")

    with pytest.raises(LedgerError) as caught:
        Ledger(path)
    message = str(caught.value)
    assert str(path) in message
    assert caught.value.path == path
    assert "\n" not in message and "Traceback" not in message
    expected = {
        "random-bytes": "not a SQLite database",
        "foreign-sqlite": "another program",
        "foreign-app-id": "another program",
        "directory": "is a directory",
        "damaged-sqlite": "damaged",
        "newer-schema": "newer composio-tui",
    }[kind]
    assert expected in message
    if kind != "newer-schema":
        assert "move" in message


def test_file_in_the_way_of_the_folder_gives_a_ledger_error(tmp_path: Path) -> None:
    blocker = tmp_path / "composio-tui"
    blocker.write_text("not a folder")
    with pytest.raises(LedgerError, match=r"\(a file is in the way\); move that file aside") as caught:
        Ledger(blocker / "ledger.sqlite3")
    assert str(blocker / "ledger.sqlite3") in str(caught.value)


def test_empty_file_becomes_a_new_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.touch()
    book = Ledger(path)
    assert book.begin("u", ["github"], BASE) == 1
    book.close()


def test_api_key_is_never_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = "ak_SENTINEL_never_in_ledger_7f3a"
    monkeypatch.setenv("COMPOSIO_API_KEY", sentinel)  # the key exists in the process, passed nowhere
    path = tmp_path / "ledger-dir" / "ledger.sqlite3"
    book = Ledger(path)
    row = book.begin("user-1", ["github"], BASE)
    book.complete(row, info("trs_1", "user-1", ("github",)))
    book.fail(book.begin("user-2", ["slack"], BASE), "401 Unauthorized: invalid API key")
    book.set_state("trs_1", "deleted", "deleted from composio-tui")
    book.close()

    with sqlite3.connect(path) as raw:
        columns = [row[1].lower() for row in raw.execute("PRAGMA table_info(sessions)")]
        tables = [row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert columns == list(ledger_module._COLUMNS)
    assert not [c for c in columns if "key" in c or "secret" in c or "token" in c]
    assert set(tables) <= {"sessions", "sqlite_sequence"}
    files = list(path.parent.iterdir())  # the main file plus any -wal / -shm left behind
    assert path in files
    stored = b"".join(file.read_bytes() for file in files)
    assert b"trs_1" in stored and b"user-2" in stored  # the scan does see what the ledger wrote...
    assert sentinel.encode() not in stored  # ...and the key is not among it


# --- issue 10: damaged versus "cannot write here" ---------------------------------------------------


def _healthy(path: Path) -> None:
    book = Ledger(path)
    book.complete(book.begin("alice", ["github"], BASE), info("trs_ro", "alice", ("github",)))
    book.close()


def _assert_not_destructive(err: LedgerError, path: Path) -> None:
    message = str(err)
    assert str(path) in message and "\n" not in message
    assert "move it aside" not in message and "new, empty ledger" not in message
    assert "intact" in message


@pytest.mark.parametrize("how", ["read-only mount", "immutable folder"])
def test_item7_a_healthy_ledger_that_cannot_be_written_is_read_and_never_called_damaged(tmp_path, how):
    import mounthelp

    with mounthelp.tmpfs(tmp_path / "mnt") as mnt:
        path = mnt / "data" / "ledger.sqlite3"
        _healthy(path)
        guard = mounthelp.read_only(mnt) if how == "read-only mount" else mounthelp.immutable(path.parent)
        with guard:
            book = Ledger(path)  # opens for reading
            assert book.read_only
            assert [e.session_id for e in book.entries()] == ["trs_ro"]
            with pytest.raises(LedgerError) as caught:
                book.begin("bob", ["github"], BASE)
            assert caught.value.problem == "unwritable"
            _assert_not_destructive(caught.value, path)
            with pytest.raises(LedgerError) as caught:
                book.check_writable()
            _assert_not_destructive(caught.value, path)
            book.close()
        assert [e.session_id for e in Ledger(path).entries()] == ["trs_ro"]  # untouched


def test_item7_a_full_disk_is_not_called_damaged(tmp_path):
    import mounthelp

    with mounthelp.tmpfs(tmp_path / "mnt", "256k") as mnt:
        path = mnt / "ledger.sqlite3"
        _healthy(path)
        book = Ledger(path)
        mounthelp.fill(mnt, 0)
        with pytest.raises(LedgerError) as caught:
            for n in range(200):  # some writes may still fit in pages SQLite already holds
                book.begin(f"user-{n}" * 20, ["github"], BASE)
        assert caught.value.problem == "full" and "disk is full" in str(caught.value)
        _assert_not_destructive(caught.value, path)
        book.close()
        (mnt / "filler.bin").unlink()
        assert Ledger(path).get("trs_ro") is not None


def test_item7_a_new_ledger_in_a_read_only_folder_says_so(tmp_path):
    import mounthelp

    with mounthelp.tmpfs(tmp_path / "mnt") as mnt, mounthelp.read_only(mnt):
        with pytest.raises(LedgerError) as caught:
            Ledger(mnt / "data" / "ledger.sqlite3")
        assert caught.value.problem == "unwritable"
        assert "move it aside" not in str(caught.value) and "\n" not in str(caught.value)


def test_item11_a_damaged_ledger_is_one_sentence_and_the_details_go_to_the_debug_log(tmp_path):
    from loghelp import stop_debug_log

    from tui.core import debuglog

    path = tmp_path / "ledger.sqlite3"
    book = Ledger(path)
    for n in range(600):
        book.begin(f"user-{n}" * 5, ["github"], BASE)
    book.close()
    data = bytearray(path.read_bytes())
    for page in range(20, 30):  # zero the cells of some table pages: quick_check reports ~100 lines
        data[page * 4096 + 100:(page + 1) * 4096] = b"\0" * (4096 - 100)
    path.write_bytes(bytes(data))
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA quick_check").fetchone()[0].count("\n") > 50  # really a long dump

    log_path = debuglog.enable(tmp_path / "log" / "debug.log")
    try:
        with pytest.raises(LedgerError) as caught:
            Ledger(path)
    finally:
        stop_debug_log()
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300
    assert str(path) in message and "is damaged" in message and "move it aside" in message
    assert caught.value.problem == "damaged"
    assert "out of order" in log_path.read_text()  # the integrity dump is kept for whoever debugs it
