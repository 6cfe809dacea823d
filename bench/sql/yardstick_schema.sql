-- The yardstick's whole warehouse: one type-2 history table.
create table if not exists hist (
    country_id  varchar,
    name        varchar,
    portfolio   varchar,
    website     varchar,
    valid_until date,
    row_hash    varchar,
    valid_from  timestamp,
    valid_to    timestamp
);
