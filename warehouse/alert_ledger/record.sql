-- New alerts into the ledger, in the order given ($alerts: one struct per alert, its candidate
-- columns, inserted by name; each key once); a key the ledger already holds is skipped, never
-- duplicated. (Not `on conflict do nothing`: with `by name`, DuckDB 2.0 numbers the rows out of order.)
insert into alert_log by name
select unnest(a), $today as today, $alert_run_id as alert_run_id, $created_at as created_at
from (select unnest($alerts) as a, generate_subscripts($alerts, 1) as position)
where not exists (select 1 from alert_log as l where l.alert_key = a.alert_key)
order by position
returning alert_key, alert_id, created_at
