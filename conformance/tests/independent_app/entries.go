package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

type entry struct {
	id          string
	projectID   *string
	description *string
	startedAt   int64
	endedAt     *int64
	revision    int64
	createdAt   int64
	updatedAt   int64
}

// entryBody is a time entry as the API shows it: the times first, then the
// rest, then two fields of this implementation's own.
type entryBody struct {
	StartedAt       string  `json:"started_at"`
	EndedAt         *string `json:"ended_at"`
	DurationSeconds *int64  `json:"duration_seconds"`
	Description     *string `json:"description"`
	ProjectID       *string `json:"project_id"`
	ID              string  `json:"id"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
}

func (e *entry) body() entryBody {
	b := entryBody{StartedAt: formatInstant(e.startedAt), Description: e.description, ProjectID: e.projectID,
		ID: e.id, CreatedAt: formatInstant(e.createdAt), UpdatedAt: formatInstant(e.updatedAt)}
	if e.endedAt != nil {
		end := formatInstant(*e.endedAt)
		duration := *e.endedAt - e.startedAt
		b.EndedAt, b.DurationSeconds = &end, &duration
	}
	return b
}

// etag is a strong validator: the revision, which every change bumps, and a
// digest of the state, as "r<revision>-<8 hex digits>".
func (e *entry) etag() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%d|", e.id, e.revision, e.startedAt)
	if e.endedAt != nil {
		fmt.Fprintf(h, "%d", *e.endedAt)
	}
	h.Write([]byte{0})
	if e.projectID != nil {
		h.Write([]byte("p" + *e.projectID))
	}
	h.Write([]byte{0})
	if e.description != nil {
		h.Write([]byte("d" + *e.description))
	}
	return fmt.Sprintf(`"r%d-%s"`, e.revision, hex.EncodeToString(h.Sum(nil)[:4]))
}

// ifMatch applies RFC 9110's If-Match with strong comparison: "*" matches
// any entry; otherwise one of the listed tags must be the current one.
func ifMatch(header, current string) bool {
	if breaks("if-match-ignored") {
		return true
	}
	tags := strings.Split(header, ",")
	if breaks("if-match-first-tag-only") {
		tags = tags[:1]
	}
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if breaks("if-match-weak-tag-matches") {
			tag = strings.TrimPrefix(tag, "W/")
		}
		if tag == "*" || tag == current {
			return true
		}
	}
	return false
}

func writeEntry(w http.ResponseWriter, status int, e *entry) {
	w.Header().Set("ETag", e.etag())
	writeJSON(w, status, e.body())
}

const entryColumns = `id, project_id, description, started_at, ended_at, revision, created_at, updated_at`

func scanEntry(row scanner) (*entry, error) {
	var e entry
	var project, desc sql.NullString
	var end sql.NullInt64
	if err := row.Scan(&e.id, &project, &desc, &e.startedAt, &end, &e.revision, &e.createdAt, &e.updatedAt); err != nil {
		return nil, err
	}
	e.projectID, e.description, e.endedAt = nullableString(project), nullableString(desc), nullableInt(end)
	return &e, nil
}

func findEntry(ctx context.Context, q querier, accountSeq int64, id string) (*entry, error) {
	if id == "" || strings.ContainsRune(id, 0) {
		return nil, nil
	}
	e, err := scanEntry(q.QueryRowContext(ctx,
		`SELECT `+entryColumns+` FROM entries WHERE id = ? AND account_seq = ?`, id, accountSeq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return e, err
}

func findRunning(ctx context.Context, q querier, accountSeq int64) (*entry, error) {
	e, err := scanEntry(q.QueryRowContext(ctx,
		`SELECT `+entryColumns+` FROM entries WHERE account_seq = ? AND ended_at IS NULL`, accountSeq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return e, err
}

func insertEntry(ctx context.Context, tx *sql.Tx, accountSeq int64, e *entry) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO entries (id, account_seq, project_id, description, started_at, ended_at, revision, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.id, accountSeq, e.projectID, e.description, e.startedAt, e.endedAt, e.revision, e.createdAt, e.updatedAt)
	return err
}

// timestampField reads a member that must be a timestamp with an offset.
func timestampField(body object, name string, errs *fieldErrors) (int64, bool) {
	if body.isNull(name) {
		errs.add(name, "must be a timestamp, not null")
		return 0, false
	}
	s, ok := body.str(name)
	if !ok {
		errs.add(name, timestampHint)
		return 0, false
	}
	v, msg := parseTimestamp(s)
	if msg != "" {
		errs.add(name, msg)
		return 0, false
	}
	return v, true
}

// projectRef reads the member project_id: absent, null, or a string.
func projectRef(body object, errs *fieldErrors) (ref *string, set bool) {
	if !body.has("project_id") {
		return nil, false
	}
	if body.isNull("project_id") {
		return nil, true
	}
	s, ok := body.str("project_id")
	if !ok {
		errs.add("project_id", "must be the id of one of your projects, or null")
		return nil, true
	}
	if msg := textProblem(s, 0); msg != "" {
		errs.add("project_id", msg)
		return nil, true
	}
	return &s, true
}

// checkProjectRef makes sure a project id names one of the account's projects.
func checkProjectRef(ctx context.Context, q querier, accountSeq int64, ref *string) error {
	if ref == nil {
		return nil
	}
	if breaks("entry-on-other-users-project") {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM projects WHERE id = ?`, *ref).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	p, err := findProject(ctx, q, accountSeq, *ref)
	if err != nil {
		return err
	}
	if p == nil {
		return &apiError{status: http.StatusNotFound, detail: "The project_id does not name one of your projects."}
	}
	return nil
}

