"""Against servers that break HTTP itself, `timetension check` ends in bounded time, says what is wrong
in plain words with a hint, writes its reports, exits 1, and never shows a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_servers import html_error_pages, never_answers, refuses_connections

TIME_LIMIT = 30

CASES = {
    "refuses-connections": (refuses_connections, "the connection was refused", "Is the app running?"),
    "never-answers": (never_answers, "no complete answer within", "did not finish its answer"),
    "html-error-pages": (html_error_pages, "text/html", "The app answered with an HTML page"),
}


def run_check(url: str, report: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "timetension.cli", "check", "--url", url, "--wait", "2", "--timeout", "2",
         "--report", str(report), "--no-color"],
        capture_output=True, text=True, timeout=TIME_LIMIT + 30,
    )
    return completed, time.monotonic() - started


@pytest.mark.parametrize("name", CASES)
def test_a_hostile_server_gets_a_plain_verdict_in_bounded_time(name: str, tmp_path: Path) -> None:
    server, received, hint = CASES[name]
    with server() as url:
        completed, elapsed = run_check(url, tmp_path)
    output = completed.stdout + completed.stderr
    assert elapsed < TIME_LIMIT
    assert completed.returncode == 1, output
    assert "Traceback (most recent call last)" not in output
    assert received in output and hint in output, output
    assert "Level reached: none" in output
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["passed"] is False and results["level_reached"] is None
    assert (tmp_path / "junit.xml").read_text().count("<failure") >= 1
