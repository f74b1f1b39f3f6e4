"""Level 3 at the edges of its rules: the token before the body, JSON types, the timestamp forms the spec
refuses and the ones it accepts, NUL and exact text in entries and the timer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._registry import check
from .._tester import Tester, User
from ._common import expect_field_errors
from ._edges import (
    BODY_FAULTS,
    CODE_POINTS_WHY,
    EMOJI,
    NUL_TEXT,
    ROUND_TRIP_WHY,
    TOKEN_FIRST_WHY,
    TRICKY_TEXT,
    ensure_kept,
    refuse_non_objects,
    refuse_nul,
    refuse_other_types,
    schema_faults,
    without_token,
)
from .time_entries import UTC_WHY

FORMS_WHY = (
    "timestamps are RFC 3339 with an offset. A timestamp without an offset, a date alone, a leap second (:60), "
    "an offset beyond ±23:59, or a date or time that does not exist is 422 on that field: none of them names "
    "one instant every client agrees on."
)


def refused_forms(t: Tester) -> dict[str, str]:
    """The forms the spec refuses, each on this check's day: what is wrong -> the timestamp."""
    day = t.day().isoformat()
    year, month, _ = day.split("-")
    return {
        "no offset": f"{day}T09:00:00",
        "a date alone": day,
        "a leap second": f"{day}T23:59:60Z",
        "the offset +24:00": f"{day}T09:00:00+24:00",
        "the offset -24:00": f"{day}T09:00:00-24:00",
        "month 13": f"{year}-13-01T09:00:00Z",
        "day 32": f"{year}-{month}-32T09:00:00Z",
        "hour 24": f"{day}T24:00:00Z",
    }


def _stop_afterwards(user: User, run: Callable[[], Any]) -> None:
    """Run, then stop any timer left running, so that the next check sharing the user starts clean."""
    try:
        run()
    finally:
        if user.get("/timer").status == 200:
            user.post("/timer/stop")


@check(
    "entries.token-before-body",
    level="L3",
    rules=("auth.token-first",),
    title="without a token, an entry or timer request is 401 whatever is wrong with its body or id",
    operations=["createTimeEntry", "updateTimeEntry", "getTimeEntry", "deleteTimeEntry", "startTimer"],
    anchor="token-required",
    why=TOKEN_FIRST_WHY,
)
def token_before_body(t: Tester) -> None:
    faults = BODY_FAULTS + schema_faults({"started_at": "nine o'clock", "ended_at": 5}, {})
    without_token(t, "POST", "/time-entries", faults)
    bobs = f"/time-entries/{t.shared_user('bob').create_entry(t.at('09:00'), t.at('10:00'))['id']}"
    without_token(t, "PATCH", bobs, faults)
    for method in ("GET", "DELETE"):
        without_token(t, method, bobs, [("the id of another user's entry", {})])
    without_token(t, "POST", "/timer/start", BODY_FAULTS + schema_faults({"project_id": 42}))


@check(
    "entries.types-not-coerced",
    level="L3",
    rules=("body.no-coercion",),
    title="a timestamp given as a number, or any member of another JSON type, is 422 naming it",
    operations=["createTimeEntry", "updateTimeEntry", "startTimer", "getTimer"],
    anchor="timestamps",
    why="each member has one JSON type; another type is 422 on that member, never converted (1700000000 is "
        "not a timestamp: it says neither its unit nor its offset).",
)
def types_not_coerced(t: Tester) -> None:
    alice = t.shared_user("alice")
    base = {"started_at": t.at("09:00"), "ended_at": t.at("10:00")}
    refuse_other_types(t, alice, "POST", "/time-entries", base, {
        "started_at": [978339600, True], "ended_at": [978343200, None], "description": [5, ["x"]],
        "project_id": [42, True],
    })
    refuse_non_objects(t, alice, "POST", "/time-entries")
    path = f"/time-entries/{alice.create_entry(t.at('11:00'), t.at('12:00'))['id']}"
    refuse_other_types(t, alice, "PATCH", path, {}, {"started_at": [978339600], "description": [5], "project_id": [42]})
    refuse_non_objects(t, alice, "PATCH", path)
    user = t.shared_user("timer-idle")

    def start_with_wrong_types() -> None:
        refuse_other_types(t, user, "POST", "/timer/start", {}, {"description": [5, True], "project_id": [["p"]]})
        refuse_non_objects(t, user, "POST", "/timer/start")

    _stop_afterwards(user, start_with_wrong_types)


