-- Rename candidates of a complete run, taken from the merge's delta (merge_delta.sql): the open
-- versions about to be closed (departing) and the names that arrived since the last complete run
-- (arriving). Python (warehouse/identity.py) pairs them within a country and scores the pairs;
-- only a name first seen in this very run can be linked, one first seen in a partial run since
-- is reported. A website is compared without scheme, `www.`, query, fragment or trailing slash.

create or replace temp table departing as
select
    d.old_country_key as country_key,
    d.old_name_key as name_key,
    d.old_cluster_id as cluster_id,
    d.old_name as name,
    d.old_portfolio as portfolio,
    d.old_valid_until as valid_until,
    nullif(rtrim(regexp_extract(lower(d.old_website), '^[a-z][a-z0-9+.-]*://(?:www\.)?([^?#]*)', 1), '/'), '')
        as site
from delta as d
where
    d.name_key is null
    -- a cluster whose other (linked) name is listed is not leaving
    and d.old_cluster_id not in (
        select a.key_cluster_id from delta as a where a.old_cluster_id is null and a.key_cluster_id is not null
    );

create or replace temp table arriving as
select
    d.country_key,
    d.name_key,
    cluster_id_of(d.country_key, d.name_key) as cluster_id,
    d.name,
    d.portfolio,
    d.valid_until,
    nullif(rtrim(regexp_extract(lower(d.website), '^[a-z][a-z0-9+.-]*://(?:www\.)?([^?#]*)', 1), '/'), '')
        as site,
    d.key_first_run_id is null as new_in_run,
    coalesce(d.key_first_run_id, (select run_id from params)) as first_run_id
from delta as d
where
    d.name_key is not null
    and (d.key_first_run_id is null or d.key_first_run_id > d.last_complete_run_id);
