-- What a person reads before linking or unlinking two names of one country (`ecei link`): every
-- version of each name key, oldest first, with when the key was last seen: the start of the last
-- run that loaded rows before its last version closed (while it is listed, the latest such run).
-- `site` is the website as the rename scoring compares it (identity_candidates.sql): without
-- scheme, `www.`, query, fragment or trailing slash.
-- Parameters: $country_key, $name_keys.

with key_versions as (
    select * from versions
    where country_key = $country_key and name_key in (select unnest($name_keys::varchar[]))
),

key_ends as (
    select
        name_key,
        bool_or(valid_to is null) as listed,
        max(coalesce(valid_to, 'infinity'::timestamp)) as ended_at
    from key_versions
    group by name_key
),

last_seen as (
    select
        e.name_key,
        e.listed,
        max(r.started_at) as last_seen_at
    from key_ends as e
    left join runs as r on r.status in ('ok', 'partial') and r.started_at < e.ended_at
    group by all
),

final as (
    select
        v.name_key,
        v.name,
        v.country,
        v.cluster_id,
        v.portfolio,
        v.website,
        nullif(rtrim(regexp_extract(lower(v.website), '^[a-z][a-z0-9+.-]*://(?:www\.)?([^?#]*)', 1), '/'), '')
            as site,
        v.valid_until,
        v.valid_from,
        s.listed,
        s.last_seen_at
    from key_versions as v
    inner join last_seen as s using (name_key)
)

select * from final
order by name_key, valid_from
