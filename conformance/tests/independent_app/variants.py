"""Broken variants of the independent implementation: the Go app with exactly one rule broken.

The kit's own broken apps (`broken_apps/catalogue.py`) break the reference, written by the same hands as
the checks. These break an app written from the spec alone, at the edges where a participant's framework
or a hurried reading breaks a rule: the token checked after the body, a string coerced into an integer,
lengths counted in bytes, a tie ordered the other way. `INDEPENDENT_APP_BREAK=<name>` starts the app with
one of them (the names are `knownBreaks` in `breaks.go`). `make mutants` runs the suite against each and
requires the check named in `caught_by` to fail.

A variant that no check catches yet has `caught_by=None` and a `gap` saying what check would catch it;
`make mutants` lists it as an open gap without failing. An `allowed` one is not broken: it answers another
way the spec allows, and every check must pass against it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str
    level: str
    breaks: str
    caught_by: str | None
    gap: str = ""
    allowed: bool = False  # not broken at all: another answer the spec allows; every check must pass


def _caught(name: str, level: str, breaks: str, caught_by: str) -> Variant:
    return Variant(name, level, breaks, caught_by)


def _open(name: str, level: str, breaks: str, gap: str) -> Variant:
    return Variant(name, level, breaks, None, gap)


def _allowed(name: str, level: str, behaves: str) -> Variant:
    return Variant(name, level, behaves, None, allowed=True)


VARIANTS: tuple[Variant, ...] = (
    # L0: the walking skeleton
    _caught("unknown-path-not-problem", "L0", "an unknown path answers the framework's own text/plain 404, not a problem",
            "errors.unknown-path-404"),
    _caught("wrong-method-not-problem", "L0", "a known path with a method it does not have answers a text/plain 405",
            "errors.wrong-method"),
    _caught("health-status-not-ok", "L0", 'GET /health answers {"status": "UP"} (an actuator\'s word), not "ok"',
            "health.ok"),
    # L1: accounts
    _caught("email-unique-case-sensitive", "L1", "emails are compared as sent: Ada@x.com and ada@x.com are two accounts",
            "accounts.duplicate-email-conflict"),
    _caught("sign-in-email-case-sensitive", "L1", "sign-in looks the email up exactly as it was registered",
            "accounts.sign-in-ignores-email-case"),
    _open("email-case-ascii-only", "L1", "emails are lower-cased in ASCII only: ÉMILE@x.com and émile@x.com differ",
          "checks change the case of ASCII letters only; one registering émile@… and then ÉMILE@… (409) would"),
    _caught("unknown-email-told-apart", "L1", "an unknown email gets another 401 detail than a wrong password",
            "accounts.bad-credentials-indistinguishable"),
    _caught("password-max-off-by-one", "L1", "a password of 129 characters is accepted", "accounts.password-length"),
    _open("password-length-in-bytes", "L1", "password length is counted in UTF-8 bytes, not code points",
          "passwords at the bounds are ASCII; 128 'é' (256 bytes) accepted and 9 'é' refused would catch it"),
    _open("password-number-coerced", "L1", '"password": 12345678901 is taken as the text "12345678901"',
          "no check sends a number where a string is required (decision 12: 422)"),
    _open("expires-in-string-coerced", "L1", '"expires_in": "60" is read as the number 60',
          "no check sends a string where an integer is required (decision 12: 422)"),
    _caught("expires-in-ignored", "L1", "every token lives 3600 s whatever expires_in asked for",
            "accounts.expired-token"),
    _caught("expired-token-leeway", "L1", "a token is still accepted up to 60 s after it expired (a JWT leeway)",
            "accounts.expired-token"),
    _caught("no-www-authenticate", "L1", "a 401 of a protected operation carries no WWW-Authenticate: Bearer",
            "accounts.token-required"),
    _open("media-type-case-sensitive", "L1", "Content-Type: Application/JSON is refused with 415",
          "the media-type checks send lower case only; Application/JSON; charset=UTF-8 must be JSON (decision 16)"),
    _open("missing-content-type-parsed", "L1", "a JSON body sent without Content-Type is parsed instead of 415",
          "no check sends a body without Content-Type (the root rules: 415)"),
    _caught("charset-parameter-refused", "L1", "Content-Type: application/json; charset=utf-8 is refused with 415",
            "accounts.json-charset-accepted"),
    _open("nul-accepted-in-password", "L1", "a password holding NUL (U+0000) is accepted at registration",
          "no check sends NUL in any field; the root rules make it 422 in every text"),
    _caught("field-errors-as-plain-json", "L1", "a 422 is sent as application/json, not application/problem+json",
            "accounts.every-field-error-listed"),
    _caught("first-field-error-only", "L1", "a 422 names only the first invalid field", "accounts.every-field-error-listed"),
    _caught("password-min-off-by-one", "L1", "a password of 9 characters is accepted", "accounts.password-length"),
    _caught("token-expiry-rounded-up", "L1", "the expiry is kept in whole seconds rounded up and compared with the "
            "current second, so a token lives up to 2 s too long", "accounts.expired-token"),
    _caught("utc-written-as-offset", "L1", "timestamps are written with +00:00 instead of Z (created_at first)",
            "accounts.register"),
    # L2: projects, and the token checked before the body
    _open("token-after-body-parsing", "L2", "broken JSON or text/plain is 400/415 before the missing token is 401",
          "the token checks send valid bodies only; broken JSON and text/plain without a token must be 401"),
    _open("token-after-validation", "L2", 'POST /projects validates {"name": ""} (422) before the missing token',
          'the token checks send valid bodies only; {"name": ""} without a token must be 401'),
    _caught("project-name-unique-case-sensitive", "L2", "project names clash only in the same case",
            "projects.duplicate-name-conflict"),
    _open("project-name-case-ascii-only", "L2", "project names are lower-cased in ASCII only: Élan and élan do not clash",
          "the duplicate-name check changes ASCII case only; Élan then élan (409) would catch it"),
    _caught("project-name-not-trimmed", "L2", "surrounding white space is kept in a project name", "projects.name-trimmed"),
    _open("project-name-length-before-trimming", "L2", "the 100-character limit is applied before trimming",
          "no check sends a 100-character name padded with spaces (must be 201, trimmed)"),
    _open("project-name-length-in-utf16", "L2", "name length counted in UTF-16 units: 100 emoji are refused",
          "name lengths are checked with ASCII; 100 emoji outside the BMP (accepted) would catch it"),
    _caught("project-name-max-off-by-one", "L2", "a project name of 101 characters is accepted", "projects.name-length"),
    _caught("not-found-as-plain-json", "L2", "a 404 for a missing project or entry is sent as application/json",
            "projects.other-user-not-found"),
    _caught("unknown-fields-refused", "L2", "POST /projects refuses members it does not know (422) instead of ignoring them",
            "projects.unknown-fields-ignored"),
    _caught("project-of-other-user-forbidden", "L2", "another user's project is 403, telling that the id exists",
            "projects.other-user-not-found"),
    _caught("projects-listed-by-name", "L2", "projects are listed by name, not oldest first", "projects.list-own-in-order"),
    _caught("project-rename-clashes-with-itself", "L2", "renaming a project to its own name in another case is 409",
            "projects.rename-conflict"),
    _caught("project-null-description-ignored", "L2", 'PATCH {"description": null} leaves the description as it was',
            "projects.update-partial"),
    _open("nul-accepted-in-project-description", "L2", "a project description holding NUL (U+0000) is accepted",
          "no check sends NUL in a description; the root rules make it 422"),
    # L3: time entries and the timer
    _caught("project-delete-cascades", "L3", "deleting a project deletes its time entries instead of 409",
            "projects.delete-with-entries-conflict"),
    _caught("overlap-closed-intervals", "L3", "intervals are closed: an entry starting when another ends is 409",
            "entries.touching-allowed"),
    _caught("running-entry-not-an-overlap", "L3", "a running entry is left out of the overlap rule",
            "timer.running-entry-blocks-later-entries"),
    _caught("fraction-rounded", "L3", "fractional seconds are rounded, not truncated", "entries.utc-to-the-second"),
    _open("leap-second-accepted", "L3", "a leap second (:60) is accepted as the next minute",
          "no check sends a leap second in a time entry (the root rules: 422)"),
    _open("offset-beyond-23-59-accepted", "L3", "an offset of +24:00 is accepted",
          "no check sends an offset beyond ±23:59 (the root rules: 422)"),
    _open("hour-24-accepted", "L3", "an hour 24 (T24:00:00) is accepted as the next midnight",
          "no check sends hour 24 in a timestamp (decision 17: 422)"),
    _open("date-alone-accepted", "L3", "a date without a time is taken as midnight UTC",
          "entries.offset-required sends a date alone as ended_at, which falls before started_at and is 422 for the "
          "order anyway; a date alone as started_at (or an ended_at after the start) would catch it"),
    _caught("end-equal-to-start-accepted", "L3", "an entry that ends when it starts is accepted",
            "entries.end-after-start"),
    _caught("timer-stopped-in-same-second", "L3", "a timer stopped in the second it started ends that same second",
            "timer.start-stop"),
    _caught("entry-on-other-users-project", "L3", "an entry may name another user's project", "entries.project-not-yours"),
    _caught("entry-overlaps-itself-on-update", "L3", "PATCH finds the entry overlapping its own old interval",
            "entries.update-overlap"),
    _caught("second-timer-replaces-first", "L3", "starting a timer while one runs stops the first and starts anew",
            "timer.already-running-conflict"),
    _caught("stop-without-timer-404", "L3", "stopping when no timer runs is 404, not 409", "timer.idle"),
    _caught("timer-start-ignores-later-entries", "L3", "a timer starts although an entry ends after now",
            "timer.later-entry-blocks-start"),
    _caught("entries-listed-newest-first", "L3", "entries are listed latest start first", "entries.list-own-in-order"),
    _caught("ended-at-null-accepted", "L3", 'PATCH {"ended_at": null} makes a stopped entry run again',
            "entries.update-validation"),
    _open("nul-accepted-in-entry-description", "L3", "a time entry description holding NUL (U+0000) is accepted",
          "no check sends NUL in an entry; the root rules make it 422"),
    _open("description-length-in-bytes", "L3", "description length is counted in UTF-8 bytes: 600 'é' are refused",
          "descriptions are checked with ASCII (1001 'd'); 1000 'é' or emoji accepted would catch it"),
    _caught("timer-start-requires-body", "L3", "POST /timer/start without a body is 415 (the body is optional)",
            "timer.start-stop"),
    # L4: reports
    _caught("report-not-clipped", "L4", "an entry crossing the range counts whole, on the day it starts",
            "reports.clipped-at-both-edges"),
    _caught("report-days-of-24-hours", "L4", "local days are 24 hours from the first midnight", "reports.dst-spring-forward"),
    _caught("report-days-in-utc", "L4", "days are UTC dates whatever tz says", "reports.local-days-east-of-utc"),
    _open("report-null-project-first-on-tie", "L4", "on a tie, time outside any project comes before a project",
          "reports.summary has no tie; a project and no-project time of equal length would catch it"),
    _open("report-tie-by-project-id-descending", "L4", "on a tie, projects come in descending project_id",
          "reports.summary has no tie between two projects"),
    _caught("report-range-367-days", "L4", "a range of 367 dates is accepted", "reports.validation"),
    _caught("report-counts-running-entry", "L4", "a running entry counts up to now", "reports.running-entry-not-counted"),
    _caught("report-unknown-zone-as-utc", "L4", "an unknown tz is read as UTC instead of 422", "reports.validation"),
    _caught("report-zero-days-omitted", "L4", "days without time are left out of days", "reports.empty-range"),
    _caught("day-start-with-offset-after-change", "L4", "a local midnight skipped by a DST change is placed with the "
            "new offset, an instant of the day before", "reports.day-starts-when-clocks-land"),
    _open("report-validated-before-token", "L4", "the report's query is validated (422) before the missing token",
          "reports.token-required sends a valid query only; a bad tz without a token must be 401"),
    # L5: production-grade
    _caught("limit-above-100-accepted", "L5", "limit is accepted up to 1000", "entries.list-validation"),
    _caught("cursor-repeats-last-entry", "L5", "the next page starts with the last entry of the page before",
            "entries.pages-find-each-entry-once"),
    _allowed("full-last-page-has-cursor", "L5", "a last page that is exactly full carries a next_cursor to an empty "
             "page whose next_cursor is null, as the spec allows"),
    _caught("list-filter-closed-window", "L5", "the from/to filter is closed: an entry ending at from is listed",
            "entries.filter-by-project-and-time"),
    _caught("limit-zero-means-default", "L5", "limit=0 gives the default page instead of 422", "entries.list-validation"),
    _caught("made-up-cursor-accepted", "L5", "a cursor the server did not make lists from the start",
            "entries.list-validation"),
    _caught("empty-project-filter-accepted", "L5", "project_id= (empty) is taken as no filter instead of 422",
            "entries.list-validation"),
    _caught("list-filter-foreign-project-404", "L5", "filtering by another user's project is 404 instead of an empty list",
            "entries.filter-by-project-and-time"),
    _caught("if-match-ignored", "L5", "If-Match is ignored: a stale tag still changes the entry", "entries.stale-etag-is-412"),
    _caught("if-match-weak-tag-matches", "L5", 'If-Match: W/"tag" matches (weak comparison)',
            "entries.if-match-lists-and-weak-tags"),
    _caught("if-match-first-tag-only", "L5", "only the first tag of an If-Match list is compared",
            "entries.if-match-lists-and-weak-tags"),
    _caught("body-limit-one-mebibyte", "L5", "the body limit is 1 MiB, not 64 KiB", "limits.body-too-large"),
    _caught("body-limit-by-content-length-only", "L5", "only Content-Length is compared with 64 KiB: a chunked body of "
          "any size is read",
            "limits.body-too-large"),
    _caught("body-limit-65536-too-large", "L5", "a body of exactly 65,536 bytes is 413 (the limit is off by one)",
            "limits.body-too-large"),
    _caught("cors-any-origin-reflected", "L5", "any Origin is reflected in Access-Control-Allow-Origin",
            "cors.other-origin-refused"),
    _caught("cors-if-match-not-allowed", "L5", "the preflight leaves If-Match out of Access-Control-Allow-Headers",
            "cors.allowed-origin"),
    _caught("cors-etag-not-exposed", "L5", "actual answers do not expose ETag to the browser", "cors.allowed-origin"),
)


def find(name: str) -> Variant:
    for variant in VARIANTS:
        if variant.name == name:
            return variant
    raise KeyError(f"no variant called {name!r}; known: {', '.join(v.name for v in VARIANTS)}")
