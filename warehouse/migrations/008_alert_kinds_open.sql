-- Alert kinds are declared in code (ecei/alert_kinds.py, one query each in warehouse/alert_kinds/),
-- so the ledger no longer lists them: a new kind needs no migration. DuckDB cannot drop a CHECK
-- constraint: rebuild alert_log without the one on `kind`, keeping its rows and ids.
create table alert_log_v8 (
    alert_id             integer primary key default nextval('alert_id_seq'),
    -- kind, cluster (or 'watcher'), label date and threshold in one string: the uniqueness rule
    alert_key            varchar not null unique,
    kind                 varchar not null,         -- a kind of ecei/alert_kinds.py
    cluster_id           varchar,                  -- NULL for 'stale'
    country              varchar,
    name                 varchar,                  -- renamed: the new name
    portfolio            varchar,
    website              varchar,
    label_date           date,                     -- valid_until the alert is about (renewed: the new one)
    previous_label_date  date,                     -- renewed: the valid_until before the renewal
    threshold_days       integer,                  -- expiring: the rung of the ladder it crossed
    days_left            integer,                  -- label_date - today when raised (negative once lapsed)
    renewal_closes_on    date,                     -- lapsed: one year after the label lapsed
    detail               varchar,                  -- stale: why the watcher is stale; renamed: the old name
    today                date not null,            -- the run's today when raised
    alert_run_id         integer not null,         -- the alerts run that raised it
    created_at           timestamp not null,
    delivered_at         timestamp,                -- NULL while pending
    attempts             integer not null default 0,
    last_error           varchar
);

insert into alert_log_v8 select * from alert_log;
drop table alert_log;
alter table alert_log_v8 rename to alert_log;
