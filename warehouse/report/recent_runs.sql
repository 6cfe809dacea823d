-- The last $runs refreshes started by the instant $at, newest first, with every figure as
-- warehouse/semantics/run_figures.sql defines them (ecei/run_figures.py names and orders them).
with runs as (
    select * from crawl_runs
    where started_at <= $at::timestamp
),

final as (
    select
        r.run_id,
        r.started_at,
        r.finished_at,
        r.status,
        f.* exclude (run_id),
        r.message
    from runs as r
    join run_figures as f using (run_id)
)

select * from final
order by run_id desc
limit $runs;
