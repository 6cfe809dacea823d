-- Step 3 of a merge: classify the delta (merge_delta.sql) as the temp table `outcome`, one row per
-- change; merge.sql writes it. Runs inside the merge's transaction, after this run's renames gave
-- their new names the old name's cluster id (`key_cluster_id`, warehouse/identity.py).
-- `version_row` is the row id of the open version a change closes, valid for this transaction.

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
        -- the kind by warehouse/semantics/what_happened.sql (a pair: another name key, a rename)
        change_of(g.old_cluster_id, a.cluster_id, g.old_name_key, a.name_key) as change,
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
        change_of(d.old_cluster_id, d.old_cluster_id, d.old_name_key, d.name_key) as change,
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
