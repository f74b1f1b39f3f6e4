"""Level 1, accounts: registration, bearer tokens that expire, and the current user."""

from __future__ import annotations

import json
import time

from .._registry import check
from .._expect import as_json
from .._tester import PASSWORD, Tester
from ._common import (
    MALFORMED_JSON_WHY,
    FIELD_ERRORS_WHY,
    MEDIA_TYPE_WHY,
    expect_field_errors,
    expect_unauthorized,
    reject_malformed_json,
    reject_other_media_types,
    require_token,
)

UNIQUE_EMAIL_WHY = "an email names one account, whatever its case: Ada@Example.com and ada@example.com are one person."
PASSWORD_WHY = "passwords are 10 to 128 characters; the boundaries are part of the contract."
SAME_401_WHY = (
    "an unknown email and a wrong password must look the same, or the answer tells an attacker which "
    "emails have accounts."
)
EXPIRY_WHY = (
    "a token that never expires is a password that never changes; tokens stop working after expires_in "
    "seconds. Some JWT libraries allow minutes of clock skew by default: set that leeway to zero."
)
SHORT_LIFETIME = 1
# The server rounds the expiry down, so the token is dead SHORT_LIFETIME s after its answer arrived.
EXPIRY_MARGIN = 0.15


@check(
    "accounts.register",
    level="L1",
    rules=("accounts.password-never-returned", "accounts.email-case-kept"),
    title="a new account is created with 201 and is never shown with its password",
    operations=["registerUser"],
    anchor="register",
    why="registration is the door to every other level; the password must never travel back.",
)
def register(t: Tester) -> None:
    email = t.unique_email("Register")
    account = t.anonymous.post("/users", json={"email": email, "password": PASSWORD}).expect(201)
    t.ensure_equal(account.get("email"), email, what="email in the answer", why="the email is kept as registered")
    t.ensure(PASSWORD not in json.dumps(account), expected="an answer without the password",
             received=json.dumps(account), why="a password never leaves the server, in clear or hashed")


@check(
    "accounts.json-charset-accepted",
    level="L1",
    rules=("body.media-type-415",),
    title="Content-Type: application/json; charset=utf-8 is JSON too",
    operations=["registerUser"],
    anchor="content-type",
    why="media type parameters such as charset do not change the media type; comparing the whole header string is a common bug.",
)
def json_with_charset(t: Tester) -> None:
    body = f'{{"email": "{t.unique_email("charset")}", "password": "{PASSWORD}"}}'
    t.anonymous.post("/users", content=body, headers={"Content-Type": "application/json; charset=utf-8"}).expect(201)


@check(
    "accounts.duplicate-email-conflict",
    level="L1",
    rules=("accounts.email-unique",),
    title="an email that is already registered, in any case, is refused with 409",
    operations=["registerUser"],
    anchor="unique-emails",
    why=UNIQUE_EMAIL_WHY,
)
def duplicate_email(t: Tester) -> None:
    email = t.unique_email("Dup")
    t.register(email)
    t.anonymous.post("/users", json={"email": email, "password": PASSWORD}).expect_problem(409)
    t.anonymous.post("/users", json={"email": email.upper(), "password": PASSWORD}).expect_problem(409)


@check(
    "accounts.password-length",
    level="L1",
    rules=("body.schema-422", "accounts.password-length"),
    title="a password of 9 or 129 characters is refused with 422; 10 characters is enough",
    operations=["registerUser"],
    anchor="password-rules",
    why=PASSWORD_WHY,
)
def password_length(t: Tester) -> None:
    for password in ("x" * 9, "x" * 129):
        reply = t.anonymous.post("/users", json={"email": t.unique_email("pw"), "password": password})
        expect_field_errors(t, reply, ["password"], why=PASSWORD_WHY)
    t.anonymous.post("/users", json={"email": t.unique_email("pw"), "password": "x" * 10}).expect(201, why=PASSWORD_WHY)


