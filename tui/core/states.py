"""Every state the product knows, as enums: one name per state, one place that says what it means.

They are ``StrEnum`` so a state reads, compares, serialises and stores (the ledger's CHECK constraint,
JSON output, the API's own strings) as its value; code names the member, never the bare string.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """What went wrong talking to the API; picks the CLI exit code and the wording of the advice."""

    AUTH = "auth"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER = "server"
    NETWORK = "network"
    TIMEOUT = "timeout"
    BAD_RESPONSE = "bad_response"
    BAD_REQUEST = "bad_request"
    CONFIG = "config"
    CONFLICT = "conflict"
    """The request clashes with the server's state (409, e.g. a stale config version)."""
    OUTCOME_UNKNOWN = "outcome_unknown"
    """The request was sent and may have taken effect (e.g. an SDK check that fails after a create)."""


# The one rule for writes: after these the server may have done what was asked, so a write is never
# retried blindly and its ledger row says "unknown" rather than "failed".
UNKNOWN_OUTCOME_KINDS = frozenset({ErrorKind.TIMEOUT, ErrorKind.NETWORK, ErrorKind.BAD_RESPONSE,
                                   ErrorKind.OUTCOME_UNKNOWN})


class LedgerState(StrEnum):
    """A ledger row's state: what this console knows about a session it asked for."""

    PENDING = "pending"
    """The intent is recorded; the create's answer has not been recorded (yet)."""
    ACTIVE = "active"
    FAILED = "failed"
    """The API refused: nothing was created."""
    DELETED = "deleted"
    """Deleted from this console (or by an offboarding)."""
    GONE = "gone"
    """The API no longer knows it (deleted elsewhere)."""
    UNKNOWN = "unknown"
    """The answer never arrived: the session may exist at the API."""


class AccountStatus(StrEnum):
    """A connected account's status, exactly as the API names it."""

    INITIALIZING = "INITIALIZING"
    INITIATED = "INITIATED"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    INACTIVE = "INACTIVE"
    """Disabled; can be enabled again."""
    REVOKED = "REVOKED"

    @classmethod
    def parse(cls, value: object) -> AccountStatus | None:
        try:
            return cls(str(value or "").upper())
        except ValueError:
            return None

    @property
    def pending(self) -> bool:
        return self in (AccountStatus.INITIALIZING, AccountStatus.INITIATED)


class ConnectionState(StrEnum):
    """A toolkit's readiness for one user: an account status, or why there is no account to speak of."""

    ACTIVE = "ACTIVE"
    INITIALIZING = "INITIALIZING"
    INITIATED = "INITIATED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    INACTIVE = "INACTIVE"
    REVOKED = "REVOKED"
    NOT_CONNECTED = "NOT_CONNECTED"
    NO_AUTH = "NO_AUTH"
    """The toolkit needs no connection."""

    @classmethod
    def of(cls, status: AccountStatus | None) -> ConnectionState:
        return cls.NOT_CONNECTED if status is None else cls(status.value)

    @property
    def ready(self) -> bool:
        return self in (ConnectionState.ACTIVE, ConnectionState.NO_AUTH)

    @property
    def pending(self) -> bool:
        return self in (ConnectionState.INITIALIZING, ConnectionState.INITIATED)

    @property
    def terminal(self) -> bool:
        """States a wait for ACTIVE ends on: nothing will change them without the operator."""
        return self in (ConnectionState.ACTIVE, ConnectionState.FAILED, ConnectionState.EXPIRED,
                        ConnectionState.INACTIVE, ConnectionState.REVOKED, ConnectionState.NO_AUTH)


class KeySource(StrEnum):
    """Where the API key of this run came from (highest first: env, memory, keyring)."""

    ENV = "env"
    MEMORY = "memory"
    """Held for this run only; never written anywhere."""
    KEYRING = "keyring"
    DEMO = "demo"
    """The embedded demo API's own key."""
    NONE = "none"


class KeyringState(StrEnum):
    """What a keyring operation found; each has one sentence in ``tui.core.keytext``."""

    OK = "ok"
    MISSING = "missing"
    NO_BUS = "no-bus"
    NO_SECRET_SERVICE = "no-secret-service"
    LOCKED = "locked"
    NO_COLLECTION = "no-collection"
    NO_KEYRING = "no-keyring"
    MISCONFIGURED = "misconfigured"
    TIMEOUT = "timeout"
    NOT_SAVED = "not-saved"
    """The write "succeeded" but the read-back differs (e.g. the null backend)."""
    NOT_DELETED = "not-deleted"

    @property
    def usable(self) -> bool:
        """The keyring answered: a key can be stored (it may just not hold one yet)."""
        return self in (KeyringState.OK, KeyringState.MISSING)


