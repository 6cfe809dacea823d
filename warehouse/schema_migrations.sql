-- The ledger of applied migrations, created before the first one runs.
create table if not exists schema_migrations (
    version    integer primary key,
    name       varchar not null,
    applied_at timestamp not null
);
