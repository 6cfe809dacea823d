-- New alerts into the ledger, in the order given ($alerts: one struct per alert, its candidate
-- columns); a key raised meanwhile by another run is skipped, never duplicated.
insert into alert_log (
    alert_key, kind, cluster_id, country, name, portfolio, website, label_date, previous_label_date,
    threshold_days, days_left, renewal_closes_on, detail, today, alert_run_id, created_at
)
select
    a.alert_key, a.kind, a.cluster_id, a.country, a.name, a.portfolio, a.website, a.label_date,
    a.previous_label_date, a.threshold_days, a.days_left, a.renewal_closes_on, a.detail,
    $today, $alert_run_id, $created_at
from (select unnest($alerts) as a, generate_subscripts($alerts, 1) as position)
order by position
on conflict (alert_key) do nothing
returning alert_key, alert_id, created_at
