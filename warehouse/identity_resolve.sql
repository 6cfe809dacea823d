-- Give every known (country, name) key the cluster id its links imply, and carry that into the
-- history: cluster_keys, versions.cluster_id and the changes of the clusters involved. Only
-- identity columns change; observed values and times stay as recorded. Needs `version_keys`.

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
    select k.country_key, k.name_key, substr(md5(k.country_key || chr(31) || k.name_key), 1, 16) as cluster_id, 0 as depth
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
from version_keys as vk, identity_moves as m
where
    v.country_id = vk.country_id
    and v.name = vk.name
    and vk.country_key = m.country_key
    and vk.name_key = m.name_key
    and v.cluster_id = m.from_id;

-- the changes of the clusters involved, derived again from their versions, as merge.sql writes them
delete from changes where cluster_id in (select cluster_id from touched);

insert into changes
with history as (
    select v.*, k.name_key
    from versions as v
    left join version_keys as k using (country_id, name)
    where v.cluster_id in (select cluster_id from touched)
),

joined as (
    select
        coalesce(o.run_from, c.run_to) as run_id,
        coalesce(o.cluster_id, c.cluster_id) as cluster_id,
        case
            when c.cluster_id is null then 'added'
            when o.cluster_id is null then 'removed'
            when o.name_key <> c.name_key then 'renamed'
            else 'changed'
        end as change,
        coalesce(o.country, c.country) as country,
        coalesce(o.country_id, c.country_id) as country_id,
        coalesce(o.name, c.name) as name,
        c.name as old_name, o.name as new_name,
        c.portfolio as old_portfolio, o.portfolio as new_portfolio,
        c.website as old_website, o.website as new_website,
        c.valid_until as old_valid_until, o.valid_until as new_valid_until,
        c.country as old_country, c.country_id as old_country_id
    from history as o
    full outer join (select * from history where run_to is not null) as c
        on o.cluster_id = c.cluster_id and o.run_from = c.run_to
)

select
    run_id,
    cluster_id,
    change,
    country,
    country_id,
    name,
    old_name,
    new_name,
    old_portfolio,
    new_portfolio,
    old_website,
    new_website,
    old_valid_until,
    new_valid_until,
    case when change in ('changed', 'renamed') then list_filter(
        [
            case when old_name is distinct from new_name then 'name' end,
            case when old_portfolio is distinct from new_portfolio then 'portfolio' end,
            case when old_website is distinct from new_website then 'website' end,
            case when old_valid_until is distinct from new_valid_until then 'valid_until' end,
            case when old_country is distinct from country then 'country' end,
            case when old_country_id is distinct from country_id then 'country_id' end
        ],
        lambda x: x is not null
    ) end as changed_columns
from joined;
