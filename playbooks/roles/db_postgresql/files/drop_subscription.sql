-- The subscription taken out on the target (connected to the target database) without asking the source: it is
-- disabled and let go of its slot first, so this works with the source gone too; the source's slot is dropped
-- there (drop_source_replication.sql). Nothing happens where there is no subscription.
SELECT set_config('zy.sub', :'sub', false)
\gset zy_set_
DO $drop$
BEGIN
  IF EXISTS (SELECT FROM pg_subscription
             WHERE subname = current_setting('zy.sub')
               AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())) THEN
    EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', current_setting('zy.sub'));
    EXECUTE format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', current_setting('zy.sub'));
  END IF;
END
$drop$;
DROP SUBSCRIPTION IF EXISTS :"sub";