class KeepKey(StrEnum):
    """What login does with a key the API accepted."""

    KEYRING = "keyring"
    MEMORY = "memory"
    """For this run only."""
    NOWHERE = "nowhere"
    """Check only (``login --check-only``)."""


class LoginStep(StrEnum):
    """Where a login stopped; nothing is stored unless the last step succeeds."""

    SHAPE = "shape"
    """Not a usable key (empty, whitespace, control characters)."""
    REJECTED = "rejected"
    """The API refused the key (401/403)."""
    UNCHECKED = "unchecked"
    """The API could not be asked (network, server)."""
    NOT_STORED = "not_stored"
    """The key works but the keyring did not keep it."""

class LedgerProblem(StrEnum):
    """Why the ledger file cannot be used: only DAMAGED ever warrants moving it aside."""

    DAMAGED = "damaged"
    """The file is not (or no longer) a readable composio-tui ledger."""
    UNWRITABLE = "unwritable"
    """Permissions, a read-only mount or an immutable folder: the file itself is fine."""
    FULL = "full"
    """The disk or quota is full: the file is fine, there is no room for the write."""
    LOCKED = "locked"
    """Another process holds the file (or the provisioning lock) for too long."""
    OTHER = "other"
    """A path in the way, a newer schema: the sentence says what."""


class ProvisionStatus(StrEnum):
    """What `provision` did for one row of the users file."""

    CREATED = "created"
    SKIPPED = "skipped"
    """Already provisioned: the API confirmed the recorded session exists."""
    FAILED = "failed"
    UNKNOWN = "unknown"
    """An attempt (now or in an earlier run) never got its answer: a session may exist at the API.
    Not created again unless asked (``--retry-unknown``), since the API cannot list sessions."""

class LogStatus(StrEnum):
    """A tool-execution log's status, exactly as the API's logs endpoints name it."""

    SUCCESS = "success"
    FAILED = "failed"

    @classmethod
    def parse(cls, value: object, *, strict: bool = False) -> LogStatus | None:
        """The status for ``value`` (any case; "ok"/"error" too). Unknown: None when ``strict``, else
        SUCCESS (a log the API sent always has one of the two)."""
        text = str(value or "").strip().lower()
        text = {"ok": "success", "succeeded": "success", "error": "failed", "failure": "failed",
                "fail": "failed"}.get(text, text)
        try:
            return cls(text)
        except ValueError:
            return None if strict else cls.SUCCESS


class FollowState(StrEnum):
    """What a live tail of the activity logs is doing (the console's "live" marker shows it)."""

    LIVE = "live"
    """Polling; the last poll succeeded."""
    PAUSED = "paused"
    """Stopped by the operator; nothing is polled."""
    RATE_LIMITED = "rate_limited"
    """The API said 429; waiting as long as its retry-after asks."""
    FAILING = "failing"
    """The last poll failed (network, 5xx); retrying with backoff."""

# --- users and connections ---


class WaitOutcome(StrEnum):
    """How a wait for a connected account to turn ACTIVE ended."""

    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    """The account reached another terminal status (FAILED, EXPIRED, INACTIVE, REVOKED)."""
    TIMEOUT = "TIMEOUT"
    CANCELLED = "CANCELLED"


class OffboardOutcome(StrEnum):
    """What offboarding did to one item (a session or a connected account)."""

    PLANNED = "planned"
    """Dry run, or not reached yet: it will be removed."""
    DELETED = "deleted"
    ALREADY_GONE = "already_gone"
    """The API no longer had it (404): nothing left to remove."""
    FAILED = "failed"
    """The API refused or did not answer; it is still there (or may be): run the offboarding again."""


class ToolMode(StrEnum):
    """How a toolkit's tools are picked in a session policy (``tui.core.policy``)."""

    ALL = "all"
    ALLOW = "allow"
    DENY = "deny"
    TAGS = "tags"


class HookPhase(StrEnum):
    """When a session's guardrail hook runs (the SDK's hook ``type``)."""

    BEFORE = "before_execute"
    AFTER = "after_execute"


class HookCheck(StrEnum):
    """What a guardrail hook checks (its handler's ``type``)."""

    CONDITION = "condition_check"
    PROMPT_INJECTION = "prompt_injection_check"
