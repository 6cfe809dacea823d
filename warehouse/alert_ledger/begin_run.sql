-- An alerts run starts: recorded as running, with what it covers.
insert into alert_runs (started_at, today, thresholds, through_run_id, channels, status)
values ($started_at, $today, $thresholds, $through_run_id, $channels, 'running')
returning alert_run_id
