-- Every sequence's position on the (frozen) source as a setval() for the target: logical replication does not
-- carry sequences. A sequence never used gets its start, to be handed out next.
SELECT format('SELECT pg_catalog.setval(%L, %s, %s);', format('%I.%I', schemaname, sequencename),
              coalesce(last_value, start_value), CASE WHEN last_value IS NULL THEN 'false' ELSE 'true' END)
FROM pg_sequences ORDER BY schemaname, sequencename;
