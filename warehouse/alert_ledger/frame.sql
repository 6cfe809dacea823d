-- The frame every alert kind's query (warehouse/alert_kinds/<kind>.sql) runs in, over the temp
-- table `alert_params` (params.sql): the labels listed now (or, `as_of` an earlier instant, then),
-- the changes of the runs the alerts run covers, and the table the kinds' candidates are gathered in
-- (each kind fills the columns it has).
-- a label's episode: since when a cluster has been listed, without a break, with this label date
-- (alert_label_episodes.sql); an alert about a label names its episode, so a label listed again,
-- or renewed and set back, raises its alerts again
create or replace temp view alert_current_labels as
select v.cluster_id, v.country, v.name, v.portfolio, v.website, v.valid_until, e.label_since
from versions as v
join alert_label_episodes as e on e.cluster_id = v.cluster_id and e.valid_from = v.valid_from
where v.valid_to is null and (select as_of from alert_params) is null
union all
select a.cluster_id, a.country, a.name, a.portfolio, a.website, a.valid_until, null::timestamp as label_since
from clusters_as_of((select as_of from alert_params)) as a;

-- each change of the runs covered (what_happened_in_runs: its kind, `renewed`), with the start of its
-- refresh: the instant an alert about it names (kept by a replay, which numbers the runs anew)
create or replace temp view alert_new_changes as
select h.*, h.changed_at as run_started_at
from what_happened_in_runs(
    (select changes_after + 1 from alert_params), (select through_run_id from alert_params)
) as h;

-- a candidate has the columns of alert_log that warehouse.alerts.Candidate names ($candidate_columns,
-- declared there once), their types alert_log's
create or replace temp table alert_candidates as
select
    columns(lambda c: list_contains($candidate_columns::varchar[], c)),
    null::timestamp as event_at  -- when the event began (a label's episode, a change's refresh)
from alert_log
limit 0;
