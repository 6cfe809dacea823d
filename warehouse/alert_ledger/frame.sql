-- The frame every alert kind's query (warehouse/alert_kinds/<kind>.sql) runs in, over the temp
-- table `alert_params` (params.sql): the labels listed now (or, `as_of` an earlier instant, then),
-- the changes of the runs the alerts run covers, and the table
-- the kinds' candidates are gathered in (each kind fills the columns it has).
create or replace temp view alert_current_labels as
select v.cluster_id, v.country, v.name, v.portfolio, v.website, v.valid_until
from versions as v
where v.valid_to is null and (select as_of from alert_params) is null
union all
select a.cluster_id, a.country, a.name, a.portfolio, a.website, a.valid_until
from clusters_as_of((select as_of from alert_params)) as a;

create or replace temp view alert_new_changes as
select ch.*
from changes as ch
cross join alert_params as p
where ch.run_id > p.changes_after and ch.run_id <= p.through_run_id;

create or replace temp table alert_candidates (
    alert_key            varchar not null,
    kind                 varchar not null,
    cluster_id           varchar,
    country              varchar,
    name                 varchar,
    portfolio            varchar,
    website              varchar,
    label_date           date,
    previous_label_date  date,
    threshold_days       integer,
    days_left            integer,
    renewal_closes_on    date,
    detail               varchar
);
