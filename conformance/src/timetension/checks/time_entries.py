"""Level 3, time entries: UTC to the second, end after start, and no overlaps (half-open intervals)."""

from __future__ import annotations

from .._registry import check
from .._tester import Tester
from ._common import (
    MALFORMED_JSON_WHY,
    MEDIA_TYPE_WHY,
    TOKEN_REQUIRED_WHY,
    expect_field_errors,
    reject_malformed_json,
    reject_other_media_types,
    require_token,
)

UTC_WHY = (
    "timestamps come in with any offset and go out in UTC with Z, to the second, so every client "
    "compares them the same way; fractional seconds are truncated, never rounded."
)
OFFSET_WHY = "a timestamp without an offset is ambiguous (whose 09:00?), so it is refused with 422."
ORDER_WHY = "an entry ends after it starts: equal or earlier end is 422 on ended_at."
OVERLAP_WHY = (
    "one person cannot track two things at once: a user's entries may not overlap (409). Intervals are "
    "half-open, [start, end), so an entry ending at 10:00 and one starting at 10:00 are fine."
)
NOT_YOURS_WHY = "another user's entries and projects answer 404, exactly like ones that do not exist."


@check(
    "entries.create",
    level="L3",
    rules=("time.utc-to-the-second", "entries.duration", "entries.project-or-null"),
    title="an entry is created with 201 in UTC with Z and its duration in seconds",
    operations=["createTimeEntry", "getTimeEntry"],
    anchor="create",
    why=UTC_WHY,
)
def create(t: Tester) -> None:
    alice = t.shared_user("alice")
    project = alice.create_project(t.unique("Entries"))
    reply = alice.post("/time-entries", json={
        "started_at": t.at("09:00", "+02:00"),
        "ended_at": t.at("10:30", "+02:00"),
        "description": "Landing page",
        "project_id": project["id"],
    })
    entry = reply.expect(201, why=UTC_WHY)
    wanted = {
        "started_at": t.utc("07:00"),
        "ended_at": t.utc("08:30"),
        "duration_seconds": 5400,
        "description": "Landing page",
        "project_id": project["id"],
    }
    t.ensure_equal({k: entry.get(k) for k in wanted}, wanted, what="the entry", reply=reply, why=UTC_WHY)
    read = alice.get(f"/time-entries/{entry['id']}")
    t.ensure_equal(read.expect(200), entry, what="the entry read back", reply=read,
                   why="an entry reads back exactly as the answer that created it.")


@check(
    "entries.utc-to-the-second",
    level="L3",
    rules=("time.utc-to-the-second",),
    title="offsets are converted to UTC and fractional seconds truncated",
    operations=["createTimeEntry"],
    anchor="timestamps",
    why=UTC_WHY,
)
def utc_to_the_second(t: Tester) -> None:
    alice = t.shared_user("alice")
    reply = alice.post("/time-entries", json={"started_at": t.at("22:00", "-05:00"), "ended_at": t.at("23:15", "-05:00")})
    entry = reply.expect(201, why=UTC_WHY)
    t.ensure_equal((entry.get("started_at"), entry.get("ended_at")),
                   (t.utc("03:00", day_shift=1), t.utc("04:15", day_shift=1)),
                   what="(started_at, ended_at) of 22:00-05:00 to 23:15-05:00", reply=reply, why=UTC_WHY)
    reply = alice.post("/time-entries", json={"started_at": t.at("09:00:00.999", "Z"),
                                              "ended_at": t.at("11:00:01.5", "+02:00")})
    entry = reply.expect(201, why=UTC_WHY)
    t.ensure_equal((entry.get("started_at"), entry.get("ended_at"), entry.get("duration_seconds")),
                   (t.utc("09:00:00"), t.utc("09:00:01"), 1),
                   what="(started_at, ended_at, duration_seconds) of 09:00:00.999Z to 11:00:01.5+02:00",
                   reply=reply, why=UTC_WHY)


@check(
    "entries.offset-required",
    level="L3",
    rules=("body.schema-422", "time.offset-required"),
    title="a timestamp without an offset, or not a timestamp at all, is 422",
    operations=["createTimeEntry"],
    anchor="timestamps",
    why=OFFSET_WHY,
)
def offset_required(t: Tester) -> None:
    alice = t.shared_user("alice")
    day = t.day().isoformat()
    cases = [
        ({"started_at": f"{day}T09:00:00", "ended_at": t.at("10:00")}, "started_at"),
        ({"started_at": t.at("09:00"), "ended_at": day}, "ended_at"),
        ({"started_at": "yesterday at nine", "ended_at": t.at("10:00")}, "started_at"),
        ({"ended_at": t.at("10:00")}, "started_at"),
    ]
    for body, field in cases:
        expect_field_errors(t, alice.post("/time-entries", json=body), [field], why=OFFSET_WHY)


