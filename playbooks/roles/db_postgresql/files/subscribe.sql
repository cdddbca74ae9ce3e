-- The subscription (:pw is set above this file, from the play): its connection info, which holds the replication
-- role's password, is the one place that password is kept. The statement stays out of the server's log.
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SET log_min_duration_statement = -1;
SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %I', :'sub',
              (SELECT string_agg(key || '=''' || replace(replace(value, '\', '\\'), '''', '\''') || '''', ' ')
               FROM (VALUES ('host', :'source_host'), ('port', :'source_port'), ('dbname', :'source_database'),
                            ('user', :'repl'), ('password', :'pw'), ('application_name', :'sub')) AS c (key, value)),
              :'pub')
\gexec
