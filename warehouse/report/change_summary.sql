-- How many clusters each of the last $runs refreshes started by the instant $at changed, per change
-- kind: one row per run and kind it had (a run without changes has one row, `change` NULL). A
-- `changed` cluster whose label date (`valid_until`) moved later counts as `renewed`, not again as changed.
with recent_runs as (
    select run_id, started_at, status from crawl_runs
    where started_at <= $at::timestamp
    order by run_id desc
    limit $runs
),

changes as (
    select
        run_id,
        case
            when change = 'changed' and new_valid_until > old_valid_until then 'renewed'
            else change
        end as change
    from cluster_changes
),

final as (
    select
        r.run_id,
        r.started_at,
        r.status,
        c.change,
        count(c.change) as clusters
    from recent_runs as r
    left join changes as c using (run_id)
    group by all
)

select * from final
order by run_id desc, change;
