-- The words the SQL shell completes at a Tab: DuckDB's keywords and the warehouse's own views,
-- tables, columns and macros (every one a query may name, not only the described ones).
with keyword_list as (
    select keyword_name as word, 'keyword' as kind
    from duckdb_keywords()
),

view_list as (
    select view_name as word, 'view' as kind
    from duckdb_views()
    where not internal and database_name = current_database() and schema_name = 'main'
),

table_list as (
    select table_name as word, 'table' as kind
    from duckdb_tables()
    where database_name = current_database() and schema_name = 'main'
),

column_list as (
    select distinct column_name as word, 'column' as kind
    from duckdb_columns()
    where not internal and database_name = current_database() and schema_name = 'main'
),

macro_list as (
    select distinct function_name as word, 'macro' as kind
    from duckdb_functions()
    where
        function_type in ('macro', 'table_macro') and not internal
        and database_name = current_database() and schema_name = 'main'
),

final as (
    select * from keyword_list
    union all select * from view_list
    union all select * from table_list
    union all select * from column_list
    union all select * from macro_list
)

select word, kind from final order by word, kind
