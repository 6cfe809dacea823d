-- Every change of the last $runs refreshes started by the instant $at, newest run first, as
-- what_happened_in_runs gives it (the kind, `renewed`, the words in `account`).
with recent_runs as (
    select run_id from crawl_runs
    where started_at <= $at::timestamp
    order by run_id desc
    limit $runs
),

final as (
    select
        h.run_id, h.changed_at, h.change, h.renewed, h.country, h.name, h.changed_fields,
        h.old_name, h.new_name, h.old_portfolio, h.new_portfolio, h.old_website, h.new_website,
        h.old_valid_until, h.new_valid_until, h.account
    from what_happened_in_runs((select min(run_id) from recent_runs), (select max(run_id) from recent_runs)) as h
    join recent_runs using (run_id)
)

select * from final
order by run_id desc, list_position($kinds::varchar[], change), country, lower(name), name
limit $limit;
