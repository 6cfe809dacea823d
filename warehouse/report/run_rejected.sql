-- The rows run $run_id quarantined, with their reasons (for the refresh's Prefect artifact).
with rejected as (
    select * from rejected_rows
    where run_id = $run_id
),

final as (
    select page_url, row_number, raw, reason
    from rejected
)

select * from final
order by page_url, row_number
