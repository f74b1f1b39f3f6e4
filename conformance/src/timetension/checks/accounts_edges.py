"""Level 1 at the edges of its rules: bounds in code points, JSON types, NUL, media types, Unicode case."""

from __future__ import annotations

from .._expect import Reply
from .._registry import check
from .._tester import PASSWORD, Tester
from ._common import MEDIA_TYPE_WHY, expect_field_errors
from ._edges import CODE_POINTS_WHY, EMOJI, TRICKY_TEXT, refuse_non_objects, refuse_nul, refuse_other_types
from .accounts import PASSWORD_WHY, UNIQUE_EMAIL_WHY

EMPTY_BODY_WHY = (
    "an operation that needs a body and gets zero bytes is 400 (not JSON) or 422 (the body is missing): "
    "never a 2xx, never a 500."
)
EMAIL_MAX = 254


def expect_empty_body_refused(t: Tester, reply: Reply) -> None:
    """400 or 422, either is right; the answer is still a problem documented for that status."""
    t.ensure(reply.status in (400, 422), expected="400 or 422 for an empty body", received=f"{reply.status}",
             reply=reply, why=EMPTY_BODY_WHY)
    reply.expect(reply.status, why=EMPTY_BODY_WHY)


@check(
    "accounts.password-length-in-code-points",
    level="L1",
    rules=("text.code-points", "accounts.password-length"),
    title="a password of 10 or 128 emoji is accepted; 9 or 129 emoji is 422",
    operations=["registerUser"],
    anchor="password-rules",
    why=PASSWORD_WHY + " " + CODE_POINTS_WHY,
)
def password_code_points(t: Tester) -> None:
    why = PASSWORD_WHY + " " + CODE_POINTS_WHY
    for count in (9, 129):
        reply = t.anonymous.post("/users", json={"email": t.unique_email("pw-cp"), "password": EMOJI * count})
        expect_field_errors(t, reply, ["password"], why=why + f" This password was {count} emoji.")
    for count in (10, 128):
        reply = t.anonymous.post("/users", json={"email": t.unique_email("pw-cp"), "password": EMOJI * count})
        reply.expect(201, why=why + f" This password was {count} emoji.")


@check(
    "accounts.email-length",
    level="L1",
    rules=("body.schema-422", "text.code-points"),
    title=f"an email of {EMAIL_MAX} characters is accepted; {EMAIL_MAX + 1} is 422",
    operations=["registerUser"],
    anchor="email-rules",
    why=f"an email is at most {EMAIL_MAX} characters (code points), the longest address mail can deliver to.",
)
def email_length(t: Tester) -> None:
    def email_of(length: int) -> str:
        local, _, domain = t.unique_email("long").partition("@")
        return local + EMOJI * (length - len(local) - len(domain) - 1) + "@" + domain

    reply = t.anonymous.post("/users", json={"email": email_of(EMAIL_MAX + 1), "password": PASSWORD})
    expect_field_errors(t, reply, ["email"], why=t.check.why + f" This one was {EMAIL_MAX + 1}.")
    longest = email_of(EMAIL_MAX)
    reply = t.anonymous.post("/users", json={"email": longest, "password": PASSWORD})
    account = reply.expect(201, why=t.check.why + " " + CODE_POINTS_WHY)
    t.ensure_equal(account.get("email"), longest, what="email", reply=reply, why="the email is kept as registered")


@check(
    "accounts.email-case-unicode",
    level="L1",
    rules=("text.case-unicode", "accounts.email-unique", "accounts.sign-in-ignores-case"),
    title="emails match ignoring case beyond ASCII: Émile and émile are one account",
    operations=["registerUser", "createToken"],
    anchor="unique-emails",
    why=UNIQUE_EMAIL_WHY + " Ignoring case means Unicode case, not only A to Z.",
)
def email_case_unicode(t: Tester) -> None:
    email = t.unique_email("Émile")
    t.register(email)
    t.anonymous.post("/users", json={"email": email.lower(), "password": PASSWORD}).expect_problem(409, why=t.check.why)
    t.anonymous.post("/auth/token", json={"email": email.lower(), "password": PASSWORD}).expect(200, why=t.check.why)


@check(
    "accounts.types-not-coerced",
    level="L1",
    rules=("body.no-coercion", "errors.field-names"),
    title='a member of another JSON type is 422 naming it: "password": 12345678901, "expires_in": "60"',
    operations=["registerUser", "createToken"],
    anchor="field-errors",
    why="each member has one JSON type; another type is 422 on that member, never converted.",
)
def types_not_coerced(t: Tester) -> None:
    refuse_other_types(t, t.anonymous, "POST", "/users", {"email": t.unique_email("types"), "password": PASSWORD}, {
        "email": [42, True, None],
        "password": [12345678901, True, None, ["correct horse battery"]],
    })
    alice = t.shared_user("alice")
    refuse_other_types(t, t.anonymous, "POST", "/auth/token", {"email": alice.email, "password": PASSWORD}, {
        "expires_in": ["60", True, None, [60]],
        "email": [{"address": alice.email}],
        "password": [12345678901],
    })
    for path in ("/users", "/auth/token"):
        refuse_non_objects(t, t.anonymous, "POST", path)


