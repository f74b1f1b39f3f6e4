-- The first migration: a placeholder that shows where migrations go and proves they run at start-up.
-- The schema is yours to design: add 00002_create_users.sql next to this file (same two markers), and
-- drop this table in one of them if you like.

-- +goose Up
CREATE TABLE schema_info (name text PRIMARY KEY, value text NOT NULL);

-- +goose Down
DROP TABLE schema_info;
