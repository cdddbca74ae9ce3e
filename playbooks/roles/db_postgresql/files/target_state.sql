-- What the migration of this database has on the target server (connected to its maintenance database): whether
-- the target database exists, the migration's record on it (zhongyuan.migration: which database was copied into it
-- and how far the switch came), whether it is frozen, the subscription and its health, and which of the roles the
-- source's schema names (:roles, a JSON array) are missing.
SELECT json_build_object(
  'database', d.oid IS NOT NULL,
  'migration', (SELECT substr(c, length('zhongyuan.migration=') + 1)::json
                FROM pg_db_role_setting s, unnest(s.setconfig) c
                WHERE s.setdatabase = d.oid AND s.setrole = 0 AND c LIKE 'zhongyuan.migration=%'),
  'frozen', EXISTS (SELECT FROM pg_db_role_setting s, unnest(s.setconfig) c
                    WHERE s.setdatabase = d.oid AND s.setrole = 0 AND c LIKE 'zhongyuan.frozen=%'),
  'subscription', (SELECT json_build_object('enabled', sub.subenabled,
                                            'worker', EXISTS (SELECT FROM pg_stat_subscription w
                                                              WHERE w.subid = sub.oid AND w.relid IS NULL
                                                                AND w.pid IS NOT NULL),
                                            'seconds_since_report', (SELECT extract(epoch FROM now() - w.latest_end_time)
                                                                     FROM pg_stat_subscription w
                                                                     WHERE w.subid = sub.oid AND w.relid IS NULL),
                                            'apply_errors', coalesce(st.apply_error_count, 0),
                                            'sync_errors', coalesce(st.sync_error_count, 0))
                   FROM pg_subscription sub LEFT JOIN pg_stat_subscription_stats st ON st.subid = sub.oid
                   WHERE sub.subdbid = d.oid AND sub.subname = :'sub'),
  'missing_roles', (SELECT coalesce(json_agg(r ORDER BY r), '[]') FROM json_array_elements_text(:'roles'::json) r
                    WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r)))
FROM (SELECT :'target_database'::name AS datname) wanted LEFT JOIN pg_database d USING (datname);
