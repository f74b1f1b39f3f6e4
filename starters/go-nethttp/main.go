// The plumbing: configuration, the database pool, the HTTP server and a clean shutdown.
// The routes are in routes.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	log.SetOutput(os.Stdout)

	databaseURL := os.Getenv("DATABASE_URL")
	if databaseURL == "" {
		fail("DATABASE_URL is not set; set it to a PostgreSQL URL such as postgresql://user:pass@localhost:5432/db")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}

	config, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		fail("DATABASE_URL is not a valid PostgreSQL URL such as postgresql://user:pass@localhost:5432/db")
	}
	db, err := connect(config)
	if err != nil {
		fail(fmt.Sprintf("cannot reach the database at %s: %s", masked(databaseURL), rootCause(err)))
	}
	if err := migrate(context.Background(), db); err != nil {
		db.Close()
		fail(fmt.Sprintf("the migrations failed: %s", err))
	}

	server := &http.Server{
		Addr:              net.JoinHostPort("0.0.0.0", port),
		Handler:           logRequests(recoverPanics(problemsForUnmatched(routes(db)))),
		ReadHeaderTimeout: 10 * time.Second,
	}
	listener, err := net.Listen("tcp", server.Addr)
	if err != nil {
		db.Close()
		fail(fmt.Sprintf("cannot listen on %s: %s", server.Addr, rootCause(err)))
	}
	log.Printf("listening on http://%s", server.Addr)

	stop, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	select {
	case err := <-served:
		db.Close()
		fail(fmt.Sprintf("the server stopped: %s", err))
	case <-stop.Done():
	}

	log.Print("shutting down")
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := server.Shutdown(ctx); err != nil {
		log.Printf("requests still running after 5 s were cut off: %v", err)
	}
	db.Close()
}

// connect opens the pool and runs one query, so a wrong DATABASE_URL stops the app at start.
func connect(config *pgxpool.Config) (*pgxpool.Pool, error) {
	config.ConnConfig.ConnectTimeout = 5 * time.Second
	db, err := pgxpool.NewWithConfig(context.Background(), config)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// fail prints one line on stderr and exits with status 1: no stack trace for a configuration problem.
func fail(message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(1)
}

// masked hides the password of a database URL so that it can be printed.
func masked(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "DATABASE_URL"
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		u.User = url.User(u.User.Username())
		return strings.Replace(u.String(), "@", ":***@", 1)
	}
	return u.String()
}

// rootCause turns "failed to connect to ...: dial error: dial tcp ...: connect: connection refused"
// into "connection refused". When several addresses were tried, the last one's cause is kept.
func rootCause(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("no answer within 5 s")
	}
	for {
		switch wrapper := err.(type) {
		case interface{ Unwrap() error }:
			if wrapper.Unwrap() == nil {
				return err
			}
			err = wrapper.Unwrap()
		case interface{ Unwrap() []error }:
			errs := wrapper.Unwrap()
			if len(errs) == 0 {
				return err
			}
			err = errs[len(errs)-1]
		default:
			return err
		}
	}
}

// logRequests prints one line per request on stdout: method, path, status and duration.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started := time.Now()
		recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(recorder, r)
		log.Printf("%s %s %d %s", r.Method, r.URL.RequestURI(), recorder.status, time.Since(started).Round(time.Microsecond))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
