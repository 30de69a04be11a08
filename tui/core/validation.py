"""Checks on what an operator types before anything is sent to the API.

Nothing here trims, lower-cases or otherwise "fixes" input silently: a problem is reported as one
specific sentence and the operator corrects it. The API itself only requires ``user_id`` to be
non-empty (reference §6); the stricter rules below protect end users from sharing one identity.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

MAX_USER_ID_LENGTH = 256

# Ids that are almost certainly a bug rather than a person. Every caller hitting one of these ends up
# as the SAME Composio user and so shares connected accounts, which is exactly the "default" problem.
# - the string form of a missing value: Python ``str(None)``, JavaScript ``${undefined}``, JSON null, NaN;
# - a documentation placeholder pasted verbatim.
_MISSING_VALUE_IDS = frozenset({"none", "null", "nil", "undefined", "nan"})
_PLACEHOLDER_IDS = frozenset({"user_id", "user-id", "userid", "your_user_id", "your-user-id", "youruserid"})
# Whole-value template markers: <user>, {user}, {{user}}, ${USER}, $USER (an unexpanded shell variable).
_TEMPLATE_RE = re.compile(r"^(<[^<>]*>|\{\{.*\}\}|\{[^{}]*\}|\$\{[^{}]*\}|\$[A-Za-z_][A-Za-z0-9_]*)$", re.DOTALL)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_CHAR_NAMES = {
    "\t": "a tab",
    "\n": "a line feed (newline)",
    "\r": "a carriage return",
    "\x00": "a NUL byte",
    "\x7f": "a DEL character",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a check: ``ok`` with an optional ``warning``, or not ``ok`` with an ``error``."""

    ok: bool
    value: str
    error: str = ""
    warning: str = ""


def _describe(char: str) -> str:
    if char in _CHAR_NAMES:
        return _CHAR_NAMES[char]
    code = f"U+{ord(char):04X}"
    category = unicodedata.category(char)
    if category == "Cc":
        return f"a control character ({code})"
    name = unicodedata.name(char, "")
    return f"an invisible character ({code} {name})" if name else f"an invisible character ({code})"


def _bad_character(raw: str) -> str:
    """Return an error sentence for the first unusable character, or ""."""
    for index, char in enumerate(raw, start=1):
        category = unicodedata.category(char)
        if category == "Cc":
            # C0 controls (incl. tab, newline, NUL), DEL and the C1 range U+0080..U+009F.
            return f"The user ID contains {_describe(char)} at position {index}; remove it."
        if category == "Cs":
            return f"The user ID contains a lone surrogate (U+{ord(char):04X}) at position {index}, which is not valid text."
        if category in ("Cf", "Zl", "Zp"):
            # Zero-width spaces, BOMs, bidi overrides, line separators: two IDs that look identical on
            # screen would be different users, so these are refused too.
            return (
                f"The user ID contains {_describe(char)} at position {index}, "
                "which makes it look like a different ID than it is; remove it."
            )
    return ""


def check_user_id(raw: str) -> Verdict:
    """Check an end-user ID typed by the operator. Never trims or rewrites it."""
    if raw == "":
        return Verdict(False, raw, error="Enter a user ID; it cannot be empty.")
    if raw.isspace():
        return Verdict(False, raw, error="The user ID is only whitespace; enter the end user's stable ID.")
    bad = _bad_character(raw)
    if bad:
        return Verdict(False, raw, error=bad)
    if raw[0].isspace():
        return Verdict(
            False,
            raw,
            error="The user ID starts with whitespace; remove it, because IDs are compared exactly "
            "and ' alice' would be a different user from 'alice'.",
        )
    if raw[-1].isspace():
        return Verdict(
            False,
            raw,
            error="The user ID ends with whitespace; remove it, because IDs are compared exactly "
            "and 'alice ' would be a different user from 'alice'.",
        )
    if len(raw) > MAX_USER_ID_LENGTH:
        return Verdict(
            False, raw, error=f"The user ID is {len(raw)} characters long; the limit is {MAX_USER_ID_LENGTH}."
        )
    folded = raw.casefold()
    if folded == "default":
        return Verdict(
            False,
            raw,
            error="'default' is a shared placeholder, not a user: everyone given it shares one set of "
            "connected accounts and can reach each other's data, so use the end user's own stable ID.",
        )
    if folded in _MISSING_VALUE_IDS:
        return Verdict(
            False,
            raw,
            error=f"'{raw}' is what a missing value looks like as text, so every such user would become "
            "one shared user; pass the end user's real ID.",
        )
    if folded in _PLACEHOLDER_IDS or _TEMPLATE_RE.match(raw):
        return Verdict(
            False,
            raw,
            error=f"'{raw}' looks like a placeholder or an unexpanded template; substitute the end user's real ID.",
        )
    if _EMAIL_RE.match(raw):
        return Verdict(
            True,
            raw,
            warning="This looks like an email address; emails change, so prefer a stable ID such as "
            "a database ID or UUID.",
        )
    return Verdict(True, raw)


