"""Runs the checks level by level against one app and collects what happened."""

from __future__ import annotations

import math
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import __version__, _hints
from ._docs_url import default_docs_url, page_link
from ._client import Exchange, HttpClient, TransportProblem
from ._expect import CheckFailed
from ._pool import WorkerPool
from ._progress_order import OrderedProgress, ProgressCallback
from ._fuzz import FUZZ_STAGE, OperationFindings, fuzz_check, fuzz_stage_check, operations_to_fuzz, run_fuzz
from ._registry import LEVEL_IDS, Check, all_checks
from ._reproduce import Recorder
from ._spec import Level, Operation, Spec, default_spec
from ._tester import DEFAULT_CORS_ORIGIN, PASSWORD, Requester, RunState, Tester

PASSED, FAILED, NOT_RUN = "passed", "failed", "not-run"
DEFAULT_JOBS = 8  # checks of a level that run at the same time
DEFAULT_DOCS_URL = default_docs_url()  # the kit's built site on disk, or `make docs-serve`


@dataclass
class Failure:
    """Why a check failed, in the parts a report prints."""

    expected: str
    received: str
    why: str | None = None
    request: str | None = None
    details: list[str] = field(default_factory=list)
    hint: str | None = None
    reproduction: list[str] = field(default_factory=list)
    rule: str | None = None  # the id of the rule that was broken, when the check names one
    no_answer: bool = False  # no usable HTTP answer came (refused, timed out, not HTTP)


@dataclass
class CheckResult:
    check: Check
    status: str
    duration: float = 0.0
    failure: Failure | None = None
    reason: str | None = None
    docs_url: str = ""
    operations_seen: set[str] = field(default_factory=set)
    advice: list[str] = field(default_factory=list)  # findings that are worth a look but fail nothing
    beside_others: bool = False  # another check ran at some moment of this one


@dataclass
class LevelResult:
    level: Level
    checks: list[CheckResult]

    @property
    def status(self) -> str:
        statuses = {result.status for result in self.checks}
        if statuses == {PASSED}:
            return PASSED
        if FAILED in statuses:
            return FAILED
        return NOT_RUN

    def count(self, status: str) -> int:
        return sum(1 for result in self.checks if result.status == status)


@dataclass
class RunResult:
    target: str
    spec: Spec
    requested_level: str
    started_at: datetime
    duration: float = 0.0
    wait_duration: float = 0.0  # the part of duration spent waiting for GET /health
    levels: list[LevelResult] = field(default_factory=list)
    requests_sent: int = 0  # every HTTP request the run sent, the fuzz stage's included
    fuzz_requests_sent: int = 0  # the fuzz stage's part of requests_sent
    unreachable: Failure | None = None
    observed: set[tuple[str, int]] = field(default_factory=set)
    suite_version: str = __version__
    filtered: bool = False  # only some checks ran (--only): no level can be said to be reached
    request_durations: list[float] = field(default_factory=list)  # seconds, of each request that got an answer

    def latency(self) -> dict[str, Any] | None:
        """The suite's own figures of how fast the app answered: median and p95 per request, in ms."""
        return latency_figures(self.request_durations)

    @property
    def checks(self) -> list[CheckResult]:
        return [result for level in self.levels for result in level.checks]

    @property
    def checks_duration(self) -> float:
        """Wall time of the checks themselves, without the wait for the app to come up."""
        return self.duration - self.wait_duration

    @property
    def level_reached(self) -> str | None:
        if self.filtered:
            return None
        reached = None
        for level in (level for level in self.levels if level.level.id in LEVEL_IDS):
            if level.status != PASSED:
                break
            reached = level.level.id
        return reached

    @property
    def passed(self) -> bool:
        return self.unreachable is None and all(level.status == PASSED for level in self.levels)


