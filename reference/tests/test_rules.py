import unicodedata
from datetime import date, datetime, timedelta, timezone, tzinfo

import pytest

from timetension_reference import rules

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_keys_ignore_case():
    assert rules.email_key("Ada@Example.com") == rules.email_key("ada@example.COM")
    assert rules.name_key("Website") == rules.name_key("WEBSITE")


@pytest.mark.parametrize("email", ["ada@example.com", "a.b+c@sub.example.org"])
def test_good_emails(email):
    assert rules.check_email(email) == email


@pytest.mark.parametrize(
    "email",
    ["ada", "ada@example", "a@b@c.d", "ada @example.com", "ada@exa\u00a0mple.com", "a@b.c\n"],
)
def test_bad_emails(email):
    with pytest.raises(ValueError, match="email address"):
        rules.check_email(email)


def test_password_length_counts_code_points():
    assert rules.check_password("\U0001f600" * 10)
    with pytest.raises(ValueError, match="at least 10 characters"):
        rules.check_password("x" * 9)
    with pytest.raises(ValueError, match="at most 128 characters"):
        rules.check_password("x" * 129)


def test_project_name_is_trimmed_then_checked():
    assert rules.clean_project_name("  Website \n") == "Website"
    assert rules.clean_project_name(" " + "x" * 100 + " ") == "x" * 100
    with pytest.raises(ValueError):
        rules.clean_project_name("   ")
    with pytest.raises(ValueError):
        rules.clean_project_name("x" * 101)


# ECMA-262's \s, which the spec's patterns use: WhiteSpace (tab, VT, FF, ZWNBSP and the Zs category) and
# LineTerminator (LF, CR, LS, PS).
ECMA_WHITE_SPACE = {"\t", "\v", "\f", "\ufeff", "\n", "\r", "\u2028", "\u2029"} | {
    chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) == "Zs"}


def test_project_names_are_trimmed_of_the_white_space_the_spec_patterns_mean():
    assert set(rules.WHITE_SPACE) == ECMA_WHITE_SPACE
    for space in ECMA_WHITE_SPACE:
        assert rules.clean_project_name(f"{space}a{space}") == "a"
        with pytest.raises(ValueError):
            rules.clean_project_name(space * 3)
    # Python's str.strip() would take these away; the pattern takes them as the name itself.
    for character in ["\x1c", "\x1d", "\x1e", "\x1f", "\x85"]:
        assert rules.clean_project_name(f" {character} ") == character


def test_text_rejects_nul():
    with pytest.raises(ValueError, match="NUL"):
        rules.check_text("a\x00b")


def test_timestamps_are_truncated_to_utc_seconds():
    parsed = rules.parse_timestamp("2026-03-02T10:00:00.999+02:00")
    assert rules.format_timestamp(rules.to_utc_second(parsed)) == "2026-03-02T08:00:00Z"
    assert rules.to_utc_second(rules.parse_timestamp("2026-03-02t08:00:00z")) == datetime(
        2026, 3, 2, 8, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02T10:00:00",  # no offset
        "2026-03-02 10:00:00Z",
        "2026-02-30T10:00:00Z",
        "0000-01-01T00:00:00Z",
        "2026-03-02T10:00:00+24:00",
        "2026-03-02T10:00:00+0200",
        "٢٠٢٦-03-02T10:00:00Z",  # digits other than 0-9
    ],
)
def test_bad_timestamps(text):
    with pytest.raises(ValueError):
        rules.parse_timestamp(text)


