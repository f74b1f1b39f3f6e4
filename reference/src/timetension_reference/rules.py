"""The domain rules of the API, as small pure functions.

The routes and the request schemas call these through the module (`rules.name_key(...)`),
never through a copied name, so a test can replace one rule at a time with monkeypatch.
A check that fails raises ValueError with a message that completes "<field> ...".
"""

import base64
import binascii
import hashlib
import hmac
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
PROJECT_NAME_MAX_LENGTH = 100
# White space as the spec's patterns mean it (`\s` in ECMA-262, JSON Schema's regular expressions).
# Python's str.strip() also removes U+001C-U+001F and U+0085, which the patterns take as characters of
# the name: a name of only those is valid there, and must not be refused as empty here.
WHITE_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
              "\u2028\u2029\u202f\u205f\u3000\ufeff"
DESCRIPTION_MAX_LENGTH = 1000
TOKEN_LIFETIME_MIN = 1
TOKEN_LIFETIME_MAX = 86400
BODY_MAX_BYTES = 65536  # a request body larger than this is 413
HEADERS_MAX_BYTES = 32768  # request header fields adding up to more than this are 431
PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 100
REPORT_MAX_DAYS = 366  # dates in one report, both ends included

# The spec's patterns are ECMA-262 regular expressions. Their \s is this set, which is not
# quite Python's, and their [0-9] must not become Python's \d (which matches any Unicode digit).
_ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_EMAIL = re.compile(f"[^@{_ECMA_SPACE}]+@[^@{_ECMA_SPACE}]+\\.[^@{_ECMA_SPACE}]+")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
TIMESTAMP_HELP = "must be an RFC 3339 timestamp with an offset, like 2026-03-02T09:00:00+01:00"
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
DATE_HELP = "must be a date like 2026-03-02 (YYYY-MM-DD)"

# The first and the last instant a datetime can hold. A bound past them (the start of
# 0001-01-01 in Tokyo, say) is clamped to them: no entry lies outside them anyway.
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
LATEST = datetime.max.replace(tzinfo=timezone.utc)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SECOND = timedelta(seconds=1)
_DAY = timedelta(days=1)


def check_text(value: str) -> str:
    """Any text the API stores: no NUL (PostgreSQL cannot store it), no lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)") from None
    return value


def check_max_length(value: str, limit: int) -> str:
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters long")
    return value


def check_email(email: str) -> str:
    check_max_length(email, EMAIL_MAX_LENGTH)
    if not _EMAIL.fullmatch(email):
        raise ValueError("must be an email address like ada@example.com")
    return email


def email_key(email: str) -> str:
    """The form two emails are compared in: Ada@Example.com and ada@example.com are one account."""
    return email.casefold()


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValueError(f"must be at least {PASSWORD_MIN_LENGTH} characters long")
    return check_max_length(password, PASSWORD_MAX_LENGTH)


def check_token_lifetime(seconds: int) -> int:
    if not TOKEN_LIFETIME_MIN <= seconds <= TOKEN_LIFETIME_MAX:
        raise ValueError(
            f"must be a number of seconds from {TOKEN_LIFETIME_MIN} to {TOKEN_LIFETIME_MAX}"
        )
    return seconds


def token_expiry(issued_at: float, lifetime: int) -> int:
    """The `exp` claim: whole seconds, rounded down so the token never outlives its lifetime."""
    return math.floor(issued_at) + lifetime


def clean_project_name(raw: str) -> str:
    name = raw.strip(WHITE_SPACE)
    if not name:
        raise ValueError("must not be empty or only white space")
    if len(name) > PROJECT_NAME_MAX_LENGTH:
        raise ValueError(
            f"must be at most {PROJECT_NAME_MAX_LENGTH} characters long"
            " once surrounding white space is trimmed"
        )
    return name


def name_key(name: str) -> str:
    """The form two project names are compared in: "Website" and "website" clash."""
    return name.casefold()


def check_description(description: str) -> str:
    return check_max_length(description, DESCRIPTION_MAX_LENGTH)


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp that must carry an offset, as an aware datetime."""
    match = _TIMESTAMP.fullmatch(text)
    if not match:
        raise ValueError(TIMESTAMP_HELP)
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    sign, offset_hours, offset_minutes = match.groups()[6:]
    offset = timedelta(0)
    if sign:
        if int(offset_hours) > 23 or int(offset_minutes) > 59:
            raise ValueError("has an offset out of range: offsets go from -23:59 to +23:59")
        offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        if sign == "-":
            offset = -offset
    if second == 60:
        raise ValueError("must not be a leap second (:60)")
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))
    except ValueError:
        raise ValueError(
            "must be a real date and time between the years 0001 and 9999, like "
            "2026-03-02T09:00:00+01:00"
        ) from None


