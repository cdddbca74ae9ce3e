-- What the migration of this database has on the source (connected to the source database): its publication,
-- replication slot and role, the freeze record, how the database was made (for creating the target's), the roles
-- its schema names (owners and grantees, which must exist on the target), its tables without a primary key and its
-- unlogged tables (logical replication could not carry them) and the subscription's slot's lag.
SELECT json_build_object(
  'publication', EXISTS (SELECT FROM pg_publication WHERE pubname = :'pub'),
  'slot', (SELECT json_build_object('active', active, 'wal_status', wal_status,
                                    'lag_bytes', pg_current_wal_lsn() - confirmed_flush_lsn)
           FROM pg_replication_slots WHERE slot_name = :'slot'),
  'replication_role', EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl'),
  'frozen', (SELECT substr(c, length('zhongyuan.frozen=') + 1)::json
             FROM pg_db_role_setting s, unnest(s.setconfig) c
             WHERE s.setdatabase = d.oid AND s.setrole = 0 AND c LIKE 'zhongyuan.frozen=%'),
  'owner', pg_get_userbyid(d.datdba),
  'encoding', pg_encoding_to_char(d.encoding),
  'collate', d.datcollate,
  'ctype', d.datctype,
  'without_key', (SELECT coalesce(json_agg(format('%I.%I', n.nspname, c.relname) ORDER BY 1), '[]')
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
                    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
                    AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)),
  'unlogged', (SELECT coalesce(json_agg(format('%I.%I', n.nspname, c.relname) ORDER BY 1), '[]')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'r' AND c.relpersistence = 'u'),
  'roles', (
    WITH spaces AS (
      SELECT oid, nspowner, nspacl FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_|toast_temp_)'
    ), named AS (
      SELECT d.datdba AS role
      UNION SELECT nspowner FROM spaces
      UNION SELECT (aclexplode(nspacl)).grantee FROM spaces
      UNION SELECT relowner FROM pg_class WHERE relnamespace IN (SELECT oid FROM spaces)
      UNION SELECT (aclexplode(relacl)).grantee FROM pg_class WHERE relnamespace IN (SELECT oid FROM spaces)
      UNION SELECT proowner FROM pg_proc WHERE pronamespace IN (SELECT oid FROM spaces)
      UNION SELECT (aclexplode(proacl)).grantee FROM pg_proc WHERE pronamespace IN (SELECT oid FROM spaces)
      UNION SELECT typowner FROM pg_type WHERE typnamespace IN (SELECT oid FROM spaces)
      UNION SELECT defaclrole FROM pg_default_acl
      UNION SELECT (aclexplode(defaclacl)).grantee FROM pg_default_acl
    )
    SELECT coalesce(json_agg(rolname ORDER BY rolname), '[]') FROM pg_roles
    WHERE oid IN (SELECT role FROM named) AND rolname <> :'repl' AND rolname !~ '^pg_'
  ))
FROM pg_database d WHERE d.datname = current_database();
