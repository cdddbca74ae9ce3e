-- The migration's replication taken out of the source (connected to the source database): its role may no longer
-- log in, the sender still using the slot is ended and the slot dropped (a slot left behind keeps WAL for ever and
-- fills the source's disk), then the publication and the role with its grants. Safe when none of it exists.
SELECT set_config('zy.slot', :'slot', false), set_config('zy.repl', :'repl', false)
\gset zy_set_
DO $drop$
DECLARE
  deadline timestamptz := clock_timestamp() + interval '30 seconds';
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = current_setting('zy.repl')) THEN
    EXECUTE format('ALTER ROLE %I NOLOGIN', current_setting('zy.repl'));
  END IF;
  WHILE EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = current_setting('zy.slot')) LOOP
    PERFORM pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots
    WHERE slot_name = current_setting('zy.slot') AND active_pid IS NOT NULL;
    BEGIN
      PERFORM pg_drop_replication_slot(current_setting('zy.slot'));
    EXCEPTION WHEN object_in_use OR undefined_object THEN
      IF clock_timestamp() > deadline THEN
        RAISE;
      END IF;
      PERFORM pg_sleep(0.1);
    END;
  END LOOP;
END
$drop$;
DROP PUBLICATION IF EXISTS :"pub";
DO $drop$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = current_setting('zy.repl')) THEN
    EXECUTE format('DROP OWNED BY %I', current_setting('zy.repl'));
    EXECUTE format('DROP ROLE %I', current_setting('zy.repl'));
  END IF;
END
$drop$;
