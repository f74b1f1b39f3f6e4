"""Level 3, the timer: one running entry per user, started and stopped at the server's clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from .._expect import as_json
from .._registry import check
from .._tester import Tester, User
from ._common import (
    MALFORMED_JSON_WHY,
    MEDIA_TYPE_WHY,
    TOKEN_REQUIRED_WHY,
    expect_field_errors,
    reject_malformed_json,
    reject_other_media_types,
    require_token,
)

CLOCK_TOLERANCE = timedelta(minutes=2)
SAME_SECOND_TRIES = 3
ONE_TIMER_WHY = "a user has at most one running entry: a second start is 409 until the first is stopped."
IDLE_WHY = "with no running entry, GET /timer is 404 (nothing to show) and POST /timer/stop is 409 (wrong state)."
RUNNING_COVERS_WHY = (
    "a running entry covers everything from its start onwards, so no other entry of the user may "
    "reach past its start, before or while it runs."
)


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _idle_user(t: Tester) -> User:
    """A user of the check's own, for a check that never starts a timer on purpose. Not a shared one: a
    start the app wrongly accepts leaves a timer running, which would fail another check for the wrong
    reason (one running entry per user)."""
    return t.new_user("timer-idle")


def _expect_no_timer(t: Tester, user: User, why: str = "a refused start leaves no running entry behind") -> None:
    reply = user.get("/timer")
    if reply.status == 200:
        user.post("/timer/stop")  # so that the next check sharing this user starts clean
    reply.expect_problem(404, why=why)


@check(
    "timer.start-stop",
    level="L3",
    rules=("timer.start-now", "timer.body-optional", "timer.stop-now", "timer.stop-same-second"),
    title="start gives a running entry at the server's now; stop ends it, at least a second later",
    operations=["startTimer", "getTimer", "stopTimer"],
    anchor="timer",
    why="the timer is an entry with ended_at null while it runs; its start and end come from the server's clock in UTC.",
)
def start_stop(t: Tester) -> None:
    # Started and stopped within one second of this machine's clock, so that "at least a second later" is
    # the app's doing (a server on the same clock saw them in that second too). A try that crossed into the
    # next second (a few in a hundred; more on a loaded machine) proves less, so it is made again.
    for _ in range(SAME_SECOND_TRIES):
        user = t.new_user("timer")
        began = int(time.time())
        before = t.now_utc()
        started = user.post("/timer/start")
        current = user.get("/timer")
        stopped_reply = user.post("/timer/stop")
        if int(time.time()) == began:
            break
    running = started.expect(201)
    t.ensure_equal((running.get("ended_at"), running.get("duration_seconds")), (None, None),
                   what="(ended_at, duration_seconds) of a running entry", reply=started)
    start = _parse(running["started_at"])
    t.ensure(abs(start - before) <= CLOCK_TOLERANCE, expected=f"started_at close to {t.stamp(before)} (now, in UTC)",
             received=f"started_at {running['started_at']}", reply=started,
             why="the timer starts at the server's current time in UTC. Hours off usually means local time "
                 "labelled as UTC; check the app's and the database's time zone.")
    t.ensure_equal(current.expect(200), running, what="GET /timer while it runs", reply=current)
    stopped = stopped_reply.expect(200)
    end = _parse(stopped["ended_at"]) if stopped.get("ended_at") else None
    t.ensure(end is not None and end >= start + timedelta(seconds=1),
             expected=f"ended_at at least one second after started_at {running['started_at']}",
             received=f"ended_at {as_json(stopped.get('ended_at'))}", reply=stopped_reply,
             why="an entry has a length: one stopped in the second it started ends a second later.")
    t.ensure_equal(stopped.get("duration_seconds"), int((end - start).total_seconds()), what="duration_seconds",
                   reply=stopped_reply)
    user.get("/timer").expect_problem(404, why=IDLE_WHY)
    read = user.get(f"/time-entries/{running['id']}")
    t.ensure_equal(read.expect(200), stopped, what="the stopped entry read back", reply=read)


@check(
    "timer.already-running-conflict",
    level="L3",
    rules=("timer.one-running",),
    title="starting a timer while one runs is 409, and the first keeps running",
    operations=["startTimer", "getTimer"],
    anchor="timer",
    why=ONE_TIMER_WHY,
)
def already_running(t: Tester) -> None:
    user = t.new_user("twice")
    first = user.post("/timer/start").expect(201)
    user.post("/timer/start", json={"description": "second"}).expect_problem(409, why=ONE_TIMER_WHY)
    current = user.get("/timer")
    t.ensure_equal(current.expect(200).get("id"), first["id"], what="id of the running entry", reply=current,
                   why=ONE_TIMER_WHY)


@check(
    "timer.idle",
    level="L3",
    rules=("timer.stop-idle-409",),
    title="with no timer running, GET /timer is 404 and POST /timer/stop is 409",
    operations=["getTimer", "stopTimer"],
    anchor="timer-idle",
    why=IDLE_WHY,
)
def idle(t: Tester) -> None:
    user = _idle_user(t)
    _expect_no_timer(t, user, why=IDLE_WHY)
    user.post("/timer/stop").expect_problem(409, why=IDLE_WHY)


@check(
    "timer.running-entry-blocks-later-entries",
    level="L3",
    rules=("entries.running-covers-onwards",),
    title="while a timer runs, an entry after its start is 409; one that ends before it is fine",
    operations=["createTimeEntry", "startTimer"],
    anchor="timer-overlaps",
    why=RUNNING_COVERS_WHY,
)
def running_blocks_later(t: Tester) -> None:
    user = t.new_user("running")
    user.post("/timer/start").expect(201, why="the check needs a running timer; POST /timer/start with no body starts one.")
    now = t.now_utc()
    later = {"started_at": t.stamp(now + timedelta(hours=1)), "ended_at": t.stamp(now + timedelta(hours=2))}
    user.post("/time-entries", json=later).expect_problem(409, why=RUNNING_COVERS_WHY)
    earlier = {"started_at": t.stamp(now - timedelta(hours=3)), "ended_at": t.stamp(now - timedelta(hours=2))}
    user.post("/time-entries", json=earlier).expect(201, why=RUNNING_COVERS_WHY)


@check(
    "timer.later-entry-blocks-start",
    level="L3",
    rules=("timer.start-overlap-409",),
    title="a timer cannot start while an entry ends after now (409)",
    operations=["startTimer"],
    anchor="timer-overlaps",
    why=RUNNING_COVERS_WHY,
)
def later_entry_blocks_start(t: Tester) -> None:
    user = t.new_user("planned")
    now = t.now_utc()
    user.create_entry(t.stamp(now + timedelta(hours=1)), t.stamp(now + timedelta(hours=2)))
    user.post("/timer/start").expect_problem(409, why=RUNNING_COVERS_WHY)
    _expect_no_timer(t, user)


@check(
    "timer.start-on-project",
    level="L3",
    rules=("timer.project-404",),
    title="a timer can start on the user's own project; another user's project is 404",
    operations=["startTimer"],
    anchor="timer",
    why="the timer's project follows the same rule as an entry's: the user's own, or 404.",
)
def start_on_project(t: Tester) -> None:
    user = t.new_user("project-timer")
    bobs = t.shared_user("bob").create_project(t.unique("Not yours"))
    user.post("/timer/start", json={"project_id": bobs["id"]}).expect_problem(
        404, why="another user's project is 404, exactly like one that does not exist")
    project = user.create_project(t.unique("Timed"))
    started = user.post("/timer/start", json={"project_id": project["id"], "description": "Code review"})
    body = started.expect(201)
    t.ensure_equal((body.get("project_id"), body.get("description")), (project["id"], "Code review"),
                   what="(project_id, description)", reply=started)


@check(
    "timer.start-validation",
    level="L3",
    rules=("body.no-coercion",),
    title="a start body with a project_id that is not a string, or a description over 1000 characters, is 422",
    operations=["startTimer"],
    anchor="timer",
    why="the start body follows the spec's StartTimer schema.",
)
def start_validation(t: Tester) -> None:
    user = _idle_user(t)
    expect_field_errors(t, user.post("/timer/start", json={"project_id": 42}), ["project_id"])
    expect_field_errors(t, user.post("/timer/start", json={"description": "d" * 1001}), ["description"])
    _expect_no_timer(t, user)


@check(
    "timer.token-required",
    level="L3",
    rules=("auth.token-first",),
    title="every timer operation without a valid bearer token is 401",
    operations=["getTimer", "startTimer", "stopTimer"],
    anchor="token-required",
    why=TOKEN_REQUIRED_WHY,
)
def timer_token_required(t: Tester) -> None:
    require_token(t, [("POST", "/timer/start"), ("GET", "/timer"), ("POST", "/timer/stop")])


@check(
    "timer.malformed-json",
    level="L3",
    rules=("body.malformed-json-400",),
    title="a start body that is not valid JSON is 400",
    operations=["startTimer"],
    anchor="malformed-json",
    why=MALFORMED_JSON_WHY,
)
def timer_malformed_json(t: Tester) -> None:
    user = _idle_user(t)
    reject_malformed_json(user, [("POST", "/timer/start")])
    _expect_no_timer(t, user)


@check(
    "timer.other-media-type",
    level="L3",
    rules=("body.media-type-415",),
    title="a start body sent as text/plain is 415",
    operations=["startTimer"],
    anchor="media-type",
    why=MEDIA_TYPE_WHY,
)
def timer_other_media_type(t: Tester) -> None:
    user = _idle_user(t)
    reject_other_media_types(user, [("POST", "/timer/start")], '{"description": "plain"}')
    _expect_no_timer(t, user)


ENDED_AT_STOPS_WHY = (
    "a PATCH that sets ended_at on the running entry stops it at that time: the timer is the entry whose "
    "ended_at is null, not a second record that must be cleared as well."
)


@check(
    "timer.patch-ended-at-stops",
    level="L3",
    rules=("entries.ended-at-stops",),
    title="a PATCH that sets ended_at on the running entry stops the timer at that time",
    operations=["startTimer", "updateTimeEntry", "getTimer", "stopTimer"],
    anchor="timer",
    why=ENDED_AT_STOPS_WHY,
)
def patch_ended_at_stops(t: Tester) -> None:
    user = t.new_user("timer-patched")
    running = user.post("/timer/start").expect(201, why="the check needs a running timer")
    started_at = datetime.fromisoformat(str(running.get("started_at")).replace("Z", "+00:00"))
    ended_at = t.stamp(started_at + timedelta(minutes=30))
    patched = user.patch(f"/time-entries/{running['id']}", json={"ended_at": ended_at})
    entry = patched.expect(200, why=ENDED_AT_STOPS_WHY)
    t.ensure_equal((entry.get("ended_at"), entry.get("duration_seconds")), (ended_at, 1800),
                   what="(ended_at, duration_seconds)", reply=patched, why=ENDED_AT_STOPS_WHY)
    _expect_no_timer(t, user, why=ENDED_AT_STOPS_WHY)
    user.post("/timer/stop").expect_problem(409, why=ENDED_AT_STOPS_WHY)
