-- An alerts run ends: how it went and what it raised, delivered and left pending.
update alert_runs
set
    status = $status,
    finished_at = $at,
    raised = $raised,
    delivered = $delivered,
    pending = $pending,
    message = $message
where alert_run_id = $alert_run_id
