-- Writes frozen on the connected database, for ordinary roles: CONNECT is revoked from every role that has it
-- (PUBLIC included) but the admin running this and the migration's replication role, and every other client session
-- is ended (one that passed the CONNECT check before the revoke is listed, so it is ended too). What was revoked, and
-- when, is kept in the database's setting zhongyuan.frozen in the same transaction as the revokes, so unfreeze.sql
-- restores exactly that, whichever process runs it. A database frozen already stays as it is: its record is the
-- one taken before the first freeze. Superusers pass any CONNECT check: they cannot be frozen out this way.
-- Prints {frozen_at, able_to_connect}: the ordinary login roles that can still connect (none, unless a grant came
-- from a grantor other than the owner).
SELECT set_config('zy.keep', :'repl', false)
\gset zy_set_
DO $freeze$
DECLARE
  db oid := (SELECT oid FROM pg_database WHERE datname = current_database());
  grantee oid;
  roles text[] := '{}';
  public boolean := false;
BEGIN
  IF EXISTS (SELECT FROM pg_db_role_setting s, unnest(s.setconfig) c
             WHERE s.setdatabase = db AND s.setrole = 0 AND c LIKE 'zhongyuan.frozen=%') THEN
    RETURN;
  END IF;
  FOR grantee IN
    SELECT DISTINCT a.grantee
    FROM pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
    WHERE d.oid = db AND a.privilege_type = 'CONNECT'
      AND a.grantee NOT IN (SELECT oid FROM pg_roles WHERE rolname IN (current_user, current_setting('zy.keep')))
  LOOP
    IF grantee = 0 THEN
      EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
      public := true;
    ELSE
      roles := roles || (SELECT rolname::text FROM pg_roles WHERE oid = grantee);
      EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), roles[array_upper(roles, 1)]);
    END IF;
  END LOOP;
  EXECUTE format('ALTER DATABASE %I SET zhongyuan.frozen = %L', current_database(), json_build_object(
    'at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'public', public, 'roles', to_json(roles))::text);
END
$freeze$;
SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) AS ended
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
\gset zy_set_
SELECT json_build_object(
  'frozen_at', (SELECT substr(c, length('zhongyuan.frozen=') + 1)::json ->> 'at'
                FROM pg_db_role_setting s, unnest(s.setconfig) c
                WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND s.setrole = 0 AND c LIKE 'zhongyuan.frozen=%'),
  'sessions_ended', :zy_set_ended,
  'able_to_connect', (SELECT coalesce(json_agg(rolname ORDER BY rolname), '[]') FROM pg_roles
                      WHERE rolcanlogin AND NOT rolsuper AND rolname NOT IN (current_user, :'repl')
                        AND has_database_privilege(oid, current_database(), 'CONNECT')));
