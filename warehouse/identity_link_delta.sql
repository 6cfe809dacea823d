-- A linked new name continues its old name's cluster: give its arriving row in `delta` the old
-- cluster_id, which merge.sql then records in cluster_keys. Only a name never seen before
-- (no open version, no key yet) takes one. Parameters: $cluster_id, $country_key, $name_key.

update delta
set key_cluster_id = $cluster_id
where
    country_key = $country_key
    and name_key = $name_key
    and old_cluster_id is null
    and key_first_run_id is null
