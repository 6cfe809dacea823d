-- Migration 006's Python half: the identity keys of the versions whose name no stored key covered,
-- computed by pipelines.keys and passed as four lists of one length, a (country id, name) each:
-- $country_ids, $names, $country_keys, $name_keys.
with computed as (
    select
        unnest($country_ids::varchar[]) as country_id,
        unnest($names::varchar[]) as name,
        unnest($country_keys::varchar[]) as country_key,
        unnest($name_keys::varchar[]) as name_key
)

update versions as v
set country_key = k.country_key, name_key = k.name_key
from computed as k
where v.country_id = k.country_id and v.name = k.name;
