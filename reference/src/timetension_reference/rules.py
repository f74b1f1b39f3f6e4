"""The domain rules of the API, as small pure functions.

The routes and the request schemas call these through the module (`rules.name_key(...)`),
never through a copied name, so a test can replace one rule at a time with monkeypatch.
A check that fails raises ValueError with a message that completes "<field> ...".
"""

import math
import re
from datetime import datetime, timedelta, timezone

EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128
PROJECT_NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 1000
TOKEN_LIFETIME_MIN = 1
TOKEN_LIFETIME_MAX = 86400

# The spec's patterns are ECMA-262 regular expressions. Their \s is this set, which is not
# quite Python's, and their [0-9] must not become Python's \d (which matches any Unicode digit).
_ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_EMAIL = re.compile(f"[^@{_ECMA_SPACE}]+@[^@{_ECMA_SPACE}]+\\.[^@{_ECMA_SPACE}]+")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))"
)
TIMESTAMP_HELP = "must be an RFC 3339 timestamp with an offset, like 2026-03-02T09:00:00+01:00"


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
    name = raw.strip()
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