func (a *app) createEntry(w http.ResponseWriter, r *http.Request, acc *account) error {
	body, err := readObject(r, false)
	if err != nil {
		return err
	}
	var errs fieldErrors
	var start, end int64
	var startOK, endOK bool
	if body.has("started_at") {
		start, startOK = timestampField(body, "started_at", &errs)
	} else {
		errs.add("started_at", "is required")
	}
	if body.has("ended_at") {
		end, endOK = timestampField(body, "ended_at", &errs)
	} else {
		errs.add("ended_at", "is required")
	}
	endsTooSoon := end <= start
	if breaks("end-equal-to-start-accepted") {
		endsTooSoon = end < start
	}
	if startOK && endOK && endsTooSoon {
		errs.add("ended_at", "must be after started_at (to the second)")
	}
	description, _ := entryDescription(body, &errs)
	ref, _ := projectRef(body, &errs)
	if err := errs.asError(); err != nil {
		return err
	}

	now := nowSeconds()
	e := &entry{id: newID("ent_"), projectID: ref, description: description, startedAt: start, endedAt: &end,
		revision: 1, createdAt: now, updatedAt: now}
	ctx, cancel := withTimeout(r)
	defer cancel()
	err = a.store.write(ctx, func(tx *sql.Tx) error {
		if err := checkProjectRef(ctx, tx, acc.seq, ref); err != nil {
			return err
		}
		other, err := findOverlap(ctx, tx, acc.seq, start, &end, "")
		if err != nil {
			return err
		}
		if other != "" {
			return overlapConflict()
		}
		return insertEntry(ctx, tx, acc.seq, e)
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/time-entries/"+e.id)
	writeEntry(w, http.StatusCreated, e)
	return nil
}

func (a *app) getEntry(w http.ResponseWriter, r *http.Request, acc *account) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	e, err := findEntry(ctx, a.store.db, acc.seq, r.PathValue("entry_id"))
	if err != nil {
		return err
	}
	if e == nil {
		return notFound("time entry")
	}
	writeEntry(w, http.StatusOK, e)
	return nil
}

func (a *app) updateEntry(w http.ResponseWriter, r *http.Request, acc *account) error {
	body, err := readObject(r, false)
	if err != nil {
		return err
	}
	var errs fieldErrors
	var start, end int64
	var setStart, setEnd bool
	if body.has("started_at") {
		start, setStart = timestampField(body, "started_at", &errs)
	}
	runAgain := false
	if body.has("ended_at") {
		if body.isNull("ended_at") && breaks("ended-at-null-accepted") {
			runAgain = true
		} else if body.isNull("ended_at") {
			errs.add("ended_at", "cannot be null: a stopped entry cannot run again")
		} else {
			end, setEnd = timestampField(body, "ended_at", &errs)
		}
	}
	description, setDescription := entryDescription(body, &errs)
	ref, setProject := projectRef(body, &errs)
	if err := errs.asError(); err != nil {
		return err
	}

	ctx, cancel := withTimeout(r)
	defer cancel()
	var e *entry
	err = a.store.write(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = findEntry(ctx, tx, acc.seq, r.PathValue("entry_id"))
		if err != nil {
			return err
		}
		if e == nil {
			return notFound("time entry")
		}
		if condition := r.Header.Get("If-Match"); condition != "" && !ifMatch(condition, e.etag()) {
			return &apiError{status: http.StatusPreconditionFailed,
				detail: "The entry has changed since that ETag was read; fetch it again, then retry."}
		}
		if setStart {
			e.startedAt = start
		}
		if setEnd {
			e.endedAt = &end
		}
		if runAgain {
			e.endedAt = nil
		}
		if e.endedAt != nil && *e.endedAt <= e.startedAt {
			field := "ended_at"
			if !setEnd {
				field = "started_at"
			}
			return invalid(fieldError{Field: field, Message: "started_at must come before ended_at (to the second)"})
		}
		if setDescription {
			e.description = description
		}
		if setProject {
			if err := checkProjectRef(ctx, tx, acc.seq, ref); err != nil {
				return err
			}
			e.projectID = ref
		}
		self := e.id
		if breaks("entry-overlaps-itself-on-update") {
			self = ""
		}
		other, err := findOverlap(ctx, tx, acc.seq, e.startedAt, e.endedAt, self)
		if err != nil {
			return err
		}
		if other != "" {
			return overlapConflict()
		}
		e.revision++
		e.updatedAt = nowSeconds()
		_, err = tx.ExecContext(ctx, `
			UPDATE entries SET project_id = ?, description = ?, started_at = ?, ended_at = ?, revision = ?, updated_at = ?
			WHERE id = ?`, e.projectID, e.description, e.startedAt, e.endedAt, e.revision, e.updatedAt, e.id)
		return err
	})
	if isUniqueViolation(err) {
		return overlapConflict()
	}
	if err != nil {
		return err
	}
	writeEntry(w, http.StatusOK, e)
	return nil
}

