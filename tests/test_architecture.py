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


# --- layering rules (issue 9.5), each checked against the tree and against a synthetic violation ---

class Module:
    """A module's name, its package (for relative imports) and its source text."""

    def __init__(self, name: str, package: str, text: str) -> None:
        self.name, self.package, self.text = name, package, text

    @classmethod
    def of(cls, path: Path) -> Module:
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        return cls(path.stem, ".".join(parts[:-1]), path.read_text())

    def imports(self) -> set[str]:
        """Every module imported anywhere in the file (lazy ones too), as absolute dotted names."""
        here = self.package.split(".")
        found: set[str] = set()
        for node in ast.walk(ast.parse(self.text)):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
        return found

    def reaches(self, target: str) -> bool:
        return any(m == target or m.startswith(target + ".") for m in self.imports())


COMMAND_MODULES = ("commands", "toolkits_cmd", "sessions_cmd", "provision_cmd")


def of(folder: str) -> list[Module]:
    return [Module.of(p) for p in modules(folder)]


def core_demo_offenders(mods: list[Module]) -> list[str]:
    return [m.name for m in mods if m.reaches("tui.demo")]


def screen_gateway_offenders(mods: list[Module]) -> list[str]:
    return [m.name for m in mods if m.reaches("tui.core.gateway")]


def command_cross_offenders(mods: list[Module]) -> list[str]:
    return [m.name for m in mods
            if any(m.reaches(f"{other.package}.{other.name}") for other in mods if other is not m)]


def command_modules() -> list[Module]:
    return [m for m in of("cli") if m.name in COMMAND_MODULES or m.name.endswith("_cmd")]


# Textual widgets the console wraps (tui/widgets/footer.py, table.py say why); screens use the wrappers.
WRAPPED = {"textual.widgets.Footer": "tui.widgets.footer.Footer", "textual.widgets.DataTable": "tui.widgets.table.Table"}


def wrapped_widget_offenders(mods: list[Module]) -> list[str]:
    """Modules that build Textual's Footer or DataTable themselves (importing DataTable to query is fine)."""
    found = []
    for m in mods:
        tree = ast.parse(m.text)
        built = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        if any(m.reaches(textual) and textual.rsplit(".", 1)[1] in built for textual in WRAPPED):
            found.append(m.name)
    return found


def test_core_never_imports_the_demo():
    assert core_demo_offenders(of("core")) == []


def test_screens_never_import_the_gateway():
    assert screen_gateway_offenders(of("screens") + of("widgets") + [Module.of(ROOT / "app.py")]) == []


def test_screens_build_the_consoles_footer_and_table_not_textuals():
    assert wrapped_widget_offenders(of("screens") + [Module.of(ROOT / "app.py")]) == []


def test_command_modules_never_import_each_other():
    commands = command_modules()
    assert {m.name for m in commands} >= set(COMMAND_MODULES)
    assert command_cross_offenders(commands) == []


def test_each_rule_fails_on_a_deliberate_violation():
    core, screens, cli = "tui.core", "tui.screens", "tui.cli"
    bad_core = [Module("bad_core", core, "from ..demo.runner import DemoServer\n"),
                Module("bad_lazy", core, "def f():\n    import tui.demo\n")]
    assert core_demo_offenders(bad_core) == ["bad_core", "bad_lazy"]
    bad_screens = [Module("bad_screen", screens, "from ..core.gateway import Gateway\n"),
                   Module("bad_screen2", screens, "from ..core import gateway\n")]
    assert screen_gateway_offenders(bad_screens) == ["bad_screen", "bad_screen2"]
    cmds = [Module("alpha_cmd", cli, "from .beta_cmd import helper\n"),
            Module("beta_cmd", cli, "def helper():\n    from . import run\n")]
    assert command_cross_offenders(cmds) == ["alpha_cmd"]
    bad_widgets = [Module("bad_footer", screens, "from textual.widgets import Footer\nx = Footer()\n"),
                   Module("bad_table", screens, "from textual.widgets import DataTable, Static\nt = DataTable(id='t')\n"),
                   Module("queries", screens, "from textual.widgets import DataTable\nfrom ..widgets.table import Table\n"
                                              "t = Table()\nq = lambda s: s.query_one('#t', DataTable)\n")]
    assert wrapped_widget_offenders(bad_widgets) == ["bad_footer", "bad_table"]
    fine = Module("fine", core, "from .launch import DemoRun\nfrom . import catalog\n")
    assert core_demo_offenders([fine]) == [] and screen_gateway_offenders([fine]) == []


def test_every_parser_handler_is_in_the_handler_table():
    """9.7: ``set_defaults(handler=(module, name))`` pairs all have a row in ``run.HANDLERS`` that loads."""
    import argparse

    from tui.cli import run
    from tui.cli.parser import build_parser

    pairs: set[tuple[str, str]] = set()

    def walk(parser: argparse.ArgumentParser, path: list[str]) -> None:
        handler = parser.get_default("handler")
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if handler:
            pairs.add(tuple(handler))
        elif not subs and path:
            pairs.add(("commands", "cmd_" + path[0].replace("-", "_")))
        for action in subs:
            for name, sub in action.choices.items():
                walk(sub, path + [name])

    walk(build_parser(), [])
    assert pairs and pairs <= set(run.HANDLERS), sorted(pairs - set(run.HANDLERS))
    for pair in pairs:
        module, name = pair
        assert run.HANDLERS[pair]().__name__ == name
        assert run.HANDLERS[pair]().__module__ == f"tui.cli.{module}"
    no_such = argparse.Namespace(handler=("nope_cmd", "cmd_x"), command="nope")
    try:
        run.handler_for(no_such)
    except LookupError as exc:
        assert "HANDLERS" in str(exc)
    else:
        raise AssertionError("an unregistered handler must be refused")


RAW_KEY_READERS = {"core/context.py", "core/gateway.py", "core/keyinfo.py", "core/secrets.py"}
"""9.2: the only modules that read ``<KeyInfo>.key``; fronts use ``present``/``masked``/``export_text``."""


def raw_key_offenders(sources: dict[str, str]) -> list[str]:
    """Files reading ``something.key.key`` (the raw key of the run's KeyInfo)."""
    out = []
    for name, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Attribute) and node.attr == "key" and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "key":
                out.append(name)
                break
    return out


def test_only_the_context_and_the_gateway_read_the_raw_key():
    sources = {str(p.relative_to(ROOT)): p.read_text() for p in ROOT.rglob("*.py")
               if str(p.relative_to(ROOT)) not in RAW_KEY_READERS}
    assert raw_key_offenders(sources) == []
    assert raw_key_offenders({"screens/bad.py": "def f(app):\n    return app.ctx.key.key\n"}) == ["screens/bad.py"]


def test_demo_mode_loads_the_embedded_api_only_when_it_starts():
    """The demo seam's launcher imports uvicorn & co. when called, not on the path to the first frame."""
    code = ("import sys; from tui.cli.parser import build_parser; from tui.cli import run; import tui.app; "
            "ctx = run.make_context(build_parser().parse_args(['--demo']), lazy=True); "
            "tui.app.ComposioApp(ctx); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('uvicorn', 'starlette', 'composio')"
            " or m.startswith('tui.demo')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