@check(
    "accounts.email-format",
    level="L1",
    rules=("body.schema-422", "accounts.email-format"),
    title="an email without an @ and a dotted domain is refused with 422",
    operations=["registerUser"],
    anchor="email-rules",
    why="an address that cannot receive mail cannot recover an account; the spec's pattern says what is accepted.",
)
def email_format(t: Tester) -> None:
    for email in ("ada.example.com", "ada@localhost", "ada lovelace@example.com", ""):
        expect_field_errors(t, t.anonymous.post("/users", json={"email": email, "password": PASSWORD}), ["email"])


@check(
    "accounts.every-field-error-listed",
    level="L1",
    rules=("errors.field-list", "errors.field-names"),
    title="a 422 lists every invalid field, not just the first",
    operations=["registerUser"],
    anchor="field-errors",
    why=FIELD_ERRORS_WHY,
)
def every_field_error(t: Tester) -> None:
    expect_field_errors(t, t.anonymous.post("/users", json={"email": "nope", "password": "short"}), ["email", "password"])
    expect_field_errors(t, t.anonymous.post("/users", json={}), ["email", "password"])
    expect_field_errors(t, t.anonymous.post("/users", json=["not", "an", "object"]), ["body"])


@check(
    "accounts.token",
    level="L1",
    rules=("accounts.me",),
    title="email and password give a bearer token that opens /users/me",
    operations=["createToken", "getCurrentUser"],
    anchor="tokens",
    why="the token is how every later level knows who is calling.",
)
def token(t: Tester) -> None:
    alice = t.shared_user("alice")
    issued = t.sign_in(alice.email)
    me = t.anonymous.get("/users/me", headers={"Authorization": f"Bearer {issued['access_token']}"}).expect(200)
    t.ensure_equal(me.get("id"), alice.id, what="id of /users/me", why="/users/me is the token's own account")
    t.ensure_equal(me.get("email"), alice.email, what="email of /users/me", why="/users/me is the token's own account")


@check(
    "accounts.sign-in-ignores-email-case",
    level="L1",
    rules=("accounts.sign-in-ignores-case",),
    title="signing in with the email in another case works",
    operations=["createToken"],
    anchor="tokens",
    why=UNIQUE_EMAIL_WHY,
)
def sign_in_any_case(t: Tester) -> None:
    user = t.shared_user("alice")
    t.sign_in(user.email.upper())


@check(
    "accounts.bad-credentials-indistinguishable",
    level="L1",
    rules=("accounts.bad-credentials-same",),
    title="a wrong password and an unknown email get the same 401",
    operations=["createToken"],
    anchor="bad-credentials",
    why=SAME_401_WHY,
)
def bad_credentials(t: Tester) -> None:
    user = t.shared_user("alice")
    wrong_password = t.anonymous.post("/auth/token", json={"email": user.email, "password": PASSWORD + "!"})
    wrong_body = wrong_password.expect_problem(401, why=SAME_401_WHY)
    unknown_email = t.anonymous.post("/auth/token", json={"email": t.unique_email("ghost"), "password": PASSWORD})
    unknown_body = unknown_email.expect_problem(401, why=SAME_401_WHY)
    keys = ("type", "title", "detail")
    t.ensure(
        all(wrong_body.get(k) == unknown_body.get(k) for k in keys),
        expected="the same type, title and detail for both",
        received=f"wrong password: {as_json([wrong_body.get(k) for k in keys])}; "
                 f"unknown email: {as_json([unknown_body.get(k) for k in keys])}",
        reply=unknown_email,
        why=SAME_401_WHY,
    )


@check(
    "accounts.token-request-validation",
    level="L1",
    rules=("accounts.expires-in-bounds",),
    title="a token request without a password, or with expires_in out of 1..86400, is 422",
    operations=["createToken"],
    anchor="tokens",
    why=FIELD_ERRORS_WHY,
)
def token_request_validation(t: Tester) -> None:
    user = t.shared_user("alice")
    expect_field_errors(t, t.anonymous.post("/auth/token", json={"email": user.email}), ["password"])
    for lifetime in (0, 86401):
        body = {"email": user.email, "password": PASSWORD, "expires_in": lifetime}
        expect_field_errors(t, t.anonymous.post("/auth/token", json=body), ["expires_in"])


