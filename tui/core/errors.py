"""One error type the UI and the commands show as a single actionable line."""

from __future__ import annotations

from .states import UNKNOWN_OUTCOME_KINDS, ErrorKind

# Kinds, also used to pick CLI exit codes (aliases of ErrorKind's members).
AUTH = ErrorKind.AUTH
NOT_FOUND = ErrorKind.NOT_FOUND
RATE_LIMITED = ErrorKind.RATE_LIMITED
SERVER = ErrorKind.SERVER
NETWORK = ErrorKind.NETWORK
TIMEOUT = ErrorKind.TIMEOUT
BAD_RESPONSE = ErrorKind.BAD_RESPONSE
BAD_REQUEST = ErrorKind.BAD_REQUEST
CONFIG = ErrorKind.CONFIG
CONFLICT = ErrorKind.CONFLICT
OUTCOME_UNKNOWN = ErrorKind.OUTCOME_UNKNOWN


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


class ApiError(Exception):
    """A failure talking to the Composio API, phrased for an operator.

    ``str(err)`` is one line: what happened, what to do, and the request id when there is one.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        hint: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.kind = ErrorKind(kind)
        self.retry_after = retry_after
        self.message = message
        self.status = status
        self.request_id = request_id
        self.hint = hint
        super().__init__(self.line())

    @property
    def outcome_unknown(self) -> bool:
        """After a write: the server may have done it (timeout, dropped connection, unreadable 2xx, an
        SDK check that failed after the create). Never retry such a write blindly."""
        return self.kind in UNKNOWN_OUTCOME_KINDS

    def line(self) -> str:
        text = _sentence(self.message)
        if self.hint:
            text += " " + _sentence(self.hint)
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class ConfigError(Exception):
    """The config file or an environment variable holds a bad value; ``str`` says which and where."""


# --- an HTTP error answer, phrased once (the SDK's errors in the gateway, the read path's own) ---

def envelope_reasons(details: dict) -> str:
    """The envelope's ``errors`` list (the specific reasons behind a generic 400 message), joined."""
    found = details.get("errors") or []
    return "; ".join(str(e).strip() for e in found if str(e).strip()) if isinstance(found, list) else ""


def envelope_said(details: dict) -> str:
    """What the API said: its ``message``, with the ``errors`` reasons when the message is generic."""
    message = str(details.get("message") or "").strip()
    reasons = envelope_reasons(details)
    if reasons and reasons not in message:
        message = f"{message.rstrip('.')}: {reasons}" if message else reasons
    return message


def seconds(value: str | None) -> float | None:
    """A ``retry-after`` value in seconds (None when absent or not a number)."""
    try:
        return max(0.0, float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def from_status(status: int, details: dict, *, where: str, retry_after: str | None = None,
                request_id: str | None = None) -> ApiError:
    """The one line for an HTTP error answer of the Composio API (``details``: the envelope's ``error``)."""
    said = envelope_said(details)
    fix = str(details.get("suggested_fix") or "").strip()
    kw = {"status": status, "request_id": request_id}
    if status == 401:
        return ApiError(AUTH, f"The API at {where} rejected the API key (401)",
                        hint="Run `composio-tui login` with a valid project key (ak_…) or fix COMPOSIO_API_KEY", **kw)
    if status == 403:
        return ApiError(AUTH, f"The API key may not do this (403){': ' + said if said else ''}",
                        hint=fix or "Use a project key with session management permissions", **kw)
    if status == 404:
        return ApiError(NOT_FOUND, said or "Not found (404)", hint=fix, **kw)
    if status == 409:
        return ApiError(CONFLICT, f"The API reports a conflict (409){': ' + said if said else ''}",
                        hint=fix or "Refresh and try again", **kw)
    if status == 429:
        retry = seconds(retry_after)
        wait = f"; retry in {retry:g} s" if retry is not None else ""
        return ApiError(RATE_LIMITED, f"Rate limited by the API (429){wait}",
                        hint=fix or "Wait a moment and try again", retry_after=retry, **kw)
    if status >= 500:
        return ApiError(SERVER, f"The API had an internal error ({status}){': ' + said if said else ''}",
                        hint=fix or "Try again shortly", **kw)
    return ApiError(BAD_REQUEST, f"The API refused the request ({status}){': ' + said if said else ''}",
                    hint=fix, **kw)
