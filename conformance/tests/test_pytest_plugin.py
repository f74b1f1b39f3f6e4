"""`pytest --timetension-url URL` runs the checks as pytest tests, with the same failure messages."""

from __future__ import annotations

import pytest
from hostile_servers import html_error_pages

from timetension import all_checks


def checks_up_to(level: str) -> int:
    return sum(1 for check in all_checks() if check.level <= level)


def test_every_check_passes_against_the_reference(pytester: pytest.Pytester, reference_on_sqlite: str) -> None:
    result = pytester.runpytest_subprocess("--timetension-url", reference_on_sqlite, "--timetension-level", "1", "-v")
    result.assert_outcomes(passed=checks_up_to("L1"))
    result.stdout.fnmatch_lines([
        f"timetension *: target {reference_on_sqlite}, levels L0-L1",
        "*timetension::L1::accounts.expired-token PASSED*",
    ])


def test_the_url_can_come_from_the_environment_or_the_ini_file(pytester: pytest.Pytester, reference_on_sqlite: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMETENSION_URL", reference_on_sqlite)
    pytester.runpytest_subprocess("--timetension-level", "0").assert_outcomes(passed=checks_up_to("L0"))
    monkeypatch.delenv("TIMETENSION_URL")
    pytester.makeini(f"[pytest]\ntimetension_url = {reference_on_sqlite}\n")
    pytester.runpytest_subprocess("--timetension-level", "0").assert_outcomes(passed=checks_up_to("L0"))


def test_without_a_url_the_plugin_adds_nothing(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMETENSION_URL", raising=False)
    pytester.makepyfile("def test_own(): pass")
    pytester.runpytest_subprocess().assert_outcomes(passed=1)


def test_a_failure_reads_like_the_cli_and_higher_levels_are_skipped(pytester: pytest.Pytester) -> None:
    with html_error_pages() as url:
        result = pytester.runpytest_subprocess("--timetension-url", url, "--timetension-level", "1",
                                               "--timetension-wait", "1", "--timetension-timeout", "2")
    result.assert_outcomes(failed=checks_up_to("L0"), skipped=checks_up_to("L1") - checks_up_to("L0"))
    result.stdout.fnmatch_lines([
        "*L0 health.ok: GET /health answers 200*",
        "*Expected: 200 application/json",
        "*Received: 500 text/html*",
        "*Hint: The app answered with an HTML page*",
        "*Reproduce: curl -sS -i http://127.0.0.1:*/health*",
    ])
    assert "Traceback (most recent call last)" not in result.stdout.str()


def test_an_unreachable_app_fails_once_and_skips_the_rest(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--timetension-url", "http://127.0.0.1:9", "--timetension-level", "0",
                                           "--timetension-wait", "1")
    result.assert_outcomes(failed=1, skipped=checks_up_to("L0") - 1)
    result.stdout.fnmatch_lines(["*The app could not be reached*", "*Is the app running?*"])
