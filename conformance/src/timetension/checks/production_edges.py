"""Level 5 at the edges of its rules: a last page exactly full, limit at its bounds, the timestamp forms of
the filters, and the token before the parameters and If-Match."""

from __future__ import annotations

from typing import Any

from .._expect import Reply
from .._registry import check
from .._tester import Tester, User
from ._common import expect_field_errors
from ._edges import TOKEN_FIRST_WHY, without_token
from .production import FILTER_WHY, PAGES_WHY
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
    t.ensure([entry.get("id") for entry in page.get("items", [])] == created[:1] and bool(page.get("next_cursor")),
             expected=f"limit=1: the first entry {created[0]} and a next_cursor",
             received=f"ids {[entry.get('id') for entry in page.get('items', [])]}, next_cursor {page.get('next_cursor')}",
             reply=reply, why=t.check.why)


@check(
    "entries.filter-timestamp-forms",
    level="L5",
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
