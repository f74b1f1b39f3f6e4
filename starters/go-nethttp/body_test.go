package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// readJSONObject answers 415 for another media type and 400 for a body that is not a JSON object.
// Run with `go test ./...`.
func TestReadJSONObject(t *testing.T) {
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"an object", "application/json", `{"email": "ada@example.com"}`, http.StatusOK},
		{"with a charset", "application/json; charset=utf-8", `{}`, http.StatusOK},
		{"another media type", "text/plain", `{"email": "ada@example.com"}`, http.StatusUnsupportedMediaType},
		{"broken JSON", "application/json", `{"email": `, http.StatusBadRequest},
		{"an array", "application/json", `[]`, http.StatusBadRequest},
		{"two values", "application/json", `{} {}`, http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			request := httptest.NewRequest(http.MethodPost, "/users", strings.NewReader(c.body))
			request.Header.Set("Content-Type", c.contentType)
			recorder := httptest.NewRecorder()
			if _, ok := readJSONObject(recorder, request); ok {
				recorder.WriteHeader(http.StatusOK)
			}
			if recorder.Code != c.status {
				t.Fatalf("expected %d, received %d: %s", c.status, recorder.Code, recorder.Body)
			}
			if c.status != http.StatusOK && recorder.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("expected a problem, received %q", recorder.Header().Get("Content-Type"))
			}
		})
	}
}
