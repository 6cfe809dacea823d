-- What run $run_id changed, one row per cluster (for the refresh's Prefect artifact).
with changes as (
    select * from cluster_changes
    where run_id = $run_id
),

final as (
    select
        change,
        country,
        name,
        old_name,
        new_name,
        coalesce(new_portfolio, old_portfolio) as portfolio,
        changed_columns,
        old_valid_until,
        new_valid_until
    from changes
)

select * from final
order by change, country, name
