from __future__ import annotations

import pytest

from tui.core.validation import MAX_USER_ID_LENGTH, Verdict, check_slugs, check_user_id

CATALOG = ["github", "gmail", "googlesheets", "googledrive", "slack", "notion", "notion_mcp", "linear"]

# (kind, input, expected fragment of the error). For "user" rows the fragment is in Verdict.error;
# for "slugs" rows it is in one of the returned sentences.
BAD = [
    ("user", "", "cannot be empty"),
    ("user", "   ", "only whitespace"),
    ("user", "\t\n", "only whitespace"),
    ("user", " alice", "starts with whitespace"),
    ("user", "alice ", "ends with whitespace"),
    ("user", "alice\u00a0", "ends with whitespace"),  # no-break space is whitespace too
    ("user", "default", "'default' is a shared placeholder"),
    ("user", "DEFAULT", "shared placeholder"),
    ("user", "Default", "reach each other's data"),
    ("user", "ali\tce", "a tab at position 4"),
    ("user", "alice\n", "a line feed (newline) at position 6"),
    ("user", "al\rice", "carriage return"),
    ("user", "ali\x00ce", "a NUL byte"),
    ("user", "alice\x7f", "a DEL character"),
    ("user", "alice\x85", "control character (U+0085)"),  # C1 "next line"
    ("user", "alice\x1b[31m", "control character (U+001B)"),
    ("user", "ali\u200bce", "invisible character (U+200B ZERO WIDTH SPACE)"),
    ("user", "\ufeffalice", "U+FEFF"),
    ("user", "alice\u202e", "look like a different ID"),
    ("user", "x" * (MAX_USER_ID_LENGTH + 1), "257 characters long; the limit is 256"),
    ("user", "None", "missing value"),
    ("user", "undefined", "missing value"),
    ("user", "null", "one shared user"),
    ("user", "<user_id>", "placeholder or an unexpanded template"),
    ("user", "{user_id}", "placeholder"),
    ("user", "${USER_ID}", "unexpanded template"),
    ("user", "$USER_ID", "unexpanded template"),
    ("user", "your-user-id", "placeholder"),
    ("slugs", [], "Pick at least one toolkit"),
    ("slugs", [""], "Toolkit #1 is blank"),
    ("slugs", ["github", "  "], "Toolkit #2 is blank"),
    ("slugs", ["github", "slack", "github"], "'github' is listed twice"),
    ("slugs", ["slack", "slack", "slack"], "listed 3 times"),
    ("slugs", ["GitHub"], "differs from the catalog slug 'github' only in letter case"),
    ("slugs", ["github "], "has whitespace around it; the catalog slug is 'github'"),
    ("slugs", ["githb"], "did you mean 'github'"),
    ("slugs", ["Google Sheets"], "did you mean 'googlesheets' (slugs are not display names)"),
    ("slugs", ["notion-mcp"], "did you mean 'notion_mcp'"),
    ("slugs", ["salesforce"], "'salesforce' is not in the toolkit catalog; pick toolkits from the catalog list"),
    ("slugs", ["slack", "jira"], "'jira' is not in the toolkit catalog"),
]


@pytest.mark.parametrize(("kind", "raw", "fragment"), BAD, ids=[f"{k}:{r!r}"[:60] for k, r, _ in BAD])
def test_bad_input_is_refused_with_a_specific_sentence(kind: str, raw: object, fragment: str) -> None:
    if kind == "user":
        assert isinstance(raw, str)
        verdict = check_user_id(raw)
        assert verdict.ok is False
        assert verdict.value == raw  # never trimmed or rewritten
        assert fragment in verdict.error
        assert verdict.error.endswith(".") and "\n" not in verdict.error
        assert verdict.warning == ""
    else:
        assert isinstance(raw, list)
        errors = check_slugs(raw, CATALOG)
        assert any(fragment in error for error in errors), errors
        assert all("\n" not in error for error in errors)


def test_table_is_big_enough() -> None:
    assert sum(kind == "user" for kind, _, _ in BAD) >= 15
    assert sum(kind == "slugs" for kind, _, _ in BAD) >= 8


@pytest.mark.parametrize(
    "raw",
    [
        "alice",
        "user_42",
        "3f2b8c1e-9a4d-4c1e-8f00-123456789abc",
        "tenant:acme/user:17",
        "Zoë Ångström",
        "x" * MAX_USER_ID_LENGTH,
        "defaults",
        "default-tenant-7",
        "a b",  # inner spaces are allowed; only the ends are checked
    ],
)
def test_good_user_ids(raw: str) -> None:
    assert check_user_id(raw) == Verdict(True, raw)


def test_email_like_id_is_allowed_with_a_warning() -> None:
    verdict = check_user_id("alice@example.com")
    assert verdict.ok is True
    assert verdict.value == "alice@example.com"
    assert verdict.error == ""
    assert "emails change" in verdict.warning
    assert "database ID or UUID" in verdict.warning


def test_good_slug_lists() -> None:
    assert check_slugs(["github"], CATALOG) == []
    assert check_slugs(("slack", "notion_mcp", "gmail"), set(CATALOG)) == []
    assert check_slugs(iter(["linear", "googledrive"]), frozenset(CATALOG)) == []


def test_every_problem_is_reported_once_in_order() -> None:
    errors = check_slugs(["GitHub", "", "slack", "slack", "jira"], CATALOG)
    assert len(errors) == 4
    assert "only in letter case" in errors[0]
    assert "#2 is blank" in errors[1]
    assert "'slack' is listed twice" in errors[2]
    assert "'jira' is not in the toolkit catalog" in errors[3]


def test_slugs_cannot_be_checked_without_a_catalog() -> None:
    assert check_slugs(["github"], []) == [
        "The toolkit catalog is empty, so the toolkits cannot be checked; load the catalog first."
    ]
