-- requires: cluster_history
-- The list as it stood at a moment, as far as the runs had observed it.
create or replace macro clusters_as_of(ts) as table
select
    cluster_id, country, country_id, name, portfolio, website, valid_until,
    first_seen_at, valid_from, valid_to
from cluster_history
where valid_from <= ts::timestamp and (valid_to is null or ts::timestamp < valid_to);

comment on macro table clusters_as_of is
    'The list as it stood at ts (UTC), as far as ecei-watch had observed: select * from clusters_as_of(''2021-01-01'').';
