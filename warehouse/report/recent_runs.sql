-- The last $runs refreshes started by the instant $at, newest first, with their figures (every field
-- ecei/run_figures.py reads).
with runs as (
    select * from crawl_runs
    where started_at <= $at::timestamp
),

final as (
    select
        run_id,
        started_at,
        finished_at,
        status,
        pages_fetched,
        pages_failed,
        countries_loaded,
        countries_listed,
        rows_seen,
        stated_total,
        rows_loaded,
        rows_duplicate,
        rows_rejected,
        websites_invalid,
        added,
        changed,
        removed,
        renamed,
        new_portfolios,
        message
    from runs
)

select * from final
order by run_id desc
limit $runs;
