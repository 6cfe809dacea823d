-- Every change of the last $runs refreshes started by the instant $at, newest run first; 'renewed'
-- is a change whose `valid_until` moved later (whatever else changed with it).
with recent_runs as (
    select run_id from crawl_runs
    where started_at <= $at::timestamp
    order by run_id desc
    limit $runs
),

changes as (
    select * from cluster_changes
),

final as (
    select
        c.run_id,
        c.changed_at,
        case
            when c.change = 'changed' and c.new_valid_until > c.old_valid_until then 'renewed'
            else c.change
        end as change,
        c.country,
        c.name,
        c.changed_columns,
        c.old_name,
        c.new_name,
        c.old_portfolio,
        c.new_portfolio,
        c.old_website,
        c.new_website,
        c.old_valid_until,
        c.new_valid_until
    from changes as c
    join recent_runs using (run_id)
)

select * from final
order by run_id desc, change, country, lower(name), name
limit $limit;
