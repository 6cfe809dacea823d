-- Listed clusters whose label has lapsed by $today, per year of lapse.
with current_list as (
    select * from clusters_current
),

final as (
    select
        year(valid_until) as year,
        count(*) as labels
    from current_list
    where valid_until < $today::date
    group by all
)

select * from final
order by year;
