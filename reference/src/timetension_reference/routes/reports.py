from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import or_, select

from .. import rules
from ..dependencies import CurrentUser, DbSession
from ..models import TimeEntry
from ..problems import invalid_fields
from ..schemas import summary_body

router = APIRouter(tags=["Reports"])


@router.get("/reports/summary")
def get_summary_report(request: Request, session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Time per project and per local day; the arithmetic is rules.summarize's."""
    params = request.query_params
    errors: list[tuple[str, str]] = []
    dates: dict[str, date] = {}
    for name in ("from", "to"):
        raw = params.get(name)
        if raw is None:
            errors.append((name, "is required: give a date like 2026-03-02"))
            continue
        try:
            dates[name] = rules.parse_date(raw)
        except ValueError as exc:
            errors.append((name, str(exc)))
    if "from" in dates and "to" in dates:
        try:
            rules.check_report_range(dates["from"], dates["to"])
        except ValueError as exc:
            errors.append(("to", str(exc)))
    tz = params.get("tz", "UTC")
    try:
        zone = rules.time_zone(tz)
    except ValueError as exc:
        errors.append(("tz", str(exc)))
    if errors:
        raise invalid_fields(errors)

    first, last = dates["from"], dates["to"]
    range_start, range_end = rules.report_range(first, last, zone)
    # Only the entries that reach into the range are read; rules.summarize clips them to it,
    # cuts them at local midnights and leaves the running one out.
    entries = session.execute(
        select(TimeEntry.project_id, TimeEntry.started_at, TimeEntry.ended_at).where(
            TimeEntry.user_id == user.id,
            TimeEntry.started_at < range_end,
            or_(TimeEntry.ended_at.is_(None), TimeEntry.ended_at > range_start),
        )
    )
    summary = rules.summarize(entries, first, last, zone)
    return summary_body(first, last, tz, summary)
