"""Rules the parallel suite relies on (see conftest): a module that listens on a fixed port says so.

Modules naming ``FIXED_PORT`` run on one xdist worker; any other fixed port could be bound by two
workers at once (two parametrized cases of one test are enough), a failure that only shows under load.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FIXED = re.compile(r"^FIXED_PORT = (\d+)", re.M)
A_PORT = re.compile(r"port=(?:\d{4,5}\b|[A-Z][A-Z_]*\b)")


def test_every_fixed_port_is_declared_and_unique():
    seen: dict[int, str] = {}
    undeclared = []
    for path in sorted(p for p in TESTS.glob("*.py") if p.name != Path(__file__).name):
        text = path.read_text()
        declared = FIXED.search(text)
        if A_PORT.search(text) and not declared:
            undeclared.append(path.name)
        if declared:
            port = int(declared.group(1))
            assert port not in seen, f"{path.name} and {seen.get(port)} both use port {port}"
            seen[port] = path.name
    assert undeclared == [], f"fixed ports without a FIXED_PORT constant (conftest groups by it): {undeclared}"


def test_the_rule_sees_a_violation(tmp_path):
    assert A_PORT.search('server = small_server(tmp_path, port=PORT)') and not FIXED.search("PORT = 29920\n")
