"""Settings: command line > environment (COMPOSIO_TUI_*) > TOML file > defaults.

``COMPOSIO_BASE_URL`` is honoured as the SDK honours it (after ``COMPOSIO_TUI_BASE_URL``).
The API key is never a setting: it comes from the environment or the keyring (see ``secrets``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import ConfigError
from .origin import PRODUCTION_URL
from .paths import Paths, default_paths

__all__ = ["ConfigError", "Settings", "load", "base_url_source", "PRODUCTION_URL"]



class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPOSIO_TUI_", extra="ignore", validate_default=True)

    base_url: str = Field(
        default=PRODUCTION_URL,
        validation_alias=AliasChoices("base_url", "COMPOSIO_TUI_BASE_URL", "COMPOSIO_BASE_URL"),
        description="Composio API origin.",
    )
    timeout: float = Field(default=15.0, gt=0, le=300, description="Seconds before an API call gives up.")
    max_retries: int = Field(default=1, ge=0, le=5, description="SDK retries for 408/409/429/5xx and network errors.")
    page_size: int = Field(default=200, ge=1, le=1000, description="Toolkits asked for per catalog page.")
    catalog_max_age: int = Field(default=60, ge=0, description="Minutes before a cached catalog is refreshed.")
    link_timeout: float = Field(default=300.0, gt=0, description="Seconds to wait for a Connect link to turn ACTIVE.")
    theme: str = Field(default="textual-dark", description="Textual theme name.")
    key_mode: Literal["placeholder", "env", "literal"] = Field(
        default="env", description="How exported client configs carry the x-api-key header."
    )
    debug_log: bool = Field(default=False, description="Write a debug log (key redacted) to the log dir.")
    keymap: dict[str, str] = Field(default_factory=dict, description="Binding id -> keys, e.g. {refresh = 'f5'}.")

    @field_validator("base_url")
    @classmethod
    def _origin(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, _toml_path))


_toml_path: Path | None = None


def load(paths: Paths | None = None, **cli: Any) -> tuple[Settings, Paths]:
    """Build the settings; ``cli`` holds only the options given on the command line."""
    global _toml_path
    paths = paths or default_paths()
    _toml_path = paths.config_file if paths.config_file.is_file() else None
    given = {k: v for k, v in cli.items() if v is not None}
    try:
        return Settings(**given), paths
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise ConfigError(f"Bad setting {where!r}: {first.get('msg', 'invalid')} (config file {paths.config_file})") from exc
    except Exception as exc:  # unreadable TOML and the like
        raise ConfigError(f"Cannot read the config file {paths.config_file}: {exc}") from exc
    finally:
        _toml_path = None


def base_url_source(paths: Paths, cli_value: str | None = None) -> str:
    """Which layer decided the base URL, for `composio-tui info`."""
    import os
    import tomllib

    if cli_value:
        return "--base-url"
    for name in ("COMPOSIO_TUI_BASE_URL", "COMPOSIO_BASE_URL"):
        if os.environ.get(name):
            return name
    try:
        if "base_url" in tomllib.loads(paths.config_file.read_text()):
            return "config file"
    except (OSError, ValueError):
        pass
    return "default (production)"
