-- Links in force whose old and new names are both listed in the staged run (`stage_rows`): the two
-- names are two clusters, so warehouse/identity.py records each pair unlinked before the merge.

select
    d.country_key,
    d.old_name_key,
    d.new_name_key,
    d.old_cluster_id,
    d.new_cluster_id,
    d.old_name,
    d.new_name
from cluster_link_decisions as d
where
    d.linked
    and exists (select 1 from stage_rows as s where s.country_key = d.country_key and s.name_key = d.old_name_key)
    and exists (select 1 from stage_rows as s where s.country_key = d.country_key and s.name_key = d.new_name_key)
order by all
