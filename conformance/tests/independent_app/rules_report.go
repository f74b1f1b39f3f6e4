package main

import (
	"math"
	"sort"
	"time"
)

// Local days. A day of a time zone runs from the first instant its local
// date is shown to the first instant of the next date. It is found from the
// zone's own rules, never by adding 24 hours, so daylight-saving days come
// out 23 or 25 hours long, and a date a zone skipped has no time at all.

// dayStart is the first instant (Unix seconds) of the local date y-m-d in loc.
func dayStart(y int, m time.Month, d int, loc *time.Location) int64 {
	naive := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() // local midnight read as if it were UTC
	windowStart, windowEnd := naive-48*3600, naive+48*3600

	// Walk the zone periods around that date. Each offset in effect may turn
	// local midnight into an instant; the earliest that really is local
	// midnight wins (a midnight that happens twice counts from the first).
	type period struct{ start, end, offset int64 }
	var periods []period
	probe := time.Unix(windowStart, 0).In(loc)
	for {
		_, offset := probe.Zone()
		zs, ze := probe.ZoneBounds()
		p := period{start: math.MinInt64, end: math.MaxInt64, offset: int64(offset)}
		if !zs.IsZero() {
			p.start = zs.Unix()
		}
		if !ze.IsZero() {
			p.end = ze.Unix()
		}
		periods = append(periods, p)
		if ze.IsZero() || ze.Unix() > windowEnd || ze.Unix() <= probe.Unix() {
			break
		}
		probe = ze.In(loc)
	}
	best := int64(math.MaxInt64)
	for _, p := range periods {
		if u := naive - p.offset; u >= p.start && u < p.end && u < best {
			best = u
		}
	}
	if best != math.MaxInt64 {
		return best
	}
	// Local midnight was skipped: the date begins at the transition that
	// jumped over it.
	for i := 1; i < len(periods); i++ {
		b := periods[i].start
		if b-1+periods[i-1].offset < naive && b+periods[i].offset >= naive {
			if breaks("day-start-with-offset-after-change") {
				return naive - periods[i].offset // an instant of the day before
			}
			return b
		}
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc).Unix()
}

// dayBounds returns n+1 instants for the n dates from first on: the start of
// each date and, last, the start of the date after them.
func dayBounds(first time.Time, n int, loc *time.Location) []int64 {
	bounds := make([]int64, n+1)
	for i := 0; i <= n; i++ {
		y, m, d := first.AddDate(0, 0, i).Date()
		bounds[i] = dayStart(y, m, d, loc)
		if breaks("report-days-of-24-hours") && i > 0 {
			bounds[i] = bounds[0] + int64(i)*86400
		}
		if i > 0 && bounds[i] < bounds[i-1] {
			bounds[i] = bounds[i-1]
		}
	}
	return bounds
}

// spread adds the part of [start, end) inside the bounds to each day's total
// and returns the whole part inside.
func spread(bounds []int64, totals []int64, start, end int64) int64 {
	lo, hi := bounds[0], bounds[len(bounds)-1]
	if start < lo {
		start = lo
	}
	if end > hi {
		end = hi
	}
	if end <= start {
		return 0
	}
	// The first day whose end is after start.
	i := sort.Search(len(totals), func(k int) bool { return bounds[k+1] > start })
	for ; i < len(totals) && bounds[i] < end; i++ {
		from, to := max(start, bounds[i]), min(end, bounds[i+1])
		if to > from {
			totals[i] += to - from
		}
	}
	return end - start
}

// wholeOnOneDay counts all of [start, end) on the day it starts in (the
// first day for an entry that began before the range), unclipped.
func wholeOnOneDay(bounds []int64, totals []int64, start, end int64) int64 {
	i := sort.Search(len(totals), func(k int) bool { return bounds[k+1] > start })
	if i >= len(totals) {
		i = len(totals) - 1
	}
	totals[i] += end - start
	return end - start
}
