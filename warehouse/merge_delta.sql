-- Step 1 of a merge: what differs between the staged rows and the open versions, matched on the
-- identity key (country_key, name_key) and compared on row_hash. Runs inside the merge's
-- transaction with the temp tables `params`, `stage_rows` and `stage_rejected` filled. Only the rows that may change
-- something are kept:
--   - staged rows no open version has (`old_cluster_id` is null): new, returning or renamed;
--   - open versions no staged row has (`name_key` is null): gone, or renamed away; but not one whose
--     row the page showed and the run quarantined (`stage_rejected` names its key): a row seen
--     keeps its cluster listed, with its values as they were, unless another listed name of the
--     cluster (a rename linked before) takes its place;
--   - pairs whose observed values differ (`differs`; a row on one side only differs too);
--   - in a complete run, pairs whose open version is newer than the last complete run: a name that
--     first appeared in a partial run is still a rename candidate (warehouse/identity.py).
-- The match carries only keys, hashes and row ids: the columns of the few rows kept are fetched
-- after it, which halves the cost of matching a million rows. Staged rows also get the cluster id
-- and first run their key already has, if any (`key_*`).

create or replace temp table delta as
with last_complete as (
    select coalesce(max(r.run_id), 0) as run_id
    from runs as r
    where r.status = 'ok' and r.run_id < (select run_id from params)
),

open_versions as (
    select rowid as version_row, country_key, name_key, row_hash, run_from
    from versions
    where valid_to is null
),

matched as materialized (
    select
        s.rowid as stage_row,
        o.version_row,
        s.row_hash is distinct from o.row_hash as differs
    from stage_rows as s
    full outer join open_versions as o on s.country_key = o.country_key and s.name_key = o.name_key
    where
        s.row_hash is distinct from o.row_hash
        or (o.run_from > (select run_id from last_complete) and (select complete from params))
),

-- the few rows kept, each fetched by a semi join, which hashes the small side: a plain left join
-- would hash the whole table instead
new_rows as materialized (
    select s.rowid as stage_row, s.*
    from stage_rows as s
    semi join matched as m on s.rowid = m.stage_row
),

old_rows as materialized (
    select v.rowid as version_row, v.*
    from versions as v
    semi join matched as m on v.rowid = m.version_row
),

known_keys as materialized (
    select k.*
    from cluster_keys as k
    semi join new_rows as s on k.country_key = s.country_key and k.name_key = s.name_key
)

select
    s.country_key, s.name_key, s.country, s.country_id, s.name, s.portfolio, s.website, s.valid_until,
    s.row_hash,
    m.version_row,
    o.cluster_id as old_cluster_id,
    o.country_key as old_country_key,
    o.name_key as old_name_key,
    o.country as old_country,
    o.country_id as old_country_id,
    o.name as old_name,
    o.portfolio as old_portfolio,
    o.website as old_website,
    o.valid_until as old_valid_until,
    m.differs,
    k.cluster_id as key_cluster_id,
    k.first_run_id as key_first_run_id,
    (select run_id from last_complete) as last_complete_run_id
from matched as m
left join new_rows as s on m.stage_row = s.stage_row
left join old_rows as o on m.version_row = o.version_row
left join known_keys as k on s.country_key = k.country_key and s.name_key = k.name_key
where
    m.stage_row is not null
    or not exists (
        select 1 from stage_rejected as r
        where
            r.country_key = o.country_key
            and (
                r.name_key = o.name_key
                -- a name whose bytes did not decode keeps the cluster it can be: each run of U+FFFD
                -- (chr(65533)) stands for any characters, so `automoci<U+FFFD>n` keeps `automoción`
                or (
                    contains(r.name_key, chr(65533))
                    and regexp_full_match(
                        o.name_key, regexp_replace(regexp_escape(r.name_key), chr(65533) || '+', '.+', 'g')
                    )
                )
            )
    )
    or o.cluster_id in (select c.cluster_id from known_keys as c);
