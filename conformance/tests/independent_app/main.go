// Command independent-app is a second, independent implementation of the
// Timetension time-tracking API, written from spec/openapi.yaml and the level
// pages alone. It serves every level, L0 to L5.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"
)

func main() {
	logger := log.New(os.Stderr, "independent-app ", log.LstdFlags|log.LUTC)
	if err := chooseBreakFromEnvironment(); err != nil {
		logger.Fatal(err)
	}
	if activeBreak != "" {
		logger.Printf("BROKEN ON PURPOSE: %s=%s", breakVariable, activeBreak)
	}

	port := strings.TrimSpace(os.Getenv("PORT"))
	if port == "" {
		port = "8080"
	}
	dbPath, err := databasePath(os.Getenv("DATABASE_URL"))
	if err != nil {
		logger.Fatalf("DATABASE_URL: %v", err)
	}
	store, err := openStore(dbPath)
	if err != nil {
		logger.Fatalf("opening the database %q: %v", dbPath, err)
	}
	defer store.close()

	a := &app{
		store:   store,
		origins: parseOrigins(os.Getenv("CORS_ORIGINS")),
		log:     logger,
	}
	server := &http.Server{
		Addr:              "0.0.0.0:" + port,
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = server.Shutdown(ctx)
		close(done)
	}()

	logger.Printf("listening on %s, database %s", server.Addr, dbPath)
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Fatalf("serving: %v", err)
	}
	<-done
}

// databasePath turns DATABASE_URL into a file path. It takes the SQLAlchemy
// form (sqlite:///relative.db, sqlite:////absolute/path.db), sqlite://path and
// a plain path; an empty value means timetension.db in the working directory.
func databasePath(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "timetension.db", nil
	}
	rest := raw
	switch {
	case strings.HasPrefix(raw, "sqlite:///"):
		rest = strings.TrimPrefix(raw, "sqlite:///")
	case strings.HasPrefix(raw, "sqlite://"):
		rest = strings.TrimPrefix(raw, "sqlite://")
	case strings.HasPrefix(raw, "sqlite:"):
		rest = strings.TrimPrefix(raw, "sqlite:")
	case strings.Contains(raw, "://"):
		return "", errors.New("only sqlite URLs or plain file paths are supported")
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	if rest == "" {
		return "", errors.New("no file path in the URL")
	}
	return rest, nil
}

func parseOrigins(raw string) map[string]bool {
	if strings.TrimSpace(raw) == "" {
		raw = "http://localhost:5173"
	}
	origins := map[string]bool{}
	for _, part := range strings.Split(raw, ",") {
		if part = strings.TrimSpace(part); part != "" {
			origins[strings.TrimRight(part, "/")] = true
		}
	}
	return origins
}

type app struct {
	store   *store
	origins map[string]bool
	log     *log.Logger
}

// route is one path of the API with the handler of each of its methods.
type route struct {
	pattern string
	methods map[string]http.Handler
}

func (a *app) routes() []route {
	return []route{
		{"/health", map[string]http.Handler{"GET": a.public(a.health)}},
		{"/users", map[string]http.Handler{"POST": a.public(a.registerUser)}},
		{"/auth/token", map[string]http.Handler{"POST": a.public(a.createToken)}},
		{"/users/me", map[string]http.Handler{"GET": a.protected(a.currentUser)}},
		{"/projects", map[string]http.Handler{
			"GET":  a.protected(a.listProjects),
			"POST": a.protected(a.createProject),
		}},
		{"/projects/{project_id}", map[string]http.Handler{
			"GET":    a.protected(a.getProject),
			"PATCH":  a.protected(a.updateProject),
			"DELETE": a.protected(a.deleteProject),
		}},
		{"/time-entries", map[string]http.Handler{
			"GET":  a.protected(a.listEntries),
			"POST": a.protected(a.createEntry),
		}},
		{"/time-entries/{entry_id}", map[string]http.Handler{
			"GET":    a.protected(a.getEntry),
			"PATCH":  a.protected(a.updateEntry),
			"DELETE": a.protected(a.deleteEntry),
		}},
		{"/timer", map[string]http.Handler{"GET": a.protected(a.getTimer)}},
		{"/timer/start", map[string]http.Handler{"POST": a.protected(a.startTimer)}},
		{"/timer/stop", map[string]http.Handler{"POST": a.protected(a.stopTimer)}},
		{"/reports/summary", map[string]http.Handler{"GET": a.protected(a.summaryReport)}},
	}
}

