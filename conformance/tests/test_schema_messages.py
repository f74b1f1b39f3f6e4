"""A body that does not match its schema is explained member by member, in the spec's words."""

from __future__ import annotations

from timetension import default_spec

SPEC = default_spec()


def _errors(operation_id: str, status: int, body: object, media_type: str = "application/json") -> list[str]:
    pointer = SPEC.response_schema(SPEC.operation(operation_id), status, media_type)
    assert pointer is not None
    return SPEC.validation_errors(pointer, body)


USER = {"id": "u1", "email": "ada@example.com", "created_at": "2026-03-02T09:00:00Z"}


def test_a_forbidden_member_is_named_with_the_schema_and_its_reason() -> None:
    assert _errors("registerUser", 201, {**USER, "password_hash": "$2b$12$..."}) == [
        "`password_hash` is not part of User: the account as clients see it; it never carries its password, "
        "hashed or not"
    ]


def test_a_missing_member_is_named_with_the_schema_that_requires_it() -> None:
    [sentence] = _errors("registerUser", 201, {"id": "u1", "created_at": "2026-03-02T09:00:00Z"})
    assert sentence.startswith("the body has no `email`; User requires it: the email as it was registered")


def test_members_deep_in_a_list_are_named_by_their_json_path() -> None:
    entry = {"id": "e1", "project_id": None, "description": None, "started_at": "2026-03-02T09:00:00Z",
             "ended_at": "2026-03-02 10:00", "duration_seconds": 3600}
    sentences = _errors("listTimeEntries", 200, {"items": [entry, entry, {**entry, "ended_at": None,
                                                                          "duration_seconds": "60"}],
                                                 "next_cursor": None})
    assert sentences[0].startswith('`items[0].ended_at` is "2026-03-02 10:00", but it must be an RFC 3339 timestamp')
    assert any(sentence.startswith('`items[2].duration_seconds` is "60" (a string), but it must be an integer or null')
               for sentence in sentences)


def test_wrong_values_say_what_was_allowed_in_json() -> None:
    assert _errors("getHealth", 200, {"status": "UP"}) == ['`status` is "UP", but it must be one of "ok"']
    [sentence] = _errors("registerUser", 201, {**USER, "id": None})
    assert sentence.startswith("`id` is null, but it must be a string")
