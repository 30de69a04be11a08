"""Offboarding a user: delete every session of theirs the ledger records and every connected account the
API lists for them, and keep a record of it.

Rules:
- ``plan`` (the dry run) lists exactly what ``run`` will remove and changes nothing;
- ``run`` writes the plan to a journal (JSON Lines beside the ledger) before the first request and one
  line per item as it is done, so a crash or a failure half way leaves what is done and what is left;
  running it again reads the journal, skips what is done and finishes the rest (and anything new);
- sessions go first (no new connection can start through them), then accounts; a 404 means the item
  was already gone, which counts as done; a failure is reported and the rest still proceed;
- every ledger row of the user's sessions ends ``deleted``, with the operator and time in its note,
  never dropped;
- only this user's items are touched: sessions come from the ledger rows of exactly this user id, and
  an account the API reports for another user is never deleted.

Textual-free and blocking.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from . import users
from .errors import ApiError
from .ledger import operator
from .states import LedgerState, OffboardOutcome

SESSION = "session"
ACCOUNT = "account"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Item:
    kind: str
    """"session" or "account"."""
    id: str
    label: str = ""
    """Toolkits of a session, or an account's toolkit and status."""
    outcome: OffboardOutcome = OffboardOutcome.PLANNED
    note: str = ""
    earlier: bool = False
    """Done by an earlier, interrupted run (from the journal)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "label": self.label, "outcome": str(self.outcome),
                "note": self.note or None, "earlier_run": self.earlier}


@dataclass(slots=True)
class Report:
    user_id: str
    items: list[Item] = field(default_factory=list)
    dry_run: bool = False
    journal: Path | None = None

    @property
    def done(self) -> bool:
        return not self.dry_run and all(i.outcome in (OffboardOutcome.DELETED, OffboardOutcome.ALREADY_GONE)
                                        for i in self.items)

    @property
    def failed(self) -> list[Item]:
        return [i for i in self.items if i.outcome == OffboardOutcome.FAILED]

    def count(self, kind: str) -> int:
        return sum(1 for i in self.items if i.kind == kind)

    def as_dict(self) -> dict:
        return {"user_id": self.user_id, "dry_run": self.dry_run, "complete": self.done,
                "sessions": self.count(SESSION), "accounts": self.count(ACCOUNT),
                "failed": len(self.failed), "journal": str(self.journal) if self.journal else None,
                "items": [i.as_dict() for i in self.items]}


def journal_path(directory: Path, user_id: str) -> Path:
    """One journal per user and directory; the name hides the id (it may be an email)."""
    digest = hashlib.sha256(user_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return Path(directory) / "offboarding" / f"{digest}.jsonl"


def plan(gateway, ledger, user_id: str) -> Report:
    """The dry run: every item ``run`` would remove now. NOT_FOUND when the user has nothing at all."""
    user_id = users.check_user(user_id)
    items = _current(gateway, ledger, user_id)
    if not items:
        raise users.unknown_user(user_id)
    return Report(user_id, items, dry_run=True)


def _current(gateway, ledger, user_id: str) -> list[Item]:
    sessions = [Item(SESSION, e.session_id, ", ".join(e.toolkits))
                for e in users.user_sessions(ledger, user_id, gateway.base_url)
                if e.session_id and e.state != LedgerState.DELETED and e.state != LedgerState.FAILED]
    accounts = [Item(ACCOUNT, a.id, f"{a.toolkit} ({a.status})")
                for a in gateway.accounts(user_id=user_id) if a.user_id == user_id]
    return sessions + accounts


class Journal:
    """Append-only JSON Lines: ``plan`` (the items), ``done`` (one item's outcome), ``finished``.
    Only the lines after the last ``finished`` belong to the run in progress."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[list[Item], dict[tuple[str, str], Item]]:
        planned: dict[tuple[str, str], Item] = {}
        done: dict[tuple[str, str], Item] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return [], {}
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash: its item is simply not done
            kind = event.get("event")
            if kind == "finished":
                planned, done = {}, {}
            elif kind == "plan":
                for raw in event.get("items", []):
                    item = Item(raw["kind"], raw["id"], raw.get("label", ""))
                    planned.setdefault(item.key, item)
            elif kind == "done":
                item = Item(event["kind"], event["id"], event.get("label", ""),
                            OffboardOutcome(event["outcome"]), event.get("note", ""), earlier=True)
                done[item.key] = item
        return list(planned.values()), done

    def write(self, event: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(event | {"at": _now()}, ensure_ascii=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(self.path, 0o600)  # it names end users, like the ledger
        except OSError:
            pass


Progress = Callable[[Item], None]


def run(gateway, ledger, user_id: str, journal_dir: Path, *, progress: Progress | None = None,
        cancelled: Callable[[], bool] = lambda: False) -> Report:
    """Offboard ``user_id`` (see the module rule). Returns the report of every item."""
    user_id = users.check_user(user_id)
    journal = Journal(journal_path(journal_dir, user_id))
    previous, done = journal.read()
    who = operator()
    items: dict[tuple[str, str], Item] = {i.key: i for i in previous}
    for round_ in range(3):  # a last look catches accounts that appeared while we worked
        fresh = [i for i in _current(gateway, ledger, user_id) if i.key not in items]
        if round_ and not fresh:
            break
        if not items and not fresh:
            raise users.unknown_user(user_id)
        if fresh or not previous:
            journal.write({"event": "plan", "user_id": user_id, "base_url": gateway.base_url, "operator": who,
                           "items": [{"kind": i.kind, "id": i.id, "label": i.label} for i in fresh]})
            items.update((i.key, i) for i in fresh)
            previous = list(items.values())
        ordered = sorted(items.values(), key=lambda i: i.kind != SESSION)
        for item in ordered:
            if item.key in done:
                continue
            if cancelled():
                break
            result = _remove(gateway, ledger, item, who)
            if result.outcome != OffboardOutcome.FAILED:
                journal.write({"event": "done", "kind": item.kind, "id": item.id, "label": item.label,
                               "outcome": str(result.outcome), "note": result.note})
                done[item.key] = result
            items[item.key] = result
            if progress is not None:
                progress(result)
        if cancelled() or any(i.outcome == OffboardOutcome.FAILED for i in items.values()):
            break
    final = [done.get(key, item) for key, item in items.items()]
    final.sort(key=lambda i: i.kind != SESSION)
    report = Report(user_id, final, journal=journal.path)
    if report.done:
        journal.write({"event": "finished", "user_id": user_id, "operator": who})
    return report


def _remove(gateway, ledger, item: Item, who: str) -> Item:
    stamp = f"offboarded by {who} at {_now()}"
    try:
        if item.kind == SESSION:
            deleted = gateway.delete_session(item.id)
            ledger.set_state(item.id, LedgerState.DELETED,
                             stamp if deleted else f"{stamp} (already gone at the API)")
        else:
            deleted = gateway.delete_account(item.id)
    except ApiError as err:
        return replace(item, outcome=OffboardOutcome.FAILED, note=err.line())
    if deleted:
        return replace(item, outcome=OffboardOutcome.DELETED, note="")
    return replace(item, outcome=OffboardOutcome.ALREADY_GONE, note="the API no longer had it (404)")
