"""`timetension bench`: figures against the reference on every workload, and failures counted when the
answers are wrong."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import app_env
from servers import broken_app_command, free_port, running

from timetension._speed import wrk_available
from timetension.cli import main

pytestmark = pytest.mark.slow
ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$", re.M)


@pytest.fixture(scope="module", autouse=True)
def _wrk() -> None:
    if not wrk_available():
        message = "wrk is missing: run `make system-deps` (apt-get install wrk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _rows(output: str) -> list[tuple[str, ...]]:
    return ROW.findall(output)


def test_bench_against_the_reference(reference_on_sqlite: str, capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    code = main(["bench", reference_on_sqlite, "--duration", "2", "--concurrency", "1,4",
                 "--json", str(tmp_path / "bench.json")])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "req/s" in output and "p50 ms" in output and "p95 ms" in output and "p99 ms" in output
    rows = _rows(output)
    assert [row[0] for row in rows] == ["1", "4"]
    for users, requests, rps, p50, p95, p99, failures in rows:
        assert int(requests) > 10 and float(rps) > 5
        assert float(p50) <= float(p95) <= float(p99)
        assert failures == "0"


def test_wrong_answers_under_load_are_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # duration_seconds is null on finished entries: every POST /time-entries answer has the wrong shape.
    with running(broken_app_command("duration-missing"), env=app_env(f"sqlite:///{tmp_path}/app.db"),
                 log=tmp_path / "app.log", port=free_port()) as app:
        code = main(["bench", app.url, "--duration", "2", "--concurrency", "2"])
    output = capsys.readouterr().out
    assert code == 1
    (row,) = _rows(output)
    assert int(row[6]) > 0
    assert 'POST /time-entries: no "duration_seconds": 30 in the created entry' in output


def test_an_app_below_level_4_is_told_so(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", f"http://127.0.0.1:{free_port()}", "--duration", "1", "--concurrency", "1"])
    assert code != 0
    assert "timetension bench:" in capsys.readouterr().err


@pytest.mark.parametrize("workload", ["health", "L1", "L2", "L3", "L4"])
def test_every_workload_runs_clean_against_the_reference(reference_on_sqlite: str, workload: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", reference_on_sqlite, "--workload", workload, "--duration", "1", "--concurrency", "2"])
    output = capsys.readouterr().out
    assert code == 0, output
    (row,) = _rows(output)
    assert int(row[1]) > 0 and row[6] == "0"


def test_a_wrong_listing_is_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Every listed entry lacks an integer duration_seconds: the L3 listing check counts 0 of 20.
    with running(broken_app_command("duration-missing"), env=app_env(f"sqlite:///{tmp_path}/app.db"),
                 log=tmp_path / "app.log", port=free_port()) as app:
        code = main(["bench", app.url, "--workload", "L3", "--duration", "1", "--concurrency", "1"])
    output = capsys.readouterr().out
    assert code == 1
    assert 'GET /time-entries: "duration_seconds": 1500 listed 0 times, expected 20' in output
