"""Level 4 at the edges of its rules: ties in the order of projects, and the token before the parameters."""

from __future__ import annotations

from datetime import timedelta

from .._registry import check
from .._tester import Tester
from ._edges import TOKEN_FIRST_WHY, without_token
from .reports import _days, _reporter, _summary

TIES_WHY = (
    "projects are ordered by most time first, then by project_id, with time outside any project (null) last: "
    "on a tie the order is still fixed, so two clients show the same report."
)


@check(
    "reports.ties-by-project-id",
    level="L4",
    rules=("reports.projects-order",),
    title="projects with equal time are ordered by project_id, and null comes after them",
    operations=["getSummaryReport"],
    anchor="summary",
    why=TIES_WHY,
)
def ties_by_project_id(t: Tester) -> None:
    user = _reporter(t)
    first, second, most = (user.create_project(t.unique(label))["id"] for label in ("Tie", "Tie", "Most"))
    user.create_entry(t.at("06:00"), t.at("07:00"))
    user.create_entry(t.at("08:00"), t.at("09:00"), project_id=second)
    user.create_entry(t.at("10:00"), t.at("11:00"), project_id=first)
    user.create_entry(t.at("12:00"), t.at("14:00"), project_id=most)
    reply, report = _summary(t, user, t.day(), t.day())
    projects = [(item.get("project_id"), item.get("total_seconds")) for item in report["projects"]]
    low, high = sorted((first, second))
    t.ensure_equal(projects, [(most, 7200), (low, 3600), (high, 3600), (None, 3600)], what="projects",
                   reply=reply, why=TIES_WHY)


ZONE_NAMES_WHY = (
    "tz takes IANA names as the database spells them, UTC and Etc/UTC included. Etc/GMT-14 is 14 hours EAST "
    "of UTC (POSIX signs are inverted): reading the name as an offset gets the day wrong."
)


@check(
    "reports.zone-names",
    level="L4",
    rules=("reports.tz-iana",),
    title="tz=Etc/GMT-14 puts 10:00Z on the next local date; Etc/UTC and UTC are UTC",
    operations=["getSummaryReport"],
    anchor="time-zones",
    why=ZONE_NAMES_WHY,
)
def zone_names(t: Tester) -> None:
    user = _reporter(t)
    user.create_entry(t.at("10:00"), t.at("11:00"))
    next_day = t.day() + timedelta(days=1)
    reply, report = _summary(t, user, t.day(), next_day, tz="Etc/GMT-14")
    wanted = ("Etc/GMT-14", [(t.day().isoformat(), 0), (next_day.isoformat(), 3600)])
    t.ensure_equal((report.get("tz"), _days(report)), wanted, what="(tz, days) in Etc/GMT-14", reply=reply,
                   why=ZONE_NAMES_WHY + " 10:00Z is 00:00 the next day at +14:00.")
    for zone in ("Etc/UTC", "UTC"):
        reply, report = _summary(t, user, t.day(), t.day(), tz=zone)
        t.ensure_equal((report.get("tz"), _days(report)), (zone, [(t.day().isoformat(), 3600)]),
                       what=f"(tz, days) in {zone}", reply=reply, why=ZONE_NAMES_WHY)


@check(
    "reports.token-before-parameters",
    level="L4",
    rules=("auth.token-first",),
    title="without a token, the report is 401 whatever is wrong with its parameters",
    operations=["getSummaryReport"],
    anchor="token-required",
    why=TOKEN_FIRST_WHY,
)
def token_before_parameters(t: Tester) -> None:
    cases = {
        "no parameters": {},
        "the date 2026-13-01": {"from_": "2026-13-01", "to": "2026-03-02"},
        "an unknown time zone": {"from_": "2026-03-01", "to": "2026-03-02", "tz": "Mars/Olympus"},
        "to before from": {"from_": "2026-03-02", "to": "2026-03-01"},
        "a range of 400 days": {"from_": "2025-01-01", "to": "2026-02-04"},
    }
    for what, params in cases.items():
        without_token(t, "GET", t.query("/reports/summary", **params), [(what, {})])
