"""The pytest plugin: `pytest --timetension-url URL` runs every check as a pytest test.

The URL comes from --timetension-url, else the TIMETENSION_URL environment variable, else the
`timetension_url` ini key. Without one the plugin adds nothing, so it is harmless when installed.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from . import __version__
from ._registry import LEVEL_IDS, Check, all_checks
from ._report_terminal import failure_heading, render_failure
from ._runner import DEFAULT_DOCS_URL, FAILED, CheckResult, Run
from ._tester import DEFAULT_CORS_ORIGIN
from .cli import CORS_ENV_VAR, DOCS_ENV_VAR, URL_ENV_VAR, level_id

_SESSION_KEY = pytest.StashKey["_SuiteSession"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("timetension", "Timetension conformance suite")
    group.addoption("--timetension-url", metavar="URL",
                    help=f"base URL of the app to check; also ${URL_ENV_VAR} or the ini key timetension_url")
    group.addoption("--timetension-level", metavar="LEVEL", default=LEVEL_IDS[-1],
                    help="highest level to check, e.g. 2 or L2 (default: all)")
    group.addoption("--timetension-timeout", type=float, default=10.0, metavar="SECONDS",
                    help="seconds one request may take (default: 10)")
    group.addoption("--timetension-wait", type=float, default=15.0, metavar="SECONDS",
                    help="seconds to wait for GET /health before giving up (default: 15)")
    group.addoption("--timetension-keep-going", action="store_true",
                    help="run higher levels even when a lower one fails")
    parser.addini("timetension_url", "base URL of the app the Timetension suite checks")


def target_url(config: pytest.Config) -> str | None:
    return config.getoption("timetension_url") or os.environ.get(URL_ENV_VAR) or config.getini("timetension_url") or None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "timetension(level): a check of the Timetension conformance suite")


def pytest_report_header(config: pytest.Config) -> list[str]:
    url = target_url(config)
    if not url:
        return []
    return [f"timetension {__version__}: target {url}, levels L0-{_requested_level(config)}"]


def _requested_level(config: pytest.Config) -> str:
    try:
        return level_id(str(config.getoption("timetension_level")))
    except Exception:
        raise pytest.UsageError(f"--timetension-level: choose one of {', '.join(LEVEL_IDS)}") from None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    url = target_url(config)
    if not url:
        return
    requested = LEVEL_IDS.index(_requested_level(config))
    suite = SuiteNode.from_parent(session, name="timetension")
    for check in all_checks():
        if LEVEL_IDS.index(check.level) <= requested:
            items.append(CheckItem.from_parent(suite, name=f"{check.level}::{check.slug}", check=check))
    config.stash[_SESSION_KEY] = _SuiteSession(config, url)


def pytest_sessionfinish(session: pytest.Session) -> None:
    suite_session = session.config.stash.get(_SESSION_KEY, None)
    if suite_session is not None:
        suite_session.close()


@pytest.fixture(scope="session")
def timetension_url(request: pytest.FixtureRequest) -> str:
    """The app's base URL, once GET /health answers (fails with the reason when it never does)."""
    url = target_url(request.config)
    if not url:
        pytest.fail(f"No Timetension app to test: pass --timetension-url URL or set {URL_ENV_VAR}.")
    run = Run(url)
    try:
        problem = run.wait_until_healthy(request.config.getoption("timetension_wait"))
    finally:
        run.close()
    if problem is not None:
        pytest.fail(render_failure(problem, heading=f"The app at {url} could not be reached"), pytrace=False)
    return url


class SuiteNode(pytest.Collector):
    """The parent of the checks in the test tree (they are not collected from files)."""

    def collect(self) -> list[pytest.Item]:
        return []


class _SuiteSession:
    """The run shared by the check items of one pytest session, with the level gate."""

    def __init__(self, config: pytest.Config, url: str) -> None:
        self.run = Run(url, timeout=config.getoption("timetension_timeout"),
                       docs_url=os.environ.get(DOCS_ENV_VAR, DEFAULT_DOCS_URL),
                       cors_origin=os.environ.get(CORS_ENV_VAR, DEFAULT_CORS_ORIGIN))
        self.wait = config.getoption("timetension_wait")
        self.keep_going = config.getoption("timetension_keep_going")
        self.waited = False
        self.unreachable: str | None = None
        self.failed_levels: set[str] = set()
        self.prepared_levels: dict[str, dict[str, CheckResult]] = {}

    def close(self) -> None:
        self.run.close()

    def blocked_reason(self, check: Check) -> str | None:
        if self.unreachable:
            return "the app could not be reached"
        if self.keep_going:
            return None
        lower = [level for level in LEVEL_IDS[: LEVEL_IDS.index(check.level)] if level in self.failed_levels]
        return f"{lower[0]} must pass first (--timetension-keep-going runs it anyway)" if lower else None

    def execute(self, item: CheckItem) -> CheckResult:
        check = item.check
        if check.level not in self.prepared_levels:
            level_items = [i for i in item.session.items if isinstance(i, CheckItem) and i.check.level == check.level]
            failures = {}
            for other in level_items:
                failed = self.run.prepare(other.check)
                if failed is not None:
                    failures[other.check.slug] = failed
            self.prepared_levels[check.level] = failures
        result = self.prepared_levels[check.level].get(check.slug) or self.run.execute(check)
        if result.status == FAILED:
            self.failed_levels.add(check.level)
        return result


class CheckFailedInApp(Exception):
    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.check.slug)
        self.result = result


class CheckItem(pytest.Item):
    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.add_marker(pytest.mark.timetension(level=check.level))

    def runtest(self) -> None:
        suite_session: _SuiteSession = self.config.stash[_SESSION_KEY]
        if not suite_session.waited:
            suite_session.waited = True
            problem = suite_session.run.wait_until_healthy(suite_session.wait)
            if problem is not None:
                suite_session.unreachable = render_failure(problem, heading="The app could not be reached")
                pytest.fail(suite_session.unreachable, pytrace=False)
        reason = suite_session.blocked_reason(self.check)
        if reason:
            pytest.skip(reason)
        result = suite_session.execute(self)
        if result.status == FAILED:
            raise CheckFailedInApp(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CheckFailedInApp):
            result = excinfo.value.result
            assert result.failure is not None
            return render_failure(result.failure, heading=failure_heading(result), docs_url=result.docs_url)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.check.level} {self.check.slug}: {self.check.title}"
