-- Every cluster the site listed at the instant $at, with its label status as of the date $today:
-- lapsed, lapsing (it lapses within $lapsing_days days) or valid.
with listed as (
    select * from clusters_as_of($at::timestamp)
),

final as (
    select
        cluster_id,
        country,
        name,
        portfolio,
        website,
        valid_until,
        first_seen_at,
        datediff('day', $today::date, valid_until) as days_left,
        case
            when valid_until < $today::date then 'lapsed'
            when valid_until < $today::date + $lapsing_days::integer then 'lapsing'
            else 'valid'
        end as status
    from listed
)

select * from final
order by country, lower(name), name;
