-- What run $run_id changed, one row per cluster (for the refresh's Prefect artifact), as
-- what_happened_in_runs gives it.
with changes as (
    select * from what_happened_in_runs($run_id, $run_id)
),

final as (
    select
        change,
        renewed,
        country,
        name,
        old_name,
        new_name,
        coalesce(new_portfolio, old_portfolio) as portfolio,
        changed_fields as changed_columns,
        old_valid_until,
        new_valid_until,
        account
    from changes
)

select * from final
order by change, country, name
