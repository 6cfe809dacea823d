-- The countries that have changes, one row each: the id and the name its latest change gave it.
with country_list as (
    select country_id, arg_max(country, run_id) as country
    from changes
    group by country_id
),

final as (
    select country_id, country
    from country_list
    order by country, country_id
)

select * from final
