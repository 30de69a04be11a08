"""Small remembered UI state (theme, recent searches): JSON in the data dir, never secrets."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remember(path: Path, **values: Any) -> None:
    """Merge ``values`` into the file, atomically. Failures are ignored: this is a convenience."""
    data = read(path) | values
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".state-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, path)
    except OSError:
        pass


def first_frame_theme(config_file: Path, state_file: Path, cli_theme: str | None = None) -> str | None:
    """The theme to paint the first frame with, without importing pydantic: command line, then
    COMPOSIO_TUI_THEME, then the config file (read with tomllib), then the theme chosen last time.
    The full Settings, read right after, apply the same order."""
    import tomllib

    if cli_theme:
        return cli_theme
    if os.environ.get("COMPOSIO_TUI_THEME"):
        return os.environ["COMPOSIO_TUI_THEME"]
    try:
        theme = tomllib.loads(config_file.read_text(encoding="utf-8")).get("theme")
    except (OSError, ValueError):
        theme = None
    return theme if isinstance(theme, str) else read(state_file).get("theme")