@pytest.mark.parametrize("text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_timestamps_out_of_range_in_utc(text):
    with pytest.raises(ValueError, match="out of range"):
        rules.to_utc_second(rules.parse_timestamp(text))


def test_format_pads_the_year():
    assert rules.format_timestamp(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"


nine, ten, eleven = (at(f"2026-03-02T{hour:02d}:00:00Z") for hour in (9, 10, 11))


def test_overlaps_are_half_open():
    assert not rules.overlaps(nine, ten, ten, eleven)
    assert not rules.overlaps(ten, eleven, nine, ten)
    assert rules.overlaps(nine, eleven, ten, eleven)
    assert rules.overlaps(nine, ten + timedelta(seconds=1), ten, eleven)


def test_running_entries_last_forever():
    assert rules.overlaps(ten, eleven, nine, None)
    assert not rules.overlaps(nine, ten, ten, None)
    assert rules.overlaps(ten, None, nine, eleven)
    assert not rules.overlaps(ten, None, nine, ten)


def test_durations_and_stop_time():
    start = at("2026-03-02T08:00:00Z")
    assert rules.duration_seconds(start, at("2026-03-02T09:30:00Z")) == 5400
    assert rules.duration_seconds(start, None) is None
    assert rules.stop_time(start, start) == start + timedelta(seconds=1)
    assert rules.stop_time(start + timedelta(hours=1), start) == start + timedelta(hours=1)


def test_token_expiry_rounds_down():
    assert rules.token_expiry(1000.9, 60) == 1060
    assert rules.token_expiry(1000.0, 1) == 1001


# Level 4: dates, zones and local days.

H = timedelta(hours=1)
WARSAW, NEW_YORK, SYDNEY, TOKYO, UTC_ZONE = (
    rules.time_zone(name)
    for name in ("Europe/Warsaw", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC")
)


def day(text: str) -> date:
    return date.fromisoformat(text)


def test_dates_are_yyyy_mm_dd_only():
    assert rules.parse_date("2026-03-29") == date(2026, 3, 29)
    assert rules.parse_date("0001-01-01") == date.min
    for text in ("20260329", "2026-W13-7", "2026-3-29", "2026-02-29", "0000-01-01", "2026-03-29 "):
        with pytest.raises(ValueError):
            rules.parse_date(text)


def test_report_range_is_at_most_366_days_both_ends_included():
    assert rules.check_report_range(day("2028-01-01"), day("2028-12-31")) == day("2028-12-31")
    assert rules.check_report_range(day("2026-03-02"), day("2026-03-02"))
    with pytest.raises(ValueError, match="at most 366 days"):
        rules.check_report_range(day("2026-01-01"), day("2027-01-02"))
    with pytest.raises(ValueError, match="before from"):
        rules.check_report_range(day("2026-03-02"), day("2026-03-01"))


@pytest.mark.parametrize("name", ["Europe/Warsaw", "UTC", "America/Argentina/Buenos_Aires"])
def test_known_zones(name):
    assert str(rules.time_zone(name)) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Mars/Olympus_Mons",
        "europe/warsaw",
        "Europe",
        "localtime",
        "/etc/localtime",
        "../zoneinfo/UTC",
        "Europe/Warsaw\x00",
        "+01:00",
        "x" * 300,
    ],
)
def test_unknown_zones(name):
    with pytest.raises(ValueError, match="IANA time zone"):
        rules.time_zone(name)


def hours(start: datetime, end: datetime) -> float:
    return (end - start) / H


@pytest.mark.parametrize(
    ("zone", "date_text", "first_instant", "length"),
    [
        # Clocks forward: 02:00 becomes 03:00, a 23-hour day; back: 03:00 becomes 02:00, 25 hours.
        (WARSAW, "2026-03-29", "2026-03-28T23:00:00Z", 23),
        (WARSAW, "2026-10-25", "2026-10-24T22:00:00Z", 25),
        (WARSAW, "2026-03-28", "2026-03-27T23:00:00Z", 24),
        (NEW_YORK, "2026-03-08", "2026-03-08T05:00:00Z", 23),
        (NEW_YORK, "2026-11-01", "2026-11-01T04:00:00Z", 25),
        # East of UTC, where a local date begins on the UTC date before, with and without DST.
        (SYDNEY, "2026-04-05", "2026-04-04T13:00:00Z", 25),
        (SYDNEY, "2026-10-04", "2026-10-03T14:00:00Z", 23),
        (TOKYO, "2026-03-29", "2026-03-28T15:00:00Z", 24),
        # Half-hour daylight saving: 23.5 and 24.5 hours.
        (rules.time_zone("Australia/Lord_Howe"), "2026-04-05", "2026-04-04T13:00:00Z", 24.5),
    ],
)
def test_local_day_bounds(zone, date_text, first_instant, length):
    start, end = rules.local_day_bounds(day(date_text), zone)
    assert start == at(first_instant)
    assert hours(start, end) == length
    assert end == rules.local_day_bounds(day(date_text) + timedelta(days=1), zone)[0]


def test_a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump():
    # (Past dates: the rules of these zones have changed since, and may again.)
    # Brazil moved its clocks from 00:00 to 01:00: the date started at 01:00 local time.
    sao_paulo = rules.time_zone("America/Sao_Paulo")
    start, end = rules.local_day_bounds(day("2018-11-04"), sao_paulo)
    assert start == at("2018-11-04T03:00:00Z") and hours(start, end) == 23
    assert start.astimezone(sao_paulo).hour == 1
    # And back from 00:00 to 23:00: the hour before midnight came twice, on the day before.
    assert hours(*rules.local_day_bounds(day("2019-02-16"), sao_paulo)) == 25
    # Cuba moved its clocks back from 01:00 to 00:00: the day starts at the first midnight.
    havana = rules.time_zone("America/Havana")
    start, end = rules.local_day_bounds(day("2012-11-04"), havana)
    assert start == at("2012-11-04T04:00:00Z") and hours(start, end) == 25


def test_a_skipped_date_lasts_no_time():
    # Samoa went from 2011-12-29 straight to 2011-12-31.
    apia = rules.time_zone("Pacific/Apia")
    start, end = rules.local_day_bounds(day("2011-12-30"), apia)
    assert start == end == at("2011-12-30T10:00:00Z")
    assert rules.split_by_local_day(
        at("2011-12-30T09:00:00Z"), at("2011-12-30T11:00:00Z"), apia
    ) == [
        (day("2011-12-29"), H),
        (day("2011-12-31"), H),
    ]


class JumpOverMidnight(tzinfo):
    """A made-up zone whose clocks jump from 23:30 on 2026-05-01 (UTC-1) to 00:30 (UTC)."""

    before, after = timedelta(hours=-1), timedelta(0)
    jump = datetime(2026, 5, 2, 0, 30, tzinfo=timezone.utc)  # 23:30 local before, 00:30 after

    def utcoffset(self, dt):
        wall = dt.replace(tzinfo=None, fold=0)
        if wall < datetime(2026, 5, 1, 23, 30):
            return self.before
        if wall >= datetime(2026, 5, 2, 0, 30):
            return self.after
        return self.after if dt.fold else self.before  # in the gap

    def dst(self, dt):
        return timedelta(0)

    def fromutc(self, dt):
        utc = dt.replace(tzinfo=timezone.utc)
        return dt + (self.before if utc < self.jump else self.after)


def test_a_jump_over_midnight_that_does_not_start_at_midnight():
    zone = JumpOverMidnight()
    start, end = rules.local_day_bounds(day("2026-05-02"), zone)
    assert start == JumpOverMidnight.jump
    assert rules.local_day_bounds(day("2026-05-01"), zone)[1] == start
    assert hours(*rules.local_day_bounds(day("2026-05-01"), zone)) == 23.5


def test_bounds_past_the_representable_instants_are_clamped():
    assert rules.local_day_bounds(date.min, TOKYO)[0] == rules.EARLIEST
    assert rules.local_day_bounds(date.max, NEW_YORK)[1] == rules.LATEST
    assert rules.report_range(date.min, date.max, UTC_ZONE) == (rules.EARLIEST, rules.LATEST)


def test_clip():
    assert rules.clip(nine, eleven, ten, eleven) == (ten, eleven)
    assert rules.clip(nine, eleven, nine, ten) == (nine, ten)
    assert rules.clip(ten, eleven, nine, at("2026-03-02T12:00:00Z")) == (ten, eleven)
    assert rules.clip(nine, ten, ten, eleven) is None  # half-open: touching is not overlapping
    assert rules.clip(ten, eleven, nine, ten) is None


@pytest.mark.parametrize(
    ("zone", "start", "end", "expected"),
    [
        # Over the 23-hour day in Warsaw: 2 h on the 28th (from 22:00 local), 23 h, 1 h.
        (
            WARSAW,
            "2026-03-28T21:00:00Z",
            "2026-03-30T00:00:00Z",
            [("2026-03-28", 2), ("2026-03-29", 23), ("2026-03-30", 2)],
        ),
        (WARSAW, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", [("2026-10-25", 25)]),
        (
            NEW_YORK,
            "2026-03-08T04:00:00Z",
            "2026-03-09T05:00:00Z",
            [("2026-03-07", 1), ("2026-03-08", 23), ("2026-03-09", 1)],
        ),
        (
            NEW_YORK,
            "2026-11-01T00:00:00Z",
            "2026-11-02T06:00:00Z",
            [("2026-10-31", 4), ("2026-11-01", 25), ("2026-11-02", 1)],
        ),
        # 10:00 UTC is already the next day in Tokyo.
        (
            TOKYO,
            "2026-03-02T14:00:00Z",
            "2026-03-02T16:00:00Z",
            [("2026-03-02", 1), ("2026-03-03", 1)],
        ),
        (
            SYDNEY,
            "2026-10-03T13:00:00Z",
            "2026-10-04T14:00:00Z",
            [("2026-10-03", 1), ("2026-10-04", 23), ("2026-10-05", 1)],
        ),
        (UTC_ZONE, "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z", [("2026-03-02", 1)]),
    ],
)
def test_split_by_local_day(zone, start, end, expected):
    pieces = rules.split_by_local_day(at(start), at(end), zone)
    assert [(d.isoformat(), length / H) for d, length in pieces] == expected
    assert sum((length for _, length in pieces), timedelta(0)) == at(end) - at(start)


def test_summarize_clips_splits_and_skips_running_entries():
    entries = [
        ("p_b", at("2026-03-27T22:00:00Z"), at("2026-03-28T01:00:00Z")),  # 1 h before the range
        ("p_a", at("2026-03-29T10:00:00Z"), at("2026-03-29T12:00:00Z")),
        (None, at("2026-03-29T21:00:00Z"), at("2026-03-29T23:00:00Z")),  # crosses midnight
        ("p_b", at("2026-03-29T23:30:00Z"), None),  # running: does not count
    ]
    summary = rules.summarize(entries, day("2026-03-28"), day("2026-03-30"), WARSAW)
    assert summary.days == [
        (day("2026-03-28"), 2 * 3600),
        (day("2026-03-29"), 3 * 3600),
        (day("2026-03-30"), 1 * 3600),
    ]
    assert summary.projects == [("p_a", 7200), ("p_b", 7200), (None, 7200)]
    assert summary.total_seconds == 6 * 3600


def test_summarize_counts_a_25_hour_day_whole():
    entries = [("p", at("2026-10-24T00:00:00Z"), at("2026-10-27T00:00:00Z"))]
    summary = rules.summarize(entries, day("2026-10-25"), day("2026-10-25"), WARSAW)
    assert summary.days == [(day("2026-10-25"), 25 * 3600)]
    assert summary.total_seconds == 25 * 3600


def test_projects_by_most_time_then_id_then_none():
    totals = {None: 50, "b": 50, "a": 50, "c": 70, "z": 0}
    assert rules.order_projects(totals) == [("c", 70), ("a", 50), ("b", 50), (None, 50)]


# Level 5: pages and entity tags.


@pytest.mark.parametrize(("text", "limit"), [("1", 1), ("50", 50), ("100", 100), ("007", 7)])
def test_page_limits(text, limit):
    assert rules.check_page_limit(text) == limit


@pytest.mark.parametrize("text", ["0", "101", "-1", "", "1.0", "ten", "1e2", "٣", " 5", "9" * 30])
def test_bad_page_limits(text):
    with pytest.raises(ValueError, match="from 1 to 100"):
        rules.check_page_limit(text)


def test_window_must_end_after_it_starts():
    assert rules.check_window(None, ten) == ten
    assert rules.check_window(nine, ten) == ten
    with pytest.raises(ValueError, match="after from"):
        rules.check_window(ten, ten)


def test_cursors_round_trip_and_only_ours_are_taken():
    key = rules.cursor_key("secret one")
    for started_at in (at("2026-03-02T08:00:00Z"), rules.EARLIEST, at("9999-12-31T23:59:59Z")):
        cursor = rules.encode_cursor(started_at, "0123abcd" * 4, key)
        assert rules.decode_cursor(cursor, key) == (started_at, "0123abcd" * 4)
    cursor = rules.encode_cursor(ten, "e1", key)
    forged = rules.encode_cursor(ten, "e1", rules.cursor_key("secret two"))
    flipped = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    for bad in (forged, flipped, cursor + "x", "not a cursor", "", "a" * 401, "=" + cursor):
        with pytest.raises(ValueError, match="next_cursor"):
            rules.decode_cursor(bad, key)


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        ('"3"', True),
        ("*", True),
        (" * ", True),
        ('"2", "3"', True),
        ('"2","3" ,"4"', True),
        ('"2"', False),
        ('W/"3"', False),  # If-Match compares strongly
        ("3", False),
        ('"3', False),
        ("", False),
        ('"3" x', False),
        ('*, "3"', False),
        ('"a,b", "3"', True),  # a comma inside a tag does not split it
    ],
)
def test_if_match(header, allowed):
    assert rules.if_match_allows(header, rules.entity_tag(3)) is allowed
