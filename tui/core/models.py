"""Plain data the core hands to the UI and the commands. No SDK types leak past the gateway."""

from __future__ import annotations

from dataclasses import dataclass, field

from .states import ConnectionState


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
class SessionInfo:
    """A Tool Router session as the API described it."""

    session_id: str
    user_id: str
    mcp_url: str
    toolkits: tuple[str, ...] = ()
    tool_router_tools: tuple[str, ...] = ()
    manage_connections: bool = True


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

    @property
    def ready(self) -> bool:
        return ConnectionState(self.state).ready


@dataclass(frozen=True, slots=True)
class ConnectLink:
    toolkit: str
    redirect_url: str
    connected_account_id: str = ""


@dataclass(slots=True)
class Catalog:
    """The whole toolkit catalog plus when it was fetched (epoch seconds)."""

    toolkits: list[Toolkit] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    fetched_at: float = 0.0
    base_url: str = ""

