-- The rows quarantined by the last refresh started by the instant $at, with their reasons.
with last_run as (
    select max(run_id) as run_id from crawl_runs
    where started_at <= $at::timestamp
),

final as (
    select q.run_id, q.page_url, q.row_number, q.raw, q.reason
    from rejected_rows as q
    join last_run using (run_id)
)

select * from final
order by page_url, row_number;
