-- The target takes over (connected to the target database; the sequences' setval() run above this file): its
-- record says the switch is under way, the subscription is dropped (which drops the slot on the source), the
-- target is unfrozen (unfreeze.sql follows) and its record says when it became writable. Run again after being cut
-- off anywhere, it finishes the same way. Prints the record.
SELECT format('ALTER DATABASE %I SET zhongyuan.migration = %L', current_database(),
              json_build_object('name', :'name', 'state', 'switching', 'frozen_at', :'frozen_at')::text)
\gexec
DROP SUBSCRIPTION IF EXISTS :"sub";
