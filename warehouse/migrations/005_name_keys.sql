-- The identity key of every (country_id, name) the history holds, kept so that a merge computes
-- keys (Python's NFKC + casefold, see pipelines/contract.py) only for names it has not met before.
create table name_keys (
    country_id   varchar not null,
    name         varchar not null,
    country_key  varchar not null,
    name_key     varchar not null
);
