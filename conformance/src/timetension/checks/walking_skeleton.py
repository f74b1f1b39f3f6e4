"""Level 0, the walking skeleton: the app is up, reaches its database, and speaks problem+json."""

from __future__ import annotations

from .._registry import check
from .._tester import Tester


@check(
    "health.ok",
    level="L0",
    rules=("health.database-reached",),
    title='GET /health answers 200 {"status": "ok"}',
    operations=["getHealth"],
    anchor="health",
    why="compose, orchestrators and this suite wait on /health before sending traffic to the app.",
)
def health_ok(t: Tester) -> None:
    t.anonymous.get("/health").expect(200)


@check(
    "errors.unknown-path-404",
    level="L0",
    rules=("errors.problem-json", "errors.unknown-path-404"),
    title="a path the API does not have answers 404 as application/problem+json",
    operations=[],
    anchor="unknown-paths",
    why=(
        "every error, including the framework's own, is an RFC 9457 problem, so clients handle errors one "
        "way; frameworks answer their default HTML or text page until told otherwise."
    ),
)
def unknown_path(t: Tester) -> None:
    t.anonymous.get(f"/{t.unique('no-such-path')}").expect_problem(404)
    t.anonymous.get(f"/projects/{t.unique('x')}/no-such-thing").expect_problem(404)
