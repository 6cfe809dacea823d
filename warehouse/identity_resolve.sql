-- Give every known (country, name) key the cluster id its links imply, and carry that into the
-- history: cluster_keys and versions.cluster_id; changes_from_versions.sql then re-derives the
-- changes of the clusters involved (`touched`). Only identity columns change; observed values and
-- times stay as recorded.

-- a key with no link in force into it keeps its own id; a linked new name inherits its old name's
create or replace temp table resolved_keys as
with recursive links as (
    select d.country_key, d.old_name_key, d.new_name_key
    from cluster_link_decisions as d
    where
        d.linked
        and exists (select 1 from cluster_keys as k where k.country_key = d.country_key and k.name_key = d.old_name_key)
),

walk as (
    select k.country_key, k.name_key, cluster_id_of(k.country_key, k.name_key) as cluster_id, 0 as depth
    from cluster_keys as k
    where not exists (
        select 1 from links as l where l.country_key = k.country_key and l.new_name_key = k.name_key
    )
    union all
    select l.country_key, l.new_name_key, w.cluster_id, w.depth + 1
    from walk as w
    join links as l on l.country_key = w.country_key and l.old_name_key = w.name_key
    where w.depth < 1000
)

select country_key, name_key, cluster_id from walk;

create or replace temp table identity_moves as
select k.country_key, k.name_key, k.cluster_id as from_id, r.cluster_id as to_id
from cluster_keys as k
join resolved_keys as r using (country_key, name_key)
where k.cluster_id <> r.cluster_id;

create or replace temp table touched as
select from_id as cluster_id from identity_moves
union
select to_id from identity_moves;

update cluster_keys as k
set cluster_id = m.to_id
from identity_moves as m
where k.country_key = m.country_key and k.name_key = m.name_key;

update versions as v
set cluster_id = m.to_id
from identity_moves as m
where
    v.country_key = m.country_key
    and v.name_key = m.name_key
    and v.cluster_id = m.from_id;
