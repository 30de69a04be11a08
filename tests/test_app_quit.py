"""Quitting takes under a second whatever the network does (issue 10.5).

The real console runs in its own process against a loopback server that accepts and never answers;
``q`` is pressed while the catalog request hangs. The process must be gone within 1 s of the press,
with no traceback (the executor's threads are daemons that nobody joins).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).with_name("app_scripts") / "quit_while_hanging.py"


def test_quit_is_immediate_while_a_request_never_answers(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        (tmp_path / var).mkdir()
        env[var] = str(tmp_path / var)
    proc = subprocess.Popen([sys.executable, str(SCRIPT)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the app did not exit: {err[-2000:]}") from None
    ended = time.time()
    assert proc.returncode == 0, err[-2000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert report["screen"] == "CatalogScreen"
    assert report["returned_at"] - report["quit_at"] < 1.0, report
    assert ended - report["quit_at"] < 1.0 + 0.3, (ended - report["quit_at"], report)  # interpreter exit too
    assert "Traceback" not in err, err[-2000:]
