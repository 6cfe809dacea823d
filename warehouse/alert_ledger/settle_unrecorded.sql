-- An alerts run that delivered but could not record how it ended (another process held the
-- warehouse): settled once its journalled deliveries are, so the next window starts after it.
update alert_runs
set
    status = 'failed',
    finished_at = $at,
    raised = (select count(*) from alert_log where alert_run_id = $alert_run_id),
    message = $message
where alert_run_id = $alert_run_id and status = 'running'
