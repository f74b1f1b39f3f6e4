// Every error answer is an RFC 9457 problem (application/problem+json), produced here.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
)

type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// writeProblem answers status with a problem body; detail tells the client what went wrong.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
}

// writeJSON answers status with body encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// problemsForUnmatched answers the requests that match no route. ServeMux would answer them in
// plain text (404, or 405 when the path exists with other methods); they get problems instead.
func problemsForUnmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fallback, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		answer := &statusOnly{header: http.Header{}}
		fallback.ServeHTTP(answer, r)
		if answer.status == http.StatusMethodNotAllowed {
			allowed := answer.header.Get("Allow")
			w.Header().Set("Allow", allowed)
			writeProblem(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use %s.", r.Method, r.URL.Path, allowed))
			return
		}
		writeProblem(w, http.StatusNotFound, fmt.Sprintf("There is no %s here.", r.URL.Path))
	})
}

// statusOnly keeps the status and headers that ServeMux's own answer sets, and drops its text.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(status int)      { s.status = status }

// recoverPanics answers 500 as a problem when a handler panics, instead of dropping the connection.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if err := recover(); err != nil {
				if err == http.ErrAbortHandler {
					panic(err)
				}
				log.Printf("panic in %s %s: %v", r.Method, r.URL.Path, err)
				writeProblem(w, http.StatusInternalServerError, "Something went wrong on our side.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