class Run:
    """One run of the suite against one app. Both the CLI and the pytest plugin drive it."""

    def __init__(
        self,
        url: str,
        *,
        spec: Spec | None = None,
        timeout: float = 10.0,
        docs_url: str = DEFAULT_DOCS_URL,
        cors_origin: str = DEFAULT_CORS_ORIGIN,
    ) -> None:
        self.url = url.rstrip("/")
        self.spec = spec or default_spec()
        self.timeout = timeout
        self.docs_url = docs_url.rstrip("/") + "/"
        self.requests_sent = 0
        self.observed: set[tuple[str, int]] = set()
        self.request_durations: list[float] = []
        self._recording = threading.local()  # .exchanges: the list the current thread's check records into
        self._running_checks: list[_RunningCheck] = []
        self._lock = threading.Lock()
        self.client = HttpClient(
            self.url, timeout=timeout, on_exchange=self._on_exchange, operation_of=self._operation_of
        )
        self.state = RunState(self.client, self.spec, run_id=secrets.token_hex(4), cors_origin=cors_origin)
        self.recorder = Recorder(self.state.run_id, labels=self.state.labels)
        self._index = {check.slug: i for i, check in enumerate(all_checks())}
        self._prepared_operations: dict[str, set[str]] = {}

    def close(self) -> None:
        self.client.close()

    def _operation_of(self, method: str, path: str) -> Operation | None:
        return self.spec.match(method, path)

    def _on_exchange(self, exchange: Exchange) -> None:
        with self._lock:
            self.requests_sent += 1
            if exchange.operation_id and exchange.status is not None:
                self.observed.add((exchange.operation_id, exchange.status))
            if exchange.status is not None:
                self.request_durations.append(exchange.elapsed)
            exchanges = getattr(self._recording, "exchanges", None)
            if exchanges is None and len(self._running_checks) == 1:
                # A thread the check started itself (a race, a burst): only one check runs, so it is that one's.
                exchanges = self._running_checks[0].exchanges
            if exchanges is not None:
                exchanges.append(exchange)
        self.recorder.record(exchange)

    def docs_link(self, check: Check) -> str:
        return page_link(self.docs_url, self.spec.level(check.level).docs, check.anchor)

    # Waiting for the app ---------------------------------------------------------------------

    def wait_until_healthy(self, seconds: float) -> Failure | None:
        """Poll GET /health until it answers below 500. None once it does, or once any HTTP answer came
        and time ran out (level 0 then says what is wrong); a Failure when no HTTP answer came at all."""
        deadline = time.monotonic() + seconds
        last_problem: TransportProblem | None = None
        answered = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            outcome = _call_with_deadline(lambda: self.client.request("GET", "/health"), remaining)
            if isinstance(outcome, Exchange):
                answered = True
                # 5xx may mean "not ready yet" (no database); anything else will not change by waiting.
                if outcome.status is not None and outcome.status < 500:
                    return None
                last_problem = None
            elif isinstance(outcome, TransportProblem):
                last_problem = outcome
            elif outcome is _TIMED_OUT:
                break
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        if answered and last_problem is None:
            return None
        what = last_problem.what if last_problem else f"no complete answer within {seconds:g} s"
        hint = last_problem.hint if last_problem else _hints.READ_TIMEOUT.format(timeout=seconds)
        return Failure(
            expected=f"GET /health to answer within {seconds:g} s",
            received=what,
            why="the suite waits for the app to come up before it runs any check",
            request="GET /health -> no answer",
            hint=hint,
            reproduction=[f"curl -sS -i {self.url}/health"],
        )

    # Running checks ---------------------------------------------------------------------------

    def prepare(self, check: Check) -> CheckResult | None:
        """Run a check's prepare step; a CheckResult only when that step already failed."""
        if check.prepare is None:
            return None
        tester = Tester(self.state, check, self._index[check.slug])
        result = self._guarded(check, lambda: self.state.prepared.__setitem__(check.slug, check.prepare(tester)))
        self._prepared_operations[check.slug] = result.operations_seen
        return result if result.status == FAILED else None

    def execute(self, check: Check, *, again: bool = False) -> CheckResult:
        """Run a check; `again` for a second try, on days and shared users of its own (the first try's
        data stays where it was)."""
        index = self._index[check.slug] + (len(self._index) if again else 0)
        tester = Tester(self.state, check, index, again=again)
        result = self._guarded(check, lambda: check.run(tester))
        result.operations_seen |= self._prepared_operations.get(check.slug, set())
        return result

    def _guarded(self, check: Check, action: Callable[[], Any]) -> CheckResult:
        running = _RunningCheck()

        def recorded() -> Any:
            self._recording.exchanges = running.exchanges
            return action()

        with self._lock:
            for other in self._running_checks:
                other.beside_others = running.beside_others = True
            self._running_checks.append(running)
        started = time.monotonic()
        deadline = max(3 * self.timeout, 15.0)
        try:
            outcome = _call_with_deadline(recorded, deadline)
        finally:
            with self._lock:
                self._running_checks.remove(running)
        exchanges = list(running.exchanges)  # a check abandoned at its deadline may still be sending
        duration = time.monotonic() - started
        result = CheckResult(check, PASSED, duration, docs_url=self.docs_link(check),
                             operations_seen={e.operation_id for e in exchanges if e.operation_id},
                             beside_others=running.beside_others)
        if outcome is _TIMED_OUT:
            result.status = FAILED
            result.failure = Failure(
                expected=f"the check to finish within {deadline:g} s",
                received="the app was still sending its answer (or none) when time ran out",
                why=check.why,
                hint=_hints.READ_TIMEOUT.format(timeout=deadline),
                no_answer=True,
            )
        elif isinstance(outcome, CheckFailed):
            result.status = FAILED
            result.failure = self._failure_from(check, outcome)
        elif isinstance(outcome, TransportProblem):
            result.status = FAILED
            result.failure = Failure(
                expected="an HTTP answer",
                received=outcome.what,
                why=check.why,
                request=request_line(outcome.exchange),
                hint=outcome.hint,
                no_answer=True,
            )
        elif isinstance(outcome, BaseException):
            result.status = FAILED
            result.failure = Failure(
                expected="the check to run to its end",
                received=f"the suite could not interpret an answer ({type(outcome).__name__}: {outcome})",
                why=check.why,
                hint="This is likely a bug in the suite itself; please report it with the reproduction below.",
            )
        if result.failure is not None:
            failing = getattr(outcome, "exchange", None)
            result.failure.reproduction = self.recorder.script(exchanges, failing)
            if result.failure.request is None and exchanges:
                result.failure.request = request_line(failing or exchanges[-1])
        return result

    def _failure_from(self, check: Check, failed: CheckFailed) -> Failure:
        exchange = failed.exchange
        return Failure(
            expected=failed.expected,
            received=failed.received,
            why=failed.why or check.why,
            request=request_line(exchange) if exchange else None,
            details=failed.details,
            hint=failed.hint,
            rule=failed.rule,
        )

    def fuzz_token(self) -> str | None:
        """A token of a user of its own for the fuzzer, or None when signing in does not work."""
        caller = Requester(self.client, self.spec)
        email = f"{self.state.unique('tt-fuzzer')}@example.com"
        try:
            caller.post("/users", json={"email": email, "password": PASSWORD}).expect(201)
            token = caller.post("/auth/token", json={"email": email, "password": PASSWORD, "expires_in": 86400})
            return token.expect(200)["access_token"]
        except (CheckFailed, TransportProblem, KeyError, TypeError):
            return None

    def app_still_answers(self) -> bool:
        outcome = _call_with_deadline(lambda: self.client.request("GET", "/health"), min(self.timeout, 5.0))
        return isinstance(outcome, Exchange)


