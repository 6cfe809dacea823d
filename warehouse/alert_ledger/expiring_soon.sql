-- Every listed label lapsing on $today within $days days (label_status: still valid, $days days or
-- fewer left), soonest first.
with current_list as (
    select * from clusters_current
),

final as (
    select
        name,
        country,
        portfolio,
        valid_until,
        label_days_left(valid_until, $today::date) as days_left,
        website
    from current_list
    where label_status(valid_until, $today::date, $days::integer) = 'lapsing'
)

select * from final
order by valid_until, country, name
