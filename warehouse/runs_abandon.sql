-- Runs left 'running' by a refresh process that died before its merge committed: failed as of
-- $finished_at. Run only while holding the refresh lock, when no refresh can be running.
update runs
set
    status = 'failed',
    finished_at = $finished_at,
    message = 'abandoned: the refresh process ended before its merge committed'
where status = 'running'
returning run_id;
