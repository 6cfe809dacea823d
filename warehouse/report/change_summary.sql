-- How many clusters each of the last $runs refreshes started by the instant $at changed, per change
-- kind, and how many of them it renewed (what_happened_in_runs: a renamed cluster whose date moved
-- later is renamed and renewed): one row per run and kind it had, `renewed` a kind of its own here
-- (a run without changes has one row, `change` NULL).
with recent_runs as (
    select run_id, started_at, status from crawl_runs
    where started_at <= $at::timestamp
    order by run_id desc
    limit $runs
),

happened as (
    select h.run_id, h.change, h.renewed
    from what_happened_in_runs((select min(run_id) from recent_runs), (select max(run_id) from recent_runs)) as h
),

counted as (
    select run_id, change from happened
    union all
    select run_id, 'renewed' as change from happened where renewed
),

final as (
    select
        r.run_id,
        r.started_at,
        r.status,
        c.change,
        count(c.change) as clusters
    from recent_runs as r
    left join counted as c using (run_id)
    group by all
)

select * from final
order by run_id desc, change;
