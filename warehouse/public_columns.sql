-- The columns of the public views and tables (as `ecei sql --views` lists them), or with $name of
-- the one view or table of that name (any case, described or not): the SQL shell's `.schema`.
with view_list as (
    select view_name as name, true as is_public
    from duckdb_views()
    where not internal and database_name = current_database() and schema_name = 'main'
),

table_list as (
    select table_name as name, comment is not null as is_public
    from duckdb_tables()
    where database_name = current_database() and schema_name = 'main'
),

chosen_list as (
    select name
    from (select * from view_list union all select * from table_list)
    where case when $name is null then is_public else lower(name) = lower($name) end
),

final as (
    select c.table_name as name, c.column_name, c.data_type, c.column_index
    from duckdb_columns() as c
    inner join chosen_list as o on c.table_name = o.name
    where c.database_name = current_database() and c.schema_name = 'main'
)

select name, column_name, data_type from final order by name, column_index