_TIMED_OUT = object()


def request_line(exchange: Exchange) -> str:
    """POST /projects -> 422: the request that failed and what it got."""
    return f"{exchange.method} {exchange.path} -> {exchange.status if exchange.status is not None else 'no answer'}"


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of values (not empty): the smallest value with at least `fraction` of
    the values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_figures(durations: list[float]) -> dict[str, Any] | None:
    """Median and p95 of request durations in seconds, as milliseconds; None when there are none."""
    if not durations:
        return None
    return {
        "requests": len(durations),
        "median_ms": round(statistics.median(durations) * 1000, 2),
        "p95_ms": round(percentile(durations, 0.95) * 1000, 2),
        "max_ms": round(max(durations) * 1000, 2),
    }


def _call_with_deadline(action: Callable[[], Any], seconds: float) -> Any:
    """Run action in a daemon thread; its result, the exception it raised, or _TIMED_OUT.

    A server that trickles bytes can keep one socket read alive for ever; the thread is abandoned
    (it ends with the process) so the run goes on.
    """
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(action())
        except BaseException as error:  # reported as the check's outcome
            box.append(error)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return _TIMED_OUT
    return box[0] if box else None


@dataclass(eq=False)  # by identity: remove() must take out this check's record, not an equal one
class _RunningCheck:
    """A check while it runs: what it has sent, and whether another check ran beside it."""

    exchanges: list[Exchange] = field(default_factory=list)
    beside_others: bool = False  # another check ran at some moment of this one