func (a *app) deleteEntry(w http.ResponseWriter, r *http.Request, acc *account) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	res, err := a.store.db.ExecContext(ctx, `DELETE FROM entries WHERE id = ? AND account_seq = ?`,
		r.PathValue("entry_id"), acc.seq)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound("time entry")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Cursors name the last entry of a page: its started_at and id, signed with
// the server's key so that made-up cursors are refused. The text is
// base64url of the 8-byte start, the id and a 12-byte HMAC, prefixed "c1".

func (s *store) makeCursor(start int64, id string) string {
	payload := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(payload, uint64(start))
	payload = append(payload, id...)
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write(payload)
	return "c1" + base64.RawURLEncoding.EncodeToString(append(payload, mac.Sum(nil)[:12]...))
}

func (s *store) readCursor(cursor string) (start int64, id string, ok bool) {
	if !strings.HasPrefix(cursor, "c1") {
		return 0, "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor[2:])
	if err != nil || len(raw) < 8+12 {
		return 0, "", false
	}
	payload, sum := raw[:len(raw)-12], raw[len(raw)-12:]
	mac := hmac.New(sha256.New, s.cursorKey)
	mac.Write(payload)
	if !hmac.Equal(mac.Sum(nil)[:12], sum) {
		return 0, "", false
	}
	return int64(binary.BigEndian.Uint64(payload[:8])), string(payload[8:]), true
}

// firstParam returns the first value of a query parameter and whether it was
// given at all.
func firstParam(q url.Values, name string) (string, bool) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

func (a *app) listEntries(w http.ResponseWriter, r *http.Request, acc *account) error {
	q := r.URL.Query()
	var errs fieldErrors

	limit := int64(50)
	if s, ok := firstParam(q, "limit"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			errs.add("limit", "must be a whole number from 1 to 100")
		case breaks("limit-above-100-accepted") && err == nil && n >= 1 && n <= 1000:
			limit = n
		case breaks("limit-zero-means-default") && err == nil && n == 0:
			limit = 50
		case err != nil || n < 1 || n > 100:
			errs.add("limit", "must be from 1 to 100")
		default:
			limit = n
		}
	}
	var from, to int64
	var hasFrom, hasTo bool
	if s, ok := firstParam(q, "from"); ok {
		var msg string
		if from, msg = parseTimestamp(s); msg != "" {
			errs.add("from", msg)
		} else {
			hasFrom = true
		}
	}
	if s, ok := firstParam(q, "to"); ok {
		var msg string
		if to, msg = parseTimestamp(s); msg != "" {
			errs.add("to", msg)
		} else {
			hasTo = true
		}
	}
	if hasFrom && hasTo && to <= from {
		errs.add("to", "must be after from")
	}
	projectID, hasProject := firstParam(q, "project_id")
	if projectID == "" && breaks("empty-project-filter-accepted") {
		hasProject = false
	}
	if hasProject {
		if projectID == "" {
			errs.add("project_id", "must not be empty")
		} else if msg := textProblem(projectID, 0); msg != "" {
			errs.add("project_id", msg)
		}
	}
	var afterStart int64
	var afterID string
	cursor, hasCursor := firstParam(q, "cursor")
	if hasCursor {
		var ok bool
		if afterStart, afterID, ok = a.store.readCursor(cursor); !ok && !breaks("made-up-cursor-accepted") {
			errs.add("cursor", "is not a cursor this server made; pass next_cursor from the previous page")
		}
	}
	if err := errs.asError(); err != nil {
		return err
	}
	if hasProject && breaks("list-filter-foreign-project-404") {
		if err := checkProjectRef(r.Context(), a.store.db, acc.seq, &projectID); err != nil {
			return err
		}
	}

	query := `SELECT ` + entryColumns + ` FROM entries WHERE account_seq = ?`
	args := []any{acc.seq}
	if hasProject {
		query += ` AND project_id = ?`
		args = append(args, projectID)
	}
	afterFrom, beforeTo, afterCursor := `ended_at > ?`, `started_at < ?`, `id > ?`
	if breaks("list-filter-closed-window") {
		afterFrom, beforeTo = `ended_at >= ?`, `started_at <= ?`
	}
	if breaks("cursor-repeats-last-entry") {
		afterCursor = `id >= ?`
	}
	if hasFrom {
		query += ` AND (ended_at IS NULL OR ` + afterFrom + `)`
		args = append(args, from)
	}
	if hasTo {
		query += ` AND ` + beforeTo
		args = append(args, to)
	}
	if hasCursor {
		query += ` AND (started_at > ? OR (started_at = ? AND ` + afterCursor + `))`
		args = append(args, afterStart, afterStart, afterID)
	}
	query += ` ORDER BY started_at, id LIMIT ?`
	if breaks("entries-listed-newest-first") {
		query = strings.Replace(query, `ORDER BY started_at, id`, `ORDER BY started_at DESC, id DESC`, 1)
	}
	// One more than a page tells whether another page follows; asking for
	// exactly a page cannot tell a full last page from a full middle one.
	fetch := limit + 1
	if breaks("full-last-page-has-cursor") {
		fetch = limit
	}
	args = append(args, fetch)

	ctx, cancel := withTimeout(r)
	defer cancel()
	rows, err := a.store.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var page []*entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return err
		}
		page = append(page, e)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	var next *string
	if int64(len(page)) > limit || (breaks("full-last-page-has-cursor") && int64(len(page)) == limit) {
		page = page[:limit]
		last := page[len(page)-1]
		c := a.store.makeCursor(last.startedAt, last.id)
		next = &c
	}
	items := make([]entryBody, 0, len(page))
	for _, e := range page {
		items = append(items, e.body())
	}
	writeJSON(w, http.StatusOK, struct {
		Items      []entryBody `json:"items"`
		NextCursor *string     `json:"next_cursor"`
	}{items, next})
	return nil
}

// entryDescription reads the optional description of a time entry.
func entryDescription(body object, errs *fieldErrors) (*string, bool) {
	if s, ok := body.str("description"); ok && breaks("nul-accepted-in-entry-description") &&
		utf8.RuneCountInString(s) <= 1000 {
		return &s, true
	}
	if s, ok := body.str("description"); ok && breaks("description-length-in-bytes") && len(s) > 1000 {
		errs.add("description", "must be at most 1000 characters long")
		return nil, true
	}
	return body.optionalText("description", 1000, errs)
}
