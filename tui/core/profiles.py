"""Profiles: several Composio projects and environments from one console, never mixed up.

Rule: a profile is a ``[profiles.NAME]`` table in the config file (``base_url``, optional ``label``,
``colour``, ``read_only``, ``default_template``, ``key_env``); the top-level ``default_profile`` names
the default (else the first table). One run uses exactly one :class:`Profile`, chosen by
:func:`choose`: ``--profile`` > ``COMPOSIO_TUI_PROFILE`` > an explicit ``--base-url`` /
``COMPOSIO_TUI_BASE_URL`` / ``COMPOSIO_BASE_URL`` (a profile-less run, as before profiles) > the
default profile > the implicit profile (no profiles configured: the old behaviour, key account = base
URL). A configured profile's key lives under keyring account ``profile:NAME``; see ``profile_keys``.

Writes (:func:`add`, :func:`remove`, :func:`use`) edit the file as text, so every other line and
comment stays; the result is parsed again before it replaces the file, and never contains a key.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ApiError
from .keyinfo import DEFAULT_BASE_URL, normalize_base_url
from .states import ErrorKind

__all__ = ["ENV_PROFILE", "IMPLICIT", "Profile", "ProfileError", "ProfileSet", "add", "choose", "read",
           "remove", "use", "ReadOnlyProfile"]

ENV_PROFILE = "COMPOSIO_TUI_PROFILE"
IMPLICIT = "default"
ACCOUNT_PREFIX = "profile:"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_PROD_NAME = re.compile(r"(^|[-_.])(prod|production|live)($|[-_.0-9])", re.IGNORECASE)
_COLOUR = re.compile(r"^(#[0-9a-fA-F]{6}|[a-z_]{3,20})$")
_FIELDS = ("base_url", "label", "colour", "read_only", "default_template", "key_env")


class ProfileError(ApiError):
    """Bad profile input or config (a CONFIG ApiError: exit 2, one line)."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.CONFIG, message)


class ReadOnlyProfile(ApiError):
    """A write was asked for in a read-only profile; nothing was sent (exit 2)."""

    def __init__(self, profile: str, action: str, hint: str = "") -> None:
        super().__init__(ErrorKind.CONFIG, f"Profile {profile!r} is read-only, so {action} is refused; "
                                           f"nothing was sent ({hint or 'use another profile with --profile'})")


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    label: str = ""
    colour: str = ""
    read_only: bool = False
    default_template: str = ""
    key_env: str = ""
    implicit: bool = False
    """No profiles are configured (or an explicit base URL was given): the pre-profile behaviour."""

    @property
    def account(self) -> str:
        """The keyring account of this profile's key."""
        return normalize_base_url(self.base_url) if self.implicit else ACCOUNT_PREFIX + self.name

    @property
    def legacy_account(self) -> str:
        """Where the previous version kept the key: the normalised base URL."""
        return normalize_base_url(self.base_url)

    @property
    def production(self) -> bool:
        """Looks like production: the production API origin, or a name/label such as prod or live."""
        return (normalize_base_url(self.base_url) == normalize_base_url(DEFAULT_BASE_URL)
                or bool(_PROD_NAME.search(self.name)) or bool(_PROD_NAME.search(self.label)))

    @property
    def title(self) -> str:
        return f"{self.name} ({self.label})" if self.label else self.name


@dataclass
class ProfileSet:
    profiles: dict[str, Profile] = field(default_factory=dict)
    default: str = ""
    path: Path | None = None

    @property
    def names(self) -> list[str]:
        return list(self.profiles)

    def get(self, name: str) -> Profile:
        if name in self.profiles:
            return self.profiles[name]
        known = ", ".join(self.profiles) or "none (add one with `composio-tui profiles add NAME --base-url URL`)"
        raise ProfileError(f"Unknown profile {name!r}; known profiles: {known}")

    def legacy_owner(self, profile: Profile) -> bool:
        """May this profile read a key the previous version stored under its base URL? The default
        profile may, and so may the only profile with that base URL (so two projects on one origin
        never share the old key silently)."""
        if profile.implicit or profile.name == self.default:
            return True
        same = [p for p in self.profiles.values() if p.legacy_account == profile.legacy_account]
        return len(same) == 1 and not any(p.name == self.default and p.legacy_account == profile.legacy_account
                                          for p in self.profiles.values())


# --- validation ------------------------------------------------------------------------------------

def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ProfileError(f"Bad profile name {name!r}: use 1-40 letters, digits, '-' or '_', starting with a "
                           "letter or digit")
    return name


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, name: str = "") -> str:
    """The normalised origin; ``http://`` only for loopback (the key would travel in clear text)."""
    try:
        origin = normalize_base_url(url)
    except ValueError as exc:
        raise ProfileError(str(exc)) from None
    parts = urlsplit(origin)
    if parts.scheme == "http" and not _loopback(parts.hostname or ""):
        where = f"Profile {name!r}: " if name else ""
        raise ProfileError(f"{where}{origin} uses plain http:// off this machine, which would send the API key "
                           "in clear text; use https:// (http:// is only for loopback addresses)")
    return origin


