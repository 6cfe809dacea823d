-- Clusters listed at the instant $at whose label has lapsed by $today (label_status), per year of lapse.
with listed as (
    select * from labels_on($at::timestamp, $today::date, 0)
),

final as (
    select
        year(valid_until) as year,
        count(*) as labels
    from listed
    where status = 'lapsed'
    group by all
)

select * from final
order by year;
