-- Step 3 of a merge: classify the delta (merge_delta.sql) and write it. Runs inside the merge's
-- transaction, after this run's renames gave their new names the old name's cluster id
-- (`key_cluster_id`, warehouse/identity.py). `version_row` is the row id of the open version a
-- change closes, valid for this transaction.

create or replace temp table outcome as
with arrived as (
    -- a staged row no open version had: its key's cluster id, else a new one
    select
        coalesce(d.key_cluster_id, cluster_id_of(d.country_key, d.name_key)) as cluster_id,
        d.key_first_run_id is null as new_key,
        d.*
    from delta as d
    where d.old_cluster_id is null
),

gone as (
    select * from delta where name_key is null
),

-- an arriving name whose cluster is open under another name is that cluster renamed (linked in
-- this run or an earlier one); it closes the old name's version even in a partial run
paired as (
    select
        coalesce(a.cluster_id, g.old_cluster_id) as cluster_id,
        case
            when g.old_cluster_id is null then 'added'
            when a.cluster_id is null then 'removed'
            else 'renamed'
        end as change,
        coalesce(a.new_key, false) as new_key,
        g.version_row,
        a.country_key, a.name_key, a.country, a.country_id, a.name, a.portfolio, a.website, a.valid_until,
        a.row_hash,
        g.old_country, g.old_country_id, g.old_name, g.old_portfolio, g.old_website, g.old_valid_until
    from arrived as a
    full outer join gone as g on a.cluster_id = g.old_cluster_id
),

changed as (
    select
        d.old_cluster_id as cluster_id,
        'changed' as change,
        false as new_key,
        d.version_row,
        d.country_key, d.name_key, d.country, d.country_id, d.name, d.portfolio, d.website, d.valid_until,
        d.row_hash,
        d.old_country, d.old_country_id, d.old_name, d.old_portfolio, d.old_website, d.old_valid_until
    from delta as d
    where d.old_cluster_id is not null and d.name_key is not null and d.differs
)

select * from paired
where change <> 'removed' or (select complete from params)
union all
select * from changed;

-- keys met for the first time: a renamed one carries its old name's id, the others their own
insert into cluster_keys
select o.country_key, o.name_key, o.cluster_id, p.run_id
from outcome as o
cross join params as p
where o.new_key;

insert into changes
select
    p.run_id,
    o.cluster_id,
    o.change,
    coalesce(o.country, o.old_country) as country,
    coalesce(o.country_id, o.old_country_id) as country_id,
    coalesce(o.name, o.old_name) as name,
    o.old_name,
    o.name as new_name,
    o.old_portfolio,
    o.portfolio as new_portfolio,
    o.old_website,
    o.website as new_website,
    o.old_valid_until,
    o.valid_until as new_valid_until,
    case when o.change in ('changed', 'renamed') then list_filter(
        [
            case when o.old_name is distinct from o.name then 'name' end,
            case when o.old_portfolio is distinct from o.portfolio then 'portfolio' end,
            case when o.old_website is distinct from o.website then 'website' end,
            case when o.old_valid_until is distinct from o.valid_until then 'valid_until' end,
            case when o.old_country is distinct from o.country then 'country' end,
            case when o.old_country_id is distinct from o.country_id then 'country_id' end
        ],
        lambda x: x is not null
    ) end as changed_columns
from outcome as o
cross join params as p;

update versions
set
    valid_to = (select observed_at from params),
    run_to = (select run_id from params)
where rowid in (select version_row from outcome where change in ('changed', 'renamed', 'removed'));

insert into versions (
    cluster_id, country, country_id, name, portfolio, website, valid_until, row_hash,
    valid_from, valid_to, run_from, run_to, country_key, name_key
)
select
    o.cluster_id, o.country, o.country_id, o.name, o.portfolio, o.website, o.valid_until, o.row_hash,
    p.observed_at as valid_from,
    null as valid_to,
    p.run_id as run_from,
    null as run_to,
    o.country_key,
    o.name_key
from outcome as o
cross join params as p
where o.change in ('added', 'changed', 'renamed');
