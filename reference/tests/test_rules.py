from datetime import datetime, timedelta, timezone

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
