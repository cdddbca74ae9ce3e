-- Wait until the subscription's initial copy of every table has finished (each table synchronized or ready), for at
-- most :timeout seconds; an initial copy that failed on the target fails at once (the target's log says why).
SELECT set_config('zy.sub', :'sub', false), set_config('zy.timeout', :'timeout', false)
\gset zy_set_
DO $wait$
DECLARE
  subscription oid := (SELECT oid FROM pg_subscription
                       WHERE subname = current_setting('zy.sub')
                         AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()));
  deadline timestamptz := clock_timestamp() + make_interval(secs => current_setting('zy.timeout')::float);
  pending text;
  errors bigint;
BEGIN
  IF subscription IS NULL THEN
    RAISE EXCEPTION 'the subscription % does not exist on the target', current_setting('zy.sub');
  END IF;
  LOOP
    SELECT string_agg(format('%s (%s)', srrelid::regclass, srsubstate), ', ') INTO pending
    FROM pg_subscription_rel WHERE srsubid = subscription AND srsubstate NOT IN ('r', 's');
    EXIT WHEN pending IS NULL;
    SELECT sync_error_count + apply_error_count INTO errors FROM pg_stat_subscription_stats WHERE subid = subscription;
    IF errors > 0 THEN
      RAISE EXCEPTION 'the initial copy failed on the target (% errors; its server log says why); not copied: %',
        errors, pending;
    END IF;
    IF clock_timestamp() > deadline THEN
      RAISE EXCEPTION 'the initial copy did not finish within % s; not copied yet: %',
        current_setting('zy.timeout'), pending;
    END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
END
$wait$;
