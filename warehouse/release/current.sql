-- A release's current list: the list as it stood at $at (clusters_as_of), with the columns of
-- clusters_current, its labels judged on the release's day $today rather than on current_date (by
-- label_status.sql's macros), so that the same warehouse released for the same day gives the same file.
with listed as (
    select * from labels_on($at::timestamp, $today::date, 0)
),

final as (
    select
        cluster_id, country, country_id, name, portfolio, website, valid_until,
        first_seen_at, valid_from,
        status = 'lapsed' as label_lapsed,
        days_left as label_days_left
    from listed
)

select * from final
