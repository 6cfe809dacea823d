-- The link decisions recorded in one run, for the refresh summary. Parameter: $run_id.

select old_name, new_name, linked, score, evidence, decided_by
from cluster_links
where run_id = $run_id
order by linked desc, old_name, new_name, link_id
