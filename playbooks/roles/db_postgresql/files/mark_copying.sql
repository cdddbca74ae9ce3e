-- The target database's record: this migration is loading it (copy may take out what it holds and load again).
SELECT format('ALTER DATABASE %I SET zhongyuan.migration = %L', current_database(),
              json_build_object('name', :'name', 'state', 'copying')::text)
\gexec