@check(
    "entries.end-after-start",
    level="L3",
    rules=("entries.end-after-start",),
    title="an entry that ends when or before it starts is 422 on ended_at",
    operations=["createTimeEntry"],
    anchor="end-after-start",
    why=ORDER_WHY,
)
def end_after_start(t: Tester) -> None:
    alice = t.shared_user("alice")
    for end in (t.at("09:00"), t.at("08:59:59"), t.at("10:00", "+02:00")):
        body = {"started_at": t.at("09:00"), "ended_at": end}
        expect_field_errors(t, alice.post("/time-entries", json=body), ["ended_at"], why=ORDER_WHY)


@check(
    "entries.overlap-conflict",
    level="L3",
    rules=("entries.no-overlap",),
    title="an entry that overlaps another of the same user is 409",
    operations=["createTimeEntry"],
    anchor="overlaps",
    why=OVERLAP_WHY,
)
def overlap_conflict(t: Tester) -> None:
    alice = t.shared_user("alice")
    alice.create_entry(t.at("09:00"), t.at("10:00"))
    for start, end in (("09:30", "10:30"), ("08:30", "09:30"), ("08:00", "11:00"), ("09:15", "09:45"),
                       ("09:00", "10:00"), ("09:59:59", "11:00")):
        body = {"started_at": t.at(start), "ended_at": t.at(end)}
        alice.post("/time-entries", json=body).expect_problem(409, why=OVERLAP_WHY + f" ({start}-{end} vs 09:00-10:00)")


@check(
    "entries.touching-allowed",
    level="L3",
    rules=("entries.half-open",),
    title="an entry may start exactly when another ends, and end exactly when another starts",
    operations=["createTimeEntry"],
    anchor="overlaps",
    why=OVERLAP_WHY,
)
def touching_allowed(t: Tester) -> None:
    alice = t.shared_user("alice")
    alice.create_entry(t.at("09:00"), t.at("10:00"))
    alice.post("/time-entries", json={"started_at": t.at("10:00"), "ended_at": t.at("11:00")}).expect(201, why=OVERLAP_WHY)
    alice.post("/time-entries", json={"started_at": t.at("08:00"), "ended_at": t.at("09:00")}).expect(201, why=OVERLAP_WHY)


@check(
    "entries.overlap-across-offsets",
    level="L3",
    rules=("entries.no-overlap",),
    title="overlaps are found between instants, whatever offsets the timestamps were given in",
    operations=["createTimeEntry"],
    anchor="overlaps",
    why=OVERLAP_WHY + " 11:30+02:00 is 09:30Z.",
)
def overlap_across_offsets(t: Tester) -> None:
    alice = t.shared_user("alice")
    alice.create_entry(t.at("09:00"), t.at("10:00"))
    clash = {"started_at": t.at("11:30", "+02:00"), "ended_at": t.at("12:30", "+02:00")}
    alice.post("/time-entries", json=clash).expect_problem(409, why=OVERLAP_WHY + " 11:30+02:00 is 09:30Z.")
    after = {"started_at": t.at("12:00", "+02:00"), "ended_at": t.at("13:00", "+02:00")}
    alice.post("/time-entries", json=after).expect(201, why=OVERLAP_WHY + " 12:00+02:00 is 10:00Z, when the other ends.")


@check(
    "entries.overlap-per-user",
    level="L3",
    rules=("entries.no-overlap",),
    title="two users may track the same hours",
    operations=["createTimeEntry"],
    anchor="overlaps",
    why="overlaps are forbidden within one user's entries only.",
)
def overlap_per_user(t: Tester) -> None:
    t.shared_user("alice").create_entry(t.at("09:00"), t.at("10:00"))
    t.shared_user("bob").post("/time-entries", json={"started_at": t.at("09:00"), "ended_at": t.at("10:00")}).expect(
        201, why="overlaps are forbidden within one user's entries only"
    )


@check(
    "entries.project-not-yours",
    level="L3",
    rules=("entries.project-404",),
    title="an entry on another user's project, or on a project that does not exist, is 404",
    operations=["createTimeEntry", "updateTimeEntry"],
    anchor="project-of-entry",
    why=NOT_YOURS_WHY,
)
def project_not_yours(t: Tester) -> None:
    alice = t.shared_user("alice")
    bobs = t.shared_user("bob").create_project(t.unique("Bob's"))
    for project_id in (bobs["id"], t.unique("no-such-project")):
        body = {"started_at": t.at("09:00"), "ended_at": t.at("10:00"), "project_id": project_id}
        alice.post("/time-entries", json=body).expect_problem(404, why=NOT_YOURS_WHY)
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"))
    alice.patch(f"/time-entries/{entry['id']}", json={"project_id": bobs["id"]}).expect_problem(404, why=NOT_YOURS_WHY)


