"""The activity core over real HTTP: queries, one log, ``--since``, and a follower that hands out every
log exactly once, in order, across polls, pages and a 429."""

from __future__ import annotations

import threading
import time

import pytest

from demo_fixtures import server  # noqa: F401  (fixture)
from tui.core import activity
from tui.core.activity import Backoff, Follower, LogQuery, build_query, parse_since
from tui.core.errors import ApiError
from tui.core.gateway import Gateway
from tui.core.sessions import InputError
from tui.core.states import ErrorKind, FollowState, LogStatus
from tui.demo import DEMO_API_KEY
from tui.demo import logs

pytestmark = pytest.mark.timeout(90)

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.fixture
def gateway(server):
    gw = Gateway(server.base_url, DEMO_API_KEY, max_retries=0)
    # The pacer would wait a 429 out inside the request (tui.core.ratelimit); here the follower's own
    # handling of a 429 that reaches it (a bounded wait used up) is under test.
    gw.rate_limit_wait = 0
    yield gw
    gw.close()


def record(srv, n: int = 1, **kw) -> list[str]:
    base = {"user_id": "follow-user", "tool": "GITHUB_CREATE_AN_ISSUE", "session_id": "trs_f"}
    return [logs.record_execution(srv.store, **(base | kw)) for _ in range(n)]


# --- --since and the query -------------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [("15m", 900), ("2h", 7200), ("1d", 86400), ("30s", 30), (" 1w ", 604800)])
def test_since_durations(text, seconds):
    assert parse_since(text, NOW) == int((NOW - seconds) * 1000)


@pytest.mark.parametrize("text, ms", [("2025-12-31T23:00:00Z", 1_767_222_000_000),
                                      ("2025-12-31T23:00:00", 1_767_222_000_000),
                                      ("2026-01-01T01:00:00+02:00", 1_767_222_000_000),
                                      ("2025-12-31", 1_767_139_200_000)])
def test_since_iso_8601(text, ms):
    assert parse_since(text, NOW) == ms


@pytest.mark.parametrize("text, said", [("yesterday", "neither a duration"), ("15 minutes", "neither a duration"),
                                        ("0m", "positive"), ("2027-01-01T00:00:00Z", "in the future"), ("", "neither")])
def test_since_that_does_not_parse_says_so(text, said):
    with pytest.raises(InputError) as info:
        parse_since(text, NOW)
    assert said in info.value.problems[0]


def test_build_query_turns_the_scope_into_filters_and_a_window():
    q = build_query(user="u1", session="trs_1", toolkit="GitHub", tool="github_create_an_issue", status="FAILED",
                    since="1h", limit=10, now=NOW)
    assert q.filters() == [{"field": "user_id", "operator": "==", "value": "u1"},
                           {"field": "session_id", "operator": "==", "value": "trs_1"},
                           {"field": "toolkit_slug", "operator": "==", "value": "github"},
                           {"field": "tool_slug", "operator": "==", "value": "GITHUB_CREATE_AN_ISSUE"},
                           {"field": "status", "operator": "==", "value": "failed"}]
    assert q.time_range() == {"from": int((NOW - 3600) * 1000), "to": q.time_range()["to"]}
    assert q.status is LogStatus.FAILED and q.limit == 10


def test_build_query_lists_every_problem_at_once():
    with pytest.raises(InputError) as info:
        build_query(user="default", status="meh", since="soon", limit=0)
    text = " ".join(info.value.problems)
    assert len(info.value.problems) == 4
    assert "'default'" in text and "--status 'meh'" in text and "--since 'soon'" in text and "--limit" in text
    with pytest.raises(InputError, match="between 1 and 100"):
        build_query(limit=101)


# --- search and show over HTTP --------------------------------------------------------------------

def test_search_pages_through_the_shared_helper_and_show_returns_the_detail(server, gateway):
    ids = record(server, 7)
    record(server, 2, user_id="someone-else")
    found = activity.search(gateway, LogQuery(user="follow-user", limit=5))
    assert [e.id for e in found] == ids[::-1][:5]
    everything = activity.search(gateway, LogQuery(user="follow-user", limit=100))
    assert [e.id for e in everything] == ids[::-1]
    entry = everything[0]
    assert (entry.user_id, entry.toolkit, entry.tool, entry.session_id) == (
        "follow-user", "github", "GITHUB_CREATE_AN_ISSUE", "trs_f")
    assert entry.status is LogStatus.SUCCESS and entry.duration_ms and entry.at_ms > 0
    detail = activity.show(gateway, entry.id)
    assert detail.entry.id == entry.id and detail.trace_id.startswith("trc_")
    assert detail.end_ms - detail.start_ms == entry.duration_ms
    assert detail.raw["context"]["session_id"] == "trs_f"


