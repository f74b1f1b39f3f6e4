-- The first migration: a placeholder that shows where migrations go and proves they run at start-up.
-- The schema is yours to design: `npm run migrate:create -- create-users` writes the next file here,
-- and you may drop this table in one of them.

-- Up Migration
CREATE TABLE schema_info (name text PRIMARY KEY, value text NOT NULL);

-- Down Migration
DROP TABLE schema_info;