@check(
    "entries.list-own-in-order",
    level="L3",
    rules=("entries.list-own-ordered",),
    title="the list holds the user's own entries, earliest start first",
    operations=["listTimeEntries"],
    anchor="list",
    why="a user sees only their own entries, in the documented order (started_at ascending).",
)
def list_own(t: Tester) -> None:
    alice = t.new_user("lister")  # a fresh user: from level 5 on, a long list comes in pages
    second = alice.create_entry(t.at("11:00"), t.at("12:00"))
    third = alice.create_entry(t.at("09:00", "-05:00"), t.at("10:00", "-05:00"))
    first = alice.create_entry(t.at("10:00", "+02:00"), t.at("11:00", "+02:00"))
    theirs = t.shared_user("bob").create_entry(t.at("06:00"), t.at("07:00"))
    reply = alice.get("/time-entries")
    listed = [entry.get("id") for entry in reply.expect(200)["items"]]
    t.ensure_equal(listed, [first["id"], second["id"], third["id"]], what="ids in the list", reply=reply,
                   why="entries are listed by started_at, earliest first; 10:00+02:00 is 08:00Z and 09:00-05:00 is 14:00Z.")
    t.ensure(theirs["id"] not in listed, expected="no entry of another user", received=f"bob's entry {theirs['id']}",
             reply=reply, why=NOT_YOURS_WHY)


@check(
    "entries.other-user-not-found",
    level="L3",
    rules=("entries.not-yours-404",),
    title="another user's entry is 404 to read, change or delete",
    operations=["getTimeEntry", "updateTimeEntry", "deleteTimeEntry"],
    anchor="not-yours",
    why=NOT_YOURS_WHY,
)
def other_user_not_found(t: Tester) -> None:
    entry = t.shared_user("alice").create_entry(t.at("09:00"), t.at("10:00"))
    bob = t.shared_user("bob")
    path = f"/time-entries/{entry['id']}"
    bob.get(path).expect_problem(404, why=NOT_YOURS_WHY)
    bob.patch(path, json={"description": "mine now"}).expect_problem(404, why=NOT_YOURS_WHY)
    bob.delete(path).expect_problem(404, why=NOT_YOURS_WHY)
    t.shared_user("alice").get(path).expect(200, why="a refused delete by another user leaves the entry alone")
    bob.get(f"/time-entries/{t.unique('no-such-entry')}").expect_problem(404)


@check(
    "entries.update-partial",
    level="L3",
    rules=("entries.patch-partial", "entries.if-match-optional", "entries.duration"),
    title="PATCH changes only the fields it names, and the duration follows the times",
    operations=["updateTimeEntry"],
    anchor="update",
    why="PATCH changes the fields it names and leaves every other field as it was.",
)
def update_partial(t: Tester) -> None:
    alice = t.shared_user("alice")
    project = alice.create_project(t.unique("Patch entries"))
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"), description="before", project_id=project["id"])
    path = f"/time-entries/{entry['id']}"
    changed = alice.patch(path, json={"description": "after"})
    body = changed.expect(200)
    t.ensure_equal({k: body.get(k) for k in ("started_at", "ended_at", "project_id", "description")},
                   {"started_at": t.utc("09:00"), "ended_at": t.utc("10:00"), "project_id": project["id"],
                    "description": "after"}, what="the entry after PATCH {description}", reply=changed)
    changed = alice.patch(path, json={"ended_at": t.at("12:30", "+02:00"), "project_id": None})
    body = changed.expect(200)
    t.ensure_equal({k: body.get(k) for k in ("ended_at", "duration_seconds", "project_id", "description")},
                   {"ended_at": t.utc("10:30"), "duration_seconds": 5400, "project_id": None, "description": "after"},
                   what="the entry after PATCH {ended_at, project_id: null}", reply=changed)


@check(
    "entries.update-overlap",
    level="L3",
    rules=("entries.patch-same-rules",),
    title="PATCH that makes an entry overlap another is 409; an entry never overlaps itself",
    operations=["updateTimeEntry"],
    anchor="overlaps",
    why=OVERLAP_WHY,
)
def update_overlap(t: Tester) -> None:
    alice = t.shared_user("alice")
    first = alice.create_entry(t.at("09:00"), t.at("10:00"))
    second = alice.create_entry(t.at("11:00"), t.at("12:00"))
    alice.patch(f"/time-entries/{second['id']}", json={"started_at": t.at("09:30")}).expect_problem(409, why=OVERLAP_WHY)
    alice.patch(f"/time-entries/{first['id']}", json={"ended_at": t.at("10:30")}).expect(
        200, why="an entry that grows within free time does not clash with its own old interval")
    alice.patch(f"/time-entries/{first['id']}", json={"ended_at": t.at("11:00")}).expect(200, why=OVERLAP_WHY)
    alice.patch(f"/time-entries/{first['id']}", json={"ended_at": t.at("11:00:01")}).expect_problem(409, why=OVERLAP_WHY)