def test_small_pages_are_walked_until_the_limit(server, gateway):
    ids = record(server, 12)
    pages = list(activity.iter_pages(gateway, LogQuery(limit=5)))
    assert [e.id for p in pages for e in p.items] == ids[::-1] and len(pages) == 3


def test_unknown_user_is_an_empty_list_and_unknown_log_is_not_found(server, gateway):
    record(server, 2)
    assert activity.search(gateway, LogQuery(user="nobody-here")) == []
    with pytest.raises(ApiError) as info:
        activity.show(gateway, "log_missing")
    assert info.value.kind == ErrorKind.NOT_FOUND


# --- following ------------------------------------------------------------------------------------

def test_follow_hands_out_every_log_exactly_once_in_order_across_polls_pages_and_a_429(server, gateway):
    handed: list[str] = []
    made: list[str] = []
    follower = Follower(gateway, LogQuery(user="follow-user", limit=20), backoff=Backoff(base=1.0))

    def poll(expect_state=FollowState.LIVE):
        result = follower.poll()
        assert result.state is expect_state, result.error
        handed.extend(e.id for e in result.entries)
        return result

    record(server, 3, user_id="other-user")  # out of scope: never handed out
    made += record(server, 25)
    first = poll()  # the backlog: the newest 20, oldest first
    assert [e.id for e in first.entries] == made[5:]
    handed[:] = made[:5] + handed  # (older than the backlog; not asked for)
    assert poll().entries == ()  # nothing new: idle
    made += record(server, 2)
    made += record(server, 1, status="failed")
    assert len(poll().entries) == 3
    made += record(server, 1)
    server.set_faults(rate_limit_rate=1.0, rate_limit_burst=1, retry_after=2)
    limited = poll(FollowState.RATE_LIMITED)
    assert limited.delay == 2 and limited.error.kind == ErrorKind.RATE_LIMITED and limited.entries == ()
    server.set_faults(rate_limit_rate=0.0)
    made += record(server, 1)
    assert len(poll().entries) == 2  # the one from before the 429 and the new one
    made += record(server, 150)  # more than one page (100) between two polls
    assert len(poll().entries) == 150
    assert poll().entries == ()
    assert handed == made
    assert len(set(handed)) == len(handed)


def test_follow_without_backlog_starts_from_now(server, gateway):
    record(server, 4)
    follower = Follower(gateway, LogQuery(), backlog=False)
    assert follower.poll().entries == ()
    new = record(server, 2)
    assert [e.id for e in follower.poll().entries] == new


def test_follow_ignores_this_machines_clock(server, gateway):
    """A local clock a day behind or an hour ahead of the API's changes nothing: the watermark is the
    API's own newest timestamp."""
    for skew in (-86_000.0, 3_600.0):
        old = record(server, 2)
        follower = Follower(gateway, LogQuery(user="follow-user"), clock=lambda s=skew: time.time() + s)
        assert [e.id for e in follower.poll().entries][-2:] == old
        new = record(server, 2)
        assert [e.id for e in follower.poll().entries] == new


def test_backoff_stretches_while_idle_resets_on_news_and_honours_retry_after():
    b = Backoff(base=1.0, idle_max=5.0, idle_factor=2.0)
    assert [b.idle(), b.idle(), b.idle(), b.idle()] == [2.0, 4.0, 5.0, 5.0]
    assert b.news() == 1.0
    assert b.failed(retry_after=7) == 7
    assert b.failed() == 4.0  # second failure in a row: 1 * 2**2
    assert b.failed(retry_after=0) == 8.0


def test_run_polls_until_stopped_and_stops_at_once(server, gateway):
    got: list[str] = []
    stop = threading.Event()
    follower = Follower(gateway, LogQuery(user="follow-user"), backoff=Backoff(base=0.05, idle_max=0.1))
    thread = threading.Thread(target=follower.run, args=(lambda p: got.extend(e.id for e in p.entries), stop))
    thread.start()
    try:
        ids = record(server, 3)
        deadline = time.monotonic() + 10
        while got != ids and time.monotonic() < deadline:
            time.sleep(0.02)
        assert got == ids
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
