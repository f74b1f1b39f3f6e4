package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

type project struct {
	seq         int64
	id          string
	name        string
	description *string
	createdAt   int64
	updatedAt   int64
}

// projectBody is a project as the API shows it, with an updated_at of its own.
type projectBody struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
	ID          string  `json:"id"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func (p *project) body() projectBody {
	return projectBody{Name: p.name, Description: p.description, ID: p.id,
		CreatedAt: formatInstant(p.createdAt), UpdatedAt: formatInstant(p.updatedAt)}
}

const projectColumns = `seq, id, name, description, created_at, updated_at`

func scanProject(row scanner) (*project, error) {
	var p project
	var desc sql.NullString
	if err := row.Scan(&p.seq, &p.id, &p.name, &desc, &p.createdAt, &p.updatedAt); err != nil {
		return nil, err
	}
	p.description = nullableString(desc)
	return &p, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// findProject returns the account's project with this id, or nil.
func findProject(ctx context.Context, q querier, accountSeq int64, id string) (*project, error) {
	if id == "" || strings.ContainsRune(id, 0) {
		return nil, nil
	}
	p, err := scanProject(q.QueryRowContext(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE id = ? AND account_seq = ?`, id, accountSeq))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return p, err
}

// trimName trims white space around a project name.
func trimName(s string) string {
	if breaks("project-name-not-trimmed") {
		return s
	}
	return strings.TrimFunc(s, isBlank)
}

func nameKey(name string) string {
	switch {
	case breaks("project-name-unique-case-sensitive"):
		return name
	case breaks("project-name-case-ascii-only"):
		return lowerASCII(name)
	}
	return strings.ToLower(name)
}

// nameLength counts code points, as the spec does.
func nameLength(name string) int {
	if breaks("project-name-length-in-utf16") {
		return len(utf16.Encode([]rune(name)))
	}
	return utf8.RuneCountInString(name)
}

// projectDescription reads the optional description of a project.
func projectDescription(body object, errs *fieldErrors) (*string, bool) {
	if s, ok := body.str("description"); ok && breaks("nul-accepted-in-project-description") &&
		utf8.RuneCountInString(s) <= 1000 {
		return &s, true
	}
	return body.optionalText("description", 1000, errs)
}

// projectName validates the member "name": a string of at most 200
// characters as sent, 1 to 100 once trimmed.
func projectName(body object, errs *fieldErrors) (string, bool) {
	raw, ok := body.str("name")
	if !ok {
		if body.isNull("name") {
			errs.add("name", "must be a name, not null")
		} else {
			errs.add("name", "must be a string")
		}
		return "", false
	}
	if msg := textProblem(raw, 200); msg != "" {
		errs.add("name", msg)
		return "", false
	}
	name := trimName(raw)
	if breaks("project-name-length-before-trimming") {
		name = raw
	}
	maxName := 100
	if breaks("project-name-max-off-by-one") {
		maxName = 101
	}
	switch n := nameLength(name); {
	case n == 0 || trimName(name) == "":
		errs.add("name", "must not be empty or only white space")
		return "", false
	case n > maxName:
		errs.add("name", fmt.Sprintf("must be at most 100 characters long once trimmed (it has %d)", n))
		return "", false
	}
	return trimName(name), true
}

func duplicateName(name string) *apiError {
	return conflict(fmt.Sprintf("A project named %q (ignoring case) is already among yours.", name))
}

// newProjectFields reads and validates the body of POST /projects.
func newProjectFields(body object) (name string, description *string, err error) {
	var errs fieldErrors
	if !body.has("name") {
		errs.add("name", "is required")
	} else {
		name, _ = projectName(body, &errs)
	}
	description, _ = projectDescription(body, &errs)
	if breaks("unknown-fields-refused") {
		for member := range body {
			if member != "name" && member != "description" {
				errs.add(member, "is not a field of a project")
			}
		}
	}
	return name, description, errs.asError()
}

