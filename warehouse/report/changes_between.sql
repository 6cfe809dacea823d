-- What differs between the list as it stood at $since_at and the list at $until_at (each as
-- clusters_as_of gives it), cluster by cluster: a cluster_id follows confirmed renames, so a
-- renamed cluster is one row. Added: listed at $until_at only; removed: at $since_at only;
-- renamed: the name differs as the identity compares names (its name key), other fields may
-- differ too; changed: any other field differs (a name written otherwise under the same key is a
-- change of `name`). $country_ids (NULL: every country) keeps clusters in those countries at
-- either point. `renewed`: the label date moved later. `changed_at`: the start of the run that
-- opened the version listed at $until_at, or for a removed cluster the one that closed it.
with before_list as (
    select l.*, v.name_key
    from clusters_as_of($since_at::timestamp) as l
    join versions as v using (cluster_id, valid_from)
),

after_list as (
    select l.*, v.name_key
    from clusters_as_of($until_at::timestamp) as l
    join versions as v using (cluster_id, valid_from)
),

paired as (
    select
        coalesce(a.cluster_id, b.cluster_id) as cluster_id,
        change_of(b.cluster_id, a.cluster_id, b.name_key, a.name_key) as change,
        coalesce(a.country, b.country) as country,
        coalesce(a.country_id, b.country_id) as country_id,
        coalesce(a.name, b.name) as name,
        coalesce(a.valid_from, b.valid_to) as changed_at,
        b.name as old_name, a.name as new_name,
        b.country as old_country, a.country as new_country,
        b.country_id as old_country_id, a.country_id as new_country_id,
        b.portfolio as old_portfolio, a.portfolio as new_portfolio,
        b.website as old_website, a.website as new_website,
        b.valid_until as old_valid_until, a.valid_until as new_valid_until
    from before_list as b
    full outer join after_list as a on a.cluster_id = b.cluster_id
),

compared as (
    select
        *,
        list_filter(
            [
                case when old_name is distinct from new_name then 'name' end,
                case when old_country is distinct from new_country then 'country' end,
                case when old_country_id is distinct from new_country_id then 'country_id' end,
                case when old_portfolio is distinct from new_portfolio then 'portfolio' end,
                case when old_website is distinct from new_website then 'website' end,
                case when old_valid_until is distinct from new_valid_until then 'valid_until' end
            ],
            lambda x: x is not null
        ) as changed_fields
    from paired
),

final as (
    select
        change,
        coalesce(new_valid_until > old_valid_until, false) as renewed,
        cluster_id,
        country,
        country_id,
        name,
        case when change in ('changed', 'renamed') then changed_fields else [] end as changed_fields,
        changed_at,
        old_name, new_name,
        old_country, new_country,
        old_country_id, new_country_id,
        old_portfolio, new_portfolio,
        old_website, new_website,
        old_valid_until, new_valid_until
    from compared
    where
        (change in ('added', 'removed') or len(changed_fields) > 0)
        and (
            $country_ids::varchar[] is null
            or list_has_any($country_ids::varchar[], [old_country_id, new_country_id])
        )
)

select * from final
order by list_position($kinds::varchar[], change), country, lower(name), name, cluster_id
