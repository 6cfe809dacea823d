-- Whether this database keeps the ledger of our migrations, and how many things it holds at all:
-- a database with things in it and no ledger is someone else's, and is never migrated.
with tables_list as (
    select table_name as name from duckdb_tables() where database_name = current_database() and not internal
),

views_list as (
    select view_name as name from duckdb_views() where database_name = current_database() and not internal
),

sequences_list as (
    select sequence_name as name from duckdb_sequences() where database_name = current_database()
),

final as (
    select
        count(*) filter (where name = 'schema_migrations') > 0 as has_ledger,
        count(*) as objects
    from (select name from tables_list union all select name from views_list union all select name from sequences_list)
)

select * from final
