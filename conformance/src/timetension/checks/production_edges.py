"""Level 5 at the edges of its rules: a last page exactly full, limit at its bounds, the timestamp forms of
the filters, and the token before the parameters and If-Match."""

from __future__ import annotations

from typing import Any

from .._expect import Reply
from .._registry import check
from .._tester import Tester, User
from ._common import expect_field_errors
from ._edges import TOKEN_FIRST_WHY, ensure_kept, without_token
from .production import FILTER_WHY, PAGES_WHY, _lists
from .time_entries_edges import FORMS_WHY, refused_forms

ENTRIES = 10


def _walk(t: Tester, user: User, limit: int, wanted: list[Any]) -> None:
    """Follow next_cursor from the first page: every entry once, in order, and the walk ends.

    A last page exactly full may end with next_cursor null, or with a cursor to an empty page whose
    next_cursor is null: both are allowed.
    """
    seen: list[Any] = []
    params: dict[str, Any] = {"limit": limit}
    reply: Reply | None = None
    for _ in range(len(wanted) // limit + 2):
        reply = user.get(t.query("/time-entries", **params))
        page = reply.expect(200, why=PAGES_WHY)
        items = page.get("items", [])
        t.ensure(len(items) <= limit, expected=f"at most {limit} entries on a page with limit={limit}",
                 received=f"{len(items)} entries", reply=reply, why=PAGES_WHY)
        seen += [entry.get("id") for entry in items]
        if not page.get("next_cursor"):
            t.ensure_equal(seen, wanted, what=f"ids over all pages with limit={limit}", reply=reply, why=PAGES_WHY)
            return
        params["cursor"] = page["next_cursor"]
    t.ensure(False, expected=f"the walk over {len(wanted)} entries with limit={limit} to end within "
                             f"{len(wanted) // limit + 2} pages (next_cursor null)",
             received=f"still a next_cursor after ids {seen}", reply=reply,
             why=PAGES_WHY + " A last page that is exactly full must not lead back into the list.")


@check(
    "entries.pages-exactly-full",
    level="L5",
    rules=("entries.pages-last-full", "entries.pages-each-once"),
    title=f"{ENTRIES} entries in pages of 5, 100 and 1: each once, in order, and the walk ends",
    operations=["listTimeEntries"],
    anchor="pagination",
    why=PAGES_WHY + " limit goes from 1 to 100, both included.",
)
def pages_exactly_full(t: Tester) -> None:
    user = t.new_user("full-pages")
    created = [user.create_entry(t.at(f"{hour:02d}:00"), t.at(f"{hour:02d}:45"))["id"] for hour in range(ENTRIES)]
    _walk(t, user, 5, created)
    _walk(t, user, 100, created)
    reply = user.get(t.query("/time-entries", limit=1))
    page = reply.expect(200, why=t.check.why)
    listed = [entry.get("id") for entry in page.get("items", [])]
    t.ensure(listed == created[:1] and bool(page.get("next_cursor")),
             expected=f"limit=1: the first entry {created[0]} and a next_cursor",
             received=f"ids {listed}, next_cursor {page.get('next_cursor')}",
             reply=reply, why=t.check.why)


@check(
    "entries.filter-timestamp-forms",
    level="L5",
    rules=("time.refused-forms", "entries.filter-window"),
    title="from and to refuse the timestamp forms the spec refuses, and drop fractions (truncated) like the body",
    operations=["listTimeEntries"],
    anchor="filters",
    why=FORMS_WHY + " The filters from and to follow the same rules as started_at and ended_at.",
)
def filter_timestamp_forms(t: Tester) -> None:
    alice = t.shared_user("alice")
    for what, stamp in refused_forms(t).items():
        for field in ("from", "to"):
            reply = alice.get(t.query("/time-entries", **{field + "_": stamp}))
            expect_field_errors(t, reply, [field], why=t.check.why + f" {field} held {what}: {stamp}")
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"))
    # 09:59:59.999 is 09:59:59 once truncated, before the entry ends; rounded up it would be 10:00:00.
    cases = [
        ({"from_": t.at("09:59:59.999"), "to": t.at("09:59", "-23:59")}, [entry["id"]]),
        ({"from_": t.at("08:00"), "to": t.at("09:00:00.999")}, []),
        ({"from_": t.at("09:30", "+23:59", day_shift=1), "to": t.at("12:00")}, [entry["id"]]),
    ]
    for params, wanted in cases:
        reply = alice.get(t.query("/time-entries", **params))
        listed = [item.get("id") for item in reply.expect(200).get("items", [])]
        t.ensure_equal(listed, wanted, what=f"ids listed for {params}", reply=reply,
                       why=FILTER_WHY + " Fractional seconds are truncated, and offsets up to ±23:59 are accepted.")


@check(
    "entries.token-before-parameters",
    level="L5",
    rules=("auth.token-first",),
    title="without a token, the list is 401 whatever its parameters, and so is a PATCH with a stale If-Match",
    operations=["listTimeEntries", "updateTimeEntry"],
    anchor="pagination",
    why=TOKEN_FIRST_WHY,
)
def token_before_parameters(t: Tester) -> None:
    cases = {
        "limit=0": {"limit": 0},
        "limit=abc": {"limit": "abc"},
        "a cursor the server did not make": {"cursor": "not-a-cursor-we-made"},
        "a from without an offset": {"from_": f"{t.day().isoformat()}T09:00:00"},
        "to before from": {"from_": t.at("10:00"), "to": t.at("09:00")},
    }
    for what, params in cases.items():
        without_token(t, "GET", t.query("/time-entries", **params), [(what, {})])
    bobs = t.shared_user("bob").create_entry(t.at("09:00"), t.at("10:00"))
    stale = {"json": {"description": "stale"}, "headers": {"If-Match": '"stale-tag"'}}
    without_token(t, "PATCH", f"/time-entries/{bobs['id']}", [("an If-Match tag that is not current", stale)])


@check(
    "entries.empty-parameters-refused",
    level="L5",
    rules=("query.schema-422", "entries.filter-project"),
    title="an empty project_id or cursor is 422, and another user's project matches nothing (200, no entries)",
    operations=["listTimeEntries", "createProject", "createTimeEntry"],
    anchor="filters",
    why="project_id and cursor are at least one character long; another user's project simply matches nothing.",
)
def empty_parameters_refused(t: Tester) -> None:
    alice = t.shared_user("alice")
    for name in ("project_id", "cursor"):
        expect_field_errors(t, alice.get(f"/time-entries?{name}="), [name],
                            why=t.check.why + f" This {name} was empty.")
    bob = t.shared_user("bob")
    bobs = bob.create_project(t.unique("Bob's filter"))
    bob.create_entry(t.at("09:00"), t.at("10:00"), project_id=bobs["id"])
    for project_id in (bobs["id"], t.unique("no-such-project")):
        reply = alice.get(t.query("/time-entries", project_id=project_id))
        t.ensure_equal(reply.expect(200, why=t.check.why).get("items"), [], what="items", reply=reply,
                       why=t.check.why + " The filter answers 200 with no entries, not 404, and never bob's entries.")


@check(
    "entries.if-match-list-and-weak-tag",
    level="L5",
    rules=("entries.if-match-rfc9110",),
    title='If-Match with a list holding the current tag lets a PATCH through; a weak W/"..." tag is 412',
    operations=["createTimeEntry", "getTimeEntry", "updateTimeEntry"],
    anchor="etag",
    why='If-Match follows RFC 9110: a list matches when any of its tags does, compared strongly, so a weak tag '
        '(W/"3") never matches and is 412.',
)
def if_match_list_and_weak_tag(t: Tester) -> None:
    alice = t.shared_user("alice")
    entry = alice.create_entry(t.at("09:00"), t.at("10:00"), description="first")
    path = f"/time-entries/{entry['id']}"
    read = alice.get(path)
    read.expect(200)
    tag = read.header("ETag") or '""'
    alice.patch(path, json={"description": "weak"}, headers={"If-Match": f"W/{tag}"}).expect_problem(412, why=t.check.why)
    changed = alice.patch(path, json={"description": "listed"}, headers={"If-Match": f'"not-the-tag", {tag}'})
    ensure_kept(t, changed, changed.expect(200, why=t.check.why), {"description": "listed"}, why=t.check.why)


@check(
    "limits.body-limit-boundary",
    level="L5",
    rules=("limits.body-413",),
    title="a body of exactly 65,536 bytes is read; one byte more is 413",
    operations=["createProject"],
    anchor="body-limit",
    why="the limit is 64 KiB (65,536 bytes) included: only a larger body is 413.",
)
def body_limit_boundary(t: Tester) -> None:
    alice = t.shared_user("alice")
    for size, status in ((65536, 201), (65537, 413)):
        start = f'{{"name": "{t.unique("Boundary")}"'
        body = start + " " * (size - len(start.encode()) - 1) + "}"
        alice.post("/projects", content=body, headers={"Content-Type": "application/json"}).expect(
            status, why=t.check.why + f" This body was {len(body.encode())} bytes (JSON padded with spaces).")


@check(
    "cors.preflight-patch-if-match",
    level="L5",
    rules=("cors.preflight",),
    title="a preflight for PATCH with If-Match from the allowed origin allows both",
    operations=[],
    anchor="cors",
    why="a front end sends PATCH with If-Match to avoid lost updates; the preflight must allow that method and header.",
)
def preflight_patch_if_match(t: Tester) -> None:
    origin = t.cors_origin
    reply = t.anonymous.request("OPTIONS", f"/time-entries/{t.unique('any')}", headers={
        "Origin": origin, "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})
    allowed = reply.header("Access-Control-Allow-Origin")
    methods, headers = _lists(reply.header("Access-Control-Allow-Methods")), _lists(reply.header("Access-Control-Allow-Headers"))
    t.ensure(200 <= reply.status < 300 and allowed in (origin, "*") and ("patch" in methods or "*" in methods)
             and ({"authorization", "content-type", "if-match"} <= headers or "*" in headers),
             expected=f"2xx with Access-Control-Allow-Origin: {origin}, Allow-Methods with PATCH, "
                      "Allow-Headers with authorization, content-type and if-match",
             received=f"{reply.status}, Allow-Origin {allowed}, Allow-Methods {sorted(methods)}, "
                      f"Allow-Headers {sorted(headers)}",
             reply=reply, why=t.check.why)
