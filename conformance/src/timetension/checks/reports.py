"""Level 4, reports: time summed per project and per local day, in any IANA time zone."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .._registry import check
from .._tester import Tester, User
from ._common import TOKEN_REQUIRED_WHY, expect_field_errors, expect_unauthorized

CLIP_WHY = "only the part of an entry inside the range counts: the range is [from 00:00, the day after to 00:00) local time."
DAY_WHY = "an entry that crosses local midnight counts on both days, each the part that falls on it."
ZONE_WHY = (
    "days are local days in tz: the same instant can fall on another date than in UTC. Converting with a "
    "fixed offset, or grouping by the UTC date, gets this wrong."
)
DST_WHY = (
    "on the day a daylight-saving change happens a local day is 23 or 25 hours long; the days must still "
    "add up to the time tracked. Adding 24 hours to midnight gets this wrong."
)
RUNNING_WHY = "a running entry does not count in a report until it is stopped (the documented rule)."
REPORT_ERRORS_WHY = "a report of an impossible range or an unknown zone is refused with 422 on the parameter at fault."


def _reporter(t: Tester) -> User:
    return t.shared_user("reporter")


def _summary(t: Tester, user: User, first: date | str, last: date | str, tz: str | None = None) -> tuple[Any, Any]:
    reply = user.get(t.query("/reports/summary", from_=str(first), to=str(last), tz=tz))
    return reply, reply.expect(200)


def _days(report: dict[str, Any]) -> list[tuple[str, int]]:
    return [(day.get("date"), day.get("total_seconds")) for day in report.get("days", [])]


@check(
    "reports.summary",
    level="L4",
    rules=("reports.range-inclusive", "reports.projects-order", "reports.days-every-date"),
    title="the summary adds up per project, most time first, and per day; other users' time is not in it",
    operations=["getSummaryReport"],
    anchor="summary",
    why="a summary holds the caller's own time only, per project ordered by time (null project last on a tie) and per day.",
)
def summary(t: Tester) -> None:
    user = _reporter(t)
    big, small = user.create_project(t.unique("Big")), user.create_project(t.unique("Small"))
    user.create_entry(t.at("08:00"), t.at("10:00"), project_id=big["id"])
    user.create_entry(t.at("10:00"), t.at("11:30"))
    user.create_entry(t.at("13:00"), t.at("14:00"), project_id=small["id"])
    t.shared_user("bob").create_entry(t.at("08:00"), t.at("18:00"))
    reply, report = _summary(t, user, t.day(), t.day())
    projects = [(item.get("project_id"), item.get("total_seconds")) for item in report["projects"]]
    t.ensure_equal(projects, [(big["id"], 7200), (None, 5400), (small["id"], 3600)], what="projects",
                   reply=reply, why="per project, most time first; time outside any project has project_id null.")
    t.ensure_equal((report["total_seconds"], _days(report)), (16200, [(t.day().isoformat(), 16200)]),
                   what="(total_seconds, days)", reply=reply, why="the caller's own time only: bob's day is not in it.")
    t.ensure_equal((report.get("from"), report.get("to"), report.get("tz")),
                   (t.day().isoformat(), t.day().isoformat(), "UTC"), what="(from, to, tz) echoed", reply=reply,
                   why="a report repeats the range and the zone it was computed for, so a client can tell which "
                       "question an answer belongs to.")


@check(
    "reports.clipped-at-both-edges",
    level="L4",
    rules=("reports.range-inclusive", "reports.clipped"),
    title="entries that cross the start or the end of the range count only inside it",
    operations=["getSummaryReport"],
    anchor="clipping",
    why=CLIP_WHY,
)
def clipped(t: Tester) -> None:
    user = _reporter(t)
    user.create_entry(t.at("22:00", day_shift=-1), t.at("02:00"))
    user.create_entry(t.at("23:00"), t.at("01:00", day_shift=1))
    reply, report = _summary(t, user, t.day(), t.day())
    t.ensure_equal(report["total_seconds"], 7200 + 3600, what="total_seconds", reply=reply,
                   why=CLIP_WHY + " 22:00 the day before to 02:00 counts 2 h; 23:00 to 01:00 the day after counts 1 h.")


@check(
    "reports.split-at-midnight",
    level="L4",
    rules=("reports.split-at-midnight",),
    title="an entry over midnight counts on both days, each its own part",
    operations=["getSummaryReport"],
    anchor="midnight",
    why=DAY_WHY,
)
def split_at_midnight(t: Tester) -> None:
    user = _reporter(t)
    user.create_entry(t.at("23:00"), t.at("01:30", day_shift=1))
    reply, report = _summary(t, user, t.day(), t.day() + timedelta(days=1))
    wanted = [(t.day().isoformat(), 3600), ((t.day() + timedelta(days=1)).isoformat(), 5400)]
    t.ensure_equal(_days(report), wanted, what="days", reply=reply, why=DAY_WHY + " 23:00 to 01:30 is 1 h + 1.5 h.")


@check(
    "reports.local-days-east-of-utc",
    level="L4",
    rules=("reports.local-date",),
    title="in Asia/Tokyo an entry at 20:00Z belongs to the next local date",
    operations=["getSummaryReport"],
    anchor="time-zones",
    why=ZONE_WHY,
)
def east_of_utc(t: Tester) -> None:
    user = _reporter(t)
    user.create_entry(t.at("20:00"), t.at("21:00"))
    next_day = t.day() + timedelta(days=1)
    reply, report = _summary(t, user, t.day(), next_day, tz="Asia/Tokyo")
    t.ensure_equal(_days(report), [(t.day().isoformat(), 0), (next_day.isoformat(), 3600)],
                   what="days in Asia/Tokyo", reply=reply, why=ZONE_WHY + " 20:00Z is 05:00 the next day in Tokyo (+09:00).")
    reply, report = _summary(t, user, t.day(), t.day())
    t.ensure_equal(_days(report), [(t.day().isoformat(), 3600)], what="days in UTC", reply=reply, why=ZONE_WHY)


def _whole_days(t: Tester, zone: str, first: str, start: str, end: str, hours: list[int]) -> None:
    user = _reporter(t)
    user.create_entry(start, end)
    days = [date.fromisoformat(first) + timedelta(days=n) for n in range(len(hours))]
    reply, report = _summary(t, user, days[0], days[-1], tz=zone)
    wanted = [(day.isoformat(), h * 3600) for day, h in zip(days, hours)]
    t.ensure_equal(_days(report), wanted, what=f"days in {zone}", reply=reply,
                   why=DST_WHY + f" The entry runs from {start} to {end}, local midnight to local midnight.")
    t.ensure_equal(report["total_seconds"], sum(hours) * 3600, what="total_seconds", reply=reply, why=DST_WHY)


@check(
    "reports.dst-spring-forward",
    level="L4",
    rules=("reports.dst-day-length",),
    title="29 March 2026 in Europe/Warsaw and 8 March 2026 in America/New_York are 23-hour days",
    operations=["getSummaryReport"],
    anchor="dst",
    why=DST_WHY,
)
def dst_spring_forward(t: Tester) -> None:
    _whole_days(t, "Europe/Warsaw", "2026-03-28", "2026-03-28T00:00:00+01:00", "2026-03-31T00:00:00+02:00",
                [24, 23, 24])
    _whole_days(t, "America/New_York", "2026-03-07", "2026-03-07T00:00:00-05:00", "2026-03-10T00:00:00-04:00",
                [24, 23, 24])


@check(
    "reports.dst-fall-back",
    level="L4",
    rules=("reports.dst-day-length",),
    title="25 October 2026 in Europe/Warsaw and 1 November 2026 in America/New_York are 25-hour days",
    operations=["getSummaryReport"],
    anchor="dst",
    why=DST_WHY,
)
def dst_fall_back(t: Tester) -> None:
    _whole_days(t, "Europe/Warsaw", "2026-10-24", "2026-10-24T00:00:00+02:00", "2026-10-27T00:00:00+01:00",
                [24, 25, 24])
    _whole_days(t, "America/New_York", "2026-10-31", "2026-10-31T00:00:00-04:00", "2026-11-03T00:00:00-05:00",
                [24, 25, 24])


@check(
    "reports.empty-range",
    level="L4",
    rules=("reports.days-every-date",),
    title="a range without entries has zero totals and one zero day per date",
    operations=["getSummaryReport"],
    anchor="summary",
    why="days has one item per local date of the range, zeros included, so a chart needs no gap filling.",
)
def empty_range(t: Tester) -> None:
    user = _reporter(t)
    last = t.day() + timedelta(days=2)
    reply, report = _summary(t, user, t.day(), last, tz="America/New_York")
    wanted = [((t.day() + timedelta(days=n)).isoformat(), 0) for n in range(3)]
    t.ensure_equal((report["total_seconds"], report["projects"], _days(report)), (0, [], wanted),
                   what="(total_seconds, projects, days)", reply=reply)


@check(
    "reports.running-entry-not-counted",
    level="L4",
    rules=("reports.running-not-counted",),
    title="a running entry does not count until it is stopped",
    operations=["getSummaryReport", "startTimer", "updateTimeEntry", "stopTimer"],
    anchor="running",
    why=RUNNING_WHY,
)
def running_not_counted(t: Tester) -> None:
    user = t.new_user("running-report")
    today = t.now_utc().date()
    running = user.post("/timer/start").expect(201, why="the check needs a running timer; POST /timer/start with no body starts one.")
    two_hours_ago = t.stamp(t.now_utc() - timedelta(hours=2))
    user.patch(f"/time-entries/{running['id']}", json={"started_at": two_hours_ago}).expect(
        200, why="a running entry's start can be moved earlier; it keeps running")
    reply, report = _summary(t, user, today - timedelta(days=1), today + timedelta(days=1))
    t.ensure_equal(report["total_seconds"], 0, what="total_seconds while a timer started 2 hours ago runs",
                   reply=reply, why=RUNNING_WHY)
    user.post("/timer/stop").expect(200, why="a running timer stops with 200 and the finished entry.")
    reply, report = _summary(t, user, today - timedelta(days=1), today + timedelta(days=1))
    t.ensure(report["total_seconds"] >= 1, expected="total_seconds of at least 1 once the timer stopped",
             received=f"total_seconds {report['total_seconds']}", reply=reply, why=RUNNING_WHY)


@check(
    "reports.validation",
    level="L4",
    rules=("reports.range-366-days", "reports.to-not-before-from", "reports.tz-iana", "errors.field-names",
           "query.schema-422"),
    title="to before from, an unknown zone, an impossible date or over 366 days is 422",
    operations=["getSummaryReport"],
    anchor="report-errors",
    why=REPORT_ERRORS_WHY,
)
def validation(t: Tester) -> None:
    user = _reporter(t)
    cases = [
        ({"from_": "2026-03-10", "to": "2026-03-09"}, "to"),
        ({"from_": "2026-03-10", "to": "2026-03-10", "tz": "Mars/Olympus_Mons"}, "tz"),
        ({"from_": "2026-02-30", "to": "2026-03-10"}, "from"),
        ({"to": "2026-03-10"}, "from"),
        ({"from_": "2025-01-01", "to": "2026-01-02"}, "to"),
    ]
    for params, field in cases:
        expect_field_errors(t, user.get(t.query("/reports/summary", **params)), [field], why=REPORT_ERRORS_WHY)
    _summary(t, user, "2025-01-01", "2026-01-01")


@check(
    "reports.token-required",
    level="L4",
    rules=("auth.token-first",),
    title="the report without a valid bearer token is 401",
    operations=["getSummaryReport"],
    anchor="token-required",
    why=TOKEN_REQUIRED_WHY,
)
def reports_token_required(t: Tester) -> None:
    expect_unauthorized(t, t.anonymous.get(t.query("/reports/summary", from_="2026-03-01", to="2026-03-02")))


GAP_WHY = (
    "a local day starts at its first instant. In Asia/Beirut the clocks jump from 00:00 to 01:00 on 30 March "
    "2025, so that day starts at 22:00Z the evening before, when they land; reading midnight with the new "
    "offset puts the start an hour early, inside the day before."
)


@check(
    "reports.day-starts-when-clocks-land",
    level="L4",
    rules=("reports.day-starts-first-instant",),
    title="where the clocks jump over midnight (Asia/Beirut, 30 March 2025), the day starts when they land",
    operations=["getSummaryReport"],
    anchor="dst",
    why=GAP_WHY,
)
def day_starts_when_clocks_land(t: Tester) -> None:
    user = _reporter(t)
    user.create_entry("2025-03-29T21:00:00Z", "2025-03-29T23:00:00Z")
    reply, report = _summary(t, user, "2025-03-29", "2025-03-30", tz="Asia/Beirut")
    t.ensure_equal(_days(report), [("2025-03-29", 3600), ("2025-03-30", 3600)], what="days in Asia/Beirut",
                   reply=reply, why=GAP_WHY + " The entry runs 23:00-00:00 (+02:00), then 01:00-02:00 (+03:00).")


TZ_NAMES_WHY = (
    "tz takes any IANA name, not only Area/City: UTC, Etc/UTC and the Etc/GMT zones are names too. "
    "Etc/GMT-14 is UTC+14 (the sign is POSIX's, the other way round), so 12:00Z there is 02:00 the next day."
)


@check(
    "reports.tz-any-iana-name",
    level="L4",
    rules=("reports.tz-iana",),
    title="tz accepts every IANA name: UTC, Etc/UTC and Etc/GMT-14 as well as Area/City",
    operations=["getSummaryReport"],
    anchor="time-zones",
    why=TZ_NAMES_WHY,
)
def tz_any_iana_name(t: Tester) -> None:
    user = _reporter(t)
    user.create_entry(t.at("12:00"), t.at("13:00"))
    next_day = t.day() + timedelta(days=1)
    for zone in ("UTC", "Etc/UTC"):
        reply, report = _summary(t, user, t.day(), t.day(), tz=zone)
        t.ensure_equal(_days(report), [(t.day().isoformat(), 3600)], what=f"days in {zone}", reply=reply,
                       why=TZ_NAMES_WHY)
    reply, report = _summary(t, user, t.day(), next_day, tz="Etc/GMT-14")
    t.ensure_equal(_days(report), [(t.day().isoformat(), 0), (next_day.isoformat(), 3600)],
                   what="days in Etc/GMT-14", reply=reply, why=TZ_NAMES_WHY)
