"""Each broken app breaks one rule; the suite must fail it, and name the check written for that rule."""

from __future__ import annotations

import pytest
from broken_apps.catalogue import CATALOGUE, BrokenApp
from conftest import app_env
from servers import broken_app_command, free_port, running

from timetension import all_checks, run_suite
from timetension._runner import FAILED

SLUGS = {check.slug: check for check in all_checks()}


def test_every_broken_app_names_a_real_check() -> None:
    assert [app.caught_by for app in CATALOGUE if app.caught_by not in SLUGS] == []
    names = [app.name for app in CATALOGUE]
    assert len(names) == len(set(names))


@pytest.mark.slow
@pytest.mark.parametrize("broken", CATALOGUE, ids=lambda app: app.name)
def test_the_suite_catches_the_broken_rule(broken: BrokenApp, tmp_path) -> None:
    env = app_env(f"sqlite:///{tmp_path}/broken.db")
    with running(broken_app_command(broken.name), env=env, log=tmp_path / "server.log", port=free_port()) as app:
        result = run_suite(app.url, level=SLUGS[broken.caught_by].level, keep_going=True, wait=20)
    failed = {check.check.slug: check for check in result.checks if check.status == FAILED}
    assert broken.caught_by in failed, (
        f"{broken.name} ({broken.breaks}) was not caught by {broken.caught_by}; "
        f"failed instead: {sorted(failed) or 'nothing'}"
    )
    failure = failed[broken.caught_by].failure
    assert failure is not None and failure.expected and failure.received and failure.reproduction
