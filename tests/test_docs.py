"""The README stays true: its keyboard reference is the bindings, its test command is what CI runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import keyref  # noqa: E402


def test_keyboard_reference_matches_the_bindings():
    readme = (ROOT / "README.md").read_text()
    assert keyref.current(readme) == keyref.block(), "run: uv run python scripts/keyref.py --write"
    assert readme.count("| Catalog |") >= 8


def test_readme_shows_the_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^    (uv run .+)$", readme, flags=re.M)
    assert commands[:2] == ["uv run composio-tui --demo", "uv run pytest"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "uv run pytest" in ci and "README.md" in ci


def test_help_lists_the_exit_codes():
    out = subprocess.run([sys.executable, "-m", "tui", "--help"], capture_output=True, text=True, check=True).stdout
    for code in ("0  ok", "2  usage", "3  authentication", "4  not found", "5  API or network"):
        assert code in out
