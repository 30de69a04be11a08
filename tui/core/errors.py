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
