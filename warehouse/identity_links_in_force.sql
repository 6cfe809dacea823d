-- The links in force that touch an old or a new name key of one country.
-- Parameters: $country_key, $old_name_key, $new_name_key.

select old_name_key, new_name_key, old_name, new_name
from cluster_link_decisions
where
    linked
    and country_key = $country_key
    and (old_name_key = $old_name_key or new_name_key = $new_name_key)
order by all
