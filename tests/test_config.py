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
    monkeypatch.delenv("COMPOSIO_TUI_CONFIG")
    settings, paths = load(default_paths())  # the default path need not exist: just defaults
    assert settings.page_size == 200 and not paths.config_file.exists()


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


# --- issue 10 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_item12_config_naming_a_missing_file_or_a_directory_is_an_error(tmp_path, monkeypatch, capsys, kind):
    from test_cli_toolkits import cli

    target = tmp_path / ("nope.toml" if kind == "missing" else "adir")
    if kind == "directory":
        target.mkdir()
    rc, out, err = cli(capsys, "--config", str(target), "info")
    assert rc == 2 and "--config" in err and str(target) in err and out == ""
    monkeypatch.setenv("COMPOSIO_TUI_CONFIG", str(target))
    with pytest.raises(ConfigError, match="COMPOSIO_TUI_CONFIG"):
        load(default_paths())


def test_item12_credentials_in_the_base_url_are_refused(xdg, monkeypatch, capsys):
    from test_cli_toolkits import cli

    url = "https://ops:hunter2@backend.example.com"
    rc, out, err = cli(capsys, "--base-url", url, "info")
    assert rc == 2 and "--base-url" in err and "user name or password" in err
    assert "hunter2" not in out + err
    monkeypatch.setenv("COMPOSIO_BASE_URL", url)
    with pytest.raises(ConfigError) as caught:
        load()
    assert "user name or password" in str(caught.value) and "hunter2" not in str(caught.value)
    assert "environment variable COMPOSIO_BASE_URL" in str(caught.value)  # not a config file that is not there
    rc, out, err = cli(capsys, "info")
    assert rc == 6 and "hunter2" not in out + err
    assert not any("hunter2" in f.read_text(errors="replace") for f in xdg.rglob("*") if f.is_file())


@pytest.mark.parametrize("argv, flag", [
    (["--timeout", "-1"], "--timeout"),
    (["--timeout", "soon"], "--timeout"),
    (["--timeout", "301"], "--timeout"),
    (["--base-url", "ftp://x"], "--base-url"),
    (["--rate-limit-wait", "-5"], "--rate-limit-wait"),
])
def test_item8_bad_flag_values_exit_2_and_name_the_flag(xdg, capsys, argv, flag):
    from test_cli_toolkits import cli

    rc, out, err = cli(capsys, *argv, "info")
    assert rc == 2 and f"argument {flag}" in err and out == ""
    assert "config file" not in err


def test_rate_limit_wait_is_a_setting_flag_and_variable(xdg, monkeypatch):
    assert load()[0].rate_limit_wait == 300.0
    monkeypatch.setenv("COMPOSIO_TUI_RATE_LIMIT_WAIT", "20")
    assert load()[0].rate_limit_wait == 20.0
    assert load(rate_limit_wait=5.0)[0].rate_limit_wait == 5.0
