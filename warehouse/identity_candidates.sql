-- Rename candidates of a complete run: every cluster about to be closed (departing) paired with
-- every name first seen in this run (arriving) in the same country. Runs inside the merge's
-- transaction, before merge.sql, with `params`, `stage_rows` and `version_keys` filled.
-- Python (warehouse/identity.py) scores the pairs; the SQL only gathers them.

create or replace temp table rename_candidates as
with arriving as (
    select s.country_key, s.name_key, s.name, s.portfolio, s.website, s.valid_until
    from stage_rows as s
    where not exists (
        select 1 from cluster_keys as k
        where k.country_key = s.country_key and k.name_key = s.name_key
    )
),

seen as (
    select k.cluster_id
    from stage_rows as s
    join cluster_keys as k using (country_key, name_key)
),

departing as (
    select k.country_key, k.name_key, v.cluster_id, v.name, v.portfolio, v.website, v.valid_until
    from versions as v
    join version_keys as k using (country_id, name)
    where v.valid_to is null and v.cluster_id not in (select cluster_id from seen)
),

-- a website compared without scheme, `www.`, query, fragment or trailing slash
final as (
    select
        d.country_key,
        d.name_key as old_name_key,
        a.name_key as new_name_key,
        d.cluster_id as old_cluster_id,
        substr(md5(a.country_key || chr(31) || a.name_key), 1, 16) as new_cluster_id,
        d.name as old_name,
        a.name as new_name,
        nullif(rtrim(regexp_extract(lower(d.website), '^[a-z][a-z0-9+.-]*://(?:www\.)?([^?#]*)', 1), '/'), '')
            as old_site,
        nullif(rtrim(regexp_extract(lower(a.website), '^[a-z][a-z0-9+.-]*://(?:www\.)?([^?#]*)', 1), '/'), '')
            as new_site,
        d.portfolio = a.portfolio as same_portfolio,
        d.valid_until = a.valid_until as same_label_date
    from departing as d
    join arriving as a using (country_key)
)

select * from final
order by country_key, old_name_key, new_name_key;