def _profile(name: str, table: object) -> Profile:
    check_name(name)
    if not isinstance(table, dict):
        raise ProfileError(f"[profiles.{name}] must be a table with at least base_url")
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise ProfileError(f"[profiles.{name}] has unknown keys: {', '.join(unknown)} (known: {', '.join(_FIELDS)})")
    if "base_url" not in table:
        raise ProfileError(f"[profiles.{name}] needs base_url")
    for key in ("label", "colour", "default_template", "key_env", "base_url"):
        if key in table and not isinstance(table[key], str):
            raise ProfileError(f"[profiles.{name}] {key} must be a string")
    if "read_only" in table and not isinstance(table["read_only"], bool):
        raise ProfileError(f"[profiles.{name}] read_only must be true or false")
    colour = table.get("colour", "")
    if colour and not _COLOUR.match(colour):
        raise ProfileError(f"[profiles.{name}] colour {colour!r}: use a name like green or #rrggbb")
    key_env = table.get("key_env", "")
    if key_env and not _ENV_NAME.match(key_env):
        raise ProfileError(f"[profiles.{name}] key_env {key_env!r} is not an environment variable name")
    return Profile(name=name, base_url=check_url(table["base_url"], name), label=table.get("label", ""),
                   colour=colour, read_only=table.get("read_only", False),
                   default_template=table.get("default_template", ""), key_env=key_env)


def parse(data: dict, path: Path | None = None) -> ProfileSet:
    tables = data.get("profiles", {})
    if not isinstance(tables, dict):
        raise ProfileError("`profiles` in the config file must be tables like [profiles.NAME]")
    profiles = {name: _profile(name, table) for name, table in tables.items()}
    default = data.get("default_profile", "")
    if default and default not in profiles:
        known = ", ".join(profiles) or "none"
        raise ProfileError(f"default_profile {default!r} is not a profile; known profiles: {known}")
    return ProfileSet(profiles, default or next(iter(profiles), ""), path)


def read(path: Path) -> ProfileSet:
    """The profiles of the config file at ``path`` (none if it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ProfileSet(path=path)
    except OSError as exc:
        raise ProfileError(f"Cannot read the config file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"Cannot read the config file {path}: {exc}") from None
    return parse(data, path)


def choose(profiles: ProfileSet, base_url: str, *, name: str | None = None, explicit_url: bool = False,
           environ: dict[str, str] | None = None) -> Profile:
    """The profile of this run (see the module rule). ``base_url`` is the settings' base URL."""
    env = os.environ if environ is None else environ
    wanted = name or env.get(ENV_PROFILE, "").strip()
    if wanted:
        return profiles.get(wanted)
    if explicit_url or not profiles.profiles:
        return Profile(IMPLICIT, base_url, implicit=True)
    return profiles.profiles[profiles.default]


# --- writing the config file (as text: comments and other lines stay) -------------------------------

def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write(path: Path, text: str) -> None:
    parse(tomllib.loads(text), path)  # never write a file we could not read back
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o600)
    except OSError:
        pass
    os.replace(tmp, path)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def add(path: Path, profile: Profile) -> ProfileSet:
    """Append ``[profiles.NAME]``; a duplicate name is refused."""
    current = read(path)
    check_name(profile.name)
    if profile.name in current.profiles:
        raise ProfileError(f"A profile named {profile.name!r} already exists (base URL "
                           f"{current.profiles[profile.name].base_url}); remove it first or pick another name")
    check_url(profile.base_url, profile.name)
    lines = [f"[profiles.{profile.name}]", f"base_url = {_quote(normalize_base_url(profile.base_url))}"]
    for key in ("label", "colour", "default_template", "key_env"):
        if getattr(profile, key):
            lines.append(f"{key} = {_quote(getattr(profile, key))}")
    if profile.read_only:
        lines.append("read_only = true")
    text = _text(path)
    if text and not text.endswith("\n"):
        text += "\n"
    _write(path, text + ("\n" if text else "") + "\n".join(lines) + "\n")
    return read(path)


_HEADER = re.compile(r"^\s*\[")


def _table_span(lines: list[str], name: str) -> tuple[int, int] | None:
    header = re.compile(rf"^\s*\[\s*profiles\s*\.\s*(\"{re.escape(name)}\"|'{re.escape(name)}'|{re.escape(name)})\s*\]")
    for start, line in enumerate(lines):
        if header.match(line):
            end = start + 1
            while end < len(lines) and not _HEADER.match(lines[end]):
                end += 1
            return start, end
    return None


def _top_level_end(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if _HEADER.match(line)), len(lines))


_DEFAULT_LINE = re.compile(r"^\s*default_profile\s*=")


def remove(path: Path, name: str, in_use: str) -> ProfileSet:
    """Drop ``[profiles.NAME]`` (and ``default_profile`` if it named it); the profile in use is refused."""
    current = read(path)
    current.get(name)
    if name == in_use:
        raise ProfileError(f"Profile {name!r} is in use for this run; switch first (--profile OTHER or "
                           "`composio-tui profiles use OTHER`), then remove it")
    lines = _text(path).splitlines(keepends=True)
    span = _table_span(lines, name)
    if span is None:
        raise ProfileError(f"Cannot find the [profiles.{name}] table in {path} to remove it; edit the file by hand")
    del lines[span[0]:span[1]]
    if current.default == name:
        top = _top_level_end(lines)
        lines = [line for i, line in enumerate(lines) if not (i < top and _DEFAULT_LINE.match(line))]
    _write(path, "".join(lines))
    return read(path)


def use(path: Path, name: str) -> ProfileSet:
    """Make ``name`` the default profile (top-level ``default_profile``)."""
    read(path).get(name)
    lines = _text(path).splitlines(keepends=True)
    top = _top_level_end(lines)
    line = f"default_profile = {_quote(name)}\n"
    for i in range(top):
        if _DEFAULT_LINE.match(lines[i]):
            lines[i] = line
            break
    else:
        lines.insert(0, line)
    _write(path, "".join(lines))
    return read(path)
