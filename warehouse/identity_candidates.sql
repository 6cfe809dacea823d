-- Rename candidates of a complete run: every cluster about to be closed (departing) paired with
-- every name that arrived since the last complete run (arriving) in the same country. Runs inside
-- the merge's transaction, before merge.sql, with `params`, `stage_rows` and `version_keys` filled.
-- Python (warehouse/identity.py) scores the pairs; the SQL only gathers them. Only a name first
-- seen in this very run can be linked; one first seen in a partial run since is reported.

create or replace temp table rename_candidates as
with last_complete as (
    select coalesce(max(r.run_id), 0) as run_id
    from runs as r
    where r.status = 'ok' and r.run_id < (select run_id from params)
),

arriving as (
    select
        s.country_key, s.name_key, s.name, s.portfolio, s.website, s.valid_until,
        k.name_key is null as new_in_run,
        coalesce(k.first_run_id, p.run_id) as first_run_id
    from stage_rows as s
    cross join params as p
    left join cluster_keys as k using (country_key, name_key)
    where k.name_key is null or k.first_run_id > (select run_id from last_complete)
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
        d.valid_until = a.valid_until as same_label_date,
        a.new_in_run,
        a.first_run_id
    from departing as d
    join arriving as a using (country_key)
)

select * from final
order by country_key, old_name_key, new_name_key;
