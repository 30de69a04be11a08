"""The one-sentence messages of tui.core.secrets: what happened, and what to do about it."""

from __future__ import annotations

from tui.core import keystore
from tui.core.keystore import (
    LOCKED,
    MISCONFIGURED,
    MISSING,
    NO_BUS,
    NO_COLLECTION,
    NO_SECRET_SERVICE,
    NOT_DELETED,
    NOT_SAVED,
    OK,
    SERVICE,
    TIMEOUT,
)

UNLOCK_COMMAND = "echo -n 'PASSWORD' | gnome-keyring-daemon --unlock"
_FALLBACK = "set COMPOSIO_API_KEY or use the key for this run only"
_OR_FALLBACK = "or set COMPOSIO_API_KEY, or use the key for this run only"


def origin(detail: str) -> str:
    """Where the backend choice came from, as a phrase."""
    if detail == keystore.AUTO:
        return "detected automatically"
    if detail in (keystore.IN_CODE, ""):
        return detail or "unknown origin"
    return f"chosen in {detail}"


def sentence(state: str, backend: str, detail: str, url: str, deadline: float) -> str:
    """One sentence: what happened and what to do."""
    named = f"The keyring ({backend})" if backend else "The keyring"
    if state == OK:
        return f"Using the API key for {url} from the keyring ({backend})."
    if state == MISSING:
        return (
            f"No API key for {url} is stored in the keyring ({backend}); enter one to save it, "
            "set COMPOSIO_API_KEY, or use a key for this run only."
        )
    if state == NO_BUS:
        return (
            "No D-Bus session bus is reachable (DBUS_SESSION_BUS_ADDRESS is unset or stale, as in a "
            f"plain SSH login), so the keyring cannot be used; {_FALLBACK}."
        )
    if state == NO_SECRET_SERVICE:
        return (
            "The D-Bus session has no Secret Service (such as gnome-keyring) running or "
            f"activatable, so the keyring cannot be used; {_FALLBACK}."
        )
    if state == LOCKED:
        return (
            f"{named} is locked and composio-tui never shows unlock prompts; unlock it with "
            f"`{UNLOCK_COMMAND}` run inside this D-Bus session (or `gnome-keyring-daemon --unlock`, "
            f"or from the desktop), {_OR_FALLBACK}."
        )
    if state == NO_COLLECTION:
        return (
            f"{named} has no default keyring collection yet; create it with `{UNLOCK_COMMAND}` run "
            f"inside this D-Bus session (or from the desktop), {_OR_FALLBACK}."
        )
    if state == MISCONFIGURED:
        return (
            f"The keyring backend set in {detail} could not be loaded; fix or remove that "
            f"setting, {_OR_FALLBACK}."
        )
    if state == TIMEOUT:
        return (
            f"{named} did not answer within {deadline:g} s (it may be frozen or waiting for an "
            f"unlock prompt nobody can see); {_FALLBACK}."
        )
    if state == NOT_SAVED:
        return (
            f"{named} accepted the key but did not keep it (read-back mismatch); choose a working "
            f"backend (check PYTHON_KEYRING_BACKEND and {keystore.config_path()}), {_OR_FALLBACK}."
        )
    if state == NOT_DELETED:
        return (
            f"{named} still returns the key after deleting it; remove the item by hand "
            f"(service {SERVICE}, account {url}) with your keyring manager."
        )
    if backend == "null":
        return f"The keyring is disabled (null backend, {origin(detail)}); {_FALLBACK}."
    if backend == "fail":
        return f"No usable keyring backend is available (fail backend, {origin(detail)}); {_FALLBACK}."
    return f"{named} could not be used ({detail or state}); {_FALLBACK}."
