// The database schema: goose applies the SQL files in migrations/ that the database has not seen yet
// and records them in the goose_db_version table. The files are built into the binary (embed), so the
// app migrates the same way natively and in its container.
package main

import (
	"context"
	"embed"
	"io/fs"
	"log"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool) // closing it leaves the pool open
	defer db.Close()
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, files)
	if err != nil {
		return err
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return err
	}
	applied := make([]string, 0, len(results))
	for _, result := range results {
		applied = append(applied, result.Source.Path)
	}
	if len(applied) == 0 {
		log.Print("migrations: up to date")
	} else {
		log.Printf("migrations: applied %s", strings.Join(applied, ", "))
	}
	return nil
}
