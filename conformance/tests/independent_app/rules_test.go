package main

import (
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	good := map[string]string{
		"2026-03-02T09:00:00+02:00":      "2026-03-02T07:00:00Z",
		"2026-03-02t09:00:00.999z":       "2026-03-02T09:00:00Z",
		"2026-03-02T22:00:00-05:00":      "2026-03-03T03:00:00Z",
		"2024-02-29T23:59:59.123456Z":    "2024-02-29T23:59:59Z",
		"2026-03-02T00:30:00+23:59":      "2026-03-01T00:31:00Z",
		"0000-01-01T00:00:00Z":           "0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999999Z":    "9999-12-31T23:59:59Z",
		"2026-03-02T09:00:00.000000001Z": "2026-03-02T09:00:00Z",
	}
	for in, want := range good {
		got, msg := parseTimestamp(in)
		if msg != "" || formatInstant(got) != want {
			t.Errorf("parseTimestamp(%q) = %s %q, want %s", in, formatInstant(got), msg, want)
		}
	}
	for _, in := range []string{
		"2026-03-02T09:00:00", "2026-03-02", "2026-03-02T09:00:60Z", "2026-03-02T09:00:00+24:00",
		"2026-03-02T09:00:00+01:60", "2026-02-29T09:00:00Z", "2026-03-02 09:00:00Z", "2026-03-02T24:00:00Z",
		"0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01", "", "2026-03-02T09:00:00+0100",
	} {
		if _, msg := parseTimestamp(in); msg == "" {
			t.Errorf("parseTimestamp(%q) accepted it", in)
		}
	}
}

func dayLengths(t *testing.T, zone, first string, n int) []int64 {
	t.Helper()
	loc, msg := loadZone(zone)
	if msg != "" {
		t.Fatal(msg)
	}
	start, msg := parseDate(first)
	if msg != "" {
		t.Fatal(msg)
	}
	bounds := dayBounds(start, n, loc)
	lengths := make([]int64, n)
	for i := range lengths {
		lengths[i] = (bounds[i+1] - bounds[i]) / 3600
	}
	return lengths
}

func TestDaylightSavingDays(t *testing.T) {
	cases := []struct {
		zone, first string
		hours       [3]int64
	}{
		{"Europe/Warsaw", "2026-03-28", [3]int64{24, 23, 24}},
		{"America/New_York", "2026-10-31", [3]int64{24, 25, 24}},
		{"America/Sao_Paulo", "2018-11-03", [3]int64{24, 23, 24}}, // midnight itself was skipped
		{"Pacific/Apia", "2011-12-29", [3]int64{24, 0, 24}},       // a whole date was skipped
		{"UTC", "2026-03-28", [3]int64{24, 24, 24}},
	}
	for _, c := range cases {
		got := dayLengths(t, c.zone, c.first, 3)
		if [3]int64{got[0], got[1], got[2]} != c.hours {
			t.Errorf("%s from %s: %v hours, want %v", c.zone, c.first, got, c.hours)
		}
	}
}

func TestSpreadClipsAndSplits(t *testing.T) {
	loc := time.UTC
	first, _ := parseDate("2026-03-02")
	bounds := dayBounds(first, 2, loc)
	at := func(s string) int64 { v, _ := parseTimestamp(s); return v }
	totals := make([]int64, 2)
	// 22:00 the day before to 02:00 counts 2 hours; 23:00 to 01:30 splits 1 h + 1.5 h;
	// the part after the range is cut off.
	inside := spread(bounds, totals, at("2026-03-01T22:00:00Z"), at("2026-03-02T02:00:00Z"))
	inside += spread(bounds, totals, at("2026-03-02T23:00:00Z"), at("2026-03-03T01:30:00Z"))
	inside += spread(bounds, totals, at("2026-03-03T23:00:00Z"), at("2026-03-04T05:00:00Z"))
	if inside != 2*3600+9000+3600 || totals[0] != 2*3600+3600 || totals[1] != 5400+3600 {
		t.Errorf("inside %d, totals %v", inside, totals)
	}
}

func TestEmailRules(t *testing.T) {
	for _, ok := range []string{"ada@example.com", "a@b.c", "a@.b.c", "Ada@Example.COM"} {
		if msg := emailProblem(ok); msg != "" {
			t.Errorf("%q refused: %s", ok, msg)
		}
	}
	for _, bad := range []string{"ada.example.com", "ada@localhost", "ada lovelace@example.com", "a@b@c.d",
		"@example.com", "ada@example.", "ada@.com", "ada@example.com\u00a0", "a\x00@b.c"} {
		if emailProblem(bad) == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCursorRoundTripAndForgery(t *testing.T) {
	s := &store{cursorKey: []byte("0123456789abcdef0123456789abcdef")}
	c := s.makeCursor(1772438400, "ent_01abc")
	start, id, ok := s.readCursor(c)
	if !ok || start != 1772438400 || id != "ent_01abc" {
		t.Fatalf("round trip: %d %q %v", start, id, ok)
	}
	other := &store{cursorKey: []byte("another key, another server.....")}
	for _, bad := range []string{other.makeCursor(1772438400, "ent_01abc"), "not-a-cursor-we-made", "c1", c + "A"} {
		if _, _, ok := s.readCursor(bad); ok {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}

func TestIfMatch(t *testing.T) {
	if !ifMatch(`*`, `"r2-00"`) || !ifMatch(`"r1-aa", "r2-00"`, `"r2-00"`) {
		t.Error("a matching tag was refused")
	}
	if ifMatch(`"r1-aa"`, `"r2-00"`) || ifMatch(`W/"r2-00"`, `"r2-00"`) {
		t.Error("a stale or weak tag matched")
	}
}
