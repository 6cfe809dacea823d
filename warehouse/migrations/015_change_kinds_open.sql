-- The change kinds are no longer listed in a CHECK of `changes`: which kind a change is belongs to
-- change_of (warehouse/semantics/what_happened.sql), their names and order to ecei/change_kinds.py
-- (a test holds every stored kind among them), so that a new kind needs no migration. DuckDB cannot
-- drop a CHECK in place: the table is rebuilt under its own name (views bind when queried).
create table changes_v15 (
    run_id           integer not null,
    cluster_id       varchar not null,
    change           varchar not null,
    country          varchar not null,
    country_id       varchar not null,
    name             varchar not null,
    old_name         varchar,
    new_name         varchar,
    old_portfolio    varchar,
    new_portfolio    varchar,
    old_website      varchar,
    new_website      varchar,
    old_valid_until  date,
    new_valid_until  date,
    changed_columns  varchar[]
);

insert into changes_v15 select * from changes;

drop table changes;

alter table changes_v15 rename to changes;
