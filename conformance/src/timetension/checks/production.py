"""Level 5, production-grade: filtered and paginated lists, lost updates, races, bursts, body limits and CORS."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from .._expect import as_json
from .._expect import describe_answer
from .._registry import check
from .._tester import Tester, User
from ._common import expect_field_errors

PAGES_WHY = (
    "a long list comes in pages of at most `limit` entries; following next_cursor until it is null finds every "
    "entry exactly once, in started_at order. Offsets skip or repeat rows when the list changes between pages; "
    "a cursor does not."
)
FILTER_WHY = "the filters select entries that overlap [from, to) (half-open) and belong to project_id."
LIST_ERRORS_WHY = "a limit outside 1..100, a cursor the server did not make, or a window that ends before it starts is 422."
ETAG_WHY = (
    "two people editing one entry must not silently overwrite each other: a PATCH with If-Match and a tag that "
    "is no longer current is 412 and changes nothing (optimistic concurrency)."
)
RACE_WHY = (
    "many starts at the same moment must leave exactly one running entry; a check-then-insert in the code "
    "is not enough, the database has to enforce it (a unique constraint, or a lock)."
)
BURST_WHY = (
    "a service gets bursts: many signed-in requests at the same moment must all be answered within a few "
    "seconds. 503 with Retry-After is allowed (the app is busy, try again); a 500, a hang, or a request that "
    "holds a database lock or connection while it waits for a worker thread is not: under a burst, such "
    "waits chain up and the whole server stalls."
)
TOO_LARGE_WHY = "a body over 64 KiB is 413 before it is parsed, so a client cannot make the server read and parse megabytes."
CORS_WHY = (
    "a browser front end on an allowed origin may call the API: the preflight answers with that origin and the "
    "methods and headers asked for. Any other origin gets no Access-Control-Allow-Origin, so browsers refuse it."
)
BIG_BODY = '{"description": "' + "x" * 100_000 + '"}'
RACE_STARTS = 10
BURST_REQUESTS = 50
BURST_SECONDS = 10


def _ids(page: dict[str, Any]) -> list[Any]:
    return [entry.get("id") for entry in page.get("items", [])]


@check(
    "entries.pages-find-each-entry-once",
    level="L5",
    rules=("entries.pages", "entries.pages-each-once"),
    title="paging with limit=5 through 12 entries finds each exactly once, in order",
    operations=["listTimeEntries"],
    anchor="pagination",
    why=PAGES_WHY,
)
def pages(t: Tester) -> None:
    user = t.new_user("pager")
    created = [user.create_entry(t.at(f"{hour:02d}:00"), t.at(f"{hour:02d}:30"))["id"] for hour in range(12)]
    seen: list[Any] = []
    reply = user.get(t.query("/time-entries", limit=5))
    page = reply.expect(200)
    for _ in range(10):
        t.ensure(len(page.get("items", [])) <= 5, expected="at most 5 entries on a page with limit=5",
                 received=f"{len(page.get('items', []))} entries", reply=reply, why=PAGES_WHY)
        seen += _ids(page)
        if not page.get("next_cursor"):
            break
        reply = user.get(t.query("/time-entries", limit=5, cursor=page["next_cursor"]))
        page = reply.expect(200)
    t.ensure_equal(seen, created, what="ids over all pages", reply=reply, why=PAGES_WHY)


@check(
    "entries.filter-by-project-and-time",
    level="L5",
    rules=("entries.filter-project", "entries.filter-window"),
    title="project_id, from and to select the project's entries that overlap [from, to)",
    operations=["listTimeEntries"],
    anchor="filters",
    why=FILTER_WHY,
)
def filters(t: Tester) -> None:
    user = t.shared_user("alice")  # every case filters by this check's own day or its own project
    project = user.create_project(t.unique("Filtered"))
    nine = user.create_entry(t.at("09:00"), t.at("10:00"), project_id=project["id"])
    ten = user.create_entry(t.at("10:00"), t.at("11:00"))
    eleven = user.create_entry(t.at("11:00"), t.at("12:00"), project_id=project["id"])
    cases = [
        ({"project_id": project["id"]}, [nine["id"], eleven["id"]]),
        ({"from_": t.at("10:00"), "to": t.at("11:00")}, [ten["id"]]),
        ({"from_": t.at("11:30", "+02:00"), "to": t.at("12:30", "+02:00")}, [nine["id"], ten["id"]]),
        ({"from_": t.at("09:30"), "to": t.at("11:30"), "project_id": project["id"]}, [nine["id"], eleven["id"]]),
    ]
    for params, wanted in cases:
        reply = user.get(t.query("/time-entries", **params))
        t.ensure_equal(_ids(reply.expect(200)), wanted, what=f"ids listed for GET {reply.exchange.path}", reply=reply,
                       why=FILTER_WHY)


@check(
    "entries.list-validation",
    level="L5",
    rules=("entries.filter-to-after-from", "entries.cursor-unknown-422", "query.schema-422"),
    title="limit 0 or 101, a made-up cursor, or to before from is 422",
    operations=["listTimeEntries"],
    anchor="pagination",
    why=LIST_ERRORS_WHY,
)
def list_validation(t: Tester) -> None:
    user = t.shared_user("alice")
    cases = [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "not-a-cursor-we-made"}, "cursor"),
             ({"from_": t.at("10:00"), "to": t.at("09:00")}, "to"),
             ({"from_": f"{t.day().isoformat()}T10:00:00"}, "from")]
    for params, field in cases:
        expect_field_errors(t, user.get(t.query("/time-entries", **params)), [field], why=LIST_ERRORS_WHY)


@check(
    "entries.stale-etag-is-412",
    level="L5",
    rules=("entries.if-match-412", "entries.etag-changes"),
    title="PATCH with If-Match and a stale ETag is 412 and changes nothing",
    operations=["getTimeEntry", "updateTimeEntry", "createTimeEntry"],
    anchor="etag",
    why=ETAG_WHY,
)
def stale_etag(t: Tester) -> None:
    user = t.shared_user("alice")
    entry = user.create_entry(t.at("09:00"), t.at("10:00"), description="first")
    path = f"/time-entries/{entry['id']}"
    read = user.get(path)
    read.expect(200)
    tag = read.header("ETag")
    t.ensure(bool(tag), expected="an ETag header on GET of a time entry", received="no ETag header", reply=read,
             why=ETAG_WHY)
    changed = user.patch(path, json={"description": "second"}, headers={"If-Match": tag})
    changed.expect(200, why="If-Match with the current tag lets the change through")
    t.ensure(changed.header("ETag") not in (None, tag), expected="a new ETag after the change",
             received=f"ETag {as_json(changed.header('ETag'))}", reply=changed, why=ETAG_WHY)
    user.patch(path, json={"description": "lost update"}, headers={"If-Match": tag}).expect_problem(412, why=ETAG_WHY)
    after = user.get(path)
    t.ensure_equal(after.expect(200).get("description"), "second", what="description after the refused PATCH",
                   reply=after, why=ETAG_WHY)
    user.patch(path, json={"description": "third"}, headers={"If-Match": "*"}).expect(200, why="If-Match: * matches any tag")


@check(
    "timer.race-has-one-winner",
    level="L5",
    rules=("timer.one-running",),
    title=f"{RACE_STARTS} timer starts at the same moment give one 201 and {RACE_STARTS - 1} 409s",
    operations=["startTimer", "getTimer"],
    anchor="race",
    alone=True,  # sends from threads of its own, whose requests are told apart only with nothing else running
    why=RACE_WHY,
)
def race(t: Tester) -> None:
    user = t.new_user("racer")
    barrier = threading.Barrier(RACE_STARTS)
    statuses: list[int] = []

    def start() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(user.post("/timer/start").status)
        except Exception:  # no answer; the count below shows it
            statuses.append(0)

    threads = [threading.Thread(target=start) for _ in range(RACE_STARTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    t.ensure(sorted(statuses) == [201] + [409] * (RACE_STARTS - 1),
             expected=f"one 201 and {RACE_STARTS - 1} 409", received=f"statuses {as_json(sorted(statuses))}", why=RACE_WHY)
    user.get("/timer").expect(200, why=RACE_WHY)
    entries = user.get("/time-entries").expect(200)
    t.ensure_equal(len(entries.get("items", [])), 1, what="entries after the race", why=RACE_WHY)


def _send_burst(t: Tester, user: User) -> list[tuple[str, Any]]:
    """BURST_REQUESTS signed-in requests released together, half reads, half writes: (what was
    expected, the Reply or the reason it did not come) for each."""
    barrier = threading.Barrier(BURST_REQUESTS)
    outcomes: list[tuple[str, Any]] = []
    lock = threading.Lock()
    prefix = t.unique("Burst")

    def send(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            if n % 2:
                outcome: tuple[str, Any] = ("201", user.post("/projects", json={"name": f"{prefix} {n}"}))
            else:
                outcome = ("200", user.get("/users/me"))
        except Exception as error:  # no answer at all: a timeout, a reset; reported below
            outcome = ("an answer", getattr(error, "what", None) or type(error).__name__)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=(n,), daemon=True) for n in range(BURST_REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BURST_SECONDS + 20)
    return outcomes


def _acceptable(wanted: str, reply: Any) -> bool:
    if isinstance(reply, str):
        return False
    if reply.status == 503:
        return bool((reply.header("Retry-After") or "").strip().isdigit())
    return str(reply.status) == wanted


@check(
    "limits.burst-answered",
    level="L5",
    rules=("limits.burst", "limits.stays-available"),
    title=f"{BURST_REQUESTS} signed-in requests at once are all answered within {BURST_SECONDS} s, no 5xx but 503",
    operations=["getCurrentUser", "createProject"],
    anchor="burst",
    alone=True,  # times the burst; other checks' requests at the same moment would slow it down
    why=BURST_WHY,
)
def burst(t: Tester) -> None:
    user = t.shared_user("alice")  # it runs alone, and needs nothing of its user but a token
    started = time.monotonic()
    outcomes = _send_burst(t, user)
    elapsed = time.monotonic() - started
    counts: dict[str, int] = {}
    for _, reply in outcomes:
        key = reply if isinstance(reply, str) else str(reply.status)
        counts[key] = counts.get(key, 0) + 1
    summary = ", ".join(f"{count} x {key}" for key, count in sorted(counts.items()))
    bad = [(wanted, reply) for wanted, reply in outcomes if not _acceptable(wanted, reply)]
    first_bad = next((reply for _, reply in bad if not isinstance(reply, str)), None)
    t.ensure(len(outcomes) == BURST_REQUESTS and not bad,
             expected=f"{BURST_REQUESTS} answers: 200 to GET /users/me, 201 to POST /projects, or 503 with "
                      "Retry-After",
             received=f"{summary}" + (f" ({BURST_REQUESTS - len(outcomes)} never finished)"
                                      if len(outcomes) < BURST_REQUESTS else ""),
             reply=first_bad, why=BURST_WHY)
    t.ensure(elapsed <= BURST_SECONDS, expected=f"the whole burst answered within {BURST_SECONDS} s",
             received=f"{elapsed:.1f} s ({summary})", why=BURST_WHY)


def _body_targets(t: Tester, user: User) -> list[tuple[str, str]]:
    project = user.create_project(t.unique("Big bodies"))
    entry = user.create_entry(t.at("09:00"), t.at("10:00"))
    return [("POST", "/users"), ("POST", "/auth/token"), ("POST", "/projects"), ("PATCH", f"/projects/{project['id']}"),
            ("POST", "/time-entries"), ("PATCH", f"/time-entries/{entry['id']}"), ("POST", "/timer/start")]


@check(
    "limits.body-too-large",
    level="L5",
    rules=("limits.body-413",),
    title="a 100 KB body is 413 on every operation that takes one",
    operations=["registerUser", "createToken", "createProject", "updateProject", "createTimeEntry",
                "updateTimeEntry", "startTimer"],
    anchor="body-limit",
    why=TOO_LARGE_WHY,
)
def body_too_large(t: Tester) -> None:
    user = t.shared_user("alice")
    for method, path in _body_targets(t, user):
        user.request(method, path, content=BIG_BODY, headers={"Content-Type": "application/json"}).expect(
            413, why=TOO_LARGE_WHY)
    chunked = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    user.request("POST", "/projects", content=BIG_BODY, headers=chunked).expect(
        413, why=TOO_LARGE_WHY + " A body sent in chunks has no Content-Length: count the bytes as they come.")


def _preflight(t: Tester, origin: str) -> Any:
    return t.anonymous.request("OPTIONS", "/projects", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})


def _lists(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


@check(
    "cors.allowed-origin",
    level="L5",
    rules=("cors.origins", "cors.preflight", "cors.actual-requests"),
    title="a preflight from the allowed origin names it, with the method and headers asked for",
    operations=["getTimeEntry"],
    anchor="cors",
    why=CORS_WHY,
)
def cors_allowed(t: Tester) -> None:
    origin = t.cors_origin
    reply = _preflight(t, origin)
    allowed = reply.header("Access-Control-Allow-Origin")
    methods, headers = _lists(reply.header("Access-Control-Allow-Methods")), _lists(reply.header("Access-Control-Allow-Headers"))
    t.ensure(200 <= reply.status < 300 and allowed in (origin, "*") and ("post" in methods or "*" in methods)
             and ({"authorization", "content-type"} <= headers or "*" in headers),
             expected=f"2xx with Access-Control-Allow-Origin: {origin}, Allow-Methods with POST, "
                      "Allow-Headers with authorization and content-type",
             received=f"{reply.status}, Allow-Origin {as_json(allowed)}, Allow-Methods {as_json(sorted(methods))}, "
                      f"Allow-Headers {as_json(sorted(headers))}",
             reply=reply, why=CORS_WHY)
    user = t.shared_user("alice")
    entry = user.create_entry(t.at("09:00"), t.at("10:00"))
    actual = user.get(f"/time-entries/{entry['id']}", headers={"Origin": origin})
    actual.expect(200)
    exposed = _lists(actual.header("Access-Control-Expose-Headers"))
    # "*" exposes every header to a request without credentials (cookies, HTTP authentication the browser
    # keeps), which a request carrying a bearer token in Authorization is, under the Fetch standard.
    t.ensure(actual.header("Access-Control-Allow-Origin") in (origin, "*") and ("etag" in exposed or "*" in exposed),
             expected=f"Access-Control-Allow-Origin: {origin} and Access-Control-Expose-Headers with ETag (or *)",
             received=f"Allow-Origin {as_json(actual.header('Access-Control-Allow-Origin'))}, Expose-Headers {as_json(sorted(exposed))}",
             reply=actual, why=CORS_WHY + " A browser hides every header it is not told to expose, ETag included.")


@check(
    "cors.other-origin-refused",
    level="L5",
    rules=("cors.other-origin",),
    title="a preflight from another origin gets no Access-Control-Allow-Origin",
    operations=[],
    anchor="cors",
    why=CORS_WHY,
)
def cors_other_origin(t: Tester) -> None:
    for origin in ("https://evil.example", t.cors_origin + ".evil.example"):
        reply = _preflight(t, origin)
        allowed = reply.header("Access-Control-Allow-Origin")
        t.ensure(allowed is None, expected="no Access-Control-Allow-Origin header",
                 received=f"Access-Control-Allow-Origin: {allowed}", reply=reply,
                 why=CORS_WHY + " Reflecting any Origin, or `*`, lets every web page call the API.")


TOO_LARGE_ANONYMOUS_WHY = (
    "without a valid token a body over 64 KiB is 401 or 413: the token is checked first, and a server may "
    "refuse the size even earlier, but it never reads and validates the body for a stranger."
)


@check(
    "limits.body-too-large-without-token",
    level="L5",
    rules=("limits.body-413-without-token",),
    title="a 100 KB body without a token is 401 or 413, never read and validated",
    operations=["createProject", "createTimeEntry"],
    anchor="body-limit",
    why=TOO_LARGE_ANONYMOUS_WHY,
)
def body_too_large_without_token(t: Tester) -> None:
    for path in ("/projects", "/time-entries"):
        reply = t.anonymous.request("POST", path, content=BIG_BODY, headers={"Content-Type": "application/json"})
        t.ensure(reply.status in (401, 413), expected=f"POST {path} without a token: 401 or 413",
                 received=describe_answer(reply.exchange), reply=reply, why=TOO_LARGE_ANONYMOUS_WHY)
        reply.expect_problem(reply.status, why=TOO_LARGE_ANONYMOUS_WHY)