def run_suite(
    url: str,
    *,
    level: str = LEVEL_IDS[-1],
    spec: Spec | None = None,
    timeout: float = 10.0,
    wait: float = 15.0,
    keep_going: bool = False,
    only: Callable[[Check], bool] | None = None,
    docs_url: str = DEFAULT_DOCS_URL,
    cors_origin: str = DEFAULT_CORS_ORIGIN,
    fuzz: bool = False,
    fuzz_seed: int = 1,
    fuzz_budget: float = 45.0,
    progress: ProgressCallback | None = None,
    jobs: int = DEFAULT_JOBS,
) -> RunResult:
    """Check the app at url up to `level`; a lower level must pass before a higher one runs. Up to `jobs`
    checks of a level run at the same time (1: one at a time, in catalogue order); the results are in
    catalogue order whatever order they finish in."""
    notify = progress or (lambda event, payload: None)
    run = Run(url, spec=spec, timeout=timeout, docs_url=docs_url, cors_origin=cors_origin)
    requested = LEVEL_IDS.index(level)
    result = RunResult(url, run.spec, level, datetime.now(timezone.utc), filtered=only is not None)
    started = time.monotonic()
    checks = [c for c in all_checks() if LEVEL_IDS.index(c.level) <= requested and (only is None or only(c))]
    ordered = OrderedProgress(notify)
    levels = _Levels(run, result, ordered, keep_going=keep_going)
    try:
        notify("waiting", wait)
        result.unreachable = run.wait_until_healthy(wait)
        result.wait_duration = time.monotonic() - started
        notify("waited", result.unreachable)
        if result.unreachable:
            levels.blocked_by = "unreachable"
        for level_id in LEVEL_IDS[: requested + 1]:
            level_checks = [c for c in checks if c.level == level_id]
            if level_checks:
                levels.settle(block=False)
                levels.run_level(level_id, level_checks, jobs=jobs)
        levels.settle(block=True)
        if fuzz:
            _fuzz_stage(run, result, notify, seed=fuzz_seed, budget=fuzz_budget,
                        blocked=result.unreachable is not None or result.filtered)
    finally:
        result.duration = time.monotonic() - started
        result.requests_sent = run.requests_sent + result.fuzz_requests_sent
        result.observed = set(run.observed)
        with run._lock:
            result.request_durations = list(run.request_durations)
        run.close()
    notify("done", result)
    return result


@dataclass
class _WaitingLevel:
    """A level whose checks that wait (waits=True) were still running when the next levels started."""

    level: LevelResult
    checks: list[Check]
    slot: int
    in_order: _InCatalogueOrder
    pool: WorkerPool[Check, CheckResult]  # runs the waiting checks, one thread each
    later_levels: list[LevelResult] = field(default_factory=list)  # the levels that ran beside them


