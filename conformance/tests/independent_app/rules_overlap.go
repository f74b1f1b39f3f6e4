package main

import (
	"context"
	"database/sql"
	"errors"
)

// Intervals are half-open, [started_at, ended_at); a running entry has no
// end and covers everything from its start onwards. Two intervals overlap
// when each starts before the other ends.

// findOverlap returns the id of an entry of the account, other than
// exclude, that overlaps [start, end), with end nil for a running entry; or
// "" when there is none.
func findOverlap(ctx context.Context, q querier, accountSeq, start int64, end *int64, exclude string) (string, error) {
	query := `SELECT id FROM entries WHERE account_seq = ? AND id <> ? AND (ended_at IS NULL OR ended_at > ?)`
	if breaks("running-entry-not-an-overlap") {
		query = `SELECT id FROM entries WHERE account_seq = ? AND id <> ? AND ended_at > ?`
	}
	if breaks("overlap-closed-intervals") {
		query = `SELECT id FROM entries WHERE account_seq = ? AND id <> ? AND (ended_at IS NULL OR ended_at >= ?)`
	}
	args := []any{accountSeq, exclude, start}
	if end != nil && breaks("overlap-closed-intervals") {
		query += ` AND started_at <= ?`
		args = append(args, *end)
	} else if end != nil {
		query += ` AND started_at < ?`
		args = append(args, *end)
	}
	var id string
	err := q.QueryRowContext(ctx, query+` LIMIT 1`, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

func overlapConflict() *apiError {
	return conflict("This time overlaps another of your entries (a running entry reaches on without end).")
}

// stopInstant is when a running entry that started at start stops if it is
// stopped at now: never in the second it started, so it keeps a length.
func stopInstant(start, now int64) int64 {
	if now <= start && !breaks("timer-stopped-in-same-second") {
		return start + 1
	}
	return now
}
