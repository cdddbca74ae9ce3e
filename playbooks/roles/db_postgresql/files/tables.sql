-- Every table of the source database with the statement that streams its rows in primary-key order (key columns of
-- collatable types compared byte by byte, COLLATE "C", so both sides order them alike), columns named as on the
-- source; and the tables without a primary key, which rows cannot be matched by. Prints {tables, without_key}.
WITH tables AS (
  SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name,
         (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
         (SELECT string_agg(quote_ident(a.attname) || CASE WHEN a.attcollation <> 0 THEN ' COLLATE "C"' ELSE '' END,
                            ', ' ORDER BY k.position)
          FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k (attnum, position), pg_attribute a
          WHERE i.indrelid = c.oid AND i.indisprimary AND a.attrelid = c.oid AND a.attnum = k.attnum) AS key
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND c.relpersistence = 'p'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
)
SELECT json_build_object(
  'tables', (SELECT coalesce(json_agg(json_build_object(
                'table', name,
                'query', format('COPY (SELECT %s FROM %s ORDER BY %s) TO STDOUT', columns, name, key))
              ORDER BY name), '[]') FROM tables WHERE key IS NOT NULL),
  'without_key', (SELECT coalesce(json_agg(name ORDER BY name), '[]') FROM tables WHERE key IS NULL));
