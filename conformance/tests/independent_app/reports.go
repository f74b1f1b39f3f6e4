package main

import (
	"net/http"
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
	if err != nil {
		return nil, "is not a time zone this server knows; use an IANA name such as Europe/Warsaw"
	}
	return loc, ""
}

func (a *app) summaryReport(w http.ResponseWriter, r *http.Request, acc *account) error {
	q := r.URL.Query()
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
	if fromOK && toOK {
		days = int((last.Unix()-first.Unix())/86400) + 1
		switch {
		case last.Before(first):
			errs.add("to", "must not be before from")
		case days > maxReportDays:
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
		return err
	}

	bounds := dayBounds(first, days, loc)
	rangeStart, rangeEnd := bounds[0], bounds[days]

	ctx, cancel := withTimeout(r)
	defer cancel()
	rows, err := a.store.db.QueryContext(ctx, `
		SELECT project_id, started_at, ended_at FROM entries
		WHERE account_seq = ? AND ended_at IS NOT NULL AND started_at < ? AND ended_at > ?`,
		acc.seq, rangeEnd, rangeStart)
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
		inside := spread(bounds, totals, start, end)
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
			return pj.ProjectID == nil && pi.ProjectID != nil
		}
		return *pi.ProjectID < *pj.ProjectID
	})

	dayItems := make([]reportDay, days)
	for i := range dayItems {
		dayItems[i] = reportDay{Date: first.AddDate(0, 0, i).Format(dateLayout), TotalSeconds: totals[i]}
	}
	writeJSON(w, http.StatusOK, reportBody{TZ: zone, From: fromText, To: toText, TotalSeconds: total,
		Days: dayItems, Projects: projects})
	return nil
}
