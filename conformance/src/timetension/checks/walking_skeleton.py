"""Level 0, the walking skeleton: the app is up, reaches its database, and speaks problem+json."""

from __future__ import annotations

from .._expect import describe_answer
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


WRONG_METHOD_WHY = (
    "a method the path does not have is 404 or 405 (405 with Allow is the more helpful), and like every "
    "error it is a problem: frameworks answer their own text or HTML page until told otherwise."
)


@check(
    "errors.wrong-method",
    level="L0",
    rules=("errors.wrong-method", "errors.problem-json"),
    title="a method /health does not have answers 404 or 405 as application/problem+json",
    operations=[],
    anchor="unknown-paths",
    why=WRONG_METHOD_WHY,
)
def wrong_method(t: Tester) -> None:
    for method in ("POST", "DELETE"):
        reply = t.anonymous.request(method, "/health", json={})
        t.ensure(reply.status in (404, 405), expected=f"404 or 405 with a problem body for {method} /health",
                 received=describe_answer(reply.exchange), reply=reply, why=WRONG_METHOD_WHY)
        reply.expect_problem(reply.status, why=WRONG_METHOD_WHY)
