package main

import (
	"regexp"
	"strconv"
	"time"
)

// Timestamps travel as RFC 3339 with an offset and are kept as whole Unix
// seconds in UTC: fractional seconds are cut off, never rounded.

var timestampPattern = regexp.MustCompile(
	`^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$`)

var datePattern = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})$`)

const (
	timestampHint = "must be an RFC 3339 timestamp with an offset, such as 2026-03-02T09:00:00+01:00 or 2026-03-02T08:00:00Z"
	utcLayout     = "2006-01-02T15:04:05Z"
	dateLayout    = "2006-01-02"
	// The earliest and latest instants a response can still write as a
	// four-digit UTC year.
	minInstant = -62167219200 // 0000-01-01T00:00:00Z
	maxInstant = 253402300799 // 9999-12-31T23:59:59Z
)

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseTimestamp returns the instant in Unix seconds, or a message that says
// what is wrong with the text.
func parseTimestamp(s string) (int64, string) {
	m := timestampPattern.FindStringSubmatch(s)
	if m == nil && breaks("date-alone-accepted") {
		if d, msg := parseDate(s); msg == "" {
			return d.Unix(), ""
		}
	}
	if m == nil {
		return 0, timestampHint
	}
	year, month, day := atoi(m[1]), atoi(m[2]), atoi(m[3])
	hour, minute, second := atoi(m[4]), atoi(m[5]), atoi(m[6])
	if !validDate(year, month, day) {
		return 0, "names a date that does not exist"
	}
	if (hour > 23 && !(breaks("hour-24-accepted") && hour == 24)) || minute > 59 {
		return 0, "names a time of day that does not exist"
	}
	if second > 59 && !breaks("leap-second-accepted") {
		return 0, "must not be a leap second (:60); use :59 or the next minute"
	}
	offset := 0
	if m[8] == "" {
		oh, om := atoi(m[10]), atoi(m[11])
		if (oh > 23 && !breaks("offset-beyond-23-59-accepted")) || om > 59 {
			return 0, "has an offset beyond ±23:59"
		}
		offset = oh*3600 + om*60
		if m[9] == "-" {
			offset = -offset
		}
	}
	local := time.Date(year, time.Month(month), day, hour, minute, second, 0, time.UTC).Unix()
	instant := local - int64(offset)
	if breaks("fraction-rounded") && len(m[7]) > 1 && m[7][1] >= '5' {
		instant++
	}
	if instant < minInstant || instant > maxInstant {
		return 0, "must fall between the years 0000 and 9999 in UTC"
	}
	return instant, ""
}

// parseDate reads a full-date (YYYY-MM-DD) and returns it as midnight UTC.
func parseDate(s string) (time.Time, string) {
	m := datePattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, "must be a date such as 2026-03-01"
	}
	year, month, day := atoi(m[1]), atoi(m[2]), atoi(m[3])
	if !validDate(year, month, day) {
		return time.Time{}, "names a date that does not exist"
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), ""
}

func formatInstant(unix int64) string {
	if breaks("utc-written-as-offset") {
		return time.Unix(unix, 0).UTC().Format("2006-01-02T15:04:05+00:00")
	}
	return time.Unix(unix, 0).UTC().Format(utcLayout)
}

// nowSeconds is the server's clock truncated to the second.
func nowSeconds() int64 {
	return time.Now().Unix()
}
