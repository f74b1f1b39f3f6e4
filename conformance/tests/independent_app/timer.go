package main

import (
	"database/sql"
	"net/http"
)

// The timer is the account's running entry: an entry whose ended_at is null.
// The partial unique index entries_one_running keeps it to one per account
// even when starts race; BEGIN IMMEDIATE makes the losers see the winner.

func alreadyRunning() *apiError {
	return conflict("A timer is running already; stop it before starting another.")
}

func (a *app) getTimer(w http.ResponseWriter, r *http.Request, acc *account) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	e, err := findRunning(ctx, a.store.db, acc.seq)
	if err != nil {
		return err
	}
	if e == nil {
		return &apiError{status: http.StatusNotFound, detail: "No timer is running right now."}
	}
	writeEntry(w, http.StatusOK, e)
	return nil
}

func (a *app) startTimer(w http.ResponseWriter, r *http.Request, acc *account) error {
	bodyOptional := !breaks("timer-start-requires-body")
	body, err := readObject(r, bodyOptional)
	if err != nil {
		return err
	}
	var description, ref *string
	if body != nil {
		var errs fieldErrors
		description, _ = entryDescription(body, &errs)
		ref, _ = projectRef(body, &errs)
		if err := errs.asError(); err != nil {
			return err
		}
	}

	ctx, cancel := withTimeout(r)
	defer cancel()
	var e *entry
	err = a.store.write(ctx, func(tx *sql.Tx) error {
		if err := checkProjectRef(ctx, tx, acc.seq, ref); err != nil {
			return err
		}
		running, err := findRunning(ctx, tx, acc.seq)
		if err != nil {
			return err
		}
		now := nowSeconds()
		if running != nil && breaks("second-timer-replaces-first") {
			if _, err := tx.ExecContext(ctx, `UPDATE entries SET ended_at = ?, revision = revision + 1 WHERE id = ?`,
				now, running.id); err != nil {
				return err
			}
		} else if running != nil {
			return alreadyRunning()
		}
		other, err := findOverlap(ctx, tx, acc.seq, now, nil, "")
		if err != nil {
			return err
		}
		if other != "" && !breaks("timer-start-ignores-later-entries") {
			return conflict("One of your entries ends after now; a timer started now would overlap it.")
		}
		e = &entry{id: newID("ent_"), projectID: ref, description: description, startedAt: now,
			revision: 1, createdAt: now, updatedAt: now}
		return insertEntry(ctx, tx, acc.seq, e)
	})
	if isUniqueViolation(err) {
		return alreadyRunning()
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/time-entries/"+e.id)
	writeEntry(w, http.StatusCreated, e)
	return nil
}

func (a *app) stopTimer(w http.ResponseWriter, r *http.Request, acc *account) error {
	ctx, cancel := withTimeout(r)
	defer cancel()
	var e *entry
	err := a.store.write(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = findRunning(ctx, tx, acc.seq)
		if err != nil {
			return err
		}
		if e == nil && breaks("stop-without-timer-404") {
			return &apiError{status: http.StatusNotFound, detail: "No timer is running."}
		}
		if e == nil {
			return conflict("No timer is running, so there is nothing to stop.")
		}
		now := nowSeconds()
		end := stopInstant(e.startedAt, now)
		e.endedAt = &end
		e.revision++
		e.updatedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE entries SET ended_at = ?, revision = ?, updated_at = ? WHERE id = ?`,
			end, e.revision, e.updatedAt, e.id)
		return err
	})
	if err != nil {
		return err
	}
	writeEntry(w, http.StatusOK, e)
	return nil
}
