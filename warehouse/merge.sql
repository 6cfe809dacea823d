-- Merge one staged run into the type-2 history. Runs inside the caller's transaction, after
-- the temp tables `params` (run_id, observed_at, complete), `stage_rows` and `version_keys`
-- (the identity key of every stored (country_id, name)) are filled, and after the renames of
-- this run are linked in cluster_keys (warehouse/identity.py).

-- new (country, name) keys get a cluster id of their own
insert into cluster_keys
select distinct
    s.country_key,
    s.name_key,
    substr(md5(s.country_key || chr(31) || s.name_key), 1, 16) as cluster_id,
    p.run_id as first_run_id
from stage_rows as s
cross join params as p
where not exists (
    select 1 from cluster_keys as k
    where k.country_key = s.country_key and k.name_key = s.name_key
);

create or replace temp table incoming as
with source as (
    select k.cluster_id, s.*
    from stage_rows as s
    join cluster_keys as k using (country_key, name_key)
),

final as (
    select
        cluster_id, country, country_id, name, name_key, portfolio, website, valid_until,
        md5(concat_ws(
            chr(31), country, country_id, name, portfolio, coalesce(website, ''), valid_until::varchar
        )) as row_hash
    from source
)

select * from final;

create or replace temp table current_versions as
select v.cluster_id, v.country, v.country_id, v.name, k.name_key, v.portfolio, v.website, v.valid_until, v.row_hash
from versions as v
left join version_keys as k using (country_id, name)
where v.valid_to is null;

-- what this run changes: new clusters, changed ones and, in a complete run only, absent ones
create or replace temp table delta as
with joined as (
    select
        coalesce(i.cluster_id, c.cluster_id) as cluster_id,
        case
            when c.cluster_id is null then 'added'
            when i.cluster_id is null then 'removed'
            -- one cluster, another name key: a rename linked by identity (warehouse/identity.py)
            when i.name_key <> c.name_key then 'renamed'
            else 'changed'
        end as change,
        i.row_hash as new_hash,
        c.row_hash as old_hash,
        coalesce(i.country, c.country) as country,
        coalesce(i.country_id, c.country_id) as country_id,
        coalesce(i.name, c.name) as name,
        c.name as old_name, i.name as new_name,
        c.portfolio as old_portfolio, i.portfolio as new_portfolio,
        c.website as old_website, i.website as new_website,
        c.valid_until as old_valid_until, i.valid_until as new_valid_until,
        c.country as old_country, c.country_id as old_country_id
    from incoming as i
    full outer join current_versions as c on i.cluster_id = c.cluster_id
),

final as (
    select *
    from joined
    where
        change = 'added'
        or (change = 'removed' and (select complete from params))
        or (change in ('changed', 'renamed') and new_hash <> old_hash)
)

select * from final;

insert into changes
select
    p.run_id,
    d.cluster_id,
    d.change,
    d.country,
    d.country_id,
    d.name,
    d.old_name,
    d.new_name,
    d.old_portfolio,
    d.new_portfolio,
    d.old_website,
    d.new_website,
    d.old_valid_until,
    d.new_valid_until,
    case when d.change in ('changed', 'renamed') then list_filter(
        [
            case when d.old_name is distinct from d.new_name then 'name' end,
            case when d.old_portfolio is distinct from d.new_portfolio then 'portfolio' end,
            case when d.old_website is distinct from d.new_website then 'website' end,
            case when d.old_valid_until is distinct from d.new_valid_until then 'valid_until' end,
            case when d.old_country is distinct from d.country then 'country' end,
            case when d.old_country_id is distinct from d.country_id then 'country_id' end
        ],
        lambda x: x is not null
    ) end as changed_columns
from delta as d
cross join params as p;

update versions
set
    valid_to = (select observed_at from params),
    run_to = (select run_id from params)
where
    valid_to is null
    and cluster_id in (select cluster_id from delta where change in ('changed', 'renamed', 'removed'));

insert into versions
select
    i.cluster_id, i.country, i.country_id, i.name, i.portfolio, i.website, i.valid_until, i.row_hash,
    p.observed_at as valid_from,
    null as valid_to,
    p.run_id as run_from,
    null as run_to
from incoming as i
join delta as d on i.cluster_id = d.cluster_id and d.change in ('added', 'changed', 'renamed')
cross join params as p;
