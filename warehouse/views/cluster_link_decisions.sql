-- The decision in force for each (country, old name, new name) pair.
create or replace view cluster_link_decisions as
select *
from cluster_links
qualify row_number() over (
    partition by country_key, old_name_key, new_name_key order by link_id desc
) = 1;

comment on view cluster_link_decisions is
    'The rename decision in force for each (country, old name, new name): the latest row of cluster_links.';
