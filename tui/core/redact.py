"""The one way a key is shown: its last four characters only."""

from __future__ import annotations


def mask(key: str | None) -> str:
    """Only the last four characters, e.g. "…wxyz"; short keys show nothing at all."""
    if not key:
        return ""
    return "…" + key[-4:] if len(key) >= 8 else "…"
