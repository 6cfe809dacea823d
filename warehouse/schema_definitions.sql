-- The ledger of applied definitions (warehouse/semantics/*.sql, warehouse/views/*.sql): each file's
-- path under warehouse/ and the sha256 of the text last applied, so that a file is applied again
-- exactly when its text changes (Flyway's repeatable migrations).
create table if not exists schema_definitions (
    name       varchar primary key,
    sha256     varchar not null,
    applied_at timestamp not null
);
