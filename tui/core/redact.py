"""The one way a key is shown: its last four characters only."""

from __future__ import annotations


def mask(key: str | None) -> str:
    """Only the last four characters, e.g. "…wxyz"; keys of 8 characters or fewer show none of them."""
    if not key:
        return ""
    return "…" + key[-4:] if len(key) > 8 else "…"
