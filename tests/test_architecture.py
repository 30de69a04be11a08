"""The import contract: a Textual-free core, one module that talks to the SDK, a light entry point."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "tui"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_and_demo_never_import_textual():
    offenders = [str(p.relative_to(ROOT)) for p in modules("core") + modules("demo")
                 if {"textual", "rich"} & imports_of(p)]
    assert offenders == []


def test_only_the_gateway_imports_the_sdk():
    every = sorted(ROOT.rglob("*.py"))
    assert len(every) > 20
    offenders = [str(p.relative_to(ROOT)) for p in every
                 if {"composio", "composio_client"} & imports_of(p) and p != ROOT / "core" / "gateway.py"]
    assert offenders == []


def test_entry_point_and_app_module_do_not_load_the_sdk():
    code = ("import sys, tui.__main__, tui.app, tui.cli.run; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('composio', 'composio_client', 'keyring', 'uvicorn', 'mcp', 'pydantic', 'pydantic_settings')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
