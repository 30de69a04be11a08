"""Where composio-tui keeps its files (platformdirs, computed lazily, created on demand)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP = "composio-tui"


@dataclass(frozen=True, slots=True)
class Paths:
    config_file: Path
    cache_dir: Path
    data_dir: Path
    log_dir: Path
    config_named: str = ""
    """Who named ``config_file`` when it is not the default ("--config", "COMPOSIO_TUI_CONFIG"), else ""."""

    @property
    def catalog_cache(self) -> Path:
        return self.cache_dir / "catalog"

    @property
    def ledger(self) -> Path:
        return self.data_dir / "ledger.sqlite3"

    @property
    def state_file(self) -> Path:
        """Small UI state: last theme, recent searches. Never secrets."""
        return self.data_dir / "state.json"

    @property
    def debug_log(self) -> Path:
        return self.log_dir / "debug.log"

    def as_rows(self) -> list[tuple[str, Path]]:
        return [
            ("config file", self.config_file),
            ("cache dir", self.cache_dir),
            ("data dir", self.data_dir),
            ("ledger", self.ledger),
            ("log dir", self.log_dir),
        ]


def default_paths(config_file: str | os.PathLike[str] | None = None) -> Paths:
    import platformdirs

    default = platformdirs.user_config_path(APP) / "config.toml"
    named = "--config" if config_file else "COMPOSIO_TUI_CONFIG" if os.environ.get("COMPOSIO_TUI_CONFIG") else ""
    override = config_file or os.environ.get("COMPOSIO_TUI_CONFIG")
    cfg = Path(override).expanduser() if override else default
    return Paths(
        config_file=cfg,
        cache_dir=platformdirs.user_cache_path(APP),
        data_dir=platformdirs.user_data_path(APP),
        log_dir=platformdirs.user_log_path(APP),
        config_named="" if cfg == default else named,
    )
