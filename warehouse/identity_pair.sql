-- What a person's decision on one pair records: the old name's cluster_id, the id the new name
-- has on its own, the run where the new name was first seen, and the pair's last score.
-- Parameters: $country_key, $old_name_key, $new_name_key.

select
    (
        select k.cluster_id from cluster_keys as k
        where k.country_key = $country_key and k.name_key = $old_name_key
    ) as old_cluster_id,
    cluster_id_of($country_key, $new_name_key) as new_cluster_id,
    (
        select k.first_run_id from cluster_keys as k
        where k.country_key = $country_key and k.name_key = $new_name_key
    ) as first_run_id,
    (
        select l.score from cluster_links as l
        where l.country_key = $country_key and l.old_name_key = $old_name_key and l.new_name_key = $new_name_key
        order by l.link_id desc
        limit 1
    ) as last_score
