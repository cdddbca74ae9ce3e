-- (after unfreeze.sql) The target is writable: its record says since when.
SELECT format('ALTER DATABASE %I SET zhongyuan.migration = %L', current_database(),
              json_build_object('name', :'name', 'state', 'switched', 'frozen_at', :'frozen_at',
                                'writable_at', to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                                       'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text)
\gexec
SELECT substr(c, length('zhongyuan.migration=') + 1)
FROM pg_db_role_setting s, unnest(s.setconfig) c
WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.setrole = 0 AND c LIKE 'zhongyuan.migration=%';
