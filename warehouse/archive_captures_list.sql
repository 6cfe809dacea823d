-- Every capture a Wayback backfill kept, in the order they were taken.
with captures as (
    select * from archive_captures
),

final as (
    select
        archive_url, original, captured_at, kind, status, digest, sha256, content_type, fetched_at, skipped
    from captures
)

select * from final
order by captured_at, archive_url;