class _Levels:
    """Runs the levels one after the other: a lower level must pass before a higher one runs.

    A check that waits (waits=True) does not hold its level up: once the level's other checks have
    passed, the next levels start while it waits, and their results stand only if it passes too
    (otherwise they become "not run", as if they had never started). The report of its level, and of
    every level after it, is told once it ends."""

    def __init__(self, run: Run, result: RunResult, ordered: OrderedProgress, *, keep_going: bool) -> None:
        self.run = run
        self.result = result
        self.ordered = ordered
        self.keep_going = keep_going
        self.blocked_by: str | None = None
        self._waiting: list[_WaitingLevel] = []
        self._slots: dict[str, int] = {}
        self._discarded: set[str] = set()  # levels that ran while an earlier level's check waited, and it failed

    def run_level(self, level_id: str, level_checks: list[Check], *, jobs: int) -> None:
        run = self.run
        level_result = LevelResult(run.spec.level(level_id), [])
        self.result.levels.append(level_result)
        slot = self._slots[level_id] = self.ordered.open_slot()
        self.ordered.tell(slot, "level", level_result.level)
        in_order = _InCatalogueOrder(level_checks, lambda event, payload: self.ordered.tell(slot, event, payload))
        if self.blocked_by is not None:
            self._finish_level(level_result, slot, in_order, level_checks)
            return
        prepared_failures: dict[str, CheckResult] = {}
        for check in level_checks:
            failed = run.prepare(check)
            if failed is not None:
                prepared_failures[check.slug] = failed
        for earlier in self._waiting:
            earlier.later_levels.append(level_result)
        waits = [c for c in level_checks if c.waits and jobs > 1 and c.slug not in prepared_failures]
        waiting = self._start_waiting(level_result, level_checks, waits, slot, in_order)

        def before_alone() -> bool:
            self.settle(block=True)
            return level_id not in self._discarded

        if _run_checks(run, [c for c in level_checks if c not in waits], prepared_failures, jobs=jobs,
                       on_outcome=in_order, before_alone=before_alone):
            self.blocked_by = self.blocked_by or "gone"
        others_passed = all(in_order.outcome_of(c).status == PASSED for c in level_checks if in_order.has(c))
        if waits and self.blocked_by is None and others_passed:
            self._waiting.append(waiting)  # the next levels start while these wait
            return
        self._finish_waiting(waiting)
        self._finish_level(level_result, slot, in_order, level_checks)

    def _start_waiting(self, level: LevelResult, level_checks: list[Check], waits: list[Check], slot: int,
                       in_order: _InCatalogueOrder) -> _WaitingLevel:
        pool = WorkerPool(waits, self.run.execute, jobs=len(waits))
        return _WaitingLevel(level, level_checks, slot, in_order, pool)

    def settle(self, *, block: bool) -> None:
        """Take in the levels whose waiting checks have ended (block: wait until every one has)."""
        for waiting in list(self._waiting):
            if not block and not waiting.pool.all_ended():
                continue
            self._waiting.remove(waiting)
            self._finish_waiting(waiting)
            # A failure on an answer: the levels that ran beside it do not count (decided before its level's
            # report is told, which tells theirs). Not a missing answer: the app is gone, and those levels
            # show where it went.
            outcomes = [waiting.in_order.outcome_of(c) for c in waiting.checks if waiting.in_order.has(c)]
            if any(_failed_on_an_answer(o) for o in outcomes) and not self.keep_going and waiting.later_levels:
                self._discard_after(waiting.level)
            self._finish_level(waiting.level, waiting.slot, waiting.in_order, waiting.checks)

    def _finish_waiting(self, waiting: _WaitingLevel) -> None:
        for check, outcome in list(waiting.pool.finished()):  # all ended: a second try below runs alone
            if isinstance(outcome, BaseException):
                raise outcome  # execute() turns everything a check raises into a failure: a bug of the suite
            # Beside other checks it may have failed for their sake (a 503 under load): tried again alone,
            # as the other checks are. Not when no answer came: the app is gone, and the levels that ran
            # beside it show where.
            if waiting.later_levels and _worth_a_try_alone(outcome, {}):
                outcome = _tried_alone(outcome, self.run.execute(check, again=True))
            waiting.in_order(outcome)

    def _finish_level(self, level_result: LevelResult, slot: int, in_order: _InCatalogueOrder,
                      level_checks: list[Check]) -> None:
        for check in level_checks:
            if not in_order.has(check):
                in_order(self._not_run_result(check))
        level_result.checks.extend(in_order.outcomes())
        if level_result.level.id in self._discarded:
            self._not_run(level_result)
        self.ordered.close(slot)
        if self.blocked_by is None and level_result.status == FAILED and not self.keep_going:
            self.blocked_by = level_result.level.id

    def _discard_after(self, failed: LevelResult) -> None:
        """The levels that ran while a check of `failed` waited do not count: they read "not run", as if
        they had never started, and nothing after them runs."""
        self.blocked_by = failed.level.id
        for level_result in self.result.levels[self.result.levels.index(failed) + 1:]:
            self._discarded.add(level_result.level.id)
            self._not_run(level_result)

    def _not_run_result(self, check: Check) -> CheckResult:
        return CheckResult(check, NOT_RUN, reason=_blocked_reason(self.blocked_by or "gone"),
                           docs_url=self.run.docs_link(check))

    def _not_run(self, level_result: LevelResult) -> None:
        level_result.checks = [self._not_run_result(outcome.check) for outcome in level_result.checks]
        self.ordered.replace(self._slots[level_result.level.id],
                             [("level", level_result.level)] + [("check", c) for c in level_result.checks])


