package main

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // the zone database travels inside the binary
)

const maxReportDays = 366

type reportProject struct {
	ProjectID    *string `json:"project_id"`
	TotalSeconds int64   `json:"total_seconds"`
}

type reportDay struct {
	Date         string `json:"date"`
	TotalSeconds int64  `json:"total_seconds"`
}

type reportBody struct {
	TZ           string          `json:"tz"`
	From         string          `json:"from"`
	To           string          `json:"to"`
	TotalSeconds int64           `json:"total_seconds"`
	Days         []reportDay     `json:"days"`
	Projects     []reportProject `json:"projects"`
}

// loadZone accepts IANA zone names only ("Local" and "" are not ones).
func loadZone(name string) (*time.Location, string) {
	if name == "" || name == "Local" || strings.ContainsRune(name, 0) || len(name) > 100 {
		return nil, "must be an IANA time zone name such as Europe/Warsaw"
	}
	loc, err := time.LoadLocation(name)
	if err != nil && breaks("report-unknown-zone-as-utc") {
		return time.UTC, ""
	}
	if err != nil {
		return nil, "is not a time zone this server knows; use an IANA name such as Europe/Warsaw"
	}
	return loc, ""
}

// reportQuery is the range of a report: its first local date, how many
// dates it has, and the zone they are read in.
type reportQuery struct {
	first            time.Time
	days             int
	zone             string
	loc              *time.Location
	fromText, toText string
}

func parseReportQuery(q url.Values) (*reportQuery, error) {
	var errs fieldErrors
	var first, last time.Time
	var fromOK, toOK bool
	fromText, hasFrom := firstParam(q, "from")
	if !hasFrom {
		errs.add("from", "is required: the first local date, such as 2026-03-01")
	} else {
		var msg string
		if first, msg = parseDate(fromText); msg != "" {
			errs.add("from", msg)
		} else {
			fromOK = true
		}
	}
	toText, hasTo := firstParam(q, "to")
	if !hasTo {
		errs.add("to", "is required: the last local date, such as 2026-03-31")
	} else {
		var msg string
		if last, msg = parseDate(toText); msg != "" {
			errs.add("to", msg)
		} else {
			toOK = true
		}
	}
	var days int
	maxDays := maxReportDays
	if breaks("report-range-367-days") {
		maxDays++
	}
	if fromOK && toOK {
		days = int((last.Unix()-first.Unix())/86400) + 1
		switch {
		case last.Before(first):
			errs.add("to", "must not be before from")
		case days > maxDays:
			errs.add("to", "must be at most 366 days after from, counting both")
		}
	}
	zone := "UTC"
	if s, ok := firstParam(q, "tz"); ok {
		zone = s
	}
	loc, msg := loadZone(zone)
	if msg != "" {
		errs.add("tz", msg)
	}
	if err := errs.asError(); err != nil {
		return nil, err
	}
	return &reportQuery{first: first, days: days, zone: zone, loc: loc, fromText: fromText, toText: toText}, nil
}

func (a *app) summaryReport(w http.ResponseWriter, r *http.Request, acc *account) error {
	rq, err := parseReportQuery(r.URL.Query())
	if err != nil {
		return err
	}
	first, days, zone, loc, fromText, toText := rq.first, rq.days, rq.zone, rq.loc, rq.fromText, rq.toText
	if breaks("report-days-in-utc") {
		loc = time.UTC
	}

	bounds := dayBounds(first, days, loc)
	rangeStart, rangeEnd := bounds[0], bounds[days]

	ctx, cancel := withTimeout(r)
	defer cancel()
	query := `
		SELECT project_id, started_at, ended_at FROM entries
		WHERE account_seq = ? AND ended_at IS NOT NULL AND started_at < ? AND ended_at > ?`
	args := []any{acc.seq, rangeEnd, rangeStart}
	if breaks("report-counts-running-entry") {
		// A running entry counted as if it ended now.
		now := nowSeconds()
		query = `
			SELECT project_id, started_at, COALESCE(ended_at, ?) FROM entries
			WHERE account_seq = ? AND started_at < ? AND COALESCE(ended_at, ?) > ?`
		args = []any{now, acc.seq, rangeEnd, now, rangeStart}
	}
	rows, err := a.store.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()

	totals := make([]int64, days)
	perProject := map[string]int64{}
	var outside, total int64
	for rows.Next() {
		var project *string
		var start, end int64
		if err := rows.Scan(&project, &start, &end); err != nil {
			return err
		}
		var inside int64
		if breaks("report-not-clipped") {
			inside = wholeOnOneDay(bounds, totals, start, end)
		} else {
			inside = spread(bounds, totals, start, end)
		}
		total += inside
		if project == nil {
			outside += inside
		} else {
			perProject[*project] += inside
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}

	projects := make([]reportProject, 0, len(perProject)+1)
	for id, seconds := range perProject {
		if seconds > 0 {
			projects = append(projects, reportProject{ProjectID: &id, TotalSeconds: seconds})
		}
	}
	if outside > 0 {
		projects = append(projects, reportProject{TotalSeconds: outside})
	}
	// Most time first; then by project_id, with time outside any project last.
	sort.Slice(projects, func(i, j int) bool {
		pi, pj := projects[i], projects[j]
		if pi.TotalSeconds != pj.TotalSeconds {
			return pi.TotalSeconds > pj.TotalSeconds
		}
		if pi.ProjectID == nil || pj.ProjectID == nil {
			if breaks("report-null-project-first-on-tie") {
				return pi.ProjectID == nil && pj.ProjectID != nil
			}
			return pj.ProjectID == nil && pi.ProjectID != nil
		}
		if breaks("report-tie-by-project-id-descending") {
			return *pi.ProjectID > *pj.ProjectID
		}
		return *pi.ProjectID < *pj.ProjectID
	})

	dayItems := make([]reportDay, 0, days)
	for i := 0; i < days; i++ {
		if totals[i] == 0 && breaks("report-zero-days-omitted") {
			continue
		}
		dayItems = append(dayItems, reportDay{Date: first.AddDate(0, 0, i).Format(dateLayout), TotalSeconds: totals[i]})
	}
	writeJSON(w, http.StatusOK, reportBody{TZ: zone, From: fromText, To: toText, TotalSeconds: total,
		Days: dayItems, Projects: projects})
	return nil
}
