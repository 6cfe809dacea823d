-- Every listed label that lapses within $days after $today, soonest first.
with current_list as (
    select * from clusters_current
),

final as (
    select
        name,
        country,
        portfolio,
        valid_until,
        valid_until - $today::date as days_left,
        website
    from current_list
    where valid_until > $today::date and valid_until - $today::date <= $days
)

select * from final
order by valid_until, country, name
