-- Undo freeze.sql on the connected database: CONNECT granted back to exactly the roles (and PUBLIC) it was revoked
-- from, and the record removed, in one transaction. Nothing happens on a database that is not frozen.
DO $unfreeze$
DECLARE
  saved json := (SELECT substr(c, length('zhongyuan.frozen=') + 1)::json
                 FROM pg_db_role_setting s, unnest(s.setconfig) c
                 WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND s.setrole = 0 AND c LIKE 'zhongyuan.frozen=%');
  role text;
BEGIN
  IF saved IS NULL THEN
    RETURN;
  END IF;
  IF (saved ->> 'public')::boolean THEN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO PUBLIC', current_database());
  END IF;
  FOR role IN SELECT json_array_elements_text(saved -> 'roles') LOOP
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = role) THEN
      EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), role);
    END IF;
  END LOOP;
  EXECUTE format('ALTER DATABASE %I RESET zhongyuan.frozen', current_database());
END
$unfreeze$;
