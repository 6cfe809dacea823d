-- Every archived fetch of every run, in the order each run made them.
with fetches as (
    select * from page_fetches
),

final as (
    select run_id, seq, url, requested_url, kind, status, content_type, fetched_at, sha256, error
    from fetches
)

select * from final
order by run_id, seq;
