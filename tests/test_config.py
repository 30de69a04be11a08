"""Settings precedence (CLI > env > file > defaults), the config path override and bad values."""

from __future__ import annotations

import pytest

from tui.core.config import PRODUCTION_URL, ConfigError, load
from tui.core.paths import default_paths


def write_config(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults(xdg):
    settings, paths = load()
    assert settings.base_url == PRODUCTION_URL
    assert settings.timeout == 15.0
    assert paths.config_file == xdg / "config" / "composio-tui" / "config.toml"
    assert paths.ledger.parent == xdg / "data" / "composio-tui"


def test_file_then_env_then_cli(xdg, monkeypatch):
    cfg = write_config(xdg / "config" / "composio-tui" / "config.toml",
                       'base_url = "http://127.0.0.1:7000"\ntimeout = 7\ntheme = "nord"\n')
    settings, _ = load()
    assert (settings.base_url, settings.timeout, settings.theme) == ("http://127.0.0.1:7000", 7.0, "nord")
    monkeypatch.setenv("COMPOSIO_TUI_TIMEOUT", "9")
    monkeypatch.setenv("COMPOSIO_BASE_URL", "http://127.0.0.1:8000/")
    settings, _ = load()
    assert (settings.base_url, settings.timeout) == ("http://127.0.0.1:8000", 9.0)
    monkeypatch.setenv("COMPOSIO_TUI_BASE_URL", "http://127.0.0.1:8500")
    assert load()[0].base_url == "http://127.0.0.1:8500"  # our own variable beats the SDK's
    settings, _ = load(base_url="http://127.0.0.1:9000", timeout=3.0)
    assert (settings.base_url, settings.timeout, settings.theme) == ("http://127.0.0.1:9000", 3.0, "nord")
    assert cfg.exists()


def test_config_path_override(tmp_path, monkeypatch):
    other = write_config(tmp_path / "elsewhere.toml", 'page_size = 50\n')
    monkeypatch.setenv("COMPOSIO_TUI_CONFIG", str(other))
    settings, paths = load(default_paths())
    assert paths.config_file == other and settings.page_size == 50
    settings, paths = load(default_paths(tmp_path / "missing.toml"))
    assert settings.page_size == 200  # a missing file is just defaults


@pytest.mark.parametrize("text, fragment", [
    ('timeout = -1\n', "timeout"),
    ('base_url = "ftp://x"\n', "base_url"),
    ('key_mode = "shout"\n', "key_mode"),
    ('this is not toml', "Cannot read the config file"),
])
def test_bad_values_give_one_line(tmp_path, text, fragment):
    cfg = write_config(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as info:
        load(default_paths(cfg))
    assert fragment in str(info.value) and "\n" not in str(info.value)