def to_utc_second(moment: datetime) -> datetime:
    """An aware datetime in UTC, truncated (never rounded) to the second."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("must carry an offset")
    try:
        return moment.astimezone(timezone.utc).replace(microsecond=0)
    except OverflowError:
        raise ValueError("is out of range: in UTC it is outside the years 0001 to 9999") from None


def format_timestamp(moment: datetime) -> str:
    """"YYYY-MM-DDTHH:MM:SSZ" (isoformat, unlike strftime, pads years before 1000)."""
    utc = moment.astimezone(timezone.utc).replace(microsecond=0, tzinfo=None)
    return utc.isoformat() + "Z"


def ends_after_start(started_at: datetime, ended_at: datetime) -> bool:
    return ended_at > started_at


def overlaps(
    a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None
) -> bool:
    """Whether [a_start, a_end) and [b_start, b_end) share a moment; a None end never comes."""
    a_starts_before_b_ends = b_end is None or a_start < b_end
    b_starts_before_a_ends = a_end is None or b_start < a_end
    return a_starts_before_b_ends and b_starts_before_a_ends


def duration_seconds(started_at: datetime, ended_at: datetime | None) -> int | None:
    if ended_at is None:
        return None
    return (ended_at - started_at) // timedelta(seconds=1)


def stop_time(now: datetime, started_at: datetime) -> datetime:
    """When a stopped timer ends: now, but at least one second after its start."""
    try:
        return max(now, started_at + timedelta(seconds=1))
    except OverflowError:
        raise ValueError("the running entry starts at the last representable second") from None


# Level 4: reports by local day.


def parse_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD, and nothing else (no week dates, no times)."""
    match = _DATE.fullmatch(text)
    if not match:
        raise ValueError(DATE_HELP)
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(
            "must be a real date between 0001-01-01 and 9999-12-31, like 2026-03-02"
        ) from None


def check_report_range(first: date, last: date) -> date:
    """The last date of a report: not before the first, and at most REPORT_MAX_DAYS dates in all."""
    if last < first:
        raise ValueError(f"must not be before from ({first.isoformat()})")
    if (last - first).days + 1 > REPORT_MAX_DAYS:
        raise ValueError(
            f"must be at most {REPORT_MAX_DAYS - 1} days after from ({first.isoformat()}):"
            f" a report spans at most {REPORT_MAX_DAYS} days"
        )
    return last


