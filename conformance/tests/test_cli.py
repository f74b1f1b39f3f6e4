"""The command line: help a newcomer can follow, clear usage errors, and the exit status contract."""

from __future__ import annotations

import subprocess
import sys

import pytest

from timetension.cli import main


def timetension(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "timetension.cli", *args], capture_output=True, text=True, timeout=60)


def test_help_shows_how_to_start() -> None:
    completed = timetension("--help")
    assert completed.returncode == 0
    assert "timetension check --url http://localhost:8080" in completed.stdout
    assert "levels" in completed.stdout


def test_levels_lists_every_level_with_its_checks() -> None:
    completed = timetension("levels")
    assert completed.returncode == 0
    for line in ("L0 Walking skeleton", "L1 Accounts", "L2 Projects", "L3 Time entries and the timer",
                 "[projects.duplicate-name-conflict]", "POST /timer/start"):
        assert line in completed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check"], "say which app to check: --url"),
        (["check", "--url", "localhost:8080"], "--url must start with http://"),
        (["check", "--url", "http://localhost:8080", "--level", "7"], "'7' is not a level"),
        (["check", "--url", "http://localhost:8080", "--timeout", "0"], "must be more than 0 seconds"),
    ],
)
def test_usage_mistakes_exit_2_with_the_fix(args: list[str], message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMETENSION_URL", raising=False)
    completed = timetension(*args)
    assert completed.returncode == 2
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: timetension" in capsys.readouterr().out


def test_passing_run_exits_0_and_level_filter_stops_at_the_level(reference_on_sqlite: str, tmp_path) -> None:
    completed = timetension("check", "--url", reference_on_sqlite, "--level", "1", "--no-color", "--report", str(tmp_path))
    assert completed.returncode == 0, completed.stdout
    assert "Level reached: L1 (requested L1)." in completed.stdout
    assert "L2 Projects" not in completed.stdout
    assert (tmp_path / "results.json").exists()


def test_url_from_the_environment(reference_on_sqlite: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "timetension.cli", "check", "--level", "0", "--no-color"],
        capture_output=True, text=True, timeout=60, env={**__import__("os").environ, "TIMETENSION_URL": reference_on_sqlite},
    )
    assert completed.returncode == 0, completed.stdout
    assert f"target {reference_on_sqlite}" in completed.stdout


def test_only_runs_the_named_checks(reference_on_sqlite: str) -> None:
    completed = timetension("check", "--url", reference_on_sqlite, "--only", "projects.", "--only", "health.",
                            "--no-color", "--level", "2")
    assert completed.returncode == 0, completed.stdout
    assert "projects.create" in completed.stdout and "accounts.register" not in completed.stdout
