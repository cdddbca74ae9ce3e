-- The role the target's subscription logs in as (:pw is set above this file, from the play): it may replicate,
-- connect to this database and read its tables (the initial copy). Its statements stay out of the server's log.
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SET log_min_duration_statement = -1;
CREATE ROLE :"repl" LOGIN REPLICATION PASSWORD :'pw';
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'repl')
\gexec
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', nspname, :'repl'),
       format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', nspname, :'repl')
FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
\gexec