@check(
    "entries.timestamp-forms",
    level="L3",
    rules=("time.offset-required", "time.refused-forms", "time.utc-to-the-second"),
    title="a leap second, offset ±24:00, month 13, day 32, hour 24 or a date alone is 422; ±23:59, -00:00 pass",
    operations=["createTimeEntry", "updateTimeEntry"],
    anchor="timestamps",
    why=FORMS_WHY,
)
def timestamp_forms(t: Tester) -> None:
    alice = t.shared_user("alice")
    base = {"started_at": t.at("09:00"), "ended_at": t.at("10:00")}
    for what, stamp in refused_forms(t).items():
        for field in ("started_at", "ended_at"):
            reply = alice.post("/time-entries", json={**base, field: stamp})
            expect_field_errors(t, reply, [field], why=FORMS_WHY + f" {field} held {what}: {stamp}")
    # 23:59+23:59 is 00:00Z on this day; 00:00:59.999999999-23:59 is 23:59:59.999999999Z, truncated.
    reply = alice.post("/time-entries", json={"started_at": t.at("23:59", "+23:59", day_shift=0),
                                              "ended_at": t.at("00:00:59.999999999", "-23:59")})
    entry = reply.expect(201, why=FORMS_WHY + " Offsets up to ±23:59 and any number of fraction digits are accepted.")
    ensure_kept(t, reply, entry, {"started_at": t.utc("00:00"), "ended_at": t.utc("23:59:59"),
                                  "duration_seconds": 86399}, why=UTC_WHY)
    path = f"/time-entries/{entry['id']}"
    reply = alice.patch(path, json={"started_at": t.at("00:00", "-00:00")})
    ensure_kept(t, reply, reply.expect(200, why=FORMS_WHY + " -00:00 is a valid RFC 3339 offset: the instant in UTC."),
                {"started_at": t.utc("00:00")}, why=UTC_WHY)
    forms = refused_forms(t)
    for field, what in (("started_at", "a leap second"), ("ended_at", "the offset +24:00")):
        reply = alice.patch(path, json={field: forms[what]})
        expect_field_errors(t, reply, [field], why=FORMS_WHY + f" {field} held {what}: {forms[what]}")


@check(
    "entries.text-kept-exactly",
    level="L3",
    rules=("text.no-nul", "text.kept-exactly"),
    title="NUL in a description is 422 on entries and the timer; control characters and emoji come back exactly",
    operations=["createTimeEntry", "updateTimeEntry", "getTimeEntry", "startTimer", "getTimer", "stopTimer"],
    anchor="create",
    why=ROUND_TRIP_WHY + " Only NUL (U+0000) is refused, with 422. A description is at most 1000 characters. "
        + CODE_POINTS_WHY,
)
def text_kept_exactly(t: Tester) -> None:
    alice = t.shared_user("alice")
    base = {"started_at": t.at("09:00"), "ended_at": t.at("10:00")}
    refuse_nul(t, alice, "POST", "/time-entries", [("description", {**base, "description": NUL_TEXT})])
    reply = alice.post("/time-entries", json={**base, "description": TRICKY_TEXT})
    entry = reply.expect(201, why=ROUND_TRIP_WHY)
    ensure_kept(t, reply, entry, {"description": TRICKY_TEXT})
    path = f"/time-entries/{entry['id']}"
    refuse_nul(t, alice, "PATCH", path, [("description", {"description": NUL_TEXT})])
    longest = EMOJI * 1000
    changed = alice.patch(path, json={"description": longest})
    ensure_kept(t, changed, changed.expect(200, why=t.check.why), {"description": longest})
    expect_field_errors(t, alice.patch(path, json={"description": longest + "x"}), ["description"],
                        why=t.check.why + " This description is 1001 characters.")
    read = alice.get(path)
    ensure_kept(t, read, read.expect(200), {"description": longest})
    user = t.shared_user("timer-text")

    def timer_text() -> None:
        refuse_nul(t, user, "POST", "/timer/start", [("description", {"description": NUL_TEXT})])
        started = user.post("/timer/start", json={"description": TRICKY_TEXT})
        ensure_kept(t, started, started.expect(201, why=ROUND_TRIP_WHY), {"description": TRICKY_TEXT})

    _stop_afterwards(user, timer_text)


@check(
    "timer.empty-body-is-no-body",
    level="L3",
    rules=("timer.body-optional",),
    title="a timer start with an empty body, even one labelled application/json, starts a timer",
    operations=["startTimer", "getTimer", "stopTimer"],
    anchor="media-type",
    why="the timer's start body is optional: zero bytes are no body, whatever the Content-Type says.",
)
def empty_body_is_no_body(t: Tester) -> None:
    user = t.shared_user("timer-empty")

    def start_empty() -> None:
        reply = user.post("/timer/start", content=b"", headers={"Content-Type": "application/json"})
        ensure_kept(t, reply, reply.expect(201, why=t.check.why), {"project_id": None, "description": None},
                    why=t.check.why)

    _stop_afterwards(user, start_empty)
