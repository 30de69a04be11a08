"""Run composio-tui commands against a real Secret Service: ``dbus-run-session -- python profiles_session.py WORKDIR``.

Starts gnome-keyring-daemon (unlocked, as in ``session.py``), then runs each step of WORKDIR/steps.json
in order (``{"name", "argv", "stdin", "env"}``; argv ``["tui", ...]`` means ``python -m tui ...``, run
as its own process forked from a zygote started inside this D-Bus session, see ``tests/forkserver.py``),
records rc/stdout/stderr per step, prints one JSON object and always stops the daemon it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
ROOT = HERE.parents[1]

import forkserver  # noqa: E402
from session import bus_pid, record_pid, start_daemon, stop  # noqa: E402


def run_step(step: dict, workdir: Path) -> dict:
    argv = step["argv"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), **step.get("env", {}))
    timeout = step.get("timeout", 60)
    try:
        if argv[0] == "tui":
            done = forkserver.run(argv[1:], input=step.get("stdin", ""), timeout=timeout, env=env, cwd=workdir)
            return {"rc": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
        if argv[0] == "python":
            argv = [sys.executable, *argv[1:]]
        proc = subprocess.run(argv, input=step.get("stdin", "").encode(), capture_output=True, cwd=workdir,
                              env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"rc": None, "stdout": "", "stderr": "timed out"}
    return {"rc": proc.returncode, "stdout": proc.stdout.decode(errors="replace"),
            "stderr": proc.stderr.decode(errors="replace")}


def main(workdir: Path) -> dict:
    record_pid(workdir, bus_pid("org.freedesktop.DBus"))
    daemon = start_daemon(workdir)
    try:
        steps = json.loads((workdir / "steps.json").read_text())
        return {step["name"]: run_step(step, workdir) for step in steps}
    finally:
        stop(daemon)


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))), flush=True)
