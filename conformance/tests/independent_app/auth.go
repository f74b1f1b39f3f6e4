package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Passwords are hashed with Argon2id (19 MiB, 2 passes, 1 lane) and kept in
// the PHC string format.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

func hashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

func verifyPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when the email is unknown, so both failures
// of POST /auth/token take about as long.
var dummyHash = func() string {
	h, err := hashPassword("timetension-dummy-password")
	if err != nil {
		panic(err)
	}
	return h
}()

// Tokens are 30 random bytes in base32 behind a "tt1." prefix. The database
// keeps only their SHA-256 digest, with the instant they stop working.
var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newToken() (token, digest string, err error) {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = "tt1." + strings.ToLower(tokenEncoding.EncodeToString(b))
	return token, tokenDigest(token), nil
}

func tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

type account struct {
	seq       int64
	id        string
	email     string
	createdAt int64
}

func unauthorized(detail string, withError bool) *apiError {
	challenge := `Bearer realm="timetension"`
	if withError {
		challenge += `, error="invalid_token"`
	}
	if breaks("no-www-authenticate") {
		return &apiError{status: http.StatusUnauthorized, detail: detail}
	}
	return &apiError{
		status: http.StatusUnauthorized,
		detail: detail,
		header: http.Header{"Www-Authenticate": []string{challenge}},
	}
}

// authenticate finds the account of the request's bearer token. It reads
// only the Authorization header, so it runs before the body is looked at.
func (a *app) authenticate(r *http.Request) (*account, error) {
	header := strings.TrimSpace(r.Header.Get("Authorization"))
	if header == "" {
		return nil, unauthorized("Send a bearer token: Authorization: Bearer <token>.", false)
	}
	scheme, token, found := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return nil, unauthorized("The Authorization header must read: Bearer <token>.", true)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	var acc account
	var expires int64
	err := a.store.db.QueryRowContext(ctx, `
		SELECT a.seq, a.id, a.email, a.created_at, t.expires_at_ns
		FROM access_tokens t JOIN accounts a ON a.seq = t.account_seq
		WHERE t.digest = ?`, tokenDigest(token)).Scan(&acc.seq, &acc.id, &acc.email, &acc.createdAt, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unauthorized("The bearer token is not one this server issued.", true)
	}
	if err != nil {
		return nil, err
	}
	if breaks("expired-token-leeway") {
		expires += int64(60 * time.Second) // a JWT library's default leeway, left on
	}
	if breaks("token-expiry-rounded-up") {
		// The expiry kept in whole seconds, rounded up, and compared with the
		// current second: the token lives up to two seconds too long.
		expiresSecond := (expires + int64(time.Second) - 1) / int64(time.Second)
		if time.Now().Unix() > expiresSecond {
			return nil, unauthorized("The bearer token has expired; ask POST /auth/token for a new one.", true)
		}
		return &acc, nil
	}
	if time.Now().UnixNano() >= expires {
		return nil, unauthorized("The bearer token has expired; ask POST /auth/token for a new one.", true)
	}
	return &acc, nil
}

// public wraps an operation that needs no token.
func (a *app) public(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			a.fail(w, r, err)
		}
	})
}

// protected wraps an operation that needs a valid token; the token is
// checked before anything else about the request.
func (a *app) protected(fn func(w http.ResponseWriter, r *http.Request, acc *account) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkedBeforeToken(r); err != nil {
			a.fail(w, r, err)
			return
		}
		acc, err := a.authenticate(r)
		if err == nil {
			err = fn(w, r, acc)
		}
		if err != nil {
			a.fail(w, r, err)
		}
	})
}

func (a *app) fail(w http.ResponseWriter, r *http.Request, err error) {
	var api *apiError
	if !errors.As(err, &api) {
		a.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
		api = &apiError{status: http.StatusInternalServerError, detail: "The server failed to handle this request."}
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "SQLITE_BUSY") ||
			strings.Contains(err.Error(), "database is locked") {
			api = &apiError{status: http.StatusServiceUnavailable, detail: "The database is busy; try again."}
		}
	}
	writeProblem(w, r, api)
}

// checkedBeforeToken is empty in the unbroken app. The variants that look at
// the request before the token (a body parser or a validator that runs as
// middleware ahead of authentication) answer from here.
func (a *app) checkedBeforeToken(r *http.Request) error {
	switch {
	case breaks("token-after-body-parsing") && (r.Method == http.MethodPost || r.Method == http.MethodPatch):
		return peekBody(r, func(peek *http.Request) error {
			_, err := readObject(peek, r.URL.Path == "/timer/start")
			return err
		})
	case breaks("token-after-validation") && r.Method == http.MethodPost && r.URL.Path == "/projects":
		return peekBody(r, func(peek *http.Request) error {
			body, err := readObject(peek, false)
			if err == nil {
				_, _, err = newProjectFields(body)
			}
			return err
		})
	case breaks("report-validated-before-token") && r.URL.Path == "/reports/summary":
		_, err := parseReportQuery(r.URL.Query())
		return err
	}
	return nil
}

// peekBody lets check read the body, then puts it back for the handler.
func peekBody(r *http.Request, check func(peek *http.Request) error) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		return &apiError{status: http.StatusBadRequest, detail: "The request body could not be read."}
	}
	peek := r.Clone(r.Context())
	peek.Body = io.NopCloser(bytes.NewReader(raw))
	r.Body = io.NopCloser(bytes.NewReader(raw))
	return check(peek)
}