@check(
    "accounts.nul-refused",
    level="L1",
    rules=("text.no-nul",),
    title="an email or a password holding NUL (U+0000) is 422 naming it",
    operations=["registerUser", "createToken"],
    anchor="password-rules",
    why="text may hold any character but NUL, which is 422; a password is text too.",
)
def nul_refused(t: Tester) -> None:
    local, _, domain = t.unique_email("nul").partition("@")
    refuse_nul(t, t.anonymous, "POST", "/users", [
        ("email", {"email": f"{local}\x00x@{domain}", "password": PASSWORD}),
        ("password", {"email": f"{local}@{domain}", "password": "correct horse\x00battery"}),
    ])
    alice = t.shared_user("alice")
    refuse_nul(t, t.anonymous, "POST", "/auth/token", [
        ("email", {"email": alice.email + "\x00", "password": PASSWORD}),
        ("password", {"email": alice.email, "password": PASSWORD + "\x00"}),
    ])


@check(
    "accounts.password-kept-exactly",
    level="L1",
    rules=("text.kept-exactly",),
    title="a password with control characters and emoji signs in as given, and not without them",
    operations=["registerUser", "createToken"],
    anchor="password-rules",
    why="a password may hold any character but NUL; it is hashed exactly as given, nothing dropped or normalised.",
)
def password_kept_exactly(t: Tester) -> None:
    email = t.unique_email("tricky-password")
    t.register(email, password=TRICKY_TEXT)
    t.anonymous.post("/auth/token", json={"email": email, "password": TRICKY_TEXT}).expect(200, why=t.check.why)
    printable = "".join(c for c in TRICKY_TEXT if c.isprintable())
    t.anonymous.post("/auth/token", json={"email": email, "password": printable}).expect(
        401, why=t.check.why + " The same password without its control characters is another password.")


@check(
    "accounts.media-type-edges",
    level="L1",
    rules=("body.media-type-ignores-case", "body.media-type-415", "body.empty-400-or-422"),
    title="Application/JSON; Charset=UTF-8 is JSON; no Content-Type, or a +json type, is 415; an empty body is 400 or 422",
    operations=["registerUser", "createToken"],
    anchor="media-type",
    why="media types are compared ignoring case and parameters; only application/json is JSON here.",
)
def media_type_edges(t: Tester) -> None:
    body = f'{{"email": "{t.unique_email("media-case")}", "password": "{PASSWORD}"}}'
    t.anonymous.post("/users", content=body, headers={"Content-Type": "Application/JSON; Charset=UTF-8"}).expect(
        201, why="a media type is case-insensitive (RFC 9110): Application/JSON is application/json.")
    alice = t.shared_user("alice")
    sign_in = f'{{"email": "{alice.email}", "password": "{PASSWORD}"}}'
    for path in ("/users", "/auth/token"):
        t.anonymous.post(path, content=sign_in).expect(
            415, why=MEDIA_TYPE_WHY + " A body with no Content-Type at all is 415 too, not guessed to be JSON.")
    for media_type in ("application/merge-patch+json", "application/problem+json"):
        t.anonymous.post("/auth/token", content=sign_in, headers={"Content-Type": media_type}).expect(
            415, why=MEDIA_TYPE_WHY + f" {media_type} is another media type, though it is JSON underneath.")
    for path in ("/users", "/auth/token"):
        expect_empty_body_refused(t, t.anonymous.post(path, content=b"", headers={"Content-Type": "application/json"}))


@check(
    "accounts.token-lifetime-bounds",
    level="L1",
    rules=("accounts.expires-in-bounds",),
    title="expires_in of 86400, the longest allowed, gives a token that works",
    operations=["createToken", "getCurrentUser"],
    anchor="tokens",
    why="expires_in may be anything from 1 to 86400 seconds, both included.",
)
def token_lifetime_bounds(t: Tester) -> None:
    alice = t.shared_user("alice")
    reply = t.anonymous.post("/auth/token", json={"email": alice.email, "password": PASSWORD, "expires_in": 86400})
    issued = reply.expect(200, why=t.check.why)
    lifetime = issued.get("expires_in")
    t.ensure(isinstance(lifetime, int) and 1 <= lifetime <= 86400, expected="expires_in from 1 to 86400",
             received=f"expires_in {lifetime}", reply=reply,
             why="the token lives no longer than asked for (round down, never up).")
    t.anonymous.get("/users/me", headers={"Authorization": f"Bearer {issued['access_token']}"}).expect(200)
