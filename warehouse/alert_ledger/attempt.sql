-- The alerts' own count of attempts, and the last error any channel gave.
update alert_log
set attempts = attempts + 1, last_error = coalesce($error, last_error)
where alert_id in (select unnest($alert_ids::integer[]))
