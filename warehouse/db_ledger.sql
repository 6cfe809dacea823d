-- Whether this database keeps the ledger of our migrations: a read opens nothing else (db_objects.sql
-- also counts what a database holds, which only a write needs).
select exists (
    select 1 from duckdb_tables()
    where table_name = 'schema_migrations' and database_name = current_database() and not internal
) as has_ledger
