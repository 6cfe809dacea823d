-- The country pages run $run_id fetched, with their stored bodies (still compressed).
with fetches as (
    select url, sha256 from page_fetches where run_id = $run_id and url like '%country=%'
),

final as (
    select f.url, b.compression, b.body
    from fetches as f
    join page_bodies as b using (sha256)
)

select * from final;
