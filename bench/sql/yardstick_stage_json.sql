-- The yardstick's stage, loaded from a file of rows staged as ecei-watch stages them ($path, JSON
-- lines), so that the merge benchmark gives both merges the same rows.
create or replace temp table stage as
with staged as (
    select *
    from read_json(
        $path,
        format = 'newline_delimited',
        columns = {
            'country_id': 'VARCHAR',
            'name': 'VARCHAR',
            'portfolio': 'VARCHAR',
            'website': 'VARCHAR',
            'valid_until': 'DATE'
        }
    )
),

final as (
    select
        country_id,
        name,
        portfolio,
        website,
        valid_until,
        md5(concat_ws(chr(31), portfolio, coalesce(website, ''), valid_until::varchar)) as row_hash
    from staged
)

select * from final;
