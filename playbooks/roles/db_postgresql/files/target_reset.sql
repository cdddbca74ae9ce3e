-- Take out what an earlier copy attempt loaded into the target database (its record says this migration loaded it,
-- and the replication is not running): extensions and schemas, then a public schema as PostgreSQL 15 makes one.
DO $reset$
DECLARE
  name text;
BEGIN
  FOR name IN SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' LOOP
    EXECUTE format('DROP EXTENSION %I CASCADE', name);
  END LOOP;
  FOR name IN SELECT nspname FROM pg_namespace
              WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', name);
  END LOOP;
  CREATE SCHEMA public AUTHORIZATION pg_database_owner;
  GRANT USAGE ON SCHEMA public TO PUBLIC;
  COMMENT ON SCHEMA public IS 'standard public schema';
END
$reset$;
