"""Checks of a level run at the same time (`--jobs`): the same verdicts as one at a time, reports in
catalogue order, `--jobs 1` strictly one request after another, and a worker pool that never loses an
outcome."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from broken_apps.catalogue import find
from conftest import app_env
from servers import CTRL_C_AS_IN_A_TERMINAL, broken_app_command, free_port, running

from timetension import all_checks, run_suite
from timetension._pool import WorkerPool
from timetension._registry import LEVEL_IDS, Check, find_check
from timetension._report_json import write_results
from timetension._report_junit import write_junit
from timetension._report_terminal import TerminalReporter
from timetension._runner import FAILED, PASSED, Run
from timetension import _tester

CATALOGUE_ORDER = [check.slug for check in all_checks()]
SLOW_ANSWER = 0.02  # seconds: long enough for requests sent at the same time to be in flight together


class _CountsRequestsInFlight(BaseHTTPRequestHandler):
    """Answers /health, and a problem+json 404 to everything else, a little slowly; notes the most
    requests it ever had in flight at once."""

    lock = threading.Lock()
    in_flight = 0
    most_in_flight = 0
    delay = SLOW_ANSWER
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        try:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/health":
                status, media_type, body = 200, "application/json", {"status": "ok"}
                time.sleep(SLOW_ANSWER)
            else:
                time.sleep(cls.delay)
                status, media_type = 404, "application/problem+json"
                body = {"type": "about:blank", "title": "Not Found", "status": 404}
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            with cls.lock:
                cls.in_flight -= 1

    do_GET = do_POST = do_PATCH = do_DELETE = do_OPTIONS = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (quiet)
        pass


@contextmanager
def counting_server(delay: float = SLOW_ANSWER) -> Iterator[tuple[str, type[_CountsRequestsInFlight]]]:
    handler = type("Handler", (_CountsRequestsInFlight,), {"lock": threading.Lock(), "in_flight": 0,
                                                           "most_in_flight": 0, "delay": delay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("jobs", "one_at_a_time"), [(1, True), (8, False)])
def test_jobs_1_sends_one_request_at_a_time(jobs: int, one_at_a_time: bool) -> None:
    """The server sees one request at a time with --jobs 1, and several at once with more (so that the
    first case is not true of any run)."""
    with counting_server() as (url, handler):
        result = run_suite(url, level="L3", keep_going=True, wait=5, timeout=5, jobs=jobs)
    assert result.checks and all(check.status == FAILED for check in result.checks if check.check.level != "L0")
    assert (handler.most_in_flight == 1) is one_at_a_time, handler.most_in_flight


def test_reports_are_in_catalogue_order_whatever_order_checks_finish_in(tmp_path: Path) -> None:
    """Against an app where every check fails, the results, JUnit, the progress lines and the failures
    printed follow the catalogue, while the checks ran eight at a time."""
    with counting_server() as (url, handler):
        stream = io.StringIO()
        result = run_suite(url, level="L3", keep_going=True, wait=5, timeout=5, jobs=8,
                           progress=TerminalReporter(stream, color=False))
    assert handler.most_in_flight > 1
    for check in result.checks:  # each failure's reproduction ends with its own check's failing request
        if check.failure is not None and check.failure.request:
            path = check.failure.request.split(" ")[1]  # METHOD PATH -> STATUS
            assert f"{url}{path}" in check.failure.reproduction[-1], (check.check.slug, check.failure.reproduction)
    ran = [check.check.slug for check in result.checks]
    assert ran == [slug for slug in CATALOGUE_ORDER if slug in ran] and len(ran) > 40
    results = json.loads(write_results(result, tmp_path / "results.json").read_text())
    assert [check["slug"] for check in results["checks"]] == ran
    junit = write_junit(result, tmp_path / "junit.xml").read_text()
    positions = [junit.index(f'name="{slug}: ') for slug in ran]
    assert positions == sorted(positions)
    report = stream.getvalue()
    progress = report[:report.index("Failures (")]
    told = [slug for slug in ran if f"  {slug}  " in progress]
    positions = [progress.index(f"  {slug}  ") for slug in told]
    assert positions == sorted(positions)
    assert len(told) > 40
    failures = report[report.index("Failures ("):]
    headings = [slug for slug in ran if f" {slug}: " in failures]
    assert headings == [check.check.slug for check in result.checks if check.status == FAILED]
    positions = [failures.index(f" {slug}: ") for slug in headings]
    assert positions == sorted(positions)


def test_ctrl_c_while_checks_run_at_once_ends_the_run_at_once_without_a_traceback() -> None:
    with counting_server(delay=5.0) as (url, handler):
        # faulthandler: a run that does not end shows where each of its threads is (SIGABRT below).
        process = subprocess.Popen([*CTRL_C_AS_IN_A_TERMINAL, sys.executable, "-X", "faulthandler", "-m",
                                    "timetension.cli", "check", "--url", url, "--wait", "5", "--level", "1",
                                    "--keep-going", "--no-color"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while handler.most_in_flight < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert handler.most_in_flight >= 2  # several checks are waiting for their answers
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        try:
            stdout, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            stdout, stderr = process.communicate(timeout=10)
            pytest.fail(f"the run went on for 10 s after Ctrl-C; its threads:\n{stdout}\n{stderr}")
    assert time.monotonic() - interrupted < 3
    assert process.returncode == 130, stdout + stderr
    assert "Interrupted." in stderr and "Traceback" not in stdout + stderr


def _sends_again_and_again(method: str, path: str) -> Check:
    def run(t: _tester.Tester) -> None:
        for _ in range(5):
            t.anonymous.request(method, path)
            time.sleep(0.01)

    return Check(slug=f"kit.{path.strip('/')}", level="L0", title=path, operations=(), anchor="x", why="", run=run)


def test_checks_running_at_once_each_record_only_their_own_requests() -> None:
    """What a check sent (its operations, its reproduction) is its own, not its neighbours'."""
    with counting_server() as (url, _):
        run = Run(url)
        try:
            health, projects = _sends_again_and_again("GET", "/health"), _sends_again_and_again("GET", "/projects")
            run._index.update({health.slug: 0, projects.slug: 1})  # checks of this test, not of the catalogue
            outcomes = dict(WorkerPool([health, projects], run.execute, jobs=2).finished())
        finally:
            run.close()
    assert outcomes[health].operations_seen == {"getHealth"}
    assert outcomes[projects].operations_seen == {"listProjects"}