// handler builds the whole HTTP stack: panic recovery, CORS, path hygiene,
// then Go's pattern router with problem+json answers for every miss.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		allowed := make([]string, 0, len(rt.methods))
		for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
			if h, ok := rt.methods[m]; ok {
				mux.Handle(m+" "+rt.pattern, h)
				allowed = append(allowed, m)
			}
		}
		if _, ok := rt.methods["GET"]; ok {
			allowed = append(allowed, "HEAD")
		}
		allow := strings.Join(allowed, ", ")
		// Any other method on a known path is 405, as a problem.
		mux.Handle(rt.pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			if breaks("wrong-method-not-problem") {
				http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
				return
			}
			writeProblem(w, r, &apiError{status: http.StatusMethodNotAllowed,
				detail: r.Method + " is not one of the methods of " + r.URL.Path + " (" + allow + ")."})
		}))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if breaks("unknown-path-not-problem") {
			http.NotFound(w, r)
			return
		}
		writeProblem(w, r, &apiError{status: http.StatusNotFound, detail: "Nothing lives at " + r.URL.Path + "."})
	}))

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Printf("panic serving %s %s: %v", r.Method, r.URL.Path, v)
				writeProblem(w, r, &apiError{status: http.StatusInternalServerError,
					detail: "The server failed to handle this request."})
			}
		}()
		if a.cors(w, r) {
			return
		}
		// Go's router redirects paths that are not clean ("/projects/..");
		// here such a path is simply not a resource of the API.
		if escaped := r.URL.EscapedPath(); cleanPath(escaped) != escaped {
			a.uncleanPath(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// uncleanPath answers a path with empty, "." or ".." segments: 401 first when
// it lies under a protected prefix, then 404.
func (a *app) uncleanPath(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	for _, prefix := range []string{"/projects/", "/time-entries/", "/timer/", "/users/", "/reports/"} {
		if strings.HasPrefix(p, prefix) {
			if _, err := a.authenticate(r); err != nil {
				writeProblem(w, r, err)
				return
			}
			break
		}
	}
	writeProblem(w, r, &apiError{status: http.StatusNotFound, detail: "Nothing lives at this path."})
}

func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
}

// cors adds the CORS headers for allowed origins and answers preflights. It
// reports whether the request has been answered.
func (a *app) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	allowed := a.origins[origin] || breaks("cors-any-origin-reflected")
	preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
	if preflight {
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		if !allowed {
			writeProblem(w, r, &apiError{status: http.StatusForbidden,
				detail: "The origin " + origin + " may not call this API from a browser."})
			return true
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
		allowHeaders := "Authorization, Content-Type, If-Match"
		if breaks("cors-if-match-not-allowed") {
			allowHeaders = "Authorization, Content-Type"
		}
		h.Set("Access-Control-Allow-Headers", allowHeaders)
		h.Set("Access-Control-Max-Age", "600")
		h.Set("Content-Length", "0")
		// A plain 200 with an empty body: browsers accept any 2xx here.
		w.WriteHeader(http.StatusOK)
		return true
	}
	if allowed {
		h.Set("Access-Control-Allow-Origin", origin)
		if !breaks("cors-etag-not-exposed") {
			h.Set("Access-Control-Expose-Headers", "ETag, Location")
		}
	}
	return false
}

// health answers 200 only when the database answers a query.
func (a *app) health(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.store.ping(ctx); err != nil {
		a.log.Printf("health: %v", err)
		return &apiError{status: http.StatusServiceUnavailable, detail: "The database is not answering."}
	}
	status := "ok"
	if breaks("health-status-not-ok") {
		status = "UP"
	}
	writeJSON(w, http.StatusOK, struct {
		Status string `json:"status"`
	}{status})
	return nil
}
