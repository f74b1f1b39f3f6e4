"""The catalogue of broken apps is sound. `make mutants` (scripts/mutants.py) runs the suite against each."""

from __future__ import annotations

from pathlib import Path

import pytest
from broken_apps.catalogue import ALLOWED_VARIANTS, CATALOGUE, DIES_HALF_WAY, KNOWN_GAPS, BrokenApp, find
from conftest import app_env
from servers import broken_app_command, free_port, running

from timetension import all_checks, default_spec, run_suite
from timetension._fuzz import fuzz_check

SLUGS = {check.slug: check for check in all_checks()}
FUZZ_SLUGS = {fuzz_check(operation).slug for operation in default_spec().operations}


def test_every_broken_app_names_a_real_check() -> None:
    assert [app.caught_by for app in CATALOGUE if app.caught_by not in SLUGS.keys() | FUZZ_SLUGS] == []
    names = [app.name for app in CATALOGUE]
    assert len(names) == len(set(names))


def test_known_gaps_are_in_the_catalogue_and_say_why() -> None:
    names = {app.name for app in CATALOGUE}
    for name, reason in KNOWN_GAPS.items():
        assert name in names and len(reason) > 20, name


def test_every_level_and_the_fuzz_stage_have_broken_apps() -> None:
    levels = {SLUGS[app.caught_by].level if app.caught_by in SLUGS else "fuzz" for app in CATALOGUE}
    assert levels == {check.level for check in all_checks()} | {"fuzz"}


def test_the_catalogue_holds_at_least_forty() -> None:
    assert len(CATALOGUE) >= 40
    assert find(DIES_HALF_WAY.name) is DIES_HALF_WAY


@pytest.mark.parametrize("variant", ALLOWED_VARIANTS, ids=lambda app: app.name)
def test_an_answer_the_spec_allows_passes_every_check(variant: BrokenApp, tmp_path: Path) -> None:
    """The other side of a broken app: the reference answering another way the spec allows fails nothing."""
    env = app_env(f"sqlite:///{tmp_path}/variant.db")
    with running(broken_app_command(variant.name), env=env, log=tmp_path / "app.log", port=free_port()) as server:
        result = run_suite(server.url, wait=20)
    assert [check.check.slug for check in result.checks if check.failure] == []
    assert result.passed


def test_a_refused_timer_start_that_runs_anyway_fails_only_the_check_that_sent_it(tmp_path: Path) -> None:
    """The timer it leaves running must not fail the next check with a wrong reason (one running entry
    per user): one at a time, in catalogue order, as a participant's run goes."""
    app = find("timer-description-unbounded")
    env = app_env(f"sqlite:///{tmp_path}/leak.db")
    with running(broken_app_command(app.name), env=env, log=tmp_path / "app.log", port=free_port()) as server:
        result = run_suite(server.url, level="L3", keep_going=True, wait=20, jobs=1)
    failed = [check.check.slug for check in result.checks if check.failure]
    # The unbounded description fails the checks of descriptions' lengths too; none of the timer's others.
    assert app.caught_by in failed
    assert [slug for slug in failed if slug.startswith("timer.")] == [app.caught_by]
