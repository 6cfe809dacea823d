-- Every version of every cluster (type 2), with when the cluster was first seen.
create or replace view cluster_history as
with first_seen as (
    select cluster_id, min(valid_from) as first_seen_at from versions group by cluster_id
)
select
    v.cluster_id, v.country, v.country_id, v.name, v.portfolio, v.website, v.valid_until,
    f.first_seen_at, v.valid_from, v.valid_to, v.valid_to is null as is_current,
    v.run_from as run_id_from, v.run_to as run_id_to, v.row_hash
from versions as v
join first_seen as f using (cluster_id);

comment on view cluster_history is
    'Every version of every cluster: valid_from, valid_to (NULL while current) and the runs that opened and closed it.';