def test_the_reference_passes_with_every_jobs_setting(reference_on_sqlite: str) -> None:
    for jobs in (1, 3, 16):
        result = run_suite(reference_on_sqlite, wait=20, jobs=jobs)
        assert [check.check.slug for check in result.checks if check.status != "passed"] == [], jobs
        assert result.level_reached == LEVEL_IDS[-1]


@pytest.mark.parametrize("name", ["timer-description-unbounded", "stop-when-idle-404", "overlap-at-boundary",
                                  "entries-newest-first", "report-utc-days", "lost-update"])
def test_a_broken_app_gets_the_same_verdicts_at_once_as_one_at_a_time(name: str, tmp_path: Path) -> None:
    app = find(name)
    level = next(check.level for check in all_checks() if check.slug == app.caught_by)
    with running(broken_app_command(name), env=app_env(f"sqlite:///{tmp_path}/broken.db"), log=tmp_path / "app.log",
                 port=free_port()) as server:
        verdicts = {jobs: [check.check.slug for check in run_suite(server.url, level=level, keep_going=True,
                                                                        wait=20, jobs=jobs).checks
                           if check.status == FAILED]
                    for jobs in (1, 8)}
    assert verdicts[1] == verdicts[8] and app.caught_by in verdicts[1]


def test_a_check_that_fails_only_beside_others_passes_alone_with_advice(tmp_path: Path) -> None:
    """SQLite with plain BEGIN answers 503 when requests meet: eight checks at a time meet often. Each
    such failure is tried again alone, passes, and says what happened beside the others."""
    with running(broken_app_command("timer-race"), env=app_env(f"sqlite:///{tmp_path}/busy.db"),
                 log=tmp_path / "app.log", port=free_port()) as server:
        result = run_suite(server.url, level="L3", wait=20, jobs=8)
    assert result.passed
    advised = [advice for check in result.checks for advice in check.advice]
    assert advised and all("passed when run again alone" in advice and "503" in advice for advice in advised)


