-- Every cluster the site listed at the instant $at, with its label's status on the date $today
-- (labels_on, warehouse/semantics/label_status.sql): lapsed, lapsing ($lapsing_days days or fewer
-- left) or valid.
with listed as (
    select * from labels_on($at::timestamp, $today::date, $lapsing_days::integer)
),

final as (
    select cluster_id, country, name, portfolio, website, valid_until, first_seen_at, days_left, status
    from listed
)

select * from final
order by country, lower(name), name;
