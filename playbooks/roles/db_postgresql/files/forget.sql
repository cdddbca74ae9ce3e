-- (after a switch) The target database's record of the migration is removed: the target is the database of record
-- now, and a later copy must not mistake it for a half-loaded one. A record of a copy not yet switched stays, so a
-- copy after a rollback may load the target again.
SELECT format('ALTER DATABASE %I RESET zhongyuan.migration', current_database())
FROM pg_db_role_setting s, unnest(s.setconfig) c
WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.setrole = 0 AND c LIKE 'zhongyuan.migration=%' AND substr(c, length('zhongyuan.migration=') + 1)::json ->> 'state' = 'switched'
\gexec
