"""A profile's key: where it comes from, storing it, removing it (never prompts, one deadline).

Order for a configured profile: ``COMPOSIO_API_KEY`` (overrides every profile) > the profile's
``key_env`` variable (servers without a keyring) > a key held in memory for this run > the keyring
account ``profile:NAME`` > the previous version's account (the base URL), read as this profile's when
the profile owns it (:meth:`ProfileSet.legacy_owner`) and copied to the profile's account at the next
login. The implicit profile (no profiles configured) is exactly the pre-profile behaviour
(``secrets.resolve_key`` with the base URL as the account). Nothing here logs or prints a key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from . import keystore, keytext, secrets
from .keyinfo import ENV_VAR, KeyInfo, RunKeys, SecretsError, _memory_source, key_problem, validate_key
from .keystore import MISCONFIGURED, MISSING, OK, SERVICE
from .profiles import Profile, ProfileSet
from .states import KeySource

__all__ = ["delete", "describe_source", "resolve", "store"]


def _env_key(profile: Profile, env: Mapping[str, str]) -> KeyInfo | None:
    for var, why in ((ENV_VAR, "overrides every profile"), (profile.key_env, f"key_env of profile {profile.name}")):
        value = env.get(var, "").strip() if var else ""
        if not value:
            continue
        problem = key_problem(value)
        if problem:
            return KeyInfo(None, KeySource.ENV, state=MISCONFIGURED,
                           message=f"{var} is set but is not a usable key because {problem}; fix or unset it.")
        return KeyInfo(value, KeySource.ENV, detail=f"from {var} ({why})", state=OK,
                       message=f"Using the API key from {var} ({why}); the keyring is not consulted.")
    return None


def resolve(profile: Profile, profiles: ProfileSet, *, environ: Mapping[str, str] | None = None,
            deadline: secrets.Deadline = secrets.DEFAULT_DEADLINE, memory: RunKeys | None = None) -> KeyInfo:
    """The key this profile's run will use; never raises, never waits past ``deadline``."""
    env = os.environ if environ is None else environ
    found = _env_key(profile, env)
    if found is not None:
        return found
    if profile.implicit:
        return secrets.resolve_key(profile.base_url, environ={}, deadline=deadline, memory=memory)
    held = memory.get(profile.account) if memory is not None else None
    if held:
        return _memory_source(held)
    outcome = secrets._run(lambda: keystore.lookup(SERVICE, profile.account), deadline)
    seconds = secrets._seconds(deadline)[1]
    where = f"profile {profile.name} ({profile.base_url})"
    if outcome.state == OK and outcome.key:
        return KeyInfo(outcome.key, KeySource.KEYRING, backend=outcome.backend, state=OK,
                       detail=f"from keyring ({outcome.backend}), profile {profile.name}",
                       message=f"Using the API key of {where} from the keyring ({outcome.backend}).")
    if outcome.state == MISSING and profiles.legacy_owner(profile):
        old = secrets._run(lambda: keystore.lookup(SERVICE, profile.legacy_account), deadline)
        if old.state == OK and old.key:
            return KeyInfo(old.key, KeySource.KEYRING, backend=old.backend, state=OK,
                           detail=f"from keyring ({old.backend}), stored for {profile.legacy_account} "
                                  "by an earlier version",
                           message=f"Using the key stored for {profile.legacy_account} by an earlier version.")
    message = keytext.sentence(outcome.state, outcome.backend, outcome.detail, where, seconds)
    if outcome.state == MISSING:
        message = (f"No API key for {where} is stored in the keyring ({outcome.backend}); run "
                   f"`composio-tui login --profile {profile.name}`"
                   + (f", set {profile.key_env}" if profile.key_env else "") + f" or set {ENV_VAR}.")
    return KeyInfo(None, KeySource.NONE, backend=outcome.backend, state=outcome.state, message=message)


def store(profile: Profile, key: str, *, deadline: secrets.Deadline, memory: RunKeys | None = None) -> KeyInfo:
    """Save under the profile's account with read-back (raises :class:`SecretsError`)."""
    if profile.implicit:
        return secrets.store_key(profile.base_url, key, deadline=deadline, memory=memory)
    validate_key(key)
    outcome = secrets._run(lambda: keystore.save(SERVICE, profile.account, key), deadline)
    if outcome.state != OK:
        text = keytext.sentence(outcome.state, outcome.backend, outcome.detail, f"profile {profile.name}",
                                secrets._seconds(deadline)[1])
        raise SecretsError(f"The API key was not saved: {text[0].lower()}{text[1:]}", outcome.state)
    if memory is not None:
        memory.forget(profile.account)
    return KeyInfo(key, KeySource.KEYRING, backend=outcome.backend, state=OK,
                   detail=f"from keyring ({outcome.backend}), profile {profile.name}",
                   message=f"Saved the API key of profile {profile.name} in the keyring ({outcome.backend}).")


def hold(profile: Profile, key: str, memory: RunKeys) -> KeyInfo:
    return memory.hold(profile.account, key)


def delete(profile: Profile, profiles: ProfileSet, *, deadline: secrets.Deadline,
           memory: RunKeys | None = None) -> bool:
    """Delete the profile's stored key (and the earlier version's entry it reads); True if one went."""
    if profile.implicit:
        return secrets.delete_key(profile.base_url, deadline=deadline, memory=memory)
    forgot = memory.forget(profile.account) if memory is not None else False
    accounts = [profile.account] + ([profile.legacy_account] if profiles.legacy_owner(profile) else [])
    removed = False
    for account in accounts:
        outcome = secrets._run(lambda account=account: keystore.remove(SERVICE, account), deadline)
        if outcome.state == OK:
            removed = True
        elif outcome.state != MISSING:
            text = keytext.sentence(outcome.state, outcome.backend, outcome.detail, f"profile {profile.name}",
                                    secrets._seconds(deadline)[1])
            raise SecretsError(f"The stored key was not deleted: {text[0].lower()}{text[1:]}", outcome.state)
    return removed or forgot


def describe_source(found: KeyInfo) -> str:
    """For `profiles list` / `info`: where the key comes from and its last four, never the key."""
    return f"{found.label}, {found.masked}" if found.present else f"none — {found.message}"
