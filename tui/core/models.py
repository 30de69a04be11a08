"""Plain data the core hands to the UI and the commands. No SDK types leak past the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

from .states import AccountStatus, ConnectionState


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Toolkit:
    slug: str
    name: str
    description: str = ""
    categories: tuple[Category, ...] = ()
    auth_schemes: tuple[str, ...] = ()
    managed_auth_schemes: tuple[str, ...] = ()
    no_auth: bool = False
    tools_count: int = 0
    triggers_count: int = 0
    app_url: str = ""
    logo: str = ""
    usage_rank: int = 0
    """Position in the server's usage ordering (0 = most used)."""

    @property
    def category_names(self) -> str:
        return ", ".join(c.name for c in self.categories)

    @property
    def auth_label(self) -> str:
        if self.no_auth:
            return "none"
        return ", ".join(self.auth_schemes) or "—"


@dataclass(frozen=True, slots=True)
class Tool:
    slug: str
    name: str
    description: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolkitDetail:
    """Fields of the toolkit detail endpoint the list lacks."""

    slug: str
    managed_auth: tuple[str, ...] = ()
    """Auth modes Composio manages for this toolkit (e.g. OAUTH2)."""
    versions: tuple[str, ...] = ()
    app_url: str = ""


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A Tool Router session as the API described it.

    ``toolkits`` are the toolkits the session enables by name; ``excluded`` the ones a disable list
    (``{"disable": [...]}``) keeps out. A session with neither enables every toolkit.
    """

    session_id: str
    user_id: str
    mcp_url: str
    toolkits: tuple[str, ...] = ()
    tool_router_tools: tuple[str, ...] = ()
    """The meta tools the session's MCP server offers (COMPOSIO_SEARCH_TOOLS, …)."""
    manage_connections: bool = True
    excluded: tuple[str, ...] = ()

    @property
    def toolkit_scope(self) -> str:
        """One phrase: what the session enables and what it excludes."""
        if self.toolkits:
            return ", ".join(self.toolkits)
        if self.excluded:
            return "all toolkits except " + ", ".join(self.excluded)
        return "all toolkits"


# Connection states shown in the readiness grid (aliases of ConnectionState's members).
ACTIVE = ConnectionState.ACTIVE
INITIATED = ConnectionState.INITIATED
EXPIRED = ConnectionState.EXPIRED
FAILED = ConnectionState.FAILED
NOT_CONNECTED = ConnectionState.NOT_CONNECTED
NO_AUTH = ConnectionState.NO_AUTH


@dataclass(frozen=True, slots=True)
class ToolkitConnection:
    slug: str
    name: str
    state: ConnectionState
    connected_account_id: str = ""
    status_reason: str = ""
    """Why the account is in its state, as the API says (e.g. "Connection status updated by user")."""
    is_disabled: bool = False

    @property
    def ready(self) -> bool:
        return ConnectionState(self.state).ready


@dataclass(frozen=True, slots=True)
class ConnectLink:
    toolkit: str
    redirect_url: str
    connected_account_id: str = ""
    reused: bool = False
    """True when this is a still-waiting link made earlier rather than a new one."""


@dataclass(frozen=True, slots=True)
class ConnectedAccount:
    """One connected account of an end user, from the connected accounts list (the source of truth)."""

    id: str
    toolkit: str
    user_id: str
    status: AccountStatus
    status_reason: str = ""
    is_disabled: bool = False
    auth_config_id: str = ""
    created_at: str = ""
    updated_at: str = ""
    redirect_url: str = ""
    """The Connect link of a pending (INITIATED) account, when the API shows it."""

    @property
    def state(self) -> ConnectionState:
        return ConnectionState.of(self.status)


@dataclass(slots=True)
class Catalog:
    """The whole toolkit catalog plus when it was fetched (epoch seconds)."""

    toolkits: list[Toolkit] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    fetched_at: float = 0.0
    base_url: str = ""
