-- What differs between the list as it stood at $since_at and the list at $until_at, cluster by
-- cluster: what_happened (warehouse/semantics/what_happened.sql: the kind, `renewed`, the fields
-- before and after, the words). $country_ids (NULL: every country) keeps clusters in those
-- countries at either point; $kinds is ecei/change_kinds.py's order.
with happened as (
    select * from what_happened($since_at::timestamp, $until_at::timestamp)
),

final as (
    select * from happened
    where
        $country_ids::varchar[] is null
        or list_has_any($country_ids::varchar[], [old_country_id, new_country_id])
)

select * from final
order by list_position($kinds::varchar[], change), country, lower(name), name, cluster_id
