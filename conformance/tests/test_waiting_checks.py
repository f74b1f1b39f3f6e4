"""A check that waits for time to pass (`waits=True`: level 1's token expiry) does not hold the run up:
the next levels start while it waits, count only if it passes, and are told after it, in catalogue
order. Nothing that runs alone runs beside it."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from broken_apps.catalogue import DIES_AT_LEVEL_2
from conftest import app_env
from servers import broken_app_command, free_port, running

from timetension import all_checks, run_suite
from timetension._client import Exchange
from timetension._progress_order import OrderedProgress
from timetension._report_terminal import TerminalReporter
from timetension._registry import Check
from timetension._runner import FAILED, NOT_RUN, PASSED, Run

EXPIRY = "accounts.expired-token"
CATALOGUE_ORDER = [check.slug for check in all_checks()]


def without_level_1s_others(check: Check) -> bool:
    """Level 1 down to its waiting check, so that level 2 starts at once (on a slow machine level 1's other
    checks could take longer than the token's second, and nothing would have run beside it)."""
    return check.level != "L1" or check.slug == EXPIRY


@contextmanager
def recorded_exchanges(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Exchange]]:
    """Every exchange of the runs in the block, in the order they ended."""
    exchanges: list[Exchange] = []
    recording = True
    lock = threading.Lock()
    original = Run._on_exchange

    def on_exchange(self: Run, exchange: Exchange) -> None:
        with lock:
            if recording:
                exchanges.append(exchange)
        original(self, exchange)

    monkeypatch.setattr(Run, "_on_exchange", on_exchange)
    try:
        yield exchanges
    finally:
        recording = False


def expired_token_request(exchanges: list[Exchange]) -> int:
    """The position of the request that sends a token asked for with expires_in=1 once it expired: the last
    use of such a token (other checks use theirs at once)."""
    short_lived = {f"Bearer {json.loads(e.response_body)['access_token']}" for e in exchanges
                   if e.path == "/auth/token" and e.status == 200 and e.request_body
                   and json.loads(e.request_body).get("expires_in") == 1}
    return max(i for i, e in enumerate(exchanges)
               if e.path == "/users/me" and e.request_headers.get("Authorization") in short_lived)


def first(exchanges: list[Exchange], method: str, path: str) -> int:
    return next(i for i, e in enumerate(exchanges) if e.method == method and e.path == path)


@pytest.mark.parametrize(("jobs", "level_2_first"), [(8, True), (1, False)])
def test_level_2_runs_while_the_token_expires(reference_on_sqlite: str, monkeypatch: pytest.MonkeyPatch,
                                              jobs: int, level_2_first: bool) -> None:
    """Checks at a time: level 2's projects are made before the expired token is sent; one at a time,
    strictly after it."""
    with recorded_exchanges(monkeypatch) as exchanges:
        result = run_suite(reference_on_sqlite, level="L2", wait=20, jobs=jobs, only=without_level_1s_others)
    assert result.passed and {check.check.level for check in result.checks} == {"L0", "L1", "L2"}
    assert (first(exchanges, "POST", "/projects") < expired_token_request(exchanges)) is level_2_first


def test_a_check_that_runs_alone_waits_for_the_waiting_check(reference_on_sqlite: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Level 5's burst runs alone: not even level 1's token expiry may send beside it."""
    wanted = {EXPIRY, "limits.burst-answered"}
    with recorded_exchanges(monkeypatch) as exchanges:
        result = run_suite(reference_on_sqlite, wait=20, only=lambda check: check.slug in wanted)
    assert [check.status for check in result.checks] == [PASSED, PASSED]
    burst_starts = next(i for i, e in enumerate(exchanges) if e.path.startswith("/projects"))
    assert expired_token_request(exchanges) < burst_starts


@pytest.fixture(scope="module")
def never_expires(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("token-never-expires")
    with running(broken_app_command("token-never-expires"), env=app_env(f"sqlite:///{folder}/app.db"),
                 log=folder / "app.log", port=free_port()) as app:
        yield app.url


def test_when_the_waiting_check_fails_the_levels_that_ran_beside_it_do_not_count(
        never_expires: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    with recorded_exchanges(monkeypatch) as exchanges:
        result = run_suite(never_expires, wait=20, progress=TerminalReporter(stream, color=False),
                           only=without_level_1s_others)
    one_at_a_time = run_suite(never_expires, wait=20, jobs=1, only=without_level_1s_others)
    assert first(exchanges, "POST", "/projects") < expired_token_request(exchanges)  # level 2 did run
    assert [(c.check.slug, c.status) for c in result.checks] == [(c.check.slug, c.status)
                                                                  for c in one_at_a_time.checks]
    assert [c.check.slug for c in result.checks if c.status == FAILED] == [EXPIRY]
    later = [c for c in result.checks if c.check.level not in ("L0", "L1")]
    assert later and all(c.status == NOT_RUN and c.reason and c.reason.startswith("L1 must pass first")
                         for c in later)
    report = stream.getvalue()
    progress = report[:report.index("Failures (")]
    assert "PASS" not in progress[progress.index("\nL2 "):], progress
    told = [slug for slug in CATALOGUE_ORDER if f"  {slug}  " in progress]
    assert told == [slug for slug in CATALOGUE_ORDER if slug in told] and EXPIRY in told
    assert progress.index(f"  {EXPIRY}  ") < progress.index("\nL2 ")


def test_keep_going_keeps_the_levels_that_ran_beside_a_failed_waiting_check(never_expires: str) -> None:
    result = run_suite(never_expires, wait=20, level="L2", keep_going=True)
    assert [c.check.slug for c in result.checks if c.status != PASSED] == [EXPIRY]


def test_an_app_that_dies_while_the_token_expires_shows_where(tmp_path: Path) -> None:
    """Level 2's first project kills the app while level 1's check waits: the level 2 check that lost its
    answer is in the report (not hidden as "L1 must pass first"), and the rest did not run."""
    with running(broken_app_command(DIES_AT_LEVEL_2.name), env=app_env(f"sqlite:///{tmp_path}/dies.db"),
                 log=tmp_path / "app.log", port=free_port()) as app:
        result = run_suite(app.url, wait=20, only=without_level_1s_others)
    level_2 = [c for c in result.checks if c.check.level == "L2"]
    lost = [c for c in level_2 if c.status == FAILED]
    assert lost and all(c.failure is not None and c.failure.no_answer for c in lost)
    assert any(c.status == NOT_RUN and c.reason == "the app stopped answering during the run" for c in level_2)
    expiry = next(c for c in result.checks if c.check.slug == EXPIRY)
    assert expiry.status == FAILED and expiry.failure is not None and expiry.failure.no_answer
    assert all(c.status == NOT_RUN for c in result.checks if c.check.level in ("L3", "L4", "L5"))


def test_progress_of_a_later_slot_waits_until_the_earlier_slots_close() -> None:
    told: list[str] = []
    ordered = OrderedProgress(lambda event, payload: told.append(payload))
    level_1, level_2 = ordered.open_slot(), ordered.open_slot()
    ordered.tell(level_1, "check", "a")
    ordered.tell(level_2, "check", "c")
    assert told == ["a"]
    ordered.replace(level_2, [("check", "c, not run")])
    ordered.tell(level_1, "check", "b")
    ordered.close(level_1)
    assert told == ["a", "b", "c, not run"]
    ordered.tell(level_2, "check", "d")
    assert told[-1] == "d"
    with pytest.raises(RuntimeError):
        ordered.replace(level_2, [])