def _squash(slug: str) -> str:
    """A comparison key that ignores case, spaces and punctuation ('Google Sheets' -> 'googlesheets')."""
    return re.sub(r"[^0-9a-z]", "", slug.casefold())


def _unknown_slug_error(slug: str, known: list[str], squashed: dict[str, list[str]]) -> str:
    if slug.strip() != slug and slug.strip() in known:
        return f"'{slug}' has whitespace around it; the catalog slug is '{slug.strip()}'."
    same_case = [k for k in known if k.casefold() == slug.casefold()]
    if same_case:
        return f"'{slug}' differs from the catalog slug '{same_case[0]}' only in letter case; slugs are case-sensitive."
    loose = squashed.get(_squash(slug), [])
    if len(loose) == 1:
        return f"'{slug}' is not a toolkit slug; did you mean '{loose[0]}' (slugs are not display names)?"
    close = difflib.get_close_matches(slug.casefold(), known, n=3, cutoff=0.75)
    if close:
        options = " or ".join(f"'{c}'" for c in close)
        return f"'{slug}' is not in the toolkit catalog; did you mean {options}?"
    return f"'{slug}' is not in the toolkit catalog; pick toolkits from the catalog list."


def check_slugs(slugs: Iterable[str], known: Collection[str]) -> list[str]:
    """Return one error sentence per problem with the chosen toolkit slugs (empty list = fine).

    Slugs must match the catalog exactly; close misses get a suggestion but are never corrected here.
    """
    chosen = list(slugs)
    if not chosen:
        return ["Pick at least one toolkit."]
    catalog = sorted(set(known))
    if not catalog:
        return ["The toolkit catalog is empty, so the toolkits cannot be checked; load the catalog first."]
    catalog_set = set(catalog)
    squashed: dict[str, list[str]] = {}
    for slug in catalog:
        squashed.setdefault(_squash(slug), []).append(slug)

    errors: list[str] = []
    seen: set[str] = set()
    reported_twice: set[str] = set()
    for position, slug in enumerate(chosen, start=1):
        if slug.strip() == "":
            errors.append(f"Toolkit #{position} is blank; pick a slug from the catalog.")
            continue
        if slug in seen:
            if slug not in reported_twice:
                reported_twice.add(slug)
                count = chosen.count(slug)
                times = "twice" if count == 2 else f"{count} times"
                errors.append(f"'{slug}' is listed {times}; list each toolkit once.")
            continue
        seen.add(slug)
        if slug not in catalog_set:
            errors.append(_unknown_slug_error(slug, catalog, squashed))
    return errors


# --- settings given on the command line or in the environment (issue 10) ---------------------------

MAX_TIMEOUT = 300.0
MAX_RATE_LIMIT_WAIT = 3600.0


def check_base_url(value: str) -> str:
    """The API origin without a trailing slash; ValueError (one sentence, never echoing a password) when
    it is not http(s) or carries credentials (they would be printed by `info` and kept in cache files)."""
    from urllib.parse import urlsplit

    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError("is not a valid URL") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValueError("must not contain a user name or password (user:password@); the API key is the "
                         "only credential, and it comes from the keyring or COMPOSIO_API_KEY")
    return value


def check_rate_limit_wait(value: float) -> float:
    if not 0 <= value <= MAX_RATE_LIMIT_WAIT:
        raise ValueError(f"must be between 0 and {MAX_RATE_LIMIT_WAIT:g} seconds")
    return value


def check_timeout(value: float) -> float:
    if not 0 < value <= MAX_TIMEOUT:
        raise ValueError(f"must be more than 0 and at most {MAX_TIMEOUT:g} seconds")
    return value
