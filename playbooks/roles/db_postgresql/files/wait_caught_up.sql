-- Wait until the target has confirmed (received, applied and flushed) everything the frozen source wrote: the
-- slot's confirmed_flush_lsn reaches the source's current WAL position, for at most :timeout seconds.
SELECT set_config('zy.slot', :'slot', false), set_config('zy.timeout', :'timeout', false)
\gset zy_set_
DO $wait$
DECLARE
  goal pg_lsn := pg_current_wal_lsn();
  deadline timestamptz := clock_timestamp() + make_interval(secs => current_setting('zy.timeout')::float);
  slot record;
BEGIN
  LOOP
    SELECT active, confirmed_flush_lsn INTO slot FROM pg_replication_slots WHERE slot_name = current_setting('zy.slot');
    IF NOT FOUND THEN
      RAISE EXCEPTION 'the replication slot % is gone: the target no longer follows the source',
        current_setting('zy.slot');
    END IF;
    EXIT WHEN slot.confirmed_flush_lsn >= goal;
    IF clock_timestamp() > deadline THEN
      RAISE EXCEPTION 'the target did not catch up within % s: it confirmed % of %, % bytes behind%',
        current_setting('zy.timeout'), slot.confirmed_flush_lsn, goal, goal - slot.confirmed_flush_lsn,
        CASE WHEN slot.active THEN '' ELSE ' (nothing replicates from the slot: the target is gone or stopped)' END;
    END IF;
    PERFORM pg_sleep(0.05);
  END LOOP;
END
$wait$;
