"""The README's keyboard reference, generated from the bindings so it cannot drift.

    uv run python scripts/keyref.py          # print the table
    uv run python scripts/keyref.py --write  # replace it in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START, END = "<!-- keys:start -->", "<!-- keys:end -->"
NAMES = {"slash": "/", "question_mark": "?", "escape": "esc", "space": "space", "enter": "enter"}


def screens():
    from tui.app import ComposioApp
    from tui.screens.catalog import CatalogScreen
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.export import ExportScreen
    from tui.screens.help import HelpScreen
    from tui.screens.login import LoginScreen
    from tui.screens.new_session import NewSessionScreen
    from tui.screens.readiness import ReadinessScreen
    from tui.screens.session import SessionScreen
    from tui.screens.sessions import SessionsScreen
    from tui.screens.toolkit import ToolkitScreen
    from tui.screens.verify import VerifyScreen
    from tui.screens.playground import PlaygroundScreen  # playground (issue 14)
    from tui.screens.session_tools import SessionToolsScreen
    from tui.screens.tool_detail import ToolDetailScreen
    from tui.screens.try_tool import TryToolScreen
    from tui.screens.activity import ActivityScreen  # activity
    from tui.screens.log_detail import LogScreen  # activity
    from tui.screens.connect import ConnectScreen  # users and connections
    from tui.screens.offboard import OffboardScreen
    from tui.screens.user import UserScreen
    from tui.screens.users import UsersScreen

    return [("Everywhere", ComposioApp), ("Catalog", CatalogScreen), ("Toolkit details", ToolkitScreen),
            ("New session", NewSessionScreen), ("Session", SessionScreen), ("Export", ExportScreen),
            ("Readiness", ReadinessScreen), ("Verify", VerifyScreen), ("Sessions", SessionsScreen),
            ("Login", LoginScreen), ("Confirm", ConfirmScreen), ("Help", HelpScreen),
            ("Playground", PlaygroundScreen), ("Tool schemas", ToolDetailScreen), ("Try a tool", TryToolScreen),
            ("Session tools", SessionToolsScreen), ("Activity", ActivityScreen), ("Log", LogScreen),
            ("Users", UsersScreen), ("User", UserScreen), ("Connect link", ConnectScreen),
            ("Offboard", OffboardScreen), *policy_screens()]


def policy_screens():
    """Session policy (issue 12): the policy editor, tool picker, templates and history."""
    from tui.screens.history import HistoryScreen
    from tui.screens.policy import PolicyScreen, TemplateNameScreen, TemplatePickerScreen
    from tui.screens.tool_picker import ToolPickerScreen

    return [("Policy", PolicyScreen), ("Tool picker", ToolPickerScreen), ("Templates", TemplatePickerScreen),
            ("Save template", TemplateNameScreen), ("History", HistoryScreen)]


def keys_text(key: str) -> str:
    return ", ".join(NAMES.get(k.strip(), k.strip()) for k in key.split(","))


def table() -> str:
    rows = ["| Where | Keys | Action | Binding id |", "|---|---|---|---|"]
    for where, cls in screens():
        for b in cls.BINDINGS:
            rows.append(f"| {where} | `{keys_text(b.key)}` | {b.tooltip or b.description} | `{b.id}` |")
    rows.append("| Everywhere | `ctrl+p` | Command palette: every action of the current screen | — |")
    return "\n".join(rows)


def block() -> str:
    return f"{START}\n{table()}\n{END}"


def current(readme: str) -> str:
    start, end = readme.index(START), readme.index(END) + len(END)
    return readme[start:end]


def main() -> None:
    if "--write" in sys.argv:
        path = ROOT / "README.md"
        text = path.read_text()
        path.write_text(text.replace(current(text), block()))
        print("README.md keyboard reference updated")
    else:
        print(table())


if __name__ == "__main__":
    main()