class _InCatalogueOrder:
    """Collects a level's outcomes as they finish, and tells each one to the progress callback as soon as
    every check before it in the catalogue has been told: the output reads the same whatever the timing."""

    def __init__(self, checks: list[Check], notify: ProgressCallback) -> None:
        self._checks = checks
        self._notify = notify
        self._outcomes: dict[str, CheckResult] = {}
        self._told = 0

    def __call__(self, outcome: CheckResult) -> None:
        self._outcomes[outcome.check.slug] = outcome
        while self._told < len(self._checks) and self._checks[self._told].slug in self._outcomes:
            self._notify("check", self._outcomes[self._checks[self._told].slug])
            self._told += 1

    def has(self, check: Check) -> bool:
        return check.slug in self._outcomes

    def outcome_of(self, check: Check) -> CheckResult:
        return self._outcomes[check.slug]

    def outcomes(self) -> list[CheckResult]:
        return [self._outcomes[check.slug] for check in self._checks]


def _run_checks(run: Run, checks: list[Check], prepared_failures: dict[str, CheckResult], *, jobs: int,
                on_outcome: Callable[[CheckResult], None], before_alone: Callable[[], bool] = lambda: True) -> bool:
    """Run one level's checks: up to `jobs` at a time, then those that run alone, one by one, each outcome
    handed on as it comes. True when the app stopped answering, which ends the run early (the checks
    that never started then have no outcome).

    A check that failed on an answer while others ran is run again alone, and that try is its verdict:
    an app may answer 503 under load (the spec allows it; level 5's burst check is about load), and a
    verdict must not depend on which checks happened to run beside it."""
    if jobs <= 1:
        groups = [(checks, 1)]
    else:
        groups = [([c for c in checks if not c.alone], jobs), ([c for c in checks if c.alone], 1)]
    for group, threads in groups:
        if threads == 1 and group and not before_alone():  # nothing may run beside these, a waiting check included
            return False  # an earlier level failed meanwhile: this one does not count
        failed_alongside: dict[str, CheckResult] = {}

        def finished(outcome: CheckResult) -> None:
            if threads > 1 and _worth_a_try_alone(outcome, prepared_failures):
                failed_alongside[outcome.check.slug] = outcome
            else:
                on_outcome(outcome)

        if _run_group(run, group, threads, prepared_failures, finished):
            return True
        if failed_alongside:
            again = [check for check in group if check.slug in failed_alongside]
            if _run_group(run, again, 1, {}, lambda outcome: on_outcome(
                    _tried_alone(failed_alongside[outcome.check.slug], outcome)), again=True):
                return True
    return False


def _run_group(run: Run, checks: list[Check], threads: int, prepared_failures: dict[str, CheckResult],
               on_outcome: Callable[[CheckResult], None], *, again: bool = False) -> bool:
    """Run checks on `threads` threads; True when the app stopped answering (nothing new then starts)."""
    pool = WorkerPool(checks, lambda check: prepared_failures.get(check.slug) or run.execute(check, again=again),
                      jobs=threads)
    gone = False
    try:
        for _, outcome in pool.finished():
            if isinstance(outcome, BaseException):
                raise outcome  # execute() turns everything a check raises into a failure: a bug of the suite
            on_outcome(outcome)
            if not gone and _lost_the_app(outcome):
                pool.hold()  # nothing new starts while the suite asks whether the app is still there
                gone = not run.app_still_answers()
                if gone:
                    pool.stop()  # the checks already running finish (each has its deadline)
                pool.release()
    finally:
        pool.stop()
    return gone


