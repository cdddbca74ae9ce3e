-- What the target database holds besides an empty public schema: a database the migration did not load is copied
-- into only while it holds nothing. Prints {objects, examples}.
WITH spaces AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
), found AS (
  SELECT format('%I.%I', s.nspname, c.relname) AS what FROM pg_class c JOIN spaces s ON s.oid = c.relnamespace
  UNION ALL SELECT format('function %I.%I', s.nspname, p.proname) FROM pg_proc p JOIN spaces s ON s.oid = p.pronamespace
  UNION ALL SELECT format('type %I.%I', s.nspname, t.typname) FROM pg_type t JOIN spaces s ON s.oid = t.typnamespace
            WHERE t.typrelid = 0 AND t.typcategory <> 'A'
  UNION ALL SELECT format('schema %I', nspname) FROM spaces WHERE nspname <> 'public'
  UNION ALL SELECT format('extension %I', extname) FROM pg_extension WHERE extname <> 'plpgsql'
)
SELECT json_build_object('objects', (SELECT count(*) FROM found),
                         'examples', (SELECT coalesce(json_agg(what), '[]') FROM (SELECT what FROM found ORDER BY what LIMIT 5) f));
