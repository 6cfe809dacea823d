-- Alerts: a ledger of every alert ever raised (alert_log), the alerts runs that raised and
-- delivered them, and per-channel deliveries. alert_key makes alerting idempotent: an alert that
-- exists is never raised, nor sent, again.

create sequence alert_run_id_seq start 1;
create sequence alert_id_seq start 1;

create table alert_runs (
    alert_run_id    integer primary key default nextval('alert_run_id_seq'),
    started_at      timestamp not null,            -- UTC
    finished_at     timestamp,
    today           date not null,                 -- the day the run computed its alerts for
    thresholds      integer[] not null,            -- the ladder, in days
    through_run_id  integer,                       -- crawl runs up to this one are covered
    channels        integer not null,              -- how many channels it delivered to
    raised          integer,                       -- new alerts
    delivered       integer,                       -- alerts delivered to every channel by this run
    pending         integer,                       -- alerts left pending after it
    status          varchar not null check (status in ('running', 'ok', 'undelivered', 'failed')),
    message         varchar
);

create table alert_log (
    alert_id             integer primary key default nextval('alert_id_seq'),
    -- kind, cluster (or 'watcher'), label date and threshold in one string: the uniqueness rule
    alert_key            varchar not null unique,
    kind                 varchar not null
        check (kind in ('expiring', 'lapsed', 'renewed', 'delisted', 'stale')),
    cluster_id           varchar,                  -- NULL for 'stale'
    country              varchar,
    name                 varchar,
    portfolio            varchar,
    website              varchar,
    label_date           date,                     -- valid_until the alert is about (renewed: the new one)
    previous_label_date  date,                     -- renewed: the valid_until before the renewal
    threshold_days       integer,                  -- expiring: the rung of the ladder it crossed
    days_left            integer,                  -- label_date - today when raised (negative once lapsed)
    renewal_closes_on    date,                     -- lapsed: one year after the label lapsed
    detail               varchar,                  -- stale: why the watcher is stale
    today                date not null,            -- the run's today when raised
    alert_run_id         integer not null,         -- the alerts run that raised it
    created_at           timestamp not null,
    delivered_at         timestamp,                -- NULL while pending
    attempts             integer not null default 0,
    last_error           varchar
);

create table alert_deliveries (
    alert_id      integer not null,
    channel       varchar not null,                -- scheme and a hash of the URL, never the URL
    delivered_at  timestamp,
    attempts      integer not null default 0,
    last_error    varchar,
    primary key (alert_id, channel)
);
