-- Step 4 of a merge: write the changes classified in `outcome` (merge_outcome.sql): the keys met
-- for the first time, the change records, the versions closed and those opened.

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
    -- the fields that differ, as warehouse/semantics/what_happened.sql lists them
    case when o.change not in ('added', 'removed') then change_fields(
        o.old_name, o.name, o.old_country, o.country, o.old_country_id, o.country_id,
        o.old_portfolio, o.portfolio, o.old_website, o.website, o.old_valid_until, o.valid_until
    ) end as changed_columns
from outcome as o
cross join params as p;

update versions
set
    valid_to = (select observed_at from params),
    run_to = (select run_id from params)
where rowid in (select version_row from outcome where change <> 'added');

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
where o.change <> 'removed';
