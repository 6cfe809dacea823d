-- The cluster-id rule, written once: a cluster first seen as (country key, name key) gets the first
-- 16 hex digits of the md5 of the two keys joined by the unit separator (chr 31). A renamed
-- cluster keeps the id of its first name (cluster_keys records which). Every query that derives
-- an id calls this macro; the keys themselves are computed by pipelines/keys.py.
create or replace macro cluster_id_of(country_key, name_key) as
    substr(md5(country_key || chr(31) || name_key), 1, 16);
