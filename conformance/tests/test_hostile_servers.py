"""Against servers that break HTTP itself, `timetension check` ends in bounded time, says what is wrong
in plain words with a hint, writes its reports, exits 1, and never shows a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from broken_apps.catalogue import DIES_HALF_WAY
from conftest import app_env
from hostile_servers import (
    answers_100_mb,
    byte_a_second,
    closes_mid_body,
    html_error_pages,
    never_answers,
    one_answer_per_connection,
    redirects_in_a_loop,
    refuses_connections,
    speaks_garbage,
)
from servers import broken_app_command, free_port, running

TIME_LIMIT = 30
NOTHING_PASSED = "Level reached: none"

CASES = {
    "refuses-connections": (refuses_connections, ["the connection was refused", "Is the app running?", NOTHING_PASSED]),
    "never-answers": (never_answers, ["no complete answer within", "did not finish its answer", NOTHING_PASSED]),
    "byte-a-second": (byte_a_second, ["no complete answer within", "did not finish its answer", NOTHING_PASSED]),
    "closes-mid-body": (closes_mid_body, ["the connection closed early", "Did it crash mid-request", NOTHING_PASSED]),
    "speaks-garbage": (speaks_garbage, ["not valid HTTP", "another protocol", NOTHING_PASSED]),
    "answers-100-mb": (answers_100_mb, ["larger than 1024 KiB", "A huge body", NOTHING_PASSED]),
    "redirects-in-a-loop": (redirects_in_a_loop, ["Received: 302", "redirect to /health", NOTHING_PASSED]),
    "html-error-pages": (html_error_pages, ["text/html", "The app answered with an HTML page", NOTHING_PASSED]),
}


def run_check(url: str, report: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "timetension.cli", "check", "--url", url, "--wait", "2", "--timeout", "2",
         "--report", str(report), "--no-color"],
        capture_output=True, text=True, timeout=TIME_LIMIT + 30,
    )
    return completed, time.monotonic() - started


def _assert_plain_verdict(completed: subprocess.CompletedProcess[str], elapsed: float, report: Path,
                          expected: list[str]) -> None:
    output = completed.stdout + completed.stderr
    assert elapsed < TIME_LIMIT
    assert completed.returncode == 1, output
    assert "Traceback (most recent call last)" not in output
    for text in expected:
        assert text in output, f"{text!r} is not in:\n{output}"
    results = json.loads((report / "results.json").read_text())
    assert results["passed"] is False
    assert (report / "junit.xml").read_text().count("<failure") >= 1


@pytest.mark.parametrize("name", CASES)
def test_a_hostile_server_gets_a_plain_verdict_in_bounded_time(name: str, tmp_path: Path) -> None:
    server, expected = CASES[name]
    with server() as url:
        completed, elapsed = run_check(url, tmp_path)
    _assert_plain_verdict(completed, elapsed, tmp_path, expected)


def test_an_app_that_dies_half_way_ends_the_run_early(tmp_path: Path) -> None:
    env = app_env(f"sqlite:///{tmp_path}/dies.db")
    with running(broken_app_command(DIES_HALF_WAY.name), env=env, log=tmp_path / "app.log", port=free_port()) as app:
        completed, elapsed = run_check(app.url, tmp_path)
    _assert_plain_verdict(completed, elapsed, tmp_path, [
        "the connection", "not run: the app stopped answering during the run", "Level reached: L0"])


def test_a_request_on_a_connection_the_server_closed_is_sent_again_on_a_new_one(tmp_path: Path) -> None:
    with one_answer_per_connection() as url:
        completed = subprocess.run(
            [sys.executable, "-m", "timetension.cli", "check", "--url", url, "--level", "0", "--wait", "2",
             "--timeout", "2", "--no-color"], capture_output=True, text=True, timeout=TIME_LIMIT)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Level reached: L0" in completed.stdout
