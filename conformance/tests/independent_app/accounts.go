package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

type userBody struct {
	Email     string `json:"email"`
	CreatedAt string `json:"created_at"`
	ID        string `json:"id"`
}

func (acc *account) body() userBody {
	return userBody{Email: acc.email, CreatedAt: formatInstant(acc.createdAt), ID: acc.id}
}

// isBlank is white space as the spec's patterns see it: \s of ECMA-262,
// the regular expression dialect of JSON Schema (WhiteSpace and
// LineTerminator: tab, line feed, vertical tab, form feed, carriage return,
// space, U+00A0, U+FEFF, U+2028, U+2029 and every space separator, Zs).
func isBlank(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0xfeff, 0x2028, 0x2029:
		return true
	}
	return unicode.Is(unicode.Zs, r)
}

// emailProblem checks ^[^@\s]+@[^@\s]+\.[^@\s]+$ and the 254-character limit.
func emailProblem(email string) string {
	const hint = "must be an email address like ada@example.com"
	if msg := textProblem(email, 0); msg != "" {
		return msg
	}
	if utf8.RuneCountInString(email) > 254 {
		return "must be at most 254 characters long"
	}
	if strings.IndexFunc(email, isBlank) >= 0 {
		return "must not contain spaces; " + hint
	}
	local, domain, found := strings.Cut(email, "@")
	if !found || local == "" || strings.Contains(domain, "@") {
		return hint
	}
	// Some dot in the domain with something on each side of it.
	for i := 1; i < len(domain)-1; i++ {
		if domain[i] == '.' {
			return ""
		}
	}
	return hint
}

func emailKey(email string) string {
	switch {
	case breaks("email-unique-case-sensitive"):
		return email
	case breaks("email-case-ascii-only"):
		return lowerASCII(email)
	}
	return strings.ToLower(email)
}

// passwordLength counts code points, as the spec does.
func passwordLength(password string) int {
	if breaks("password-length-in-bytes") {
		return len(password)
	}
	return utf8.RuneCountInString(password)
}

// numberAsText is a JSON number member read as its text, the way a lenient
// binder coerces it into a string field.
func (o object) numberAsText(name string) (string, bool) {
	raw := bytes.TrimSpace(o[name])
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return "", false
	}
	return string(raw), true
}

func (a *app) registerUser(w http.ResponseWriter, r *http.Request) error {
	body, err := readObject(r, false)
	if err != nil {
		return err
	}
	var errs fieldErrors
	email, ok := body.str("email")
	switch {
	case !body.has("email"):
		errs.add("email", "is required")
	case !ok:
		errs.add("email", "must be a string")
	default:
		if msg := emailProblem(email); msg != "" {
			errs.add("email", msg)
		}
	}
	password, ok := body.str("password")
	if !ok && breaks("password-number-coerced") {
		password, ok = body.numberAsText("password")
	}
	minPassword, maxPassword := 10, 128
	if breaks("password-max-off-by-one") {
		maxPassword = 129
	}
	if breaks("password-min-off-by-one") {
		minPassword = 9
	}
	switch {
	case !body.has("password"):
		errs.add("password", "is required")
	case !ok:
		errs.add("password", "must be a string")
	case strings.ContainsRune(password, 0) && !breaks("nul-accepted-in-password"):
		errs.add("password", "must not contain the NUL character (U+0000)")
	case passwordLength(password) < minPassword:
		errs.add("password", "must be at least 10 characters long")
	case passwordLength(password) > maxPassword:
		errs.add("password", "must be at most 128 characters long")
	}
	if err := errs.asError(); err != nil {
		return err
	}

	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	acc := account{id: newID("usr_"), email: email, createdAt: nowSeconds()}
	taken := conflict("That email address already has an account.")
	err = a.store.write(r.Context(), func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(r.Context(), `SELECT COUNT(*) FROM accounts WHERE email_key = ?`,
			emailKey(email)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return taken
		}
		res, err := tx.ExecContext(r.Context(), `
			INSERT INTO accounts (id, email, email_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			acc.id, email, emailKey(email), hash, acc.createdAt)
		if err != nil {
			return err
		}
		acc.seq, err = res.LastInsertId()
		return err
	})
	if isUniqueViolation(err) {
		return taken
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/users/me")
	writeJSON(w, http.StatusCreated, acc.body())
	return nil
}

type tokenBody struct {
	TokenType   string `json:"token_type"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (a *app) createToken(w http.ResponseWriter, r *http.Request) error {
	body, err := readObject(r, false)
	if err != nil {
		return err
	}
	var errs fieldErrors
	email, ok := body.str("email")
	switch {
	case !body.has("email"):
		errs.add("email", "is required")
	case !ok:
		errs.add("email", "must be a string")
	case strings.ContainsRune(email, 0):
		errs.add("email", "must not contain the NUL character (U+0000)")
	}
	password, ok := body.str("password")
	switch {
	case !body.has("password"):
		errs.add("password", "is required")
	case !ok:
		errs.add("password", "must be a string")
	case strings.ContainsRune(password, 0):
		errs.add("password", "must not contain the NUL character (U+0000)")
	}
	lifetime := int64(3600)
	if body.has("expires_in") {
		v, isInt, inRange := body.integer("expires_in", 1, 86400)
		if text, isText := body.str("expires_in"); isText && breaks("expires-in-string-coerced") {
			n, err := strconv.ParseInt(text, 10, 64)
			v, isInt, inRange = n, err == nil, err == nil && n >= 1 && n <= 86400
		}
		switch {
		case !isInt:
			errs.add("expires_in", "must be a whole number of seconds from 1 to 86400")
		case !inRange:
			errs.add("expires_in", "must be from 1 to 86400 seconds")
		default:
			lifetime = v
		}
		if breaks("expires-in-ignored") {
			lifetime = 3600
		}
	}
	if err := errs.asError(); err != nil {
		return err
	}

	badCredentials := &apiError{status: http.StatusUnauthorized,
		detail: "That email and password do not match an account."}
	var seq int64
	var hash string
	lookup, key := `SELECT seq, password_hash FROM accounts WHERE email_key = ?`, emailKey(email)
	if breaks("sign-in-email-case-sensitive") {
		lookup, key = `SELECT seq, password_hash FROM accounts WHERE email = ?`, email
	}
	err = a.store.db.QueryRowContext(r.Context(), lookup, key).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		verifyPassword(dummyHash, password)
		if breaks("unknown-email-told-apart") {
			return &apiError{status: http.StatusUnauthorized, detail: "No account has that email address."}
		}
		return badCredentials
	}
	if err != nil {
		return err
	}
	if !verifyPassword(hash, password) {
		return badCredentials
	}

	token, digest, err := newToken()
	if err != nil {
		return err
	}
	issued := time.Now()
	expires := issued.Add(time.Duration(lifetime) * time.Second)
	err = a.store.write(r.Context(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(r.Context(), `DELETE FROM access_tokens WHERE expires_at_ns < ?`,
			issued.Add(-time.Hour).UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(r.Context(), `
			INSERT INTO access_tokens (digest, account_seq, issued_at_ns, expires_at_ns) VALUES (?, ?, ?, ?)`,
			digest, seq, issued.UnixNano(), expires.UnixNano())
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tokenBody{TokenType: "Bearer", AccessToken: token, ExpiresIn: lifetime})
	return nil
}

func (a *app) currentUser(w http.ResponseWriter, r *http.Request, acc *account) error {
	writeJSON(w, http.StatusOK, acc.body())
	return nil
}

// withTimeout bounds one database operation of a handler.
func withTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 20*time.Second)
}