func (a *app) createProject(w http.ResponseWriter, r *http.Request, acc *account) error {
	body, err := readObject(r, false)
	if err != nil {
		return err
	}
	name, description, err := newProjectFields(body)
	if err != nil {
		return err
	}

	now := nowSeconds()
	p := &project{id: newID("prj_"), name: name, description: description, createdAt: now, updatedAt: now}
	ctx, cancel := withTimeout(r)
	defer cancel()
	err = a.store.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM projects WHERE account_seq = ? AND name_key = ?`,
			acc.seq, nameKey(name)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return duplicateName(name)
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO projects (id, account_seq, name, name_key, description, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.id, acc.seq, name, nameKey(name), description, now, now)
		if err != nil {
			return err
		}
		p.seq, err = res.LastInsertId()
		return err
	})
	if isUniqueViolation(err) {
		return duplicateName(name)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/projects/"+p.id)
	writeJSON(w, http.StatusCreated, p.body())
	return nil
}

func (a *app) listProjects(w http.ResponseWriter, r *http.Request, acc *account) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	rows, err := a.store.db.QueryContext(ctx,
		`SELECT `+projectColumns+` FROM projects WHERE account_seq = ? ORDER BY `+projectOrder(), acc.seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	items := []projectBody{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return err
		}
		items = append(items, p.body())
	}
	if err := rows.Err(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Items []projectBody `json:"items"`
	}{items})
	return nil
}

func projectOrder() string {
	if breaks("projects-listed-by-name") {
		return "name_key"
	}
	return "seq"
}

// missingProject is the answer for a project id the account does not have.
func missingProject(ctx context.Context, q querier, id string) error {
	if breaks("project-of-other-user-forbidden") {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM projects WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return &apiError{status: http.StatusForbidden, detail: "This project belongs to another user."}
		}
	}
	return notFound("project")
}

func (a *app) getProject(w http.ResponseWriter, r *http.Request, acc *account) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	p, err := findProject(ctx, a.store.db, acc.seq, r.PathValue("project_id"))
	if err != nil {
		return err
	}
	if p == nil {
		return missingProject(ctx, a.store.db, r.PathValue("project_id"))
	}
	writeJSON(w, http.StatusOK, p.body())
	return nil
}

func (a *app) updateProject(w http.ResponseWriter, r *http.Request, acc *account) error {
	body, err := readObject(r, false)
	if err != nil {
		return err
	}
	var errs fieldErrors
	var name string
	hasName := body.has("name")
	if hasName {
		name, _ = projectName(body, &errs)
	}
	description, hasDescription := projectDescription(body, &errs)
	if breaks("project-null-description-ignored") && description == nil {
		hasDescription = false
	}
	if err := errs.asError(); err != nil {
		return err
	}

	ctx, cancel := withTimeout(r)
	defer cancel()
	var p *project
	err = a.store.write(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = findProject(ctx, tx, acc.seq, r.PathValue("project_id"))
		if err != nil {
			return err
		}
		if p == nil {
			return missingProject(ctx, tx, r.PathValue("project_id"))
		}
		if hasName {
			var n int
			if err := tx.QueryRowContext(ctx, `
				SELECT COUNT(*) FROM projects WHERE account_seq = ? AND name_key = ? AND seq <> ?`,
				acc.seq, nameKey(name), otherThan(p.seq)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return duplicateName(name)
			}
			p.name = name
		}
		if hasDescription {
			p.description = description
		}
		if hasName || hasDescription {
			p.updatedAt = nowSeconds()
			_, err = tx.ExecContext(ctx, `
				UPDATE projects SET name = ?, name_key = ?, description = ?, updated_at = ? WHERE seq = ?`,
				p.name, nameKey(p.name), p.description, p.updatedAt, p.seq)
		}
		return err
	})
	if isUniqueViolation(err) {
		return duplicateName(name)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p.body())
	return nil
}

func (a *app) deleteProject(w http.ResponseWriter, r *http.Request, acc *account) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	err := a.store.write(ctx, func(tx *sql.Tx) error {
		p, err := findProject(ctx, tx, acc.seq, r.PathValue("project_id"))
		if err != nil {
			return err
		}
		if p == nil {
			return missingProject(ctx, tx, r.PathValue("project_id"))
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM entries WHERE project_id = ?`, p.id).Scan(&n); err != nil {
			return err
		}
		if n > 0 && breaks("project-delete-cascades") {
			if _, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE project_id = ?`, p.id); err != nil {
				return err
			}
		} else if n > 0 {
			return conflict(fmt.Sprintf("The project still has %d time entries; delete them or move them to another project first.", n))
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM projects WHERE seq = ?`, p.seq)
		return err
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// otherThan is the project a rename may share its name with: itself.
func otherThan(seq int64) int64 {
	if breaks("project-rename-clashes-with-itself") {
		return 0
	}
	return seq
}
