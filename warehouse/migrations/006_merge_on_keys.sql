-- Every version carries the identity key of its (country, name), as the pipeline computed it when
-- the row was staged. A merge then matches the staged rows to the open versions on the key itself,
-- instead of looking up the key of every name the history holds. Keys that name_keys lacks are
-- computed in Python right after this file, in the same transaction (warehouse/db.py).

alter table versions add column country_key varchar;

alter table versions add column name_key varchar;

update versions as v
set country_key = k.country_key, name_key = k.name_key
from name_keys as k
where k.country_id = v.country_id and k.name = v.name;

drop table name_keys;

-- cluster_keys loses its primary key, as versions never had one: DuckDB writes a table's whole
-- index at each checkpoint, which cost a third of a 1,000,000-row merge. The merge keeps the rule:
-- it adds only keys it looked up and did not find, from staged rows whose keys it checked unique.
create table cluster_keys_v6 (
    country_key  varchar not null,
    name_key     varchar not null,
    cluster_id   varchar not null,
    first_run_id integer not null
);

insert into cluster_keys_v6 select * from cluster_keys;

drop table cluster_keys;

alter table cluster_keys_v6 rename to cluster_keys;
