package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// Broken variants. INDEPENDENT_APP_BREAK=<name> starts the app with exactly
// one rule of the API broken, the way a participant's framework or a hurried
// reading of the spec breaks it; the kit runs the suite against each one
// (conformance/tests/independent_app/variants.py) to find the rules no check
// guards yet. Each name says which rule it breaks; the code that breaks it is
// a small `if breaks(name)` next to the rule itself. Unset, nothing is broken.

const breakVariable = "INDEPENDENT_APP_BREAK"

var knownBreaks = []string{
	// L0
	"unknown-path-not-problem",
	"wrong-method-not-problem",
	"health-status-not-ok",
	// L1
	"email-unique-case-sensitive",
	"sign-in-email-case-sensitive",
	"email-case-ascii-only",
	"unknown-email-told-apart",
	"password-max-off-by-one",
	"password-length-in-bytes",
	"password-number-coerced",
	"expires-in-string-coerced",
	"expires-in-ignored",
	"expired-token-leeway",
	"no-www-authenticate",
	"media-type-case-sensitive",
	"missing-content-type-parsed",
	"charset-parameter-refused",
	"nul-accepted-in-password",
	"field-errors-as-plain-json",
	"first-field-error-only",
	"password-min-off-by-one",
	"token-expiry-rounded-up",
	"not-found-as-plain-json",
	// L2
	"token-after-body-parsing",
	"token-after-validation",
	"project-name-unique-case-sensitive",
	"project-name-case-ascii-only",
	"project-name-not-trimmed",
	"project-name-length-before-trimming",
	"project-name-length-in-utf16",
	"project-name-max-off-by-one",
	"project-of-other-user-forbidden",
	"projects-listed-by-name",
	"project-rename-clashes-with-itself",
	"project-null-description-ignored",
	"nul-accepted-in-project-description",
	"unknown-fields-refused",
	// L3
	"project-delete-cascades",
	"overlap-closed-intervals",
	"running-entry-not-an-overlap",
	"fraction-rounded",
	"utc-written-as-offset",
	"leap-second-accepted",
	"offset-beyond-23-59-accepted",
	"hour-24-accepted",
	"date-alone-accepted",
	"end-equal-to-start-accepted",
	"timer-stopped-in-same-second",
	"entry-on-other-users-project",
	"entry-overlaps-itself-on-update",
	"second-timer-replaces-first",
	"stop-without-timer-404",
	"timer-start-ignores-later-entries",
	"entries-listed-newest-first",
	"ended-at-null-accepted",
	"nul-accepted-in-entry-description",
	"description-length-in-bytes",
	"timer-start-requires-body",
	// L4
	"report-not-clipped",
	"report-days-of-24-hours",
	"report-days-in-utc",
	"report-null-project-first-on-tie",
	"report-tie-by-project-id-descending",
	"report-range-367-days",
	"report-counts-running-entry",
	"report-unknown-zone-as-utc",
	"report-zero-days-omitted",
	"report-validated-before-token",
	"day-start-with-offset-after-change",
	// L5
	"limit-above-100-accepted",
	"cursor-repeats-last-entry",
	"full-last-page-has-cursor",
	"list-filter-closed-window",
	"limit-zero-means-default",
	"made-up-cursor-accepted",
	"empty-project-filter-accepted",
	"list-filter-foreign-project-404",
	"body-limit-by-content-length-only",
	"if-match-ignored",
	"if-match-weak-tag-matches",
	"if-match-first-tag-only",
	"body-limit-one-mebibyte",
	"body-limit-65536-too-large",
	"cors-any-origin-reflected",
	"cors-if-match-not-allowed",
	"cors-etag-not-exposed",
}

// activeBreak is the variant this process runs, "" for the unbroken app.
var activeBreak string

// chooseBreak sets the variant from the environment's value; an unknown
// name is an error, so a typo never runs the unbroken app by mistake.
func chooseBreak(name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		activeBreak = ""
		return nil
	}
	for _, known := range knownBreaks {
		if known == name {
			activeBreak = name
			return nil
		}
	}
	sorted := append([]string(nil), knownBreaks...)
	sort.Strings(sorted)
	return fmt.Errorf("%s=%q is not a broken variant of this app; known: %s",
		breakVariable, name, strings.Join(sorted, ", "))
}

// breaks tells whether this process runs with the named rule broken.
func breaks(name string) bool {
	return activeBreak != "" && activeBreak == name
}

// lowerASCII lowers the case of A to Z alone, as a hand-written or
// byte-oriented comparison does; strings.ToLower knows all of Unicode.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

func chooseBreakFromEnvironment() error {
	return chooseBreak(os.Getenv(breakVariable))
}
