package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// fieldError names one invalid field of a request: a body field, a query
// parameter, or "body" for the body as a whole.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// apiError is every answer that is not a success. Handlers return it and the
// wrappers turn it into an RFC 9457 problem.
type apiError struct {
	status int
	detail string
	fields []fieldError
	header http.Header
	// asPlainJSON is set by the variants that send a problem as application/json.
	asPlainJSON bool
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.detail) }

// fieldErrors collects every invalid field of one request.
type fieldErrors []fieldError

func (f *fieldErrors) add(field, message string) {
	*f = append(*f, fieldError{Field: field, Message: message})
}

func (f *fieldErrors) has(field string) bool {
	for _, e := range *f {
		if e.Field == field {
			return true
		}
	}
	return false
}

func (f fieldErrors) asError() error {
	if len(f) == 0 {
		return nil
	}
	return invalid(f...)
}

func invalid(fields ...fieldError) *apiError {
	if breaks("first-field-error-only") && len(fields) > 1 {
		fields = fields[:1]
	}
	names := make([]string, 0, len(fields))
	for _, f := range fields {
		names = append(names, f.Field)
	}
	noun := "field"
	if len(fields) != 1 {
		noun = "fields"
	}
	return &apiError{
		status:      http.StatusUnprocessableEntity,
		detail:      fmt.Sprintf("The request has %d invalid %s: %s.", len(fields), noun, strings.Join(names, ", ")),
		fields:      fields,
		asPlainJSON: breaks("field-errors-as-plain-json"),
	}
}

func notFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, detail: "There is no " + what + " with this id among yours.",
		asPlainJSON: breaks("not-found-as-plain-json")}
}

func conflict(detail string) *apiError {
	return &apiError{status: http.StatusConflict, detail: detail}
}

var titles = map[int]string{
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	409: "Conflict",
	412: "Precondition Failed",
	413: "Content Too Large",
	415: "Unsupported Media Type",
	422: "Unprocessable Content",
	500: "Internal Server Error",
	503: "Service Unavailable",
}

// problemBody lists its members in an order of its own: status first.
type problemBody struct {
	Status   int          `json:"status"`
	Title    string       `json:"title"`
	Detail   string       `json:"detail"`
	Type     string       `json:"type"`
	Instance string       `json:"instance"`
	Errors   []fieldError `json:"errors,omitempty"`
}

// writeProblem answers with an application/problem+json body. Every problem
// gets an instance URN of its own, which the log line repeats.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{status: http.StatusInternalServerError, detail: "The server failed to handle this request."}
	}
	title := titles[e.status]
	if title == "" {
		title = http.StatusText(e.status)
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	body := problemBody{
		Status:   e.status,
		Title:    title,
		Detail:   e.detail,
		Type:     "about:blank",
		Instance: "urn:timetension:problem:" + hex.EncodeToString(id[:]),
		Errors:   e.fields,
	}
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	buf := encodeJSON(body)
	h := w.Header()
	h.Del("ETag")
	h.Set("Content-Type", "application/problem+json")
	if e.asPlainJSON {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf)
	}
}

func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := encodeJSON(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}
