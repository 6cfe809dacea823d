-- The countries that have both of two name keys on record, with a country name to show.
-- Parameters: $old_name_key, $new_name_key.

select
    o.country_key,
    any_value(v.country) as country
from cluster_keys as o
inner join cluster_keys as n on n.country_key = o.country_key and n.name_key = $new_name_key
left join versions as v on v.country_key = o.country_key
where o.name_key = $old_name_key
group by all
order by all
