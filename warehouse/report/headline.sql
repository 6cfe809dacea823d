-- The report's headline figures: the list as it stood at the instant $at, judged as of the date $today.
-- A label is valid through its `valid_until` day; it is lapsing when it lapses within $lapsing_days
-- days (counted as `lapsing_90_days`, a name older than the parameter).
with listed as (
    select * from clusters_as_of($at::timestamp)
),

final as (
    select
        count(*) as clusters_listed,
        count(*) filter (where valid_until >= $today::date) as labels_valid,
        count(*) filter (
            where valid_until >= $today::date and valid_until < $today::date + $lapsing_days::integer
        ) as lapsing_90_days,
        count(*) filter (where valid_until < $today::date) as labels_lapsed,
        count(distinct country) as countries
    from listed
)

select * from final;
