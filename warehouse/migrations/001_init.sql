-- The warehouse: crawl runs, every version of every cluster (type-2), the quarantine, the changes.
-- Base tables are private; analysts query the views at the end of this file.

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

create view crawl_runs as
select
    run_id, started_at, finished_at, status, start_url,
    pages_fetched, pages_failed, countries_listed, countries_loaded,
    rows_seen, rows_loaded, rows_duplicate, rows_rejected, websites_invalid,
    stated_total, stated_countries, added, changed, removed, new_portfolios, message
from runs;

create view cluster_history as
with first_seen as (
    select cluster_id, min(valid_from) as first_seen_at from versions group by cluster_id
)
select
    v.cluster_id, v.country, v.country_id, v.name, v.portfolio, v.website, v.valid_until,
    f.first_seen_at, v.valid_from, v.valid_to, v.valid_to is null as is_current,
    v.run_from as run_id_from, v.run_to as run_id_to, v.row_hash
from versions as v
join first_seen as f using (cluster_id);

create view clusters_current as
select
    cluster_id, country, country_id, name, portfolio, website, valid_until,
    first_seen_at, valid_from,
    valid_until < current_date as label_lapsed,
    datediff('day', current_date, valid_until) as label_days_left
from cluster_history
where valid_to is null;

create view rejected_rows as
select q.run_id, r.started_at as run_started_at, q.page_url, q.row_number, q.raw, q.reason
from quarantine as q
join runs as r using (run_id);

create view cluster_changes as
select
    c.run_id, r.started_at as changed_at, c.change, c.cluster_id, c.country, c.country_id, c.name,
    c.changed_columns, c.old_name, c.new_name, c.old_portfolio, c.new_portfolio,
    c.old_website, c.new_website, c.old_valid_until, c.new_valid_until
from changes as c
join runs as r using (run_id);

create macro clusters_as_of(ts) as table
select
    cluster_id, country, country_id, name, portfolio, website, valid_until,
    first_seen_at, valid_from, valid_to
from cluster_history
where valid_from <= ts::timestamp and (valid_to is null or ts::timestamp < valid_to);
