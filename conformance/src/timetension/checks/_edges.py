"""Recipes for the edges of the rules the spec states in words: the token before everything else,
JSON types taken as they are, NUL refused, text kept exactly, bounds counted in code points."""

from __future__ import annotations

from typing import Any

from .._expect import Reply, as_json
from .._tester import Requester, Tester
from ._common import expect_field_errors, expect_unauthorized

TOKEN_FIRST_WHY = (
    "the token is checked first: without a valid one the answer is 401 whatever the body, the path or the "
    "query holds, before any 400, 404, 415 or 422. An app that reads or validates the request before it "
    "knows who is asking tells a stranger how it works, and does work for nobody."
)
TYPES_WHY = (
    "a member of another JSON type is 422 naming it, never converted: a number is not a password, \"60\" is "
    "not a number of seconds. Frameworks that coerce by default must be set to strict."
)
BODY_TYPE_WHY = "a body that is not a JSON object (an array, a string, a number, null) is 422 on the field `body`."
NUL_WHY = "text may hold any Unicode character except NUL (U+0000), which is 422: several databases cannot store it."
ROUND_TRIP_WHY = (
    "text is stored and returned exactly as sent: control characters and characters outside the Basic "
    "Multilingual Plane (emoji) included, none dropped, replaced or escaped twice."
)
CODE_POINTS_WHY = (
    "lengths are counted in Unicode code points: an emoji is one character, however many bytes or UTF-16 "
    "units it takes."
)

# A body or a part of the request that is wrong, sent without a token: (what it is, how it is sent).
Fault = tuple[str, dict[str, Any]]

BODY_FAULTS: list[Fault] = [
    ("broken JSON", {"content": '{"name": "unterminated', "headers": {"Content-Type": "application/json"}}),
    ("a text/plain body", {"content": "just some text", "headers": {"Content-Type": "text/plain"}}),
    ("a JSON body without a Content-Type", {"content": '{"name": "no media type"}'}),
    ("a body that is not a JSON object", {"json": ["not", "an", "object"]}),
]
# Characters a database, a driver or a sanitiser tends to drop or change: C0 and C1 controls, DEL,
# the line and paragraph separators, a character outside the BMP, and a combining mark.
TRICKY_TEXT = "tab\there, bell\x07, escape\x1b, del\x7f, c1\x85\x9f, ls\u2028ps\u2029, \U0001f600 e\u0301"
NUL_TEXT = "before\x00after"
EMOJI = "\U0001f600"  # outside the BMP: one code point, two UTF-16 units, four UTF-8 bytes


def without_token(t: Tester, method: str, path: str, faults: list[Fault]) -> None:
    """Each fault sent without a token is 401 with WWW-Authenticate: Bearer."""
    for what, send in faults:
        expect_unauthorized(t, t.anonymous.request(method, path, **send),
                            why=TOKEN_FIRST_WHY + f" This request had no valid token and {what}.")


def schema_faults(*bodies: dict[str, Any]) -> list[Fault]:
    return [(f"the body {as_json(body)}, which breaks the schema", {"json": body}) for body in bodies]


def refuse_other_types(t: Tester, caller: Requester, method: str, path: str, base: dict[str, Any],
                       wrong: dict[str, list[Any]]) -> None:
    """Each field given each value of another JSON type (the rest of `base` valid) is 422 naming it."""
    for field, values in wrong.items():
        for value in values:
            reply = caller.request(method, path, json={**base, field: value})
            expect_field_errors(t, reply, [field], why=TYPES_WHY + f" ({field}: {as_json(value)})")


def refuse_non_objects(t: Tester, caller: Requester, method: str, path: str) -> None:
    """An array, a string, a number and null as the whole body are each 422 on `body`."""
    for body in (["an", "array"], "a string", 42, None):
        expect_field_errors(t, caller.request(method, path, json=body), ["body"],
                            why=BODY_TYPE_WHY + f" This body was {as_json(body)}.")


def refuse_nul(t: Tester, caller: Requester, method: str, path: str, cases: list[tuple[str, dict[str, Any]]]) -> None:
    """Each (field, body) where that field holds a NUL is 422 naming the field."""
    for field, body in cases:
        expect_field_errors(t, caller.request(method, path, json=body), [field], why=NUL_WHY + f" ({field} held a NUL)")


def ensure_kept(t: Tester, reply: Reply, body: Any, wanted: dict[str, Any], why: str = ROUND_TRIP_WHY) -> None:
    got = {field: body.get(field) if isinstance(body, dict) else None for field in wanted}
    t.ensure_equal(got, wanted, what="the fields as answered", reply=reply, why=why)
