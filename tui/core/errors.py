"""One error type the UI and the commands show as a single actionable line."""

from __future__ import annotations

# Kinds, also used to pick CLI exit codes.
AUTH = "auth"
NOT_FOUND = "not_found"
RATE_LIMITED = "rate_limited"
SERVER = "server"
NETWORK = "network"
TIMEOUT = "timeout"
BAD_RESPONSE = "bad_response"
BAD_REQUEST = "bad_request"
CONFIG = "config"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


class ApiError(Exception):
    """A failure talking to the Composio API, phrased for an operator.

    ``str(err)`` is one line: what happened, what to do, and the request id when there is one.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        hint: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.kind = kind
        self.retry_after = retry_after
        self.message = message
        self.status = status
        self.request_id = request_id
        self.hint = hint
        super().__init__(self.line())

    def line(self) -> str:
        text = _sentence(self.message)
        if self.hint:
            text += " " + _sentence(self.hint)
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class ConfigError(Exception):
    """The config file or an environment variable holds a bad value; ``str`` says which and where."""