@check(
    "accounts.token-required",
    level="L1",
    rules=("auth.token-first", "auth.www-authenticate", "auth.bad-token-401"),
    title="/users/me without a valid bearer token is 401 with WWW-Authenticate: Bearer",
    operations=["getCurrentUser"],
    anchor="token-required",
    why="a missing token, a token that is not one, and another auth scheme are all 401.",
)
def token_required(t: Tester) -> None:
    require_token(t, [("GET", "/users/me")])


@check(
    "accounts.tampered-token",
    level="L1",
    rules=("auth.bad-token-401",),
    title="a token with one character changed is 401",
    operations=["getCurrentUser"],
    anchor="token-required",
    why="a token must be verified (its signature, or looked up), not merely decoded.",
)
def tampered_token(t: Tester) -> None:
    user = t.shared_user("alice")
    token_text = user.token or ""
    middle = len(token_text) // 2
    swapped = "A" if token_text[middle] != "A" else "B"
    forged = token_text[:middle] + swapped + token_text[middle + 1 :]
    expect_unauthorized(t, t.anonymous.get("/users/me", headers={"Authorization": f"Bearer {forged}"}))


def _short_lived_token(t: Tester) -> tuple[str, float]:
    user = t.shared_user("alice")
    issued = t.sign_in(user.email, expires_in=SHORT_LIFETIME)
    return issued["access_token"], time.monotonic()


@check(
    "accounts.expired-token",
    level="L1",
    rules=("auth.bad-token-401", "accounts.token-expires"),
    title=f"a token asked for with expires_in={SHORT_LIFETIME} is refused once that second has passed",
    operations=["createToken", "getCurrentUser"],
    anchor="token-expiry",
    why=EXPIRY_WHY,
    prepare=_short_lived_token,
    waits=True,
)
def expired_token(t: Tester) -> None:
    token_text, received_at = t.prepared
    time.sleep(max(0.0, received_at + SHORT_LIFETIME + EXPIRY_MARGIN - time.monotonic()))
    reply = t.anonymous.get("/users/me", headers={"Authorization": f"Bearer {token_text}"})
    expect_unauthorized(t, reply, why=EXPIRY_WHY + f" This one was asked for with expires_in={SHORT_LIFETIME}.")


@check(
    "accounts.malformed-json",
    level="L1",
    rules=("body.malformed-json-400",),
    title="a body that is not valid JSON is 400 on registration and sign-in",
    operations=["registerUser", "createToken"],
    anchor="malformed-json",
    why=MALFORMED_JSON_WHY,
)
def accounts_malformed_json(t: Tester) -> None:
    reject_malformed_json(t.anonymous, [("POST", "/users"), ("POST", "/auth/token")])


@check(
    "accounts.other-media-type",
    level="L1",
    rules=("body.media-type-415",),
    title="a body sent as text/plain is 415 on registration and sign-in",
    operations=["registerUser", "createToken"],
    anchor="media-type",
    why=MEDIA_TYPE_WHY,
)
def accounts_other_media_type(t: Tester) -> None:
    body = f'{{"email": "{t.unique_email("media")}", "password": "{PASSWORD}"}}'
    reject_other_media_types(t.anonymous, [("POST", "/users"), ("POST", "/auth/token")], body)


UNKNOWN_FIELDS_WHY = (
    "unknown members of a request body are ignored, so that a client may send more than a server knows "
    "(a newer client, a form with extra inputs); refusing them breaks such clients."
)


@check(
    "accounts.unknown-fields-ignored",
    level="L1",
    rules=("body.unknown-fields-ignored",),
    title="unknown members of a request body are ignored on registration and sign-in",
    operations=["registerUser", "createToken"],
    anchor="register",
    why=UNKNOWN_FIELDS_WHY,
)
def unknown_fields_ignored(t: Tester) -> None:
    email = t.unique_email("extra")
    extra = {"role": "admin", "remember_me": True, "profile": {"name": "Ada"}}
    t.anonymous.post("/users", json={"email": email, "password": PASSWORD, **extra}).expect(201, why=UNKNOWN_FIELDS_WHY)
    t.anonymous.post("/auth/token", json={"email": email, "password": PASSWORD, **extra}).expect(
        200, why=UNKNOWN_FIELDS_WHY)
