-- The latest changes for a feed, newest first: every change the runs recorded (what_happened_in_runs:
-- the kind, `renewed`, the fields before and after, the words), or those in $country_ids (NULL:
-- every country), at most $most of them. `changed_at` is the start of the run that saw the change
-- (the time the list is as of); ties are broken by name and cluster so that a rebuild lists them
-- in the same order.
with change_list as (
    select
        run_id, changed_at, change, renewed, cluster_id, country, country_id, name, changed_fields,
        old_name, new_name, old_portfolio, new_portfolio, old_website, new_website,
        old_valid_until, new_valid_until, old_country, new_country, old_country_id, new_country_id, account
    from what_happened_in_runs((select min(run_id) from runs), (select max(run_id) from runs))
    where $country_ids::varchar[] is null or list_contains($country_ids::varchar[], country_id)
),

final as (
    select *
    from change_list
    order by changed_at desc, country, name, cluster_id, change
    limit $most
)

select * from final
