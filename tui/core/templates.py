"""Named policies: the operator's own in the config file (``[templates.NAME]``), and the project's
saved session configs (``session_configs``, read-only). Saving rewrites only that template's section
and never writes a connected account or a URL with credentials or a query (they may be secrets).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import policy_spec as S
from .policy import Policy, PolicyError, static_problems, validate

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
LOCAL, PROJECT = "local", "project"


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    source: str
    """``local`` (config file) or ``project`` (a session config at the API)."""
    spec: S.Spec
    description: str = ""
    id: str = ""

    def policy(self, known=()) -> Policy:
        return S.apply(Policy(), self.spec, known)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise PolicyError([f"cannot read templates from {path}: {exc}"]) from None


def local(config_file: Path) -> dict[str, Template]:
    tables = _read(config_file).get("templates", {})
    if not isinstance(tables, dict):
        raise PolicyError([f"{config_file}: [templates] must hold tables"])
    out = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise PolicyError([f"{config_file}: templates.{name} must be a table"])
        out[name] = Template(name, LOCAL, S.from_table(name, table), str(table.get("description", "")))
    return out


def project(gateway) -> list[Template]:
    """The project's saved session configs (names only; ``find`` retrieves the policy)."""
    return [Template(c.name, PROJECT, S.Spec(), c.description, c.id) for c in gateway.session_configs()
            if not c.archived]


def find(config_file: Path, name: str, gateway=None) -> Template:
    """A local template by name, else a project session config by name or id."""
    mine = local(config_file)
    if name in mine:
        return mine[name]
    if gateway is not None:
        for c in gateway.session_configs():
            if name in (c.name, c.id):
                full = gateway.session_config(c.id)
                return Template(full.name, PROJECT, spec_of(full.policy), full.description, full.id)
    known = ", ".join(sorted(mine)) or "none"
    raise PolicyError([f"no template {name!r} (local templates: {known}; see `composio-tui templates list`)"])


def spec_of(policy: Policy | None) -> S.Spec:
    """A Spec that rebuilds ``policy`` from an empty one (for project session configs)."""
    if policy is None:
        return S.Spec()
    return S.from_table("config", S.to_table(policy))


def _secretive(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.query or parts.fragment or parts.username or parts.password)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def name_problem(name: str) -> str:
    """Why ``name`` cannot name a template ("" when it can)."""
    if not NAME.match(name):
        return f"template name {name!r}: use letters, digits, - and _ (at most 64)"
    return ""


def store(config_file: Path, name: str, policy: Policy, *, gateway=None, known: Collection[str] = (),
          description: str = "") -> tuple[dict, list[str]]:
    """Check ``policy`` as a create would, then ``save`` it: the static rules always; with a gateway and
    the catalog's slugs, the looked-up ones too (tools, auth configs). Connected accounts are never
    saved, so they are not checked. Blocking (``templates save`` and the console's save both call it)."""
    if why := name_problem(name):
        raise PolicyError([why])
    unpinned = replace(policy, kits=tuple(replace(k, accounts=()) for k in policy.kits))
    if problems := static_problems(unpinned):
        raise PolicyError(problems)
    if known and gateway is not None:
        validate(gateway, unpinned, "", known)
    return save(config_file, name, policy, description)


def save(config_file: Path, name: str, policy: Policy, description: str = "") -> tuple[dict, list[str]]:
    """Write ``[templates.NAME]`` (replacing an older one); returns the table and notes on what was
    left out. The rest of the file is kept byte for byte."""
    if why := name_problem(name):
        raise PolicyError([why])
    notes = []
    if any(k.accounts for k in policy.kits):
        notes.append("connected accounts belong to one user and are not saved in a template")
    if policy.callback_url and _secretive(policy.callback_url):
        raise PolicyError(["the callback URL has a query, fragment or credentials; templates never store "
                           "what may be a secret, so give a plain URL"])
    table = S.to_table(policy)
    if description:
        table = {"description": description, **table}
    text = config_file.read_text(encoding="utf-8") if config_file.exists() else ""
    _read(config_file)  # refuse to edit a file that is not valid TOML
    section = [f"[templates.{_key(name)}]"] + [f"{_key(k)} = {_toml(v)}" for k, v in table.items()]
    lines = text.splitlines()
    header = re.compile(r"^\s*\[\s*templates\s*\.\s*(\"?)" + re.escape(name) + r"\1\s*\]\s*$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        out = lines + ([""] if lines and lines[-1].strip() else []) + section
    else:
        own = re.compile(r"^\s*\[\s*templates\s*\.\s*(\"?)" + re.escape(name) + r"\1\s*\.")  # its sub-tables
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].lstrip().startswith("[") and not own.match(lines[i])), len(lines))
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        out = lines[:start] + section + lines[end:]
    config_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = config_file.with_name(config_file.name + ".tmp")
    tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    os.replace(tmp, config_file)
    local(config_file)  # what was written reads back
    return table, notes
