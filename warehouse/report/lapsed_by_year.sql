-- Clusters listed at the instant $at whose label has lapsed by $today, per year of lapse.
with listed as (
    select * from clusters_as_of($at::timestamp)
),

final as (
    select
        year(valid_until) as year,
        count(*) as labels
    from listed
    where valid_until < $today::date
    group by all
)

select * from final
order by year;
