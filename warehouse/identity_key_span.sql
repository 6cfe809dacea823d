-- The span of one name key's versions: the run of its first version, the run that closed its
-- last, how many are open (still listed), and a name to show. Parameters: $country_key, $name_key.

select
    min(v.run_from) as first_run,
    max(v.run_to) as last_run,
    count(*) filter (where v.valid_to is null) as open_versions,
    max(v.name) as name
from versions as v
where v.country_key = $country_key and v.name_key = $name_key
