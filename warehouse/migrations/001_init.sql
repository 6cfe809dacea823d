-- The warehouse: crawl runs, every version of every cluster (type-2), the quarantine, the changes.
-- Base tables are private; analysts query the views defined in warehouse/views/.

create sequence run_id_seq start 1;

create table runs (
    run_id            integer primary key default nextval('run_id_seq'),
    started_at        timestamp not null,           -- UTC; the observation time of the run
    finished_at       timestamp,
    status            varchar not null check (status in ('running', 'ok', 'partial', 'failed')),
    start_url         varchar not null,
    pid               integer,
    pages_fetched     integer,
    pages_failed      integer,
    countries_listed  integer,
    countries_loaded  integer,
    stated_total      integer,
    stated_countries  integer,
    rows_seen         integer,
    rows_loaded       integer,
    rows_duplicate    integer,
    rows_rejected     integer,
    websites_invalid  integer,
    added             integer,
    changed           integer,
    removed           integer,
    new_portfolios    varchar[],
    message           varchar
);

-- identity: which cluster a (country, name) key belongs to
create table cluster_keys (
    country_key  varchar not null,
    name_key     varchar not null,
    cluster_id   varchar not null,
    first_run_id integer not null,
    primary key (country_key, name_key)
);

-- no index or key here: DuckDB updates indexed tables slowly, and the merge keeps the rules
create table versions (
    cluster_id   varchar not null,
    country      varchar not null,
    country_id   varchar not null,
    name         varchar not null,
    portfolio    varchar not null,
    website      varchar,
    valid_until  date not null,
    row_hash     varchar not null,
    valid_from   timestamp not null,
    valid_to     timestamp,
    run_from     integer not null,
    run_to       integer
);

create table quarantine (
    run_id      integer not null,
    page_url    varchar not null,
    row_number  integer,
    raw         json not null,
    reason      varchar not null
);

create table changes (
    run_id           integer not null,
    cluster_id       varchar not null,
    change           varchar not null check (change in ('added', 'changed', 'removed')),
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

-- the public views over these tables are definitions, not migrations: warehouse/views/*.sql
