-- The first migration: a placeholder that shows where migrations go and proves they run at start-up.
-- The schema is yours to design: add V2__create_users.sql next to this file, and drop this table in one
-- of them if you like. refinery refuses to start when an applied file has changed: write a new version.
CREATE TABLE schema_info (name text PRIMARY KEY, value text NOT NULL);
