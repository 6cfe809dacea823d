-- The changes of the clusters in the temp table `touched`, derived again from their versions
-- exactly as merge.sql writes them: a version opened in a run where none of its cluster closed is
-- `added`, one closed where none opened is `removed`, else `changed` (or `renamed` when the name
-- key differs): change_of and change_fields, warehouse/semantics/what_happened.sql.

delete from changes where cluster_id in (select cluster_id from touched);

insert into changes
with history as (
    select v.*
    from versions as v
    where v.cluster_id in (select cluster_id from touched)
),

joined as (
    select
        coalesce(o.run_from, c.run_to) as run_id,
        coalesce(o.cluster_id, c.cluster_id) as cluster_id,
        change_of(c.cluster_id, o.cluster_id, c.name_key, o.name_key) as change,
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
    case when change not in ('added', 'removed') then change_fields(
        old_name, new_name, old_country, country, old_country_id, country_id,
        old_portfolio, new_portfolio, old_website, new_website, old_valid_until, new_valid_until
    ) end as changed_columns
from joined;