def test_a_check_that_failed_with_nothing_beside_it_is_not_run_again(tmp_path: Path) -> None:
    """Alone, a second try would only repeat the first: `--only` one failing check sends what `--jobs 1`
    sends, and its reproduction names the first try's users."""
    with running(broken_app_command("patch-clears-description"), env=app_env(f"sqlite:///{tmp_path}/app.db"),
                 log=tmp_path / "app.log", port=free_port()) as server:
        runs = {jobs: run_suite(server.url, only=lambda check: check.slug == "projects.update-partial", wait=20,
                                jobs=jobs) for jobs in (1, 8)}
    assert runs[8].requests_sent == runs[1].requests_sent
    [failed] = [check for check in runs[8].checks if check.status == FAILED]
    assert not any("-again-" in line for line in failed.failure.reproduction), failed.failure.reproduction


def test_a_second_try_is_not_in_the_way_of_the_first(reference_on_sqlite: str) -> None:
    """A check tried again alone works on days and shared users of its own: the entries of its first try
    (here on fixed dates in 2026) must not refuse the second's."""
    run = Run(reference_on_sqlite)
    try:
        for slug in ("reports.dst-spring-forward", "entries.create", "projects.delete"):
            check = find_check(slug)
            assert [run.execute(check).status, run.execute(check, again=True).status] == [PASSED, PASSED], slug
    finally:
        run.close()


def test_the_pool_hands_back_every_outcome_in_the_order_they_finish() -> None:
    pool = WorkerPool([0.3, 0.0, 0.1], lambda seconds: time.sleep(seconds) or seconds, jobs=3)
    assert [item for item, _ in pool.finished()] == [0.0, 0.1, 0.3]


def test_the_pool_hands_back_what_the_work_raised() -> None:
    def work(item: int) -> int:
        if item == 2:
            raise ValueError("two")
        return item

    outcomes = dict(WorkerPool([1, 2, 3], work, jobs=2).finished())
    assert outcomes[1] == 1 and outcomes[3] == 3 and isinstance(outcomes[2], ValueError)


def test_a_stopped_pool_starts_nothing_new_and_says_what_never_started() -> None:
    started: list[int] = []
    pool = WorkerPool(range(10), lambda item: started.append(item) or time.sleep(0.05), jobs=2)
    never_started: list[int] | None = None
    for _ in pool.finished():
        if never_started is None:
            never_started = pool.stop()
    assert never_started is not None
    assert sorted(started + never_started) == list(range(10))
    assert len(started) <= 4 and never_started == sorted(never_started)


def test_a_held_pool_starts_nothing_until_released() -> None:
    started: list[int] = []
    pool = WorkerPool(range(4), lambda item: started.append(item) or time.sleep(0.05), jobs=1)
    outcomes = pool.finished()
    next(outcomes)
    pool.hold()
    time.sleep(0.1)  # the item that may have started just before is done
    held = len(started)
    time.sleep(0.2)
    assert len(started) == held <= 2
    pool.release()
    assert [item for item, _ in outcomes] == [item for item in range(4) if item != 0]


def test_a_pool_says_when_every_item_has_ended() -> None:
    go_on = threading.Event()
    pool = WorkerPool(range(3), lambda item: go_on.wait(5) and item, jobs=3)
    assert not pool.all_ended()
    go_on.set()
    outcomes = sorted(outcome for _, outcome in pool.finished())
    assert pool.all_ended() and outcomes == [0, 1, 2]
    assert WorkerPool([], lambda item: item, jobs=1).all_ended()