@cache
def _zone_names() -> frozenset[str]:
    # The names of the IANA database as the tzdata package lists them, so that the same names
    # are accepted with or without /usr/share/zoneinfo, and no file name there ("localtime",
    # a folder, a path) passes for a zone.
    names = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(names.split())


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name (Europe/Warsaw, UTC); names are case-sensitive."""
    if name not in _zone_names():
        raise ValueError("must be an IANA time zone name, such as Europe/Warsaw or UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("names a time zone whose rules cannot be loaded") from None


def local_day_start(day: date, zone: tzinfo) -> datetime:
    """The first instant, in UTC, of a local date in a time zone.

    Usually its midnight. When the clocks go back over midnight, the first of the two
    midnights. When they jump over midnight (Havana, São Paulo), the moment of the jump, the
    first instant whose local date is `day`; a date skipped whole (Samoa's 2011-12-30) starts
    where the next one does, and so lasts no time.
    """
    midnight = datetime.combine(day, time(), tzinfo=zone)  # fold=0: the earlier of two midnights
    try:
        start = midnight.astimezone(timezone.utc)
    except OverflowError:
        return EARLIEST if day.year == 1 else LATEST
    if start.astimezone(zone).replace(tzinfo=None) == midnight.replace(tzinfo=None):
        return start
    # Midnight is in a gap. Read with the offset from before the jump (fold=0) it lands at or
    # after the jump; read with the offset from after it (fold=1), before the jump, still on
    # an earlier date. The jump is between the two: find its second.
    before = midnight.replace(fold=1).astimezone(timezone.utc)
    low, high = 0, (start - before) // _SECOND
    while high - low > 1:
        middle = (low + high) // 2
        if (before + middle * _SECOND).astimezone(zone).date() >= day:
            high = middle
        else:
            low = middle
    return before + high * _SECOND


def local_day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """A local day as the half-open UTC interval [its first instant, the next day's first instant).

    Its length is 24 hours, except on the days the clocks change: 23 or 25 hours for the usual
    one-hour daylight-saving change.
    """
    end = LATEST if day == date.max else local_day_start(day + _DAY, zone)
    return local_day_start(day, zone), end


def report_range(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """From `first` at 00:00 local time to the day after `last` at 00:00 local time, in UTC."""
    return local_day_bounds(first, zone)[0], local_day_bounds(last, zone)[1]


def clip(
    start: datetime, end: datetime, range_start: datetime, range_end: datetime
) -> tuple[datetime, datetime] | None:
    """The part of [start, end) inside [range_start, range_end), or None when nothing is inside."""
    clipped_start, clipped_end = max(start, range_start), min(end, range_end)
    if clipped_end <= clipped_start:
        return None
    return clipped_start, clipped_end


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The local date an instant counts on: the one whose local_day_bounds hold it."""
    day = moment.astimezone(zone).date()
    # Only where the clocks go back over midnight can the wall clock show the date before
    # after the next day has begun (its first midnight); such an instant counts on that next day.
    while day < date.max and local_day_start(day + _DAY, zone) <= moment:
        day += _DAY
    return day


def split_by_local_day(
    start: datetime, end: datetime, zone: tzinfo
) -> list[tuple[date, timedelta]]:
    """[start, end) cut at local midnights: (local date, time on that date) for each date it
    touches, in order. The pieces add up to end - start, DST days included."""
    pieces: list[tuple[date, timedelta]] = []
    day = local_date(start, zone)
    while start < end:
        _, day_end = local_day_bounds(day, zone)
        piece_end = min(end, day_end)
        if piece_end > start:
            pieces.append((day, piece_end - start))
            start = piece_end
        if start >= end:
            break
        day += _DAY
    return pieces


@dataclass(frozen=True)
class Summary:
    total_seconds: int
    projects: list[tuple[str | None, int]]  # (project_id, seconds), in report order
    days: list[tuple[date, int]]  # (local date, seconds), one per date of the range


def order_projects(totals: dict[str | None, int]) -> list[tuple[str | None, int]]:
    """Most time first, then by project id, with time outside any project (None) last;
    projects without time are left out."""
    kept = [(project_id, seconds) for project_id, seconds in totals.items() if seconds > 0]
    return sorted(kept, key=lambda item: (-item[1], item[0] is None, item[0] or ""))


def summarize(
    entries: Iterable[tuple[str | None, datetime, datetime | None]],
    first: date,
    last: date,
    zone: tzinfo,
) -> Summary:
    """Time per project and per local date of entries (project_id, started_at, ended_at),
    clipped to the dates first..last in `zone`. A running entry (no end) does not count."""
    range_start, range_end = report_range(first, last, zone)
    per_day = {first + n * _DAY: timedelta(0) for n in range((last - first).days + 1)}
    per_project: dict[str | None, timedelta] = {}
    for project_id, started_at, ended_at in entries:
        if ended_at is None:
            continue
        inside = clip(started_at, ended_at, range_start, range_end)
        if inside is None:
            continue
        for day, length in split_by_local_day(*inside, zone):
            per_day[day] += length
            per_project[project_id] = per_project.get(project_id, timedelta(0)) + length
    days = [(day, length // _SECOND) for day, length in per_day.items()]
    projects = order_projects({key: length // _SECOND for key, length in per_project.items()})
    return Summary(sum(seconds for _, seconds in days), projects, days)


# Level 5: pages of time entries, entity tags.


def check_page_limit(text: str) -> int:
    message = f"must be a whole number from 1 to {PAGE_LIMIT_MAX}"
    if not re.fullmatch(r"[+-]?[0-9]{1,20}", text):
        raise ValueError(message)
    limit = int(text)
    if not 1 <= limit <= PAGE_LIMIT_MAX:
        raise ValueError(message)
    return limit


def check_window(window_from: datetime | None, window_to: datetime) -> datetime:
    """The end of a list's window [from, to): after its start, when there is one."""
    if window_from is not None and not window_to > window_from:
        raise ValueError(f"must be after from ({format_timestamp(window_from)})")
    return window_to


def cursor_key(secret_key: str) -> bytes:
    """The key that signs cursors: derived from the app's secret, distinct from the token key."""
    secret = secret_key.encode("utf-8", "surrogateescape")
    return hmac.new(secret, b"timetension page cursor", hashlib.sha256).digest()


_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,400}")
_CURSOR_SIGNATURE_BYTES = 16
CURSOR_HELP = "must be the next_cursor of an earlier page, unchanged"


def _cursor_signature(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:_CURSOR_SIGNATURE_BYTES]


def encode_cursor(started_at: datetime, entry_id: str, key: bytes) -> str:
    """An opaque cursor for the entries after (started_at, entry_id) in list order.

    URL-safe base64 of a signature and the position, so that only cursors this server made
    (with this SECRET_KEY) are taken back.
    """
    payload = f"{(started_at - _EPOCH) // _SECOND}:{entry_id}".encode()
    raw = _cursor_signature(key, payload) + payload
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, key: bytes) -> tuple[datetime, str]:
    """The (started_at, entry_id) a cursor of encode_cursor holds."""
    if not _CURSOR.fullmatch(cursor):
        raise ValueError(CURSOR_HELP)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(CURSOR_HELP) from None
    signature, payload = raw[:_CURSOR_SIGNATURE_BYTES], raw[_CURSOR_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, _cursor_signature(key, payload)):
        raise ValueError(CURSOR_HELP)
    seconds, _, entry_id = payload.decode("ascii").partition(":")
    return _EPOCH + int(seconds) * _SECOND, entry_id


def entity_tag(version: int) -> str:
    """The ETag of a time entry: its version, which goes up at every change, quoted."""
    return f'"{version}"'


_LIST_MEMBER = re.compile(r'[ \t]*((?:W/)?"[^"]*")?[ \t]*(?:,|\Z)')


def if_match_allows(header: str, current_tag: str) -> bool:
    """Whether an If-Match header lets a change go ahead (RFC 9110, 13.1.1).

    `*` does; so does a list of entity tags that holds the current one, compared strongly (a
    weak tag, W/"3", never matches). A header that is not such a list matches nothing.
    """
    if header.strip(" \t") == "*":
        return True
    tags: list[str] = []
    position = 0
    while position < len(header):
        match = _LIST_MEMBER.match(header, position)
        if match is None or match.end() == position:
            return False
        if match.group(1):
            tags.append(match.group(1))
        position = match.end()
    return current_tag in tags
