-- Cluster identity that survives renames: link decisions, a `renamed` change kind, a figure per run.

alter table runs add column renamed integer;

update runs set renamed = 0 where status in ('ok', 'partial');

create sequence link_id_seq start 1;

-- every identity decision, automatic or by a person; the latest one per pair is in force
create table cluster_links (
    link_id         integer primary key default nextval('link_id_seq'),
    run_id          integer not null,   -- auto: the run that judged; person: the new name's first run
    country_key     varchar not null,
    old_name_key    varchar not null,
    new_name_key    varchar not null,
    old_name        varchar not null,
    new_name        varchar not null,
    old_cluster_id  varchar not null,   -- the id the old name's history carries
    new_cluster_id  varchar not null,   -- the id the new name would have on its own
    evidence        varchar not null,
    score           double,
    decided_by      varchar not null check (decided_by in ('auto', 'person')),
    linked          boolean not null,
    decided_at      timestamp not null
);

-- DuckDB cannot alter a CHECK constraint: rebuild `changes` with the new kind
create table changes_v3 (
    run_id           integer not null,
    cluster_id       varchar not null,
    change           varchar not null check (change in ('added', 'changed', 'removed', 'renamed')),
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

insert into changes_v3 select * from changes;

-- DuckDB binds a view when it is queried: cluster_changes (whatever earlier migrations made of it)
-- reads the rebuilt table under the old name without being recreated
drop table changes;

alter table changes_v3 rename to changes;

-- crawl_runs shows `renamed`, and cluster_link_decisions the decision in force for each pair:
-- warehouse/views/
