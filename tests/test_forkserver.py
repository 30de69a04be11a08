"""The tests' fork server: its start is waited for on its own, and a failed start says so."""

from __future__ import annotations

import subprocess

import forkserver
import pytest


def test_a_zygote_that_cannot_start_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(forkserver, "_zygote", None)  # restored afterwards: this process's own zygote
    monkeypatch.setattr(forkserver, "ZYGOTE", "import sys; sys.exit(3)")
    with pytest.raises(RuntimeError, match=r"the fork server failed to start \(exit 3\)"):
        forkserver.Process(["--version"], stdout=subprocess.DEVNULL)


def test_a_slow_zygote_start_does_not_count_against_the_command(monkeypatch):
    monkeypatch.setattr(forkserver, "_zygote", None)
    # The zygote's start takes longer than a command's start may; the two forks of a command take
    # milliseconds, so 3 s leaves room for a busy machine.
    monkeypatch.setattr(forkserver, "START_TIMEOUT", 3.0)
    monkeypatch.setattr(forkserver, "ZYGOTE", "import time; time.sleep(4.0)\n" + forkserver.ZYGOTE)
    proc = forkserver.Process(["--version"], stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip()
    zygote, control = forkserver._zygote
    control.close()  # this zygote ends with its control socket
    assert zygote.wait(timeout=30) == 0
