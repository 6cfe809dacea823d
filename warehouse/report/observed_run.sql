-- The refresh whose list stood at the instant $at: the last one started by then that wrote versions
-- (a failed or running refresh writes none). No row before the first.
with runs as (
    select run_id, started_at, status from crawl_runs
    where started_at <= $at::timestamp and status in ('ok', 'partial')
),

final as (
    select * from runs
    order by started_at desc, run_id desc
    limit 1
)

select * from final;
