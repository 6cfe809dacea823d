-- Whether this database keeps the ledger of our migrations, and that of the definitions made from files
-- (a read opens nothing else; db_objects.sql also counts what a database holds, which only a write needs).
select
    count(*) filter (where table_name = 'schema_migrations') > 0 as has_ledger,
    count(*) filter (where table_name = 'schema_definitions') > 0 as has_definitions
from duckdb_tables()
where table_name in ('schema_migrations', 'schema_definitions') and database_name = current_database() and not internal
