package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite"
)

// The schema keeps every instant as whole Unix seconds (UTC) in INTEGER
// columns. Public ids are opaque strings; accounts and projects also have an
// integer sequence that keeps creation order.
const schema = `
CREATE TABLE IF NOT EXISTS settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	id            TEXT NOT NULL UNIQUE,
	email         TEXT NOT NULL,
	email_key     TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS access_tokens (
	digest        TEXT PRIMARY KEY,
	account_seq   INTEGER NOT NULL REFERENCES accounts(seq) ON DELETE CASCADE,
	issued_at_ns  INTEGER NOT NULL,
	expires_at_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS access_tokens_expiry ON access_tokens(expires_at_ns);
CREATE TABLE IF NOT EXISTS projects (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE,
	account_seq INTEGER NOT NULL REFERENCES accounts(seq),
	name        TEXT NOT NULL,
	name_key    TEXT NOT NULL,
	description TEXT,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (account_seq, name_key)
);
CREATE TABLE IF NOT EXISTS entries (
	id          TEXT PRIMARY KEY,
	account_seq INTEGER NOT NULL REFERENCES accounts(seq),
	project_id  TEXT REFERENCES projects(id),
	description TEXT,
	started_at  INTEGER NOT NULL,
	ended_at    INTEGER,
	revision    INTEGER NOT NULL DEFAULT 1,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	CHECK (ended_at IS NULL OR ended_at > started_at)
);
CREATE INDEX IF NOT EXISTS entries_by_start ON entries(account_seq, started_at, id);
CREATE INDEX IF NOT EXISTS entries_by_project ON entries(project_id);
-- At most one running entry per account, enforced by the database itself.
CREATE UNIQUE INDEX IF NOT EXISTS entries_one_running ON entries(account_seq) WHERE ended_at IS NULL;
`

type store struct {
	db *sql.DB
	// cursorKey signs list cursors, so a cursor the server did not make is
	// recognised. It lives in the database and survives restarts.
	cursorKey []byte
}

func openStore(path string) (*store, error) {
	if path != ":memory:" {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
		}
	}
	dsn := path + "?_busy_timeout=15000&_journal_mode=WAL&_foreign_keys=1&_synchronous=NORMAL&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(8)
	}
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := &store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *store) migrate(ctx context.Context) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		var key string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = 'cursor_key'`).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			var b [32]byte
			if _, err := rand.Read(b[:]); err != nil {
				return err
			}
			key = hex.EncodeToString(b[:])
			_, err = tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('cursor_key', ?)`, key)
		}
		if err != nil {
			return err
		}
		s.cursorKey, err = hex.DecodeString(key)
		return err
	})
}

func (s *store) close() error { return s.db.Close() }

func (s *store) ping(ctx context.Context) error {
	var one int
	return s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// write runs fn in a transaction that starts with BEGIN IMMEDIATE (see the
// DSN), so checks and writes inside it see no other writer in between.
func (s *store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// newID makes an opaque id: a prefix, then 10 Crockford base32 characters of
// milliseconds and 16 of randomness, in lower case (ULID-like).
func newID(prefix string) string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	var out [26]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 9; i >= 0; i-- {
		out[i] = alphabet[ms&31]
		ms >>= 5
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		panic(err)
	}
	for i := 0; i < 16; i++ {
		out[10+i] = alphabet[r[i]&31]
	}
	return prefix + string(out[:])
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func nullableString(ns sql.NullString) *string {
	if !ns.Valid {
		return nil
	}
	s := ns.String
	return &s
}

func nullableInt(ni sql.NullInt64) *int64 {
	if !ni.Valid {
		return nil
	}
	v := ni.Int64
	return &v
}
