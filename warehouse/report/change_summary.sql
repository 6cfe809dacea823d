-- What each of the last $runs refreshes changed: added, changed, renewed (the label's
-- `valid_until` moved later), renamed and removed clusters. A renewal is not counted again as changed.
with recent_runs as (
    select run_id, started_at, status from crawl_runs
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
        count(*) filter (where c.change = 'added') as added,
        count(*) filter (where c.change = 'changed') as changed,
        count(*) filter (where c.change = 'renewed') as renewed,
        count(*) filter (where c.change = 'renamed') as renamed,
        count(*) filter (where c.change = 'removed') as removed
    from recent_runs as r
    left join changes as c using (run_id)
    group by all
)

select * from final
order by run_id desc;