def _failed_on_an_answer(outcome: CheckResult) -> bool:
    """Failed on what the app answered, not for want of an answer."""
    return outcome.status == FAILED and outcome.failure is not None and not outcome.failure.no_answer


def _worth_a_try_alone(outcome: CheckResult, prepared_failures: dict[str, CheckResult]) -> bool:
    """A failure on an answer (not a missing one: that one is already slow) of a check that ran beside
    another one (alone, a second try would only repeat it)."""
    return _failed_on_an_answer(outcome) and outcome.beside_others and outcome.check.slug not in prepared_failures


def _tried_alone(alongside: CheckResult, alone: CheckResult) -> CheckResult:
    """The verdict of the try alone; when it passed, advice says what went wrong beside other checks."""
    if alone.status == PASSED and alongside.failure is not None:
        alone.advice.append(
            f"it failed while other checks ran at the same time (expected {alongside.failure.expected}, received "
            f"{alongside.failure.received.splitlines()[0]}) and passed when run again alone: the app may not cope "
            "with simultaneous requests (level 5 checks bursts; `--jobs 1` runs the checks one at a time)")
    return alone


def _fuzz_stage(run: Run, result: RunResult, notify: ProgressCallback, *, seed: int, budget: float,
                blocked: bool) -> None:
    level_result = LevelResult(run.spec.level(FUZZ_STAGE), [])
    result.levels.append(level_result)
    notify("level", level_result.level)
    operations = [] if blocked else operations_to_fuzz(run.spec, result.level_reached)
    if not operations:
        stage = fuzz_stage_check()
        reason = "the app could not be reached" if result.unreachable else "no level passed, so nothing is fuzzed"
        if result.filtered:
            reason = "--only ran part of the suite"
        level_result.checks.append(CheckResult(stage, NOT_RUN, reason=reason, docs_url=run.docs_link(stage)))
        notify("check", level_result.checks[-1])
        return
    token = run.fuzz_token() if any(op.protected for op in operations) else None
    outcome = run_fuzz(run.url, run.spec, operations, token=token, seed=seed, budget=budget)
    result.fuzz_requests_sent = outcome.requests_sent
    if outcome.error is not None:
        stage = fuzz_stage_check()
        failure = Failure(expected="schemathesis to run over the spec", received=outcome.error, why=stage.why,
                          hint="Install the suite with its dependencies (pip install timetension) and try again.")
        level_result.checks.append(CheckResult(stage, FAILED, outcome.duration, failure, docs_url=run.docs_link(stage)))
        notify("check", level_result.checks[-1])
        return
    share = outcome.duration / len(outcome.operations)
    for findings in outcome.operations:
        checked = fuzz_result(findings, share, run.docs_link(fuzz_check(findings.operation)))
        level_result.checks.append(checked)
        notify("check", checked)


def fuzz_result(findings: OperationFindings, duration: float, docs_url: str) -> CheckResult:
    """An operation's fuzzing as a check: its first finding told like any failure, the others listed."""
    check = fuzz_check(findings.operation)
    checked = CheckResult(check, PASSED, duration, docs_url=docs_url,
                          advice=[f"{a.summary()}  Reproduce: {a.reproduction}" for a in findings.advice])
    if findings.failures:
        first, *others = findings.failures
        checked.status = FAILED
        checked.failure = Failure(
            expected=first.expected,
            received=first.received,
            why=check.why,
            request=first.request,
            # The same request often breaks two checks (a 500 is also undocumented): said once.
            details=first.details + [f"also: {other.summary()}" for other in others
                                     if other.reproduction != first.reproduction],
            reproduction=list(dict.fromkeys(f.reproduction for f in findings.failures if f.reproduction)),
        )
    return checked


def _lost_the_app(outcome: CheckResult) -> bool:
    return outcome.failure is not None and outcome.failure.no_answer


def _blocked_reason(blocked_by: str) -> str:
    if blocked_by == "unreachable":
        return "the app could not be reached"
    if blocked_by == "gone":
        return "the app stopped answering during the run"
    return f"{blocked_by} must pass first (run with --keep-going to see these anyway)"
