"""Fixtures of the kit's own tests: the reference on SQLite and PostgreSQL, and a run against each."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NoReturn

import pytest
from postgres import Cluster, find_bin_dir
from servers import free_port, reference_command, running

from timetension import RunResult, run_suite

pytest_plugins = ["pytester"]

# A zone far from UTC for the apps under test, so local time passed off as UTC shows up.
APP_TIME_ZONE = "Asia/Kolkata"
FUZZ_BUDGET = 30


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: starts many servers or fuzzes; left out by `make test-fast`")
    config.addinivalue_line("markers", "postgres: needs PostgreSQL's server binaries")
    config.addinivalue_line("markers", "containers: needs a Docker engine; run by `make test-containers`")


def missing_tool(message: str, *, ci_must: str) -> NoReturn:
    """A tool a test needs is absent: a skip on a laptop, saying what is missing; a failure in CI, which
    installs every tool and must run every test."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must {ci_must}.")
    pytest.skip(message)


def app_env(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "TZ": APP_TIME_ZONE, "SECRET_KEY": "kit-tests-only"}


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        missing_tool("PostgreSQL's server binaries (pg_ctl) are missing: run `make system-deps`",
                     ci_must="run every PostgreSQL test")
    cluster = Cluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def reference_on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("reference-sqlite")
    env = app_env(f"sqlite:///{folder}/timetension.db")
    with running(reference_command(), env=env, log=folder / "server.log", port=free_port()) as app:
        yield app.url


@pytest.fixture(scope="session")
def reference_on_postgres(postgres_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("reference-postgres")
    env = app_env(postgres_cluster.create_database("reference"))
    with running(reference_command(), env=env, log=folder / "server.log", port=free_port()) as app:
        yield app.url


@pytest.fixture(scope="session")
def reference_result(reference_on_sqlite: str) -> RunResult:
    """One full run, fuzz stage included, against the reference on SQLite, shared by the tests that read it."""
    return run_suite(reference_on_sqlite, wait=20, fuzz=True, fuzz_budget=FUZZ_BUDGET)
