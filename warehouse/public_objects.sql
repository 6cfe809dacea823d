-- The warehouse's public interface, as `ecei sql --views` lists it: every view, and each table and
-- macro (table or scalar) that carries a comment (the files of warehouse/views/ and warehouse/semantics/
-- describe theirs, migration 010 the public tables'; base tables and private macros carry none).
with view_list as (
    select view_name as name, 'view' as kind, comment
    from duckdb_views()
    where not internal and database_name = current_database() and schema_name = 'main'
),

table_list as (
    select table_name as name, 'table' as kind, comment
    from duckdb_tables()
    where comment is not null and database_name = current_database() and schema_name = 'main'
),

macro_list as (
    select
        function_name || '(' || array_to_string(parameters, ', ') || ')' as name,
        if(function_type = 'table_macro', 'table macro', 'macro') as kind,
        comment
    from duckdb_functions()
    where
        function_type in ('table_macro', 'macro') and comment is not null and not internal
        and database_name = current_database() and schema_name = 'main'
),

final as (
    select name, kind, coalesce(comment, '') as description
    from (select * from view_list union all select * from table_list union all select * from macro_list)
)

select * from final order by name