@check(
    "entries.update-validation",
    level="L3",
    rules=("time.offset-required", "entries.patch-same-rules", "entries.ended-at-not-null"),
    title="PATCH with ended_at null, before started_at, or without an offset is 422",
    operations=["updateTimeEntry"],
    anchor="update",
    why=ORDER_WHY,
)
def update_validation(t: Tester) -> None:
    alice = t.shared_user("alice")
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"))
    path = f"/time-entries/{entry['id']}"
    expect_field_errors(t, alice.patch(path, json={"ended_at": None}), ["ended_at"],
                        why="a finished entry cannot be made to run again by setting ended_at to null.")
    expect_field_errors(t, alice.patch(path, json={"ended_at": t.at("08:00")}), ["ended_at"], why=ORDER_WHY)
    alice.patch(path, json={"started_at": t.at("10:00")}).expect(422, why=ORDER_WHY)
    expect_field_errors(t, alice.patch(path, json={"started_at": f"{t.day().isoformat()}T08:00:00"}), ["started_at"],
                        why=OFFSET_WHY)


@check(
    "entries.delete",
    level="L3",
    rules=("entries.delete-gone",),
    title="a deleted entry is gone, and its time is free again",
    operations=["deleteTimeEntry", "getTimeEntry"],
    anchor="delete",
    why="DELETE answers 204 with no body; afterwards the entry is 404 and its hours can be tracked again.",
)
def delete(t: Tester) -> None:
    alice = t.shared_user("alice")
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"))
    path = f"/time-entries/{entry['id']}"
    alice.delete(path).expect(204)
    alice.get(path).expect_problem(404)
    alice.delete(path).expect_problem(404)
    alice.create_entry(t.at("09:00"), t.at("10:00"))


@check(
    "projects.delete-with-entries-conflict",
    level="L3",
    rules=("projects.delete-with-entries-409",),
    title="a project that still has time entries cannot be deleted (409)",
    operations=["deleteProject"],
    anchor="delete-with-entries",
    why="deleting a project must not silently delete or orphan the time tracked on it.",
)
def delete_project_with_entries(t: Tester) -> None:
    alice = t.shared_user("alice")
    project = alice.create_project(t.unique("Busy"))
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"), project_id=project["id"])
    alice.delete(f"/projects/{project['id']}").expect_problem(409)
    alice.get(f"/time-entries/{entry['id']}").expect(200, why="a refused delete leaves the entries as they were")
    alice.delete(f"/time-entries/{entry['id']}").expect(204)
    alice.delete(f"/projects/{project['id']}").expect(204, why="once its entries are gone the project can go")


@check(
    "entries.token-required",
    level="L3",
    rules=("auth.token-first",),
    title="every time entry operation without a valid bearer token is 401",
    operations=["createTimeEntry", "listTimeEntries", "getTimeEntry", "updateTimeEntry", "deleteTimeEntry"],
    anchor="token-required",
    why=TOKEN_REQUIRED_WHY,
)
def entries_token_required(t: Tester) -> None:
    missing = f"/time-entries/{t.unique('any')}"
    targets = [("POST", "/time-entries"), ("GET", "/time-entries"), ("GET", missing), ("PATCH", missing),
               ("DELETE", missing)]
    require_token(t, targets, body={"started_at": t.at("09:00"), "ended_at": t.at("10:00")})


@check(
    "entries.malformed-json",
    level="L3",
    rules=("body.malformed-json-400",),
    title="a body that is not valid JSON is 400 on create and update",
    operations=["createTimeEntry", "updateTimeEntry"],
    anchor="malformed-json",
    why=MALFORMED_JSON_WHY,
)
def entries_malformed_json(t: Tester) -> None:
    alice = t.shared_user("alice")
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"))
    reject_malformed_json(alice, [("POST", "/time-entries"), ("PATCH", f"/time-entries/{entry['id']}")])


@check(
    "entries.other-media-type",
    level="L3",
    rules=("body.media-type-415",),
    title="a body sent as text/plain is 415 on create and update",
    operations=["createTimeEntry", "updateTimeEntry"],
    anchor="media-type",
    why=MEDIA_TYPE_WHY,
)
def entries_other_media_type(t: Tester) -> None:
    alice = t.shared_user("alice")
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"))
    body = f'{{"started_at": "{t.at("11:00")}", "ended_at": "{t.at("12:00")}"}}'
    reject_other_media_types(alice, [("POST", "/time-entries"), ("PATCH", f"/time-entries/{entry['id']}")], body)
