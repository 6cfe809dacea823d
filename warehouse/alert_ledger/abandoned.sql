-- Alerts runs still 'running' when a run holding the alerts lock starts were killed mid-way:
-- settled as failed, saying so, so that none stays running for good.
update alert_runs
set
    status = 'failed',
    finished_at = $at,
    raised = (select count(*) from alert_log as a where a.alert_run_id = alert_runs.alert_run_id),
    message = 'abandoned (the process ended before the run recorded how it went); settled by a later run'
where status = 'running'
returning alert_run_id
