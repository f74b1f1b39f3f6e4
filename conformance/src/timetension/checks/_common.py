"""Recipes that several levels share: bodies that are not JSON, other media types, missing tokens."""

from __future__ import annotations

from .._expect import Reply, as_json
from .._tester import Requester, Tester

MALFORMED_JSON_WHY = (
    "a client that sends broken JSON must learn that the syntax is wrong (400), not that a field is "
    "missing (422) and never a crash (500)."
)
MEDIA_TYPE_WHY = (
    "the API reads JSON only; a body in another media type is refused with 415 so the client knows to "
    "send Content-Type: application/json."
)
TOKEN_REQUIRED_WHY = (
    "every operation on a user's data needs a valid bearer token. 401 with `WWW-Authenticate: Bearer` "
    "tells the client how to authenticate; the token is checked before anything is looked up."
)

FIELD_ERRORS_WHY = (
    "a 422 lists every field that is wrong, each with a message, so a form can show all of them at once "
    "instead of one per round trip."
)

Target = tuple[str, str]


def expect_field_errors(t: Tester, reply: Reply, fields: list[str], why: str | None = None) -> None:
    """422 whose errors name at least these fields. Without a why, the check's own reason is given."""
    problem = reply.expect(422, why=why)
    named = [error.get("field") for error in problem.get("errors", []) if isinstance(error, dict)]
    missing = [name for name in fields if name not in named]
    t.ensure(
        not missing,
        expected=f"422 whose errors name the field(s) {', '.join(fields)}",
        received=f"errors name {', '.join(map(as_json, named)) or 'no field'}",
        reply=reply,
        why=why or t.check.why,
    )


def expect_unauthorized(t: Tester, reply: Reply, why: str = TOKEN_REQUIRED_WHY) -> None:
    reply.expect(401, why=why)
    challenge = reply.header("WWW-Authenticate") or ""
    t.ensure(
        challenge.lower().startswith("bearer"),
        expected="401 with a header WWW-Authenticate: Bearer ...",
        received=f"WWW-Authenticate: {challenge}" if challenge else "no WWW-Authenticate header",
        reply=reply,
        why="RFC 6750 asks a 401 to name the scheme the client must use, so generic clients know what to do.",
    )


def reject_malformed_json(caller: Requester, targets: list[Target]) -> None:
    for method, path in targets:
        caller.request(
            method, path, content='{"name": "unterminated', headers={"Content-Type": "application/json"}
        ).expect(400, why=MALFORMED_JSON_WHY)


def reject_other_media_types(caller: Requester, targets: list[Target], body: str) -> None:
    for method, path in targets:
        caller.request(method, path, content=body, headers={"Content-Type": "text/plain"}).expect(
            415, why=MEDIA_TYPE_WHY
        )


def require_token(t: Tester, targets: list[Target], body: dict | None = None) -> None:
    """Each target without a token, with a token that is not one, and with another scheme."""
    for method, path in targets:
        send = {"json": body} if body is not None and method in ("POST", "PATCH") else {}
        expect_unauthorized(t, t.anonymous.request(method, path, **send))
    method, path = targets[0]
    send = {"json": body} if body is not None and method in ("POST", "PATCH") else {}
    for header in ("Bearer not-a-token", "Basic dGltZTp0ZW5zaW9u"):
        expect_unauthorized(t, t.anonymous.request(method, path, headers={"Authorization": header}, **send))
